//! One read transaction per read: every query of a [`super::Db::read`] (or
//! `quick_read`, `read_now`) sees the same data, and the file's locks are
//! taken and given back once per read, not once per query (a locking system
//! call each way: a tenth of an uncached page's time in the profile).

use rusqlite::Connection;

use super::DbResult;

/// Runs `work` in one read transaction, or in the caller's when there is
/// one (a write's, or an outer snapshot's).
pub fn snapshot<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> DbResult<T>,
) -> DbResult<T> {
    if !conn.is_autocommit() {
        return work(conn);
    }
    conn.prepare_cached("BEGIN")?.execute([])?;
    let _snapshot = EndOnDrop(conn);
    work(conn)
}

/// Ends the read transaction however the read ends. Cached statements:
/// `Connection::transaction` would parse BEGIN and COMMIT on every request.
struct EndOnDrop<'a>(&'a Connection);

impl Drop for EndOnDrop<'_> {
    fn drop(&mut self) {
        // Ending a read transaction loses nothing either way, but it must
        // end: a pooled connection left inside one would keep reading the
        // same old snapshot.
        if self
            .0
            .prepare_cached("COMMIT")
            .and_then(|mut end| end.execute([]))
            .is_err()
        {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}
