//! Noticing that someone replaced the database file under a running
//! motodex (copied a backup over it with `cp`, which keeps the file and
//! rewrites it, or put a new file at its path, as a file manager does), so
//! that motodex then writes nothing more to it: no write, no checkpoint (its
//! old pages would land on the replacement), and its write-ahead log set
//! aside so the next start does not replay it into the new file.
//!
//! Two signs, neither of which SQLite itself ever gives: another file at the
//! path (device and inode, Unix), or a header that no longer says WAL mode
//! (every motodex backup and every Flask-course database is a rollback-journal
//! file; while motodex holds the file open nothing can switch it out of WAL
//! mode). A WAL-mode file copied in place is not noticed.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a replaced database means for the user, in one sentence.
pub const REPLACED: &str = "The database file was replaced while motodex was running, so motodex is writing nothing more to it: restart motodex to use the new file (next time, use motodex restore, which is safe while it runs).";

pub(super) struct Watch {
    path: PathBuf,
    identity: Option<(u64, u64)>,
    /// The file, opened once and kept open while motodex runs, for reading
    /// its header. Closing any descriptor of a file drops every POSIX lock
    /// the process holds on it, SQLite's included: opening the file afresh
    /// for each look dropped the shared lock with which SQLite keeps other
    /// processes from deleting the write-ahead log under a running motodex,
    /// so another program closing the database meanwhile (Python's sqlite3,
    /// as the course's Flask app) took the log away, and the server went on
    /// writing into a deleted file.
    file: Mutex<Option<File>>,
    replaced: AtomicBool,
}

impl Watch {
    pub(super) fn new(path: &Path) -> Watch {
        Watch {
            path: path.to_path_buf(),
            identity: identity(path),
            file: Mutex::new(File::open(path).ok()),
            replaced: AtomicBool::new(false),
        }
    }

    pub(super) fn is_replaced(&self) -> bool {
        self.replaced.load(Ordering::Acquire)
    }

    /// Looks at the file now; true once it has been found replaced (and
    /// says so on the terminal, once).
    pub(super) fn check(&self) -> bool {
        if self.is_replaced() {
            return true;
        }
        let moved = self.identity.is_some() && identity(&self.path) != self.identity;
        let rewritten = self.header_is_wal() == Some(false);
        if (moved || rewritten) && !self.replaced.swap(true, Ordering::AcqRel) {
            tracing::error!("error: {REPLACED} ({})", self.path.display());
        }
        self.is_replaced()
    }

    /// Whether the file's header says WAL mode; `None` when it cannot be
    /// read. A short file is not a WAL database. (A file put at the path in
    /// its place is found by [`identity`]; this one sees a file rewritten in
    /// place.)
    fn header_is_wal(&self) -> Option<bool> {
        let mut file = self.file.lock().ok()?;
        let file = file.as_mut()?;
        let mut header = [0u8; 20];
        let read = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.read_exact(&mut header));
        match read {
            Ok(()) => Some(header[18] == 2 && header[19] == 2),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Some(false),
            Err(_) => None,
        }
    }

    /// Renames this motodex's write-ahead log and its index aside (never
    /// deletes them: they hold the old contents' last changes).
    pub(super) fn set_aside_wal(&self) {
        let stamp = crate::clock::now();
        for suffix in ["-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", self.path.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}.replaced-{stamp}", self.path.display()));
                match std::fs::rename(&from, &to) {
                    Ok(()) => tracing::error!(
                        "motodex's write-ahead log of the old file is kept as {}",
                        to.display()
                    ),
                    Err(e) => {
                        tracing::error!("error: {} could not be set aside: {e}", from.display())
                    }
                }
            }
        }
    }
}

#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_: &Path) -> Option<(u64, u64)> {
    None
}
