//! The time budget of a read run on the async executor ([`super::Db::quick_read`]).
//!
//! Most page views read for microseconds, less than handing the work to
//! another thread and back costs (two futex calls and a context switch each
//! way). So those reads run on the executor's thread, under a deadline: every
//! reader connection has a progress handler that SQLite calls every few
//! thousand instructions, which stops the statement once the deadline of the
//! thread running it has passed. The caller then runs the read again on the
//! blocking pool, where nothing has a deadline. A search that walks a million
//! bikes thus holds an executor thread for at most [`BUDGET`], never for its
//! whole run.

use std::cell::Cell;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::DbResult;

/// How long a read may hold an executor thread before it moves off it.
pub const BUDGET: Duration = Duration::from_micros(500);
/// SQLite instructions between two looks at the clock (each a few ns; a
/// look costs about 20 ns).
const INSTRUCTIONS_BETWEEN_LOOKS: i32 = 2_000;

thread_local! {
    /// The deadline of the read this thread runs on the executor, if any.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    /// Set when the progress handler stopped a statement for the deadline.
    static OVERRUN: Cell<bool> = const { Cell::new(false) };
}

/// Gives a reader the progress handler that enforces this thread's deadline.
pub(super) fn install(conn: &mut Connection) -> DbResult<()> {
    conn.progress_handler(INSTRUCTIONS_BETWEEN_LOOKS, Some(past_deadline))?;
    Ok(())
}

fn past_deadline() -> bool {
    let past = DEADLINE
        .get()
        .is_some_and(|deadline| Instant::now() >= deadline);
    if past {
        OVERRUN.set(true);
    }
    past
}

/// Runs `work` under the budget; `None` when it ran out of time (whatever
/// `work` returned then is dropped: a stopped read has no answer).
pub(super) fn within<T>(work: impl FnOnce() -> DbResult<T>) -> Option<DbResult<T>> {
    OVERRUN.set(false);
    DEADLINE.set(Some(Instant::now() + BUDGET));
    let _lifted = LiftOnDrop;
    let result = work();
    (!OVERRUN.replace(false)).then_some(result)
}

/// Lifts the deadline however `work` ends (a panic included), so that
/// nothing else this thread runs later is stopped by it.
struct LiftOnDrop;

impl Drop for LiftOnDrop {
    fn drop(&mut self) {
        DEADLINE.set(None);
    }
}
