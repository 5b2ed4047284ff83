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
    /// Neither `--host` nor `MOTODEX_HOST` was given: the database's
    /// `open_to_network` setting (the share page's) chooses between
    /// `host` and every interface.
    pub host_from_settings: bool,
    /// `None`: the default port, or the next free one if it is busy.
    pub port: Option<u16>,
    pub tls: Option<TlsFiles>,
    pub open_browser: bool,
    pub sample_data: bool,
    pub session_idle: Duration,
    pub session_max: Duration,
    /// Hex from `--secret-key`, overriding the key stored in the database.
    pub secret_key_hex: Option<String>,
    /// Rendered public pages are kept for a moment (off: `--no-page-cache`).
    pub page_cache: bool,
    /// Ask for the first admin on the terminal when none exists.
    pub interactive_setup: bool,
    /// Names a request's `Host` may give besides the listening addresses,
    /// `localhost` and the machine's own names (`--public-host`).
    pub public_hosts: Vec<String>,
    pub limits: ConnectionLimits,
    /// Days the trash keeps deleted bikes and makers (0: delete at once).
    pub trash_days: u64,
    /// `None`: `backups/` beside the database.
    pub backup_dir: Option<PathBuf>,
    /// `None`: no automatic backups.
    pub backup_every: Option<Duration>,
    pub keep_backups: usize,
}

/// What one client may hold of the server (SPEC §6), so that slow or idle
/// clients cannot starve the others.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections at once, from everyone (lowered at start to fit the
    /// process's open-file limit).
    pub max_connections: usize,
    /// Open connections at once from one client address.
    pub max_per_address: usize,
    /// Time for the request's headers (and the TLS handshake), and how long
    /// a kept-alive connection may sit idle.
    pub header_timeout: Duration,
    /// The body must arrive, and the response be taken, within this grace
    /// time plus its length at `min_rate`.
    pub grace: Duration,
    /// Bytes per second a client must at least manage, up or down.
    pub min_rate: u64,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: 1000,
            // Browsers open about six per site; a classroom behind one
            // address opens many more.
            max_per_address: 128,
            header_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(10),
            min_rate: 16 * 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The trash keeps deleted items this many days (SPEC §8).
pub const DEFAULT_TRASH_DAYS: u64 = 30;

/// "Remember me" keeps an admin logged in this long.
pub const REMEMBER_ME: Duration = Duration::from_secs(30 * 24 * 3600);

impl Config {
    /// A config for tests and tools: a free port on loopback, no browser,
    /// no terminal prompt.
    pub fn for_tests(db_path: PathBuf) -> Config {
        Config {
            db_path,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            host_from_settings: false,
            port: Some(0),
            tls: None,
            open_browser: false,
            sample_data: true,
            session_idle: Duration::from_secs(1800),
            session_max: Duration::from_secs(43200),
            secret_key_hex: None,
            page_cache: true,
            interactive_setup: false,
            public_hosts: Vec::new(),
            limits: ConnectionLimits::default(),
            trash_days: DEFAULT_TRASH_DAYS,
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
        let host = args.host.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        Config {
            db_path,
            host,
            host_from_settings: args.host.is_none(),
            port: args.port,
            tls,
            // Opened on this computer at 127.0.0.1 also when the share
            // page's setting opens the site to the network.
            open_browser: !args.no_browser && interactive && host.is_loopback(),
            sample_data: !args.no_sample_data,
            session_idle: Duration::from_secs(args.session_idle_secs),
            session_max: Duration::from_secs(args.session_max_secs),
            // Empty, as `MOTODEX_SECRET_KEY=` in a service file leaves it:
            // the stored key, as when the variable is unset.
            secret_key_hex: args.secret_key.filter(|k| !k.is_empty()),
            page_cache: !args.no_page_cache,
            interactive_setup: interactive,
            public_hosts: args.public_host,
            limits: ConnectionLimits::default(),
            trash_days: args.trash_days,
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
