//! The command line. `--help` is the reference documentation: every flag has
//! a help line and an environment variable.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::filter::{LevelFilter, Targets};

/// motodex — the bikes website of the Flask Made Easy course, in one file.
///
/// Run it with no arguments to create database.db (if needed) and serve the
/// site on http://127.0.0.1:5000/.
#[derive(Debug, Parser)]
// No `args_conflicts_with_subcommands`: clap would then refuse the global
// `--db` before a subcommand (`motodex --db x.db create-admin NAME`).
#[command(name = "motodex", version)]
pub struct Cli {
    /// The SQLite database file; created when missing [default: database.db].
    // No default_value: `location::from_environment` must tell "not given"
    // from "database.db" (a macOS double-click keeps it beside the binary).
    #[arg(long, global = true, env = "MOTODEX_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// What the log on standard error shows: a level (error, warn, info, debug, trace) or per-module levels (motodex=debug,warn).
    #[arg(
        long,
        global = true,
        env = "MOTODEX_LOG",
        default_value = "info",
        value_name = "LEVEL",
        value_parser = log_filter
    )]
    pub log_level: Targets,

    /// The folder backups go in (for serve, backups and restore) [default: backups/ beside the database].
    #[arg(long, global = true, env = "MOTODEX_BACKUP_DIR", value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

/// A level, or `MODULE=LEVEL` pairs. A bare word that is no level is
/// refused: `Targets` would read it as a module name and silence
/// everything else, so a typo (`wran`) would turn the log off unnoticed.
fn log_filter(text: &str) -> Result<Targets, String> {
    for part in text.split(',') {
        if !part.contains('=') && part.trim().parse::<LevelFilter>().is_err() {
            return Err(format!(
                "{part:?} is not a level (off, error, warn, info, debug, trace) nor MODULE=LEVEL"
            ));
        }
    }
    text.parse().map_err(|e| format!("{e}"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open (or create) the database and serve the site (the default).
    Serve(ServeArgs),
    /// Add an account (the first one is the owner).
    CreateAdmin(CreateAdminArgs),
    /// Set a new password for an admin, end its sessions and lift its lock-out.
    ResetPassword(PasswordArgs),
    /// Write a consistent copy of the database to FILE (safe while serving).
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
    /// Write every bike to FILE as a spreadsheet (CSV, UTF-8 with BOM).
    Export {
        /// Where to write the CSV file; must not exist yet.
        file: PathBuf,
    },
    /// List the backups in the backup folder, newest first, with what each holds.
    Backups,
    /// Replace the database's contents with a backup (checked first; safe while serving).
    Restore {
        /// The backup to restore: a motodex backup or a Flask-course database.
        file: PathBuf,
        /// Do not ask for confirmation (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Add or change bikes from a spreadsheet (CSV); nothing changes unless every row is fine.
    Import(ImportArgs),
    /// Write the public catalogue as plain files (pages, photos, search) to open from a USB stick or any static host.
    ExportSite {
        /// The folder to write; it must be empty or not exist yet (see --force).
        dir: PathBuf,
        /// Write into a folder that is not empty: motodex's own files there are replaced, other files are kept.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file: a header row (maker or maker_id, model, year, engine,
    /// optional image_url, photo and bike_id), comma, semicolon or tab
    /// separated, UTF-8; or a .zip holding that file and its photos.
    pub file: PathBuf,
    /// The folder or .zip holding the photos the `photo` column names.
    #[arg(long, value_name = "DIR|ZIP")]
    pub photos: Option<PathBuf>,
    /// Check every row and say what would change, without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Create the makers the file names that do not exist yet.
    #[arg(long)]
    pub create_makers: bool,
    /// Change the bikes whose bike_id is given (other rows are added).
    #[arg(long)]
    pub update: bool,
}

#[derive(Debug, Args)]
pub struct CreateAdminArgs {
    #[command(flatten)]
    pub account: PasswordArgs,
    /// The account's role: owner, admin, editor or contributor (default:
    /// admin, or owner while there is none).
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// The admin's username.
    pub username: String,
    /// Read the password from one line of standard input instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; 0.0.0.0 lets other computers on the network connect [default: 127.0.0.1, or 0.0.0.0 when the share page's "Let other devices on this network open the site" is on].
    // No default_value: `Config` must tell "not given" (the share page's
    // setting decides) from "127.0.0.1".
    #[arg(long, env = "MOTODEX_HOST", value_name = "ADDR")]
    pub host: Option<IpAddr>,

    /// Port to listen on (0 = any free port) [default: 5000, or the next free one].
    #[arg(long, env = "MOTODEX_PORT", value_name = "N")]
    pub port: Option<u16>,

    /// Certificate chain (PEM) to serve HTTPS; needs --tls-key.
    #[arg(
        long,
        env = "MOTODEX_TLS_CERT",
        value_name = "PEM",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) to serve HTTPS; needs --tls-cert.
    #[arg(
        long,
        env = "MOTODEX_TLS_KEY",
        value_name = "PEM",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Do not open a web browser at start-up.
    #[arg(long, env = "MOTODEX_NO_BROWSER", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub no_browser: bool,

    /// Start a new database empty instead of with the sample catalogue.
    #[arg(long, env = "MOTODEX_NO_SAMPLE_DATA", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub no_sample_data: bool,

    /// Log an admin out after this many seconds without a request.
    #[arg(long, env = "MOTODEX_SESSION_IDLE_SECS", default_value_t = 1800, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub session_idle_secs: u64,

    /// Another name this server answers to, e.g. its DNS name behind a reverse proxy (repeatable; the environment variable takes a comma-separated list). The listening addresses, localhost and the computer's own name always work; other names get 421.
    #[arg(
        long,
        env = "MOTODEX_PUBLIC_HOST",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub public_host: Vec<String>,

    /// Log an admin out this many seconds after logging in ("remember me": 30 days).
    #[arg(long, env = "MOTODEX_SESSION_MAX_SECS", default_value_t = 43200, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub session_max_secs: u64,

    /// Sign cookies with this key (hex, at least 32 bytes) instead of the one stored in the database; the environment variable keeps it out of the process list.
    #[arg(
        long,
        env = "MOTODEX_SECRET_KEY",
        hide_env_values = true,
        value_name = "HEX"
    )]
    pub secret_key: Option<String>,

    /// Render every public page afresh instead of keeping it for up to a second (for measurements).
    #[arg(long, env = "MOTODEX_NO_PAGE_CACHE", hide = true, value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub no_page_cache: bool,

    /// Keep deleted bikes and makers in the trash this many days (0 = delete at once).
    #[arg(long, env = "MOTODEX_TRASH_DAYS", default_value_t = 30, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=36500))]
    pub trash_days: u64,

    /// Write an automatic backup every N hours while serving (0 = never).
    #[arg(
        long,
        env = "MOTODEX_BACKUP_EVERY_HOURS",
        default_value_t = 24,
        value_name = "N"
    )]
    pub backup_every_hours: u64,

    /// Tests only: the backup interval in seconds, overriding --backup-every-hours.
    #[arg(long, hide = true, env = "MOTODEX_BACKUP_EVERY_SECS", value_name = "N")]
    pub backup_every_secs: Option<u64>,

    /// How many automatic backups to keep (older ones are deleted).
    #[arg(long, env = "MOTODEX_KEEP_BACKUPS", default_value_t = 14, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub keep_backups: u64,
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn a_log_level_is_a_level_or_module_levels() {
        assert!(log_filter("warn").is_ok());
        assert!(log_filter("motodex=debug,warn").is_ok());
        assert!(log_filter("wran").is_err());
        assert!(log_filter("motodex=loud").is_err());
    }
}
