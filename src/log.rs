//! The server's log on standard error, written by a thread of its own
//! (tracing-appender's non-blocking writer, in lossy mode).
//!
//! Requests never wait for it: when standard error is not being read (a
//! paused pager, a pipe nobody drains), a write would block, and a blocked
//! write inside a request would stop the whole server. Lines that do not fit
//! in the queue are dropped and counted instead, and the count is logged
//! once the writer catches up.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tracing::field::Field;
use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::{Writer, debug_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Lines waiting to be written: a burst of traffic, while a slow terminal
/// catches up.
const QUEUE_LINES: usize = 4096;

/// Lines are written in pieces of about this size at most.
const BATCH_BYTES: usize = 64 * 1024;

/// How long the writer waits after a write before looking for more lines.
const GATHER: Duration = Duration::from_millis(10);

/// A write to standard error taking longer than this is waiting for a
/// reader.
const BLOCKED: Duration = Duration::from_millis(100);

/// How long the last lines may take at exit.
const EXIT_WAIT: Duration = Duration::from_secs(1);

/// Starts the log with `filter` (what `--log-level` says). Keep the guard
/// until the process exits, and drop it off the async runtime: dropping it
/// waits (up to about a second) for the last lines to be written.
pub fn init(filter: Targets) -> Guard {
    let dropped = Arc::new(OnceLock::new());
    let blocked_since = Arc::new(Mutex::new(None));
    let (writer, worker) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUE_LINES)
        .thread_name("motodex-log")
        .finish(Stderr {
            batch: Vec::with_capacity(BATCH_BYTES),
            dropped: Arc::clone(&dropped),
            reported: 0,
            blocked_since: Arc::clone(&blocked_since),
        });
    let _ = dropped.set(writer.error_counter());
    let _ = REQUESTS.set(writer.clone());
    // The lines are the message alone, as they always were: journald and
    // terminals add their own time stamps, and errors and warnings say so
    // in their text.
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(io::stderr().is_terminal())
        .without_time()
        .with_level(false)
        .with_target(false)
        .fmt_fields(debug_fn(write_field).delimited(" "));
    // Fails only if a subscriber is already set, which then keeps logging.
    let _ = tracing_subscriber::registry()
        .with(lines)
        .with(filter)
        .try_init();
    Guard {
        worker: Some(worker),
        blocked_since,
    }
}

/// The queue [`request`] writes to: the log's own.
static REQUESTS: OnceLock<NonBlocking> = OnceLock::new();

/// Logs one answered request: `GET /bikes/1 200 0ms`. The one line that
/// every request writes goes straight into the log's queue, as the
/// formatting layer would write it (the message alone, control characters
/// escaped), without that layer's dispatching, field visiting and second
/// copy: about 1,000 instructions of a cached page's 22,000 (callgrind).
/// `--log-level` applies to it as to any line of `motodex::routes`.
pub fn request(method: &str, path: &str, status: u16, millis: u128) {
    if !tracing::enabled!(target: "motodex::routes", tracing::Level::INFO) {
        return;
    }
    let mut line = String::with_capacity(32 + path.len());
    line.push_str(method);
    line.push(' ');
    let _ = write_escaped(&mut line, path);
    // itoa rather than `writeln!`: the formatting machinery cost about 450
    // instructions of a cached page's 21,000 for these two numbers.
    let mut digits = itoa::Buffer::new();
    line.push(' ');
    line.push_str(digits.format(status));
    line.push(' ');
    line.push_str(digits.format(millis));
    line.push_str("ms\n");
    THREAD_QUEUE.with_borrow_mut(|queue| {
        let queue = match queue {
            Some(queue) => queue,
            None => match REQUESTS.get() {
                Some(shared) => queue.insert(shared.clone()),
                None => return,
            },
        };
        // A full queue drops the line and counts it, as for every other line.
        let _ = queue.write_all(line.as_bytes());
    });
}

thread_local! {
    /// This thread's handle on [`REQUESTS`]: writing needs a handle of one's
    /// own, and making one per line bumped counters every thread shares.
    static THREAD_QUEUE: RefCell<Option<NonBlocking>> = const { RefCell::new(None) };
}

/// One field of a line other than a request's (lines have only a message
/// so far), with the control characters a terminal would obey escaped, as
/// tracing-subscriber's own formatter escapes them, but checked once the
/// text is formatted, not character by character (that cost about 1,800
/// instructions a line, measured with callgrind).
fn write_field(writer: &mut Writer<'_>, field: &Field, value: &dyn fmt::Debug) -> fmt::Result {
    if field.name() != "message" {
        write!(writer, "{}=", field.name())?;
    }
    let mut text = String::with_capacity(96);
    write!(text, "{value:?}")?;
    write_escaped(writer, &text)
}

fn write_escaped(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    // 0xC2 starts every C1 control character (U+0080 to U+009F) in UTF-8.
    if !text
        .bytes()
        .any(|b| matches!(b, 0x1b | 0x07 | 0x08 | 0x0c | 0x7f | 0xc2))
    {
        return out.write_str(text);
    }
    for c in text.chars() {
        match c {
            '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' => write!(out, "\\x{:02x}", c as u32)?,
            '\u{80}'..='\u{9f}' => write!(out, "\\u{{{:x}}}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Dropping it writes the log's last lines.
pub struct Guard {
    worker: Option<WorkerGuard>,
    blocked_since: Arc<Mutex<Option<Instant>>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        // tracing-appender's guard gives up after a second too, but says so
        // on standard output, after motodex's last words. A writer blocked
        // for the whole second cannot write those lines anyway: it is let
        // go without a word.
        let deadline = Instant::now() + EXIT_WAIT;
        while self.blocked() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(worker) = self.worker.take() {
            if self.blocked() {
                std::mem::forget(worker);
            } else {
                drop(worker);
            }
        }
    }
}

impl Guard {
    /// A write to standard error has been waiting longer than any terminal
    /// or journal takes.
    fn blocked(&self) -> bool {
        lock(&self.blocked_since).is_some_and(|since| since.elapsed() > BLOCKED)
    }
}

/// Standard error as the log's thread writes it: the lines that were
/// waiting, gathered into one write.
struct Stderr {
    batch: Vec<u8>,
    dropped: Arc<OnceLock<ErrorCounter>>,
    reported: usize,
    /// When the write under way began; `None` between writes.
    blocked_since: Arc<Mutex<Option<Instant>>>,
}

impl Stderr {
    fn write_batch(&mut self) -> io::Result<()> {
        *lock(&self.blocked_since) = Some(Instant::now());
        let written = io::stderr().write_all(&self.batch);
        *lock(&self.blocked_since) = None;
        // Lines that could not be written (standard error closed) are not
        // tried again.
        self.batch.clear();
        written
    }
}

impl Write for Stderr {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let dropped = self.dropped.get().map_or(0, ErrorCounter::dropped_lines);
        if dropped > self.reported {
            writeln!(
                self.batch,
                "warning: {} log lines were dropped (standard error was not being read fast enough)",
                dropped - self.reported
            )?;
            self.reported = dropped;
        }
        self.batch.extend_from_slice(line);
        if self.batch.len() >= BATCH_BYTES {
            self.write_batch()?;
        }
        Ok(line.len())
    }

    /// Called once the queue is empty. Lines gather during the pause, and
    /// requests logging them need not wake this thread: under load, a few
    /// writes and no wake-ups a second rather than one of each per request.
    fn flush(&mut self) -> io::Result<()> {
        let written = self.write_batch();
        std::thread::sleep(GATHER);
        written
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::write_escaped;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        write_escaped(&mut out, text).expect("a String takes any text");
        out
    }

    #[test]
    fn a_line_without_control_characters_is_written_as_it_is() {
        assert_eq!(escaped("GET /bikes/1 200 0ms"), "GET /bikes/1 200 0ms");
        assert_eq!(
            escaped("GET /?search=Ça ΟΔΟΣ 200 0ms"),
            "GET /?search=Ça ΟΔΟΣ 200 0ms"
        );
    }

    #[test]
    fn escape_sequences_a_terminal_would_obey_are_written_out_as_text() {
        assert_eq!(
            escaped("GET /\u{1b}[2J\u{7}\u{8}\u{c}\u{7f} 404"),
            "GET /\\x1b[2J\\x07\\x08\\x0c\\x7f 404"
        );
        assert_eq!(
            escaped("GET /\u{9b}31m ä\u{85}"),
            "GET /\\u{9b}31m ä\\u{85}"
        );
    }
}
