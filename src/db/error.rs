//! What can go wrong with the database, and how SQLite's codes map to it.

use std::path::PathBuf;

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
    #[error("the file cannot be created or opened there")]
    CannotOpen,
    #[error("there is no database at {0}")]
    Missing(PathBuf),
    #[error("database error: {0}")]
    Other(rusqlite::Error),
    #[error("cannot create a temporary file: {0}")]
    TempFile(std::io::Error),
    #[error("{}", super::replaced::REPLACED)]
    Replaced,
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
            Some(CannotOpen) => DbError::CannotOpen,
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
