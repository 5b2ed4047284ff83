//! Settings for one running server, built from the command line (or by tests).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::ServeArgs;

/// The port motodex uses when none is asked for (Flask's default too).
pub const DEFAULT_PORT: u16 = 5000;

#[derive(Debug, Clone)]
pub struct Config {
    pub db_path: PathBuf,
    pub host: IpAddr,
    /// `None`: the default port, or the next free one if it is busy.
    pub port: Option<u16>,
    pub tls: Option<TlsFiles>,
    pub open_browser: bool,
    pub sample_data: bool,
    pub session_idle: Duration,
    pub session_max: Duration,
    /// Hex from `MOTODEX_SECRET_KEY`, overriding the key stored in the database.
    pub secret_key_hex: Option<String>,
    /// Ask for the first admin on the terminal when none exists.
    pub interactive_setup: bool,
    /// `None`: `backups/` beside the database.
    pub backup_dir: Option<PathBuf>,
    /// `None`: no automatic backups.
    pub backup_every: Option<Duration>,
    pub keep_backups: usize,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// "Remember me" keeps an admin logged in this long.
pub const REMEMBER_ME: Duration = Duration::from_secs(30 * 24 * 3600);

impl Config {
    /// A config for tests and tools: a free port on loopback, no browser,
    /// no terminal prompt.
    pub fn for_tests(db_path: PathBuf) -> Config {
        Config {
            db_path,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: Some(0),
            tls: None,
            open_browser: false,
            sample_data: true,
            session_idle: Duration::from_secs(1800),
            session_max: Duration::from_secs(43200),
            secret_key_hex: None,
            interactive_setup: false,
            backup_dir: None,
            backup_every: None,
            keep_backups: 14,
        }
    }

    pub fn from_args(db_path: PathBuf, args: ServeArgs, interactive: bool) -> Config {
        let tls = match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            _ => None,
        };
        Config {
            db_path,
            host: args.host,
            port: args.port,
            tls,
            open_browser: !args.no_browser && interactive && args.host.is_loopback(),
            sample_data: !args.no_sample_data,
            session_idle: Duration::from_secs(args.session_idle_secs),
            session_max: Duration::from_secs(args.session_max_secs),
            secret_key_hex: std::env::var("MOTODEX_SECRET_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            interactive_setup: interactive,
            backup_dir: None,
            backup_every: match args.backup_every_secs {
                Some(secs) => Some(Duration::from_secs(secs)),
                None => Some(Duration::from_secs(
                    args.backup_every_hours.saturating_mul(3600),
                )),
            }
            .filter(|every| !every.is_zero()),
            keep_backups: usize::try_from(args.keep_backups).unwrap_or(usize::MAX),
        }
    }
}
