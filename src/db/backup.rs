//! Consistent copies of the whole database, safe while the server writes;
//! the checks a file must pass before it may become the database; and the
//! restore itself, which replaces the contents in one write transaction.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::open::{create_private, open_connection};
use super::{BUSY_TIMEOUT, Db, DbError, DbResult, lock, run_blocking, schema, settings};
use crate::domain::records::Counts;

/// Pages copied per step of a backup (4 MB at SQLite's default page size).
const PAGES_PER_STEP: i32 = 1024;
/// The pause between steps, which leaves the disk to the server's own
/// writes for a moment.
const PAUSE_BETWEEN_STEPS: Duration = Duration::from_millis(2);
/// The course's tables: a file without them is not a bikes database.
const COURSE_TABLES: [&str; 3] = ["makers", "bikes", "users"];

/// Why a file cannot become the database, in words for the user.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    #[error("it is empty")]
    Empty,
    #[error("it is not a SQLite database")]
    NotADatabase,
    #[error("it is damaged (SQLite's integrity check fails)")]
    Damaged,
    #[error("it does not hold the course's tables (makers, bikes, users)")]
    NoCourseTables,
    #[error(
        "it was written by a newer motodex (schema version {0}; this one knows up to {1}), so this one cannot use it"
    )]
    Newer(i64, i64),
    #[error("{0}")]
    Db(#[from] DbError),
}

impl Db {
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
            copy_database(&inner.path, file.path())?;
            Ok(file)
        })
        .await
    }

    /// Writes a consistent copy of the whole database to `target`, a new file.
    pub fn backup_to(&self, target: &Path) -> DbResult<()> {
        copy_database(self.path(), target)
    }

    /// What the database holds now.
    pub fn counts(&self) -> DbResult<Counts> {
        self.read_now(counts)
    }

    /// Replaces the whole contents of the database with the checked copy at
    /// `staged` (see [`stage`]), in one write transaction: a crash at any
    /// moment leaves the old contents or the new, and every other connection
    /// (another process's too) sees the new ones from its next read.
    pub fn replace_contents_now(&self, staged: &Path) -> DbResult<()> {
        self.inner.refuse_if_replaced()?;
        let mut guard = lock(&self.inner.writer);
        let writer = guard.as_mut().ok_or(DbError::ReadOnly)?;
        replace_contents(writer, staged)?;
        drop(guard);
        self.inner
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }

    /// [`Db::replace_contents_now`] in this handle's turn for writing, off
    /// the executor.
    pub async fn replace_contents(&self, staged: std::path::PathBuf) -> DbResult<()> {
        let _turn = self
            .inner
            .write_turn
            .acquire()
            .await
            .map_err(|e| DbError::Worker(e.to_string()))?;
        let db = self.clone();
        run_blocking(move || db.replace_contents_now(&staged)).await
    }
}

/// A consistent copy of the database at `source` into a new file at
/// `target`, taken in steps.
///
/// One read transaction is held across every step, so each step copies from
/// the same snapshot: writers (in WAL mode) are neither blocked nor able to
/// spoil it, and the copy never starts over, which SQLite otherwise does
/// after every write another connection makes (a busy server could keep it
/// from ever ending). Steps with short pauses leave the disk to the
/// server's writes in between.
pub fn copy_database(source: &Path, target: &Path) -> DbResult<()> {
    let source = open_connection(source, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    create_private(target);
    let mut copy = Connection::open(target)?;
    source.execute_batch("BEGIN")?;
    let copied = source
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(DbError::from)
        .and_then(|_| copy_in_steps(&source, &mut copy));
    let _ = source.execute_batch("COMMIT");
    copied?;
    // A backup should be one self-contained file, not a WAL pair.
    copy.execute_batch("PRAGMA journal_mode = DELETE;")?;
    Ok(())
}

fn copy_in_steps(source: &Connection, copy: &mut Connection) -> DbResult<()> {
    let backup = Backup::new(source, copy)?;
    let give_up = Instant::now() + BUSY_TIMEOUT;
    loop {
        match backup.step(PAGES_PER_STEP)? {
            StepResult::Done => return Ok(()),
            StepResult::More => std::thread::sleep(PAUSE_BETWEEN_STEPS),
            _ if Instant::now() < give_up => std::thread::sleep(Duration::from_millis(50)),
            _ => return Err(DbError::Busy),
        }
    }
}

/// Copies `file` byte for byte to `staged` (a new file that motodex may
/// change; the user's file is never written) and checks the copy: a SQLite
/// database that passes `integrity_check`, holds the course's tables and is
/// not from a newer motodex. Returns what it holds.
pub fn stage(file: &Path, staged: &Path) -> Result<Counts, FileProblem> {
    let bytes = std::fs::metadata(file)
        .map_err(|_| DbError::CannotOpen)?
        .len();
    if bytes == 0 {
        return Err(FileProblem::Empty);
    }
    std::fs::copy(file, staged).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOSPC) => DbError::DiskFull,
        _ => DbError::CannotOpen,
    })?;
    let conn = Connection::open_with_flags(
        staged,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(DbError::from)?;
    check(&conn, staged)
}

/// Checks an open copy as [`stage`] describes.
fn check(conn: &Connection, path: &Path) -> Result<Counts, FileProblem> {
    let unreadable = |err: rusqlite::Error| match DbError::from(err) {
        DbError::NotADatabase if has_sqlite_header(path) => FileProblem::Damaged,
        DbError::NotADatabase => FileProblem::NotADatabase,
        other => FileProblem::Db(other),
    };
    let verdict: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
        .map_err(unreadable)?;
    if verdict != "ok" {
        return Err(FileProblem::Damaged);
    }
    let present: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN (?1, ?2, ?3)",
            COURSE_TABLES,
            |r| r.get(0),
        )
        .map_err(unreadable)?;
    if present < COURSE_TABLES.len() as i64 {
        return Err(FileProblem::NoCourseTables);
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(unreadable)?;
    if version > schema::latest_version() {
        return Err(FileProblem::Newer(version, schema::latest_version()));
    }
    counts(conn).map_err(FileProblem::Db)
}

fn has_sqlite_header(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok()
        && &header == b"SQLite format 3\0"
}

/// Checks a backup just written: whole, and holding the course's tables.
pub fn check_backup(path: &Path) -> Result<Counts, FileProblem> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(DbError::from)?;
    check(&conn, path)
}

/// What a backup holds, read without checking it whole (listing the folder
/// must stay quick); `None` when it cannot be read as one.
pub fn backup_counts(path: &Path) -> Option<Counts> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()?;
    counts(&conn).ok()
}

fn counts(conn: &Connection) -> DbResult<Counts> {
    let count = |table: &str| -> DbResult<i64> {
        Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(Counts {
        bikes: count("bikes")?,
        makers: count("makers")?,
        admins: count("users")?,
    })
}

/// Brings the staged copy up to date (schema, no sessions, this database's
/// secret key, its page size), then copies it over `writer`'s database
/// with SQLite's backup API in one step: one write transaction on the live
/// file, committed by its last frame in the write-ahead log, so a crash
/// before that frame leaves the old contents whole.
fn replace_contents(writer: &mut Connection, staged: &Path) -> DbResult<()> {
    let mut source = Connection::open(staged)?;
    source.execute_batch("PRAGMA journal_mode = DELETE;")?;
    schema::migrate(&mut source, false)?;
    let key = settings::get(writer, settings::SECRET_KEY)?;
    {
        let tx = source.transaction()?;
        // Every session ends: none restored from the file, and the live
        // file's are replaced with the rest of its contents.
        super::sessions::delete_all(&tx)?;
        // The running server signs cookies with the key it read at start;
        // keeping it means a restart does not log everyone out again.
        if let Some(key) = key {
            settings::set(&tx, settings::SECRET_KEY, &key)?;
        }
        tx.commit()?;
    }
    // In WAL mode the backup cannot change the live file's page size.
    let page_size = |conn: &Connection| -> DbResult<i64> {
        Ok(conn.query_row("PRAGMA page_size", [], |r| r.get(0))?)
    };
    let live_page_size = page_size(writer)?;
    if page_size(&source)? != live_page_size {
        source.execute_batch(&format!("PRAGMA page_size = {live_page_size}; VACUUM;"))?;
    }
    {
        let backup = Backup::new(&source, writer)?;
        let give_up = Instant::now() + BUSY_TIMEOUT;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                _ if Instant::now() < give_up => std::thread::sleep(Duration::from_millis(50)),
                _ => return Err(DbError::Busy),
            }
        }
    }
    // Folds the restored pages into the main file where no reader is in the
    // way; whatever is left waits for the next checkpoint.
    let _ = writer.execute_batch("PRAGMA wal_checkpoint(PASSIVE);");
    Ok(())
}

/// Writes `entry` into the staged copy at `path` before it replaces the
/// live contents, so that the restore and its record in the restored
/// database's activity log arrive together, in the one step (SPEC §9).
pub fn record_in_staged(
    path: &Path,
    actor: &crate::domain::activity::Actor,
    entry: super::activity::Entry,
) -> DbResult<()> {
    let mut conn = Connection::open(path)?;
    // A course database or an older motodex gains the activity table first.
    schema::migrate(&mut conn, false)?;
    let tx = conn.transaction()?;
    super::activity::record(&tx, actor, entry)?;
    tx.commit()?;
    Ok(())
}
