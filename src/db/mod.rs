//! All SQL lives under this module; nothing else in motodex knows SQL.
//!
//! SQLite work never runs on the async executor: every call goes through
//! [`Db::read`] or [`Db::write`], which run the closure on tokio's blocking
//! pool. Reads share a small pool of connections (WAL lets them run beside the
//! writer); writes go through one connection, one at a time, so concurrent
//! admins queue instead of meeting "database is locked".

pub mod bikes;
pub mod catalogue;
#[cfg(feature = "bench-data")]
pub mod generate;
pub mod images;
pub mod makers;
pub mod memo;
pub mod sample;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

/// How many read connections serve page requests at once.
const READERS: usize = 4;
/// How long a connection waits for another process (e.g. `motodex backup`)
/// holding the write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a backup retries while another process holds the database
/// locked (each try also waits up to [`BUSY_TIMEOUT`]).
const BACKUP_ATTEMPTS: u32 = 5;

/// What can go wrong with the database, in the terms a user is told.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database is read-only")]
    ReadOnly,
    #[error("the disk is full")]
    DiskFull,
    #[error("the database is busy")]
    Busy,
    #[error("the database file is damaged or is not a motodex database")]
    NotADatabase,
    #[error("there is no database at {0}")]
    Missing(PathBuf),
    #[error("database error: {0}")]
    Other(rusqlite::Error),
    #[error("cannot create a temporary file: {0}")]
    TempFile(std::io::Error),
    #[error("database worker stopped: {0}")]
    Worker(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match err.sqlite_error_code() {
            Some(ReadOnly) => DbError::ReadOnly,
            Some(DiskFull) => DbError::DiskFull,
            Some(DatabaseBusy | DatabaseLocked) => DbError::Busy,
            Some(NotADatabase | DatabaseCorrupt) => DbError::NotADatabase,
            // A disk remounted read-only under a running server shows up
            // as a failed write, not as SQLITE_READONLY.
            Some(SystemIoFailure) if is_failed_write(&err) => DbError::ReadOnly,
            _ => DbError::Other(err),
        }
    }
}

fn is_failed_write(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.extended_code == rusqlite::ffi::SQLITE_IOERR_WRITE)
}

pub type DbResult<T> = Result<T, DbError>;

/// A handle to the one database file, cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// `None` when the file (or its folder, or the disk) is read-only: the
    /// catalogue is still served and every write answers [`DbError::ReadOnly`].
    writer: Mutex<Option<Connection>>,
    write_turn: Semaphore,
    readers: Mutex<Vec<Connection>>,
    read_turns: Semaphore,
    memo: memo::Memo,
}

impl Db {
    /// Opens (creating when missing) the database, brings its schema up to
    /// date and, for a new file, fills the sample catalogue when asked. An
    /// existing file that cannot be written is opened read-only.
    pub fn open(path: &Path, sample_data: bool) -> DbResult<Db> {
        Db::open_with_page_cache(path, sample_data, true)
    }

    /// [`Db::open`], with the page cache on or off.
    pub fn open_with_page_cache(path: &Path, sample_data: bool, page_cache: bool) -> DbResult<Db> {
        let writer = match open_writer(path, sample_data) {
            Ok(writer) => Some(writer),
            Err(DbError::ReadOnly) if path.exists() => None,
            Err(err) => return Err(err),
        };
        let readers = (0..READERS)
            .map(|_| open_reader(path))
            .collect::<DbResult<Vec<_>>>()?;
        if writer.is_none() {
            let version: i64 = readers[0].query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version < schema::latest_version() {
                // An old database needs its upgrade written before it can be used.
                return Err(DbError::ReadOnly);
            }
        }
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                write_turn: Semaphore::new(1),
                readers: Mutex::new(readers),
                read_turns: Semaphore::new(READERS),
                memo: memo::Memo::new(page_cache),
            }),
        })
    }

    /// True when the database could only be opened for reading.
    pub fn is_read_only(&self) -> bool {
        lock(&self.inner.writer).is_none()
    }

    /// Opens an existing database for a command-line tool; refuses a missing file.
    pub fn open_existing(path: &Path) -> DbResult<Db> {
        if !path.exists() {
            return Err(DbError::Missing(path.to_path_buf()));
        }
        Db::open(path, false)
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Answers derived from this database (rendered pages), dropped by every
    /// write made through this handle.
    pub fn memo(&self) -> &memo::Memo {
        &self.inner.memo
    }

    /// Runs a read-only query on a pooled connection off the executor.
    pub async fn read<T, F>(&self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        let _turn = self
            .inner
            .read_turns
            .acquire()
            .await
            .map_err(|e| DbError::Worker(e.to_string()))?;
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let conn = lock(&inner.readers)
                .pop()
                .ok_or_else(|| DbError::Worker("no free reader".into()))?;
            let result = work(&conn);
            lock(&inner.readers).push(conn);
            result
        })
        .await
    }

    /// Runs `work` inside one write transaction; it is committed before this
    /// returns, so a caller that answers afterwards never acknowledges a lost write.
    pub async fn write<T, F>(&self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction) -> DbResult<T> + Send + 'static,
    {
        let _turn = self
            .inner
            .write_turn
            .acquire()
            .await
            .map_err(|e| DbError::Worker(e.to_string()))?;
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let value = write_on(&inner.writer, work)?;
            inner.memo.invalidate();
            Ok(value)
        })
        .await
    }

    /// Blocking write for start-up and command-line work.
    pub fn write_now<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction) -> DbResult<T>,
    ) -> DbResult<T> {
        let value = write_on(&self.inner.writer, work)?;
        self.inner.memo.invalidate();
        Ok(value)
    }

    /// Blocking read for start-up and command-line work.
    pub fn read_now<T>(&self, work: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        let conn = lock(&self.inner.readers)
            .pop()
            .ok_or_else(|| DbError::Worker("no free reader".into()))?;
        let result = work(&conn);
        lock(&self.inner.readers).push(conn);
        result
    }

    /// Writes a consistent copy of the whole database into a new temporary
    /// file (deleted when the returned handle is dropped), safe while other
    /// connections write.
    pub async fn backup_to_temp_file(&self) -> DbResult<tempfile::NamedTempFile> {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let file = tempfile::Builder::new()
                .prefix("motodex-backup-")
                .suffix(".db")
                .tempfile()
                .map_err(DbError::TempFile)?;
            let source = open_connection(&inner.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            backup_connection(&source, file.path())?;
            Ok(file)
        })
        .await
    }

    /// Folds the write-ahead log back into the main file; called at shutdown
    /// so that the database is one self-contained file again.
    pub fn checkpoint(&self) -> DbResult<()> {
        if let Some(writer) = lock(&self.inner.writer).as_ref() {
            writer.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        Ok(())
    }
}

/// Online backup from `source` into a new file at `target`.
pub fn backup_connection(source: &Connection, target: &Path) -> DbResult<()> {
    let mut copy = Connection::open(target)?;
    {
        let backup = rusqlite::backup::Backup::new(source, &mut copy)?;
        // Every page in one step, under one read transaction: a consistent
        // snapshot that writers (in WAL mode) neither block nor spoil. Copying
        // a few pages at a time would start over after each write another
        // connection makes, so a busy server could keep it from ever ending.
        let mut attempts = 0;
        while backup.step(-1)? != rusqlite::backup::StepResult::Done {
            attempts += 1;
            if attempts == BACKUP_ATTEMPTS {
                return Err(DbError::Busy);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // A backup should be one self-contained file, not a WAL pair.
    copy.execute_batch("PRAGMA journal_mode = DELETE;")?;
    Ok(())
}

fn write_on<T>(
    writer: &Mutex<Option<Connection>>,
    work: impl FnOnce(&rusqlite::Transaction) -> DbResult<T>,
) -> DbResult<T> {
    let mut guard = lock(writer);
    let conn = guard.as_mut().ok_or(DbError::ReadOnly)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let value = work(&tx)?;
    tx.commit()?;
    Ok(value)
}

fn open_writer(path: &Path, sample_data: bool) -> DbResult<Connection> {
    let mut writer = open_connection(path, OpenFlags::default())?;
    // SQLite quietly opens a file it cannot write read-only; say so instead.
    if writer.is_readonly(rusqlite::MAIN_DB)? {
        return Err(DbError::ReadOnly);
    }
    schema::migrate(&mut writer, sample_data)?;
    Ok(writer)
}

/// A read-only connection. On read-only media a WAL database cannot create
/// its shared-memory file, so fall back to reading it as immutable.
fn open_reader(path: &Path) -> DbResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let plain = open_connection(path, flags).and_then(|conn| {
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(conn)
    });
    match plain {
        Err(DbError::Other(_) | DbError::ReadOnly) => {
            let escaped = path
                .display()
                .to_string()
                .replace('%', "%25")
                .replace('?', "%3f")
                .replace('#', "%23");
            let uri = format!("file:{escaped}?immutable=1");
            open_connection(Path::new(&uri), flags | OpenFlags::SQLITE_OPEN_URI)
        }
        other => other,
    }
}

fn open_connection(path: &Path, flags: OpenFlags) -> DbResult<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    if !flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
        // Reading the journal mode also proves the file is a SQLite database.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if mode != "wal" {
            conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        }
        // FULL: an acknowledged write survives even a power cut, not only a crash.
        conn.execute_batch("PRAGMA synchronous = FULL;")?;
    }
    catalogue::register_functions(&conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> DbResult<T> + Send + 'static,
) -> DbResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DbError::Worker(e.to_string()))?
}

/// A poisoned lock only means another query panicked; the connection itself
/// is still usable, so carry on rather than take the whole site down.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Seconds since the Unix epoch, the one clock every table uses.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
