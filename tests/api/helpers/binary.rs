//! Running the real binary from tests, as a user or a service manager would.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The binary under test: cargo's debug build, or the file named by
/// `MOTODEX_TEST_BINARY` (e.g. `dist/motodex-linux-x86_64`).
pub fn binary() -> std::path::PathBuf {
    std::env::var_os("MOTODEX_TEST_BINARY")
        .map_or_else(|| env!("CARGO_BIN_EXE_motodex").into(), Into::into)
}

/// The binary on the database `db`, with none of the user's MOTODEX_*
/// settings and no terminal.
pub fn motodex(db: &Path) -> Command {
    let mut command = bare();
    command.arg("--db").arg(db);
    command
}

/// The binary with no MOTODEX_* settings, no terminal and no `--db`.
pub fn bare() -> Command {
    let mut command = Command::new(binary());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MOTODEX_") {
            command.env_remove(name);
        }
    }
    command.stdin(Stdio::null());
    command
}

/// Runs to the end; returns (exit code, stdout, stderr).
pub fn run(mut command: Command) -> (Option<i32>, String, String) {
    let output = command.output().expect("run motodex");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs to the end with `input` on standard input, e.g. a password for
/// `--password-stdin`.
pub fn run_with_stdin(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Creates the database `db` with an admin, as a teacher would before the
/// first start: `motodex --db DB create-admin USERNAME --password-stdin`.
pub fn create_admin(db: &Path, username: &str, password: &str) {
    let mut create = motodex(db);
    create.args(["create-admin", username, "--password-stdin"]);
    let output = run_with_stdin(create, &format!("{password}\n"));
    assert!(
        output.status.success(),
        "create-admin: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running server: its stdout lines arrive on a channel; its stderr (the
/// request log) is read all along, as a terminal or journal would, and the
/// end of it kept for error messages.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Held open, never read: see `start_with_stderr_unread`.
    _unread_stderr: Option<ChildStderr>,
}

/// How much of a running server's stderr is kept.
const STDERR_KEPT: usize = 64 * 1024;

impl Running {
    pub fn start(command: Command) -> Running {
        Running::spawn(command, true)
    }

    /// Starts the server with a stderr pipe that nobody reads, as a paused
    /// pager would leave it.
    pub fn start_with_stderr_unread(command: Command) -> Running {
        Running::spawn(command, false)
    }

    fn spawn(mut command: Command, read_stderr: bool) -> Running {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start motodex");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut stderr_pipe = child.stderr.take().unwrap();
        if !read_stderr {
            return Running {
                child,
                lines,
                seen: Vec::new(),
                stderr,
                _unread_stderr: Some(stderr_pipe),
            };
        }
        let kept = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut chunk = [0; 8192];
            while let Ok(n @ 1..) = stderr_pipe.read(&mut chunk) {
                let mut kept = kept.lock().unwrap();
                kept.extend_from_slice(&chunk[..n]);
                let excess = kept.len().saturating_sub(STDERR_KEPT);
                kept.drain(..excess);
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            stderr,
            _unread_stderr: None,
        }
    }

    /// The last 64 KB the server wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// The process id, e.g. to read its memory use from /proc.
    #[allow(dead_code)] // only tests/soak.rs reads it
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Reads the banner up to its last line ("Press Ctrl-C …").
    pub fn banner(&mut self) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(20)) {
                Ok(line) => {
                    let last = line.starts_with("Press Ctrl-C");
                    self.seen.push(line);
                    if last {
                        return self.seen.join("\n");
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    std::thread::sleep(Duration::from_millis(100));
                    panic!(
                        "no banner; stdout so far: {:?}; stderr: {}",
                        self.seen,
                        self.stderr_tail()
                    );
                }
            }
        }
    }

    /// SIGTERM, as systemd sends; returns the exit code and the rest of stdout.
    #[cfg(unix)]
    pub fn terminate(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
        let code = wait_with_timeout(&mut self.child, Duration::from_secs(20));
        // The reader thread may still be forwarding the last lines; wait
        // until it sees the end of the output.
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            rest.push(line);
        }
        (code, rest.join("\n"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<i32> {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        assert!(
            started.elapsed() < limit,
            "motodex did not stop within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn blocking_get(url: &str) -> u16 {
    // A tiny HTTP/1.1 GET without an async runtime.
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The `Listening on URL` line's URL.
pub fn listening_url(banner: &str) -> String {
    let line = banner
        .lines()
        .find(|l| l.starts_with("Listening on "))
        .expect("a Listening on line");
    line.trim_start_matches("Listening on ")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
