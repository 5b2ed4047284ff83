//! The server's log on standard error, written by a thread of its own.
//!
//! Requests never wait for it: when standard error is not being read (a
//! paused pager, a pipe nobody drains), a write would block, and a blocked
//! write inside a request would stop the whole server. Lines that do not fit
//! in the queue are dropped and counted instead, and the count is logged
//! once the writer catches up.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

/// Lines waiting to be written: a burst of traffic, while a slow terminal
/// catches up.
const QUEUE_LINES: usize = 4096;

/// At most this much is written at a time.
const BATCH_BYTES: usize = 64 * 1024;

/// How long the writer waits after a write before looking for more lines.
const GATHER: Duration = Duration::from_millis(10);

enum Message {
    Line(String),
    Flush(mpsc::Sender<()>),
}

static QUEUE: OnceLock<Option<SyncSender<Message>>> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);

fn queue() -> Option<&'static SyncSender<Message>> {
    QUEUE
        .get_or_init(|| {
            let (send, receive) = mpsc::sync_channel(QUEUE_LINES);
            std::thread::Builder::new()
                .name("motodex-log".into())
                .spawn(move || write_lines(&receive))
                .ok()?;
            Some(send)
        })
        .as_ref()
}

fn write_lines(queue: &Receiver<Message>) {
    // Whatever is waiting is written in one piece: one system call for many
    // lines, and lines of several requests never mix. `eprint!`
    // rather than a write to `stderr()`, because the test harness captures
    // it; if standard error is a closed pipe it panics, which ends this
    // thread only, and later lines are dropped.
    let mut batch = String::new();
    let mut flushes = Vec::new();
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Line(line) => {
                    let dropped = DROPPED.swap(0, Ordering::Relaxed);
                    if dropped > 0 {
                        batch.push_str(&format!(
                            "warning: {dropped} log lines were dropped (standard error was not being read fast enough)\n"
                        ));
                    }
                    batch.push_str(&line);
                }
                Message::Flush(done) => flushes.push(done),
            }
            next = if batch.len() < BATCH_BYTES {
                queue.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() {
            eprint!("{batch}");
            batch.clear();
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
        // Lines gather meanwhile, and requests logging them need not wake
        // this thread: under load, a few writes and no wake-ups a second
        // rather than one of each per request.
        std::thread::sleep(GATHER);
    }
}

/// Logs one line (given without its newline); never waits.
pub fn line(text: impl Into<String>) {
    let mut line = text.into();
    line.push('\n');
    match queue() {
        Some(queue) => {
            if let Err(TrySendError::Full(_)) = queue.try_send(Message::Line(line)) {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
        // No thread could be started: write directly rather than lose it.
        None => eprint!("{line}"),
    }
}

/// Waits, at most `limit`, until the lines logged so far are written: called
/// before the process exits, so its last lines are not lost.
pub fn flush(limit: Duration) {
    let Some(queue) = queue() else { return };
    let deadline = Instant::now() + limit;
    let (done, written) = mpsc::channel();
    let mut flush = Message::Flush(done);
    loop {
        match queue.try_send(flush) {
            Ok(()) => break,
            Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                flush = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return,
        }
    }
    let _ = written.recv_timeout(deadline.saturating_duration_since(Instant::now()));
}
