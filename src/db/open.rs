//! Opening the database's connections: the writer (which brings the schema
//! up to date) and the readers, with the settings every connection needs.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, DbError, DbResult, catalogue, schema};

pub(super) fn open_writer(path: &Path, sample_data: bool) -> DbResult<Connection> {
    create_private(path);
    let mut writer = open_connection(path, OpenFlags::default())?;
    // SQLite quietly opens a file it cannot write read-only; say so instead.
    if writer.is_readonly(rusqlite::MAIN_DB)? {
        return Err(DbError::ReadOnly);
    }
    schema::migrate(&mut writer, sample_data)?;
    // Bikes another program changed while no motodex wrote (see
    // `catalogue::fold_in_changes`); searches are exact meanwhile, only slower.
    if catalogue::has_changes(&writer)? {
        let tx = writer.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        catalogue::fold_in_changes(&tx)?;
        tx.commit()?;
    }
    Ok(writer)
}

/// A read-only connection. On read-only media a WAL database cannot create
/// its shared-memory file, so fall back to reading it as immutable. Readers
/// carry the time budget of [`super::budget`].
pub(super) fn open_reader(path: &Path) -> DbResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let plain = open_connection(path, flags).and_then(|conn| {
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(conn)
    });
    let mut conn = match plain {
        Err(DbError::Other(_) | DbError::ReadOnly | DbError::CannotOpen) => {
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
    }?;
    super::budget::install(&mut conn)?;
    Ok(conn)
}

pub(super) fn open_connection(path: &Path, flags: OpenFlags) -> DbResult<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    // The query planner stability guarantee: a cached statement keeps its
    // plan whatever is bound to it. Without it SQLite prepares a statement
    // again (parsing and planning it anew) whenever a rebound parameter is
    // one its planner looked at, as every LIMIT and OFFSET is: that was a
    // fifth of the CPU of an uncached catalogue page (issue 17). The plans
    // here do not depend on the values; the catalogue names its indexes.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    if !flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
        // Reading the journal mode also proves the file is a SQLite database.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if mode != "wal" {
            conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        }
        // FULL: an acknowledged write survives even a power cut, not only a crash.
        // secure_delete: what is deleted (a photo, a password hash) is
        // overwritten in the file, so it is in no later backup (SPEC §6).
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;")?;
    }
    catalogue::register_functions(&conn)?;
    super::names::register_functions(&conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Creates a missing database (or backup) file readable by its owner only
/// (SPEC §6: it holds the secret key and the password hashes); SQLite then
/// gives its WAL and shared-memory files the same mode. An existing file
/// keeps the mode its owner gave it.
pub(super) fn create_private(path: &Path) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // A file that exists already, or a folder that cannot be written, is
    // left to SQLite, which opens it or says what is wrong in its own terms.
    let _ = options.open(path);
}
