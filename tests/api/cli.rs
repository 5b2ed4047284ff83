//! The command line, tested by running the real binary.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::helpers::PASSWORD;
use crate::helpers::binary::run_with_stdin;

const BIN: &str = env!("CARGO_BIN_EXE_motodex");

fn motodex(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("MOTODEX_PORT")
        .env_remove("MOTODEX_DB")
        .env("MOTODEX_NO_BROWSER", "1");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running `motodex serve`, with the lines it printed until it was ready.
struct Server {
    child: Child,
    lines: Vec<String>,
    url: String,
}

impl Server {
    fn start(mut command: Command) -> Server {
        command.stderr(Stdio::null());
        Server::start_with_log(command)
    }

    /// As `start`, with standard error left as `command` has it.
    fn start_with_log(mut command: Command) -> Server {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            lines: Vec::new(),
            url: String::new(),
        };
        let stdout = server.child.stdout.take().unwrap();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        while server.url.is_empty() {
            let line = receive
                .recv_timeout(Duration::from_secs(20))
                .expect("server printed its address");
            if let Some(rest) = line.strip_prefix("Listening on ") {
                server.url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
            server.lines.push(line);
        }
        // The rest of the banner (setup link, how to stop).
        while let Ok(line) = receive.recv_timeout(Duration::from_millis(300)) {
            server.lines.push(line);
        }
        server
    }

    /// The status of `GET path`, over a plain socket (no client library needed).
    fn get(&self, path: &str) -> u16 {
        use std::io::Read;
        let authority = self.url.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = std::net::TcpStream::connect(authority).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

#[test]
fn port_zero_prints_the_database_path_and_the_real_url_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = motodex(dir.path());
    command.args(["--port", "0"]);
    let server = Server::start(command);
    let db = dir.path().join("database.db");
    assert!(
        server
            .lines
            .iter()
            .any(|l| l.contains(&db.display().to_string())),
        "{:?}",
        server.lines
    );
    assert!(
        server.url.starts_with("http://127.0.0.1:") && !server.url.ends_with(":0/"),
        "{}",
        server.url
    );
    assert!(
        server
            .lines
            .iter()
            .any(|l| l.contains("/admin/setup?token=")),
        "first run prints the setup link"
    );
    assert_eq!(server.get("/"), 200);
    assert!(db.exists());
    let status = server.terminate();
    assert!(status.success(), "SIGTERM stops it cleanly: {status:?}");
    assert!(
        !dir.path().join("database.db-wal").exists()
            || std::fs::metadata(dir.path().join("database.db-wal"))
                .unwrap()
                .len()
                == 0,
        "checkpointed"
    );
}

/// What `motodex serve` (with `args`) wrote on standard error, from its
/// start to its stop, having answered `paths` meanwhile.
fn log_of_serving(args: &[&str], paths: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = motodex(dir.path());
    command
        .args(["serve", "--port", "0"])
        .args(args)
        .stderr(Stdio::piped());
    let mut server = Server::start_with_log(command);
    let mut stderr = server.child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    for path in paths {
        server.get(path);
    }
    assert!(server.terminate().success());
    log.join().unwrap()
}

#[test]
fn every_answered_request_is_one_log_line_and_the_log_level_can_silence_them() {
    let log = log_of_serving(&[], &["/healthz", "/bikes/999999?search=secret"]);
    let lines: Vec<&str> = log.lines().collect();
    for (start, status) in [("GET /healthz ", "200"), ("GET /bikes/999999 ", "404")] {
        let line = lines
            .iter()
            .find(|line| line.starts_with(start))
            .unwrap_or_else(|| panic!("no line for {start}in {log}"));
        let rest = &line[start.len()..];
        let millis = rest
            .strip_prefix(status)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|rest| rest.strip_suffix("ms"))
            .unwrap_or_else(|| panic!("{line}"));
        assert!(millis.parse::<u64>().is_ok(), "{line}");
    }
    assert!(!log.contains("secret"), "never the query string: {log}");

    let quiet = log_of_serving(&["--log-level", "warn"], &["/healthz"]);
    assert!(!quiet.contains("GET /healthz"), "{quiet}");
    let routes_quiet = log_of_serving(&["--log-level", "info,motodex::routes=warn"], &["/healthz"]);
    assert!(!routes_quiet.contains("GET /healthz"), "{routes_quiet}");
}

#[test]
fn the_serve_subcommand_and_environment_variables_work_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = motodex(dir.path());
    command
        .args(["serve"])
        .env("MOTODEX_PORT", "0")
        .env("MOTODEX_DB", "other.db")
        .env("MOTODEX_NO_SAMPLE_DATA", "1");
    let server = Server::start(command);
    assert_eq!(server.get("/"), 200);
    assert!(dir.path().join("other.db").exists());
    server.terminate();
    let conn = rusqlite::Connection::open(dir.path().join("other.db")).unwrap();
    let bikes: i64 = conn
        .query_row("SELECT count(*) FROM bikes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(bikes, 0, "MOTODEX_NO_SAMPLE_DATA=1 leaves it empty");
}

#[test]
fn a_port_in_use_is_one_clear_sentence_and_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = motodex(dir.path())
        .args(["--port", &port])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("Port {port} is already in use")),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_clearly_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    let content = "These are my notes, not a database. ".repeat(200);
    std::fs::write(&notes, &content).unwrap();
    let output = motodex(dir.path())
        .args(["--port", "0", "--db", "notes.txt"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("is not a SQLite database"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        content,
        "the file is untouched"
    );
}

#[test]
fn a_missing_folder_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let output = motodex(dir.path())
        .args(["--port", "0", "--db", "no/such/folder/db.db"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("Cannot create or open the database"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1);
}

#[test]
fn bad_flags_explain_themselves() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--port", "http"][..],
        &["--bogus"],
        &["--host", "not-an-ip"],
        &["--session-idle-secs", "0"],
    ] {
        let output = motodex(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(text(&output.stderr).contains("error:"), "{args:?}");
    }
    assert!(
        !dir.path().join("database.db").exists(),
        "nothing is created on a bad flag"
    );
}

#[test]
fn help_and_version_describe_the_program() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = text(&help.stdout);
    for expected in [
        "serve",
        "create-admin",
        "reset-password",
        "backup",
        "--db",
        "MOTODEX_DB",
        "--port",
        "--no-browser",
        "--no-sample-data",
        "--tls-cert",
    ] {
        assert!(help.contains(expected), "{expected}");
    }
    let version = Command::new(BIN).arg("--version").output().unwrap();
    assert_eq!(
        text(&version.stdout).trim(),
        format!("motodex {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_refuses_weak_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut weak = motodex(dir.path());
    weak.args(["create-admin", "teacher", "--password-stdin"]);
    let output = run_with_stdin(weak, "password1234\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("too easy to guess"));

    let mut good = motodex(dir.path());
    good.args(["create-admin", "teacher", "--password-stdin"]);
    let output = run_with_stdin(good, &format!("{PASSWORD}\n"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("Owner “teacher” created."));

    let mut again = motodex(dir.path());
    again.args(["create-admin", "TEACHER", "--password-stdin"]);
    let output = run_with_stdin(again, &format!("{PASSWORD}\n"));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("already exists"));

    let conn = rusqlite::Connection::open(dir.path().join("database.db")).unwrap();
    let (count, hash): (i64, String) = conn
        .query_row("SELECT count(*), max(password_hash) FROM users", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(count, 1);
    assert!(hash.starts_with("$argon2id$"));
}

#[test]
fn create_admin_without_a_terminal_or_stdin_flag_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let output = motodex(dir.path())
        .args(["create-admin", "teacher"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("--password-stdin"));
}

#[test]
fn reset_password_sets_a_new_password_ends_sessions_and_lifts_the_lock_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut create = motodex(dir.path());
    create.args(["create-admin", "teacher", "--password-stdin"]);
    assert!(
        run_with_stdin(create, &format!("{PASSWORD}\n"))
            .status
            .success()
    );
    let conn = rusqlite::Connection::open(dir.path().join("database.db")).unwrap();
    conn.execute_batch(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (x'00', 1, 't', 0, 0);
         INSERT INTO login_failures (key, failed_at) VALUES ('user:teacher', strftime('%s','now'));",
    )
    .unwrap();

    let mut reset = motodex(dir.path());
    reset.args(["reset-password", "Teacher", "--password-stdin"]);
    let output = run_with_stdin(reset, "a brand new passphrase here\n");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let remaining: (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM login_failures)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(remaining, (0, 0));
    let hash: String = conn
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(matches!(
        motodex::auth::password::verify(&hash, "a brand new passphrase here"),
        motodex::auth::password::Verdict::Right { .. }
    ));
}

#[test]
fn reset_password_and_backup_refuse_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut reset = motodex(dir.path());
    reset.args(["reset-password", "teacher", "--password-stdin"]);
    let output = run_with_stdin(reset, &format!("{PASSWORD}\n"));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("There is no database at"));
    let output = motodex(dir.path())
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("There is no database at"));
    assert!(
        !dir.path().join("database.db").exists(),
        "nothing was created"
    );
}

/// `motodex --port 0` in `dir`, in a pseudo-terminal, as a teacher starts it
/// the first time.
fn first_start_on_a_terminal(dir: &Path) -> expectrl::session::OsSession {
    let mut command = motodex(dir);
    command.args(["--port", "0", "--no-browser"]);
    let mut session = expectrl::Session::spawn(command).expect("spawn in a pseudo-terminal");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    session
}

#[test]
fn the_first_run_asks_for_the_first_admin_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = first_start_on_a_terminal(dir.path());
    use expectrl::Expect;
    session.expect("Admin username: ").unwrap();
    session.send_line("bad name!").unwrap();
    session.expect("can only use letters").unwrap();
    session.expect("Admin username: ").unwrap();
    session.send_line("head").unwrap();
    session.expect("Password (hidden): ").unwrap();
    session.send_line("short").unwrap();
    session.expect("Use at least 12 characters.").unwrap();
    session.expect("Password (hidden): ").unwrap();
    session.send_line(PASSWORD).unwrap();
    session.expect("Type it again: ").unwrap();
    session.send_line(PASSWORD).unwrap();
    session.expect("Owner “head” created.").unwrap();
    session
        .expect("Let other devices on this network open the site? [y/N] ")
        .unwrap();
    session.send_line("").unwrap();
    let listening = session
        .expect(expectrl::Regex("Listening on http://127.0.0.1:[0-9]+/"))
        .unwrap();
    assert!(
        !listening.before().windows(5).any(|w| w == b"setup"),
        "no setup link once an admin exists"
    );
    assert!(
        !String::from_utf8_lossy(listening.before()).contains(PASSWORD),
        "the password was not echoed"
    );
    let _ = session
        .get_process_mut()
        .kill(expectrl::process::unix::Signal::SIGTERM);
    let conn = rusqlite::Connection::open(dir.path().join("database.db")).unwrap();
    let name: String = conn
        .query_row("SELECT username FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "head");
}

#[test]
fn an_empty_username_at_the_prompt_skips_to_the_setup_link() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = first_start_on_a_terminal(dir.path());
    use expectrl::Expect;
    session.expect("Admin username: ").unwrap();
    session.send_line("").unwrap();
    session
        .expect("Let other devices on this network open the site? [y/N] ")
        .unwrap();
    session.send_line("").unwrap();
    session.expect("/admin/setup?token=").unwrap();
    let _ = session
        .get_process_mut()
        .kill(expectrl::process::unix::Signal::SIGTERM);
}
