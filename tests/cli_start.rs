//! The real binary, started as a user or a service manager would: start-up
//! faults are one sentence and exit code 1, the banner shows the addresses,
//! a busy default port moves on to the next, and SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_motodex");

/// The binary with none of the user's MOTODEX_* settings, no terminal.
fn motodex(db: &Path) -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MOTODEX_") {
            command.env_remove(name);
        }
    }
    command.arg("--db").arg(db).stdin(Stdio::null());
    command
}

/// Runs to the end; returns (exit code, stdout, stderr).
fn run(mut command: Command) -> (Option<i32>, String, String) {
    let output = command.output().expect("run motodex");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_sentence_failure(
    (code, _stdout, stderr): &(Option<i32>, String, String),
    wanted: &str,
) {
    assert_eq!(*code, Some(1), "exit code 1; stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line on stderr: {stderr}"
    );
    assert!(stderr.contains(wanted), "{wanted:?} not in {stderr:?}");
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE", "Press Enter"] {
        assert!(!stderr.contains(bad), "{bad} in {stderr}");
    }
}

#[test]
fn missing_or_garbage_tls_files_are_one_sentence_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    let missing = dir.path().join("missing.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n",
    )
    .unwrap();
    let words = dir.path().join("words.pem");
    std::fs::write(&words, "hello, I am not a key\n").unwrap();

    let start = |cert: &Path, key: &Path| {
        let mut command = motodex(&db);
        command
            .args(["--port", "0", "--no-browser", "--tls-cert"])
            .arg(cert)
            .arg("--tls-key")
            .arg(key);
        run(command)
    };
    assert_one_sentence_failure(
        &start(&missing, &missing),
        "Cannot read the TLS certificate",
    );
    assert_one_sentence_failure(
        &start(&garbage, &words),
        "is not a readable PEM certificate file",
    );
    assert_one_sentence_failure(&start(&words, &words), "holds no PEM certificate");
    assert!(
        !db.exists(),
        "nothing is created when the TLS files are bad"
    );

    // Only one of the pair is a usage error from the command line parser.
    let mut command = motodex(&db);
    command
        .args(["--port", "0", "--no-browser", "--tls-cert"])
        .arg(&garbage);
    let (code, _, stderr) = run(command);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--tls-key"), "{stderr}");
}

#[test]
fn a_port_in_use_that_was_asked_for_is_one_sentence() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut command = motodex(&dir.path().join("database.db"));
    command.args(["--port", &port, "--no-browser"]);
    assert_one_sentence_failure(&run(command), &format!("Port {port} is already in use"));
}

/// A running server: its stdout lines arrive on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(mut command: Command) -> Running {
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
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads the banner up to its last line ("Press Ctrl-C …").
    fn banner(&mut self) -> String {
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
                    let mut stderr = String::new();
                    let _ = self
                        .child
                        .stderr
                        .take()
                        .unwrap()
                        .read_to_string(&mut stderr);
                    panic!(
                        "no banner; stdout so far: {:?}; stderr: {stderr}",
                        self.seen
                    );
                }
            }
        }
    }

    /// SIGTERM, as systemd sends; returns the exit code and the rest of stdout.
    #[cfg(unix)]
    fn terminate(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
        let code = wait_with_timeout(&mut self.child, Duration::from_secs(20));
        let rest: Vec<String> = self.lines.try_iter().collect();
        (code, rest.join("\n"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<i32> {
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

fn blocking_get(url: &str) -> u16 {
    // A tiny HTTP/1.1 GET without an async runtime.
    use std::io::Write;
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
fn listening_url(banner: &str) -> String {
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

#[cfg(unix)]
#[test]
fn every_interface_prints_lan_addresses_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    let mut command = motodex(&db);
    command.args(["--host", "0.0.0.0", "--port", "0"]);
    let mut server = Running::start(command);
    let banner = server.banner();

    assert!(
        banner.contains(&format!("Database: {}", db.display())),
        "{banner}"
    );
    let url = listening_url(&banner);
    assert!(url.starts_with("http://0.0.0.0:"), "{banner}");
    assert!(banner.contains("(every network interface)"), "{banner}");
    let port = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    assert!(
        banner.contains(&format!("On this computer: http://127.0.0.1:{port}/")),
        "{banner}"
    );
    let lan = motodex::server::lan_addresses();
    if lan.is_empty() {
        println!("this machine has no LAN address; only the listening lines were checked");
    }
    for ip in lan {
        // 0.0.0.0 is IPv4 only, so IPv6 addresses are not offered.
        let shown = format!("From other computers: http://{ip}:{port}/");
        assert_eq!(
            banner.contains(&shown),
            ip.is_ipv4(),
            "{shown:?} in\n{banner}"
        );
    }
    // No admin yet and no terminal: the one-time link is printed.
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}/admin/setup?token=")),
        "{banner}"
    );
    assert_eq!(blocking_get(&format!("http://127.0.0.1:{port}/")), 200);

    let (code, rest) = server.terminate();
    assert_eq!(code, Some(0), "SIGTERM is a clean stop");
    assert!(rest.contains("motodex stopped"), "{rest}");
}

/// SPEC §2: with no port asked for and 5000 busy, the next free port is
/// taken and the banner says so. Port 5000 is only held here if it is free;
/// if someone else holds it the test is skipped (with a line saying so),
/// since it then cannot know what the default-port start would do.
#[test]
fn a_busy_default_port_moves_to_the_next_free_one() {
    let Ok(_held) = std::net::TcpListener::bind(("127.0.0.1", 5000)) else {
        println!("skipped: port 5000 is already in use on this machine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut command = motodex(&dir.path().join("database.db"));
    command.arg("--no-browser");
    let mut server = Running::start(command);
    let banner = server.banner();
    assert!(
        banner.contains("Port 5000 is busy, so motodex is using port "),
        "{banner}"
    );
    let url = listening_url(&banner);
    assert!(url.starts_with("http://127.0.0.1:"), "{banner}");
    assert!(!url.ends_with(":5000/"), "{banner}");
    assert_eq!(blocking_get(&url), 200);
}
