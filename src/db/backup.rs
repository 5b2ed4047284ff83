//! Consistent copies of the whole database, safe while the server writes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::open::{create_private, open_connection};
use super::{Db, DbError, DbResult, run_blocking};

/// How often a backup retries while another process holds the database
/// locked (each try also waits up to [`BUSY_TIMEOUT`]).
const BACKUP_ATTEMPTS: u32 = 5;

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
            let source = open_connection(&inner.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            backup_connection(&source, file.path())?;
            Ok(file)
        })
        .await
    }

    /// Writes a consistent copy of the whole database to `target`, a new file.
    pub fn backup_to(&self, target: &Path) -> DbResult<()> {
        let source = open_connection(self.path(), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        backup_connection(&source, target)
    }
}

/// Online backup from `source` into a new file at `target`.
fn backup_connection(source: &Connection, target: &Path) -> DbResult<()> {
    create_private(target);
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
