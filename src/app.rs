//! One function builds the app — used by `main` and by every test — and one
//! runs it until asked to stop.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use cookie::Key;
use tokio::net::TcpListener;

use crate::auth::password::Passwords;
use crate::auth::session::SessionPolicy;
use crate::backup::Schedule;
use crate::config::{Config, ConnectionLimits, DEFAULT_PORT, REMEMBER_ME};
use crate::cookies::CookieSettings;
use crate::db::{Db, DbError, settings, users};
use crate::page_cache::PageCache;
use crate::photo::PhotoWorkers;
use crate::state::{AppState, Listening, SetupToken, SiteCache};
use crate::{prompt, routes, server};

/// Start-up faults, each one sentence saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0} is not a SQLite database (or it is damaged). Choose another file with --db.")]
    NotADatabase(PathBuf),
    #[error(
        "Cannot create or open the database {0}: {1}. Check that the folder exists and that you may write to it, or choose another place with --db."
    )]
    CannotOpen(PathBuf, String),
    #[error(
        "Port {0} is already in use by another program. Stop that program or choose another port with --port."
    )]
    PortInUse(u16),
    #[error(
        "Cannot listen on {0}: {1}. Choose another address with --host or another port with --port."
    )]
    CannotListen(SocketAddr, String),
    #[error(
        "The secret key (--secret-key or MOTODEX_SECRET_KEY) must be at least 64 hexadecimal digits (32 bytes)."
    )]
    BadSecretKey,
    #[error("{0}")]
    Tls(String),
    #[error("The server stopped: {0}")]
    Server(String),
}

pub struct App {
    state: Arc<AppState>,
    listener: TcpListener,
    tls_acceptor: Option<tokio_rustls::TlsAcceptor>,
    local_addr: SocketAddr,
    /// When no port was asked for and 5000 was busy, the port taken instead.
    pub moved_from_default_port: bool,
    setup_url: Option<String>,
    hosts: server::HostCheck,
    limits: ConnectionLimits,
}

impl App {
    pub async fn build(config: Config) -> Result<App, StartError> {
        // TLS files first: a bad certificate must not leave a new database
        // behind or hold a port.
        let tls = config
            .tls
            .as_ref()
            .map(crate::tls::acceptor)
            .transpose()
            .map_err(StartError::Tls)?;
        let db_path = std::path::absolute(&config.db_path).unwrap_or(config.db_path.clone());
        let db = open_db(&db_path, config.sample_data)?;
        let key = cookie_key(&db, config.secret_key_hex.as_deref())?;
        let open_to_network = if config.host_from_settings {
            db.read_now(settings::open_to_network)
                .map_err(|e| StartError::Server(e.to_string()))?
        } else {
            None
        };
        let host = match open_to_network {
            Some(true) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            _ => config.host,
        };
        let (mut listener, moved_from_default_port) = bind(host, config.port).await?;
        let mut local_addr = listener
            .local_addr()
            .map_err(|e| StartError::Server(e.to_string()))?;

        let mut setup_token = None;
        let can_add_admin = !db.is_read_only();
        if can_add_admin && admin_count(&db)? == 0 && config.interactive_setup {
            let prompt_db = db.clone();
            let ask_network = config.host_from_settings && open_to_network.is_none();
            let opened = tokio::task::spawn_blocking(move || {
                prompt::prompt_first_admin(&prompt_db);
                ask_network && prompt::ask_open_to_network(&prompt_db)
            })
            .await
            .map_err(|e| StartError::Server(e.to_string()))?;
            if opened && local_addr.ip().is_loopback() {
                // The same port on every interface, at once rather than at
                // the next start: nobody has connected yet.
                drop(listener);
                listener = bind(IpAddr::V4(Ipv4Addr::UNSPECIFIED), Some(local_addr.port()))
                    .await?
                    .0;
                local_addr = listener
                    .local_addr()
                    .map_err(|e| StartError::Server(e.to_string()))?;
            }
        }
        if can_add_admin && admin_count(&db)? == 0 {
            setup_token = Some(crate::auth::csrf::new_token());
        }
        let setup_url = setup_token.as_ref().map(|token| {
            format!(
                "{}admin/setup?token={token}",
                base_url(local_addr, config.tls.is_some())
            )
        });

        let state = Arc::new(AppState {
            db,
            cookies: CookieSettings {
                key,
                secure: config.tls.is_some(),
            },
            passwords: Passwords::default(),
            photos: PhotoWorkers::default(),
            pages: PageCache::new(!config.page_cache),
            sessions: SessionPolicy {
                idle_secs: config.session_idle.as_secs() as i64,
                max_secs: config.session_max.as_secs() as i64,
                remember_secs: REMEMBER_ME.as_secs() as i64,
            },
            tls: config.tls.is_some(),
            setup_token: SetupToken::new(setup_token),
            trash_days: config.trash_days,
            imports: Default::default(),
            held_photos: crate::photo::HeldPhotos::new(crate::photo::HELD_PHOTO_LIMITS),
            backups: Arc::new(Schedule::new(
                config
                    .backup_dir
                    .clone()
                    .unwrap_or_else(|| crate::backup::default_dir(&db_path)),
                config.backup_every,
                config.keep_backups,
            )),
            restores: crate::backup::Pending::default(),
            started_at: crate::clock::now(),
            listening: Listening {
                addr: local_addr,
                tls: config.tls.is_some(),
                host_given: !config.host_from_settings,
            },
            site: SiteCache::default(),
        });
        Ok(App {
            state,
            listener,
            tls_acceptor: tls,
            local_addr,
            moved_from_default_port,
            setup_url,
            hosts: server::HostCheck::new(local_addr.ip(), &config.public_hosts),
            limits: config.limits,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// `http://HOST:PORT/` as a browser on this computer reaches it.
    pub fn url(&self) -> String {
        base_url(self.local_addr, self.state.tls)
    }

    /// Neither `--host` nor `MOTODEX_HOST` was given, so the share page's
    /// setting chose where this server listens.
    pub fn host_from_settings(&self) -> bool {
        !self.state.listening.host_given
    }

    /// True when the database file could only be opened for reading.
    pub fn read_only(&self) -> bool {
        self.state.db.is_read_only()
    }

    pub fn db_path(&self) -> PathBuf {
        self.state.db.path().to_path_buf()
    }

    /// The first-admin link, while no admin exists.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    pub fn state(&self) -> Arc<AppState> {
        Arc::clone(&self.state)
    }

    /// Serves until `shutdown` completes, lets in-flight requests finish,
    /// then checkpoints the database into one file.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let site = routes::site(Arc::clone(&self.state));
        let purger = tokio::spawn(purge_trash_hourly(Arc::clone(&self.state)));
        let backups = tokio::spawn(crate::backup::run_schedule(
            self.state.db.clone(),
            Arc::clone(&self.state.backups),
        ));
        let watch = tokio::spawn(watch_for_replacement(self.state.db.clone()));
        server::serve(
            self.listener,
            self.tls_acceptor,
            site,
            self.hosts,
            self.limits,
            shutdown,
        )
        .await;
        purger.abort();
        watch.abort();
        // A backup being written finishes on its blocking thread or stops
        // with the process; either way no file gets a backup's name unchecked.
        backups.abort();
        self.state
            .db
            .checkpoint()
            .map_err(|e| StartError::Server(e.to_string()))
    }
}

/// What the trash has kept longer than `--trash-days` is deleted at start
/// and then every hour (SPEC §8).
async fn purge_trash_hourly(state: Arc<AppState>) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        if state.db.is_read_only() {
            continue;
        }
        let cutoff = trash_cutoff(state.trash_days);
        if let Err(err) = state
            .db
            .write(move |tx| crate::db::trash::purge(tx, cutoff))
            .await
        {
            tracing::error!("Emptying the old trash failed: {err}");
        }
    }
}

/// Looks every two seconds whether the database file was replaced under
/// the server (writes and the shutdown checkpoint look too), so that the
/// terminal says so soon and nothing more is written to it.
async fn watch_for_replacement(db: Db) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let db = db.clone();
        let replaced = tokio::task::spawn_blocking(move || db.check_not_replaced().is_err())
            .await
            .unwrap_or(false);
        if replaced {
            return;
        }
    }
}

/// Items trashed before this moment (UTC seconds) are purged.
fn trash_cutoff(days: u64) -> i64 {
    match days {
        0 => i64::MAX,
        days => crate::clock::now().saturating_sub((days as i64).saturating_mul(86_400)),
    }
}

fn base_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    let host = match addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    };
    format!("{scheme}://{host}:{}/", addr.port())
}

fn open_db(path: &std::path::Path, sample_data: bool) -> Result<Db, StartError> {
    Db::open(path, sample_data).map_err(|err| match err {
        DbError::NotADatabase => StartError::NotADatabase(path.to_path_buf()),
        DbError::ReadOnly if path.exists() => StartError::CannotOpen(
            path.to_path_buf(),
            "it is read-only and needs an upgrade first".into(),
        ),
        DbError::ReadOnly => {
            StartError::CannotOpen(path.to_path_buf(), "the folder cannot be written".into())
        }
        other => StartError::CannotOpen(path.to_path_buf(), other.to_string()),
    })
}

fn admin_count(db: &Db) -> Result<i64, StartError> {
    db.write_now(|tx| users::count(tx))
        .map_err(|e| StartError::Server(e.to_string()))
}

/// The key that signs cookies: from `--secret-key` when set,
/// otherwise the random one stored in the database at creation.
fn cookie_key(db: &Db, override_hex: Option<&str>) -> Result<Key, StartError> {
    let hex_key = match override_hex {
        Some(hex_key) => hex_key.to_string(),
        None => db
            .read_now(|conn| settings::get(conn, settings::SECRET_KEY))
            .map_err(|e| StartError::Server(e.to_string()))?
            .ok_or(StartError::BadSecretKey)?,
    };
    let bytes = hex::decode(hex_key.trim()).map_err(|_| StartError::BadSecretKey)?;
    if bytes.len() < 32 {
        return Err(StartError::BadSecretKey);
    }
    Ok(Key::derive_from(&bytes))
}

/// Binds the asked-for port, or, when none was asked for, 5000 or the next
/// free one after it.
async fn bind(host: IpAddr, port: Option<u16>) -> Result<(TcpListener, bool), StartError> {
    let try_bind = |port: u16| async move {
        let addr = SocketAddr::new(host, port);
        TcpListener::bind(addr).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => StartError::PortInUse(port),
            _ => StartError::CannotListen(addr, e.to_string()),
        })
    };
    match port {
        Some(port) => Ok((try_bind(port).await?, false)),
        None => {
            for candidate in DEFAULT_PORT..DEFAULT_PORT.saturating_add(100) {
                match try_bind(candidate).await {
                    Ok(listener) => return Ok((listener, candidate != DEFAULT_PORT)),
                    Err(StartError::PortInUse(_)) => continue,
                    Err(other) => return Err(other),
                }
            }
            Ok((try_bind(0).await?, true))
        }
    }
}
