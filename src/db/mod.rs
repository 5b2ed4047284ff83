//! All SQL lives under this module; nothing else in motodex knows SQL.
//!
//! SQLite work never holds up the async executor: every call goes through
//! [`Db::read`] or [`Db::write`], which run the closure on tokio's blocking
//! pool, or [`Db::quick_read`], which runs it on the executor within a
//! budget of half a millisecond and moves it to the pool past that. Reads share a small pool of connections (WAL lets them run beside the
//! writer); writes go through one connection, one at a time, so concurrent
//! admins queue instead of meeting "database is locked".

pub mod activity;
pub mod authors;
pub mod backup;
pub mod bikes;
mod budget;
pub mod catalogue;
pub mod drafts;
mod error;
#[cfg(feature = "bench-data")]
pub mod generate;
pub mod images;
pub mod login_failures;
pub mod makers;
mod names;
mod open;
mod replaced;
pub mod sample;
pub mod schema;
pub mod sessions;
pub mod settings;
mod snapshot;
pub mod transfer;
pub mod trash;
pub mod two_factor;
pub mod undo;
pub mod users;
pub mod versions;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The handles the rest of motodex passes into this module's functions,
/// without writing SQL of its own.
pub use rusqlite::{Connection, Transaction};
use tokio::sync::Semaphore;

pub use error::{DbError, DbResult};
use open::{open_reader, open_writer};
use snapshot::snapshot;

/// How often at most a server looks for other processes' commits (see
/// [`Db::generation`]): a page answers from data at most this much older
/// than a commit made by `motodex restore`, the sqlite3 shell or the
/// course's Flask app.
const WATCH_EVERY: Duration = Duration::from_millis(20);
/// How many read connections serve page requests at once.
const READERS: usize = 4;
/// How long a connection waits for another process (e.g. `motodex backup`)
/// holding the write lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle to the one database file, cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    write_turn: Semaphore,
    readers: Mutex<Vec<Connection>>,
    read_turns: Semaphore,
    /// Moves on after every committed write made through this handle, so
    /// that answers derived from the data (the page cache) know they are old.
    generation: AtomicU64,
    /// When this handle was opened, and when (µs after that) the watch
    /// below is next asked.
    opened: std::time::Instant,
    next_watch: AtomicU64,
    /// A connection that only asks SQLite whether anyone else (another
    /// process: `motodex restore`, the sqlite3 shell, the Flask app) has
    /// committed since it last asked, with the answer it last got.
    watch: Mutex<(Connection, i64)>,
    /// Whether the file was replaced under this handle; `None` read-only.
    replaced: Option<replaced::Watch>,
    /// `None` when the file (or its folder, or the disk) is read-only: the
    /// catalogue is still served and every write answers [`DbError::ReadOnly`].
    /// Declared last, so it closes last: only a connection that may write
    /// folds the log back and deletes it on closing (after a command-line
    /// tool, when no server has the file open).
    writer: Mutex<Option<Connection>>,
}

impl Db {
    /// Opens (creating when missing) the database, brings its schema up to
    /// date and, for a new file, fills the sample catalogue when asked. An
    /// existing file that cannot be written is opened read-only.
    pub fn open(path: &Path, sample_data: bool) -> DbResult<Db> {
        let writer = match open_writer(path, sample_data) {
            Ok(writer) => Some(writer),
            // A WAL file on read-only media, without its `-shm` beside it
            // (a clean stop deletes it), cannot even be opened for writing.
            Err(DbError::ReadOnly | DbError::CannotOpen) if path.exists() => None,
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
        let is_writable = writer.is_some();
        let watch = open_reader(path)?;
        // Never waits: a busy answer counts as a change (see `generation`).
        watch.busy_timeout(Duration::ZERO)?;
        let seen = data_version(&watch).unwrap_or(0);
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                write_turn: Semaphore::new(1),
                readers: Mutex::new(readers),
                read_turns: Semaphore::new(READERS),
                generation: AtomicU64::new(0),
                opened: std::time::Instant::now(),
                next_watch: AtomicU64::new(0),
                watch: Mutex::new((watch, seen)),
                replaced: is_writable.then(|| replaced::Watch::new(path)),
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

    /// Moves on after every write committed to the file, through this
    /// handle or by another process: read it before a read whose result is
    /// kept, and compare later.
    ///
    /// Other processes' commits are noticed through `PRAGMA data_version`,
    /// which reads SQLite's shared-memory index and never touches the disk or
    /// waits (its connection has no busy time-out), so it may run on the
    /// executor. Statements cached by the pool need nothing: SQLite prepares
    /// them again by itself when the schema has changed.
    pub fn generation(&self) -> u64 {
        // Asking SQLite takes and gives back the file's shared lock (two
        // system calls each way), more than a cached page costs to send:
        // ask at most every WATCH_EVERY; this handle's own writes move the
        // generation at once regardless.
        let now = self.inner.opened.elapsed().as_micros() as u64;
        if now < self.inner.next_watch.load(Ordering::Relaxed) {
            return self.inner.generation.load(Ordering::Acquire);
        }
        if let Ok(mut watch) = self.inner.watch.try_lock() {
            self.inner
                .next_watch
                .store(now + WATCH_EVERY.as_micros() as u64, Ordering::Relaxed);
            let (conn, seen) = &mut *watch;
            match data_version(conn) {
                Ok(version) if version == *seen => {}
                Ok(version) => {
                    *seen = version;
                    self.inner.generation.fetch_add(1, Ordering::AcqRel);
                }
                // Unsure is changed: a needless refill beats a stale page.
                Err(_) => {
                    self.inner.generation.fetch_add(1, Ordering::AcqRel);
                }
            }
        }
        self.inner.generation.load(Ordering::Acquire)
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
            let result = snapshot(&conn, work);
            inner.give_back(conn);
            result
        })
        .await
    }

    /// Runs a read on a pooled connection on this thread, when one is free,
    /// within [`budget::BUDGET`]; a read that runs out of time (or finds no
    /// free connection) runs again, from the start, as [`Db::read`] does. For
    /// the reads of every page view, which take microseconds: handing them
    /// to another thread would cost more than they do.
    pub async fn quick_read<T, F>(&self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> DbResult<T> + Send + 'static,
    {
        if let Ok(_turn) = self.inner.read_turns.try_acquire() {
            let conn = lock(&self.inner.readers).pop();
            if let Some(conn) = conn {
                let answer = budget::within(|| snapshot(&conn, &work));
                self.inner.give_back(conn);
                if let Some(answer) = answer {
                    return answer;
                }
            }
        }
        self.read(work).await
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
            inner.refuse_if_replaced()?;
            let value = write_on(&inner.writer, work)?;
            inner.generation.fetch_add(1, Ordering::AcqRel);
            Ok(value)
        })
        .await
    }

    /// Blocking write for start-up and command-line work.
    pub fn write_now<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction) -> DbResult<T>,
    ) -> DbResult<T> {
        self.inner.refuse_if_replaced()?;
        let value = write_on(&self.inner.writer, work)?;
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        Ok(value)
    }

    /// Blocking read for start-up and command-line work.
    pub fn read_now<T>(&self, work: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        let conn = lock(&self.inner.readers)
            .pop()
            .ok_or_else(|| DbError::Worker("no free reader".into()))?;
        let result = snapshot(&conn, work);
        self.inner.give_back(conn);
        result
    }

    /// Folds the write-ahead log back into the main file; called at shutdown
    /// so that the database is one self-contained file again. A replaced
    /// file is left as it is, and this handle's log set aside.
    pub fn checkpoint(&self) -> DbResult<()> {
        if let Err(replaced) = self.inner.refuse_if_replaced() {
            if let Some(watch) = &self.inner.replaced {
                watch.set_aside_wal();
            }
            return Err(replaced);
        }
        if let Some(writer) = lock(&self.inner.writer).as_ref() {
            writer.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        Ok(())
    }
}

impl Inner {
    /// Looks at the file (a stat and a 20-byte read) and refuses once it
    /// has been replaced; from then on no connection of this handle
    /// checkpoints when it closes.
    fn refuse_if_replaced(&self) -> DbResult<()> {
        let Some(watch) = &self.replaced else {
            return Ok(());
        };
        let already = watch.is_replaced();
        if !watch.check() {
            return Ok(());
        }
        if !already {
            self.stop_checkpoints();
        }
        Err(DbError::Replaced)
    }

    fn stop_checkpoints(&self) {
        let off = |conn: &Connection| {
            let _ = conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            );
            let _ = conn.execute_batch("PRAGMA wal_autocheckpoint = 0;");
        };
        if let Some(writer) = lock(&self.writer).as_ref() {
            off(writer);
        }
        lock(&self.readers).iter().for_each(off);
        off(&lock(&self.watch).0);
    }

    /// A reader back from a read: after a replacement it must not
    /// checkpoint when it closes either.
    fn give_back(&self, conn: Connection) {
        if self
            .replaced
            .as_ref()
            .is_some_and(replaced::Watch::is_replaced)
        {
            let _ = conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            );
        }
        lock(&self.readers).push(conn);
    }
}

impl Db {
    /// How many times SQLite has prepared again a statement that the
    /// connections idle in this handle's pool keep cached: it should stay 0
    /// (see `open.rs`); a test reads it after a run of requests.
    pub fn times_reprepared(&self) -> u64 {
        let readers = lock(&self.inner.readers);
        let writer = lock(&self.inner.writer);
        readers
            .iter()
            .chain(writer.as_ref())
            .map(times_reprepared_on)
            .sum()
    }
}

fn times_reprepared_on(conn: &Connection) -> u64 {
    use rusqlite::ffi;
    let mut total = 0;
    // SAFETY: the handle belongs to `conn`, borrowed (so open) throughout;
    // sqlite3_next_stmt walks that connection's own statements, and none is
    // finalized meanwhile, since `conn` is not used for anything else here.
    unsafe {
        let db = conn.handle();
        let mut stmt = ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
        while !stmt.is_null() {
            let count = ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
            total += u64::try_from(count).unwrap_or(0);
            stmt = ffi::sqlite3_next_stmt(db, stmt);
        }
    }
    total
}

/// What a replaced database file means, for pages that warn of it.
pub fn replaced_sentence() -> &'static str {
    replaced::REPLACED
}

impl Db {
    /// Looks whether the file was replaced under this handle (see
    /// `replaced.rs`); the server calls it every few seconds. Blocking.
    pub fn check_not_replaced(&self) -> DbResult<()> {
        self.inner.refuse_if_replaced()
    }

    /// True once the file was found replaced.
    pub fn is_replaced(&self) -> bool {
        self.inner
            .replaced
            .as_ref()
            .is_some_and(replaced::Watch::is_replaced)
    }
}

fn data_version(conn: &Connection) -> DbResult<i64> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

fn write_on<T>(
    writer: &Mutex<Option<Connection>>,
    work: impl FnOnce(&rusqlite::Transaction) -> DbResult<T>,
) -> DbResult<T> {
    let mut guard = lock(writer);
    let conn = guard.as_mut().ok_or(DbError::ReadOnly)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let value = work(&tx)?;
    // The search's counts catch up with the bikes this write (or another
    // program since the last one) changed, in the same commit.
    catalogue::fold_in_changes(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// The work goes to tokio's blocking pool boxed, as one type: tokio builds
/// the code that runs, cancels and joins a task once for each type of
/// closure it is given, and each query is a closure of its own, so handing
/// them over unboxed put that code in the binary once per query, about 80
/// times (issue 17: the release binary at most 10 MB).
pub(super) async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> DbResult<T> + Send + 'static,
) -> DbResult<T> {
    let (done, outcome) = tokio::sync::oneshot::channel();
    let job: Box<dyn FnOnce() + Send> = Box::new(move || {
        // The request that asked may be gone; nobody is left to answer.
        let _ = done.send(work());
    });
    // The answer comes through `outcome`, so the task's own handle is not kept.
    drop(tokio::task::spawn_blocking(job));
    // A query that panics (or a pool shut down before it ran) drops `done`.
    outcome
        .await
        .map_err(|_| DbError::Worker("the query stopped before it answered".into()))?
}

/// A poisoned lock only means another query panicked; the connection itself
/// is still usable, so carry on rather than take the whole site down.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
