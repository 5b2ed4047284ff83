//! The real binary, started as a user or a service manager would: start-up
//! faults are one sentence and exit code 1, the banner shows the addresses,
//! a busy default port moves on to the next, and SIGTERM stops it cleanly.

use std::path::Path;
use std::time::Duration;

use crate::helpers::binary::{
    Running, bare, binary, blocking_get, listening_url, motodex, run, run_with_stdin,
};

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
    let lan = motodex::network::lan_addresses(
        motodex::network::interfaces(),
        std::net::IpAddr::from([0, 0, 0, 0]),
    );
    if lan.is_empty() {
        println!("this machine has no LAN address; only the listening lines were checked");
    }
    for address in &lan {
        // 0.0.0.0 is IPv4 only, so IPv6 addresses are not offered.
        let shown = format!("From other computers: http://{}:{port}/", address.ip);
        assert!(banner.contains(&shown), "{shown:?} in\n{banner}");
    }
    if let Some(first) = lan.first() {
        assert!(
            banner.contains(&format!("(the address of {})", first.interface)),
            "the banner names the interface of its QR code:\n{banner}"
        );
        let code = motodex::qr::terminal(&first.url(port.parse().unwrap(), false)).unwrap();
        assert!(
            banner.contains(&code),
            "the QR code of {first:?} in\n{banner}"
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

/// SPEC §2: `--db` is global: before or after the subcommand.
#[test]
fn the_db_flag_goes_before_or_after_a_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.db");
    let second = dir.path().join("second.db");
    let with_password = |command| {
        run_with_stdin(command, "correct horse battery staple\n")
            .status
            .code()
    };
    let mut before = bare();
    before
        .arg("--db")
        .arg(&first)
        .args(["create-admin", "teacher", "--password-stdin"]);
    assert_eq!(with_password(before), Some(0));
    let mut after = bare();
    after
        .args(["create-admin", "teacher", "--password-stdin", "--db"])
        .arg(&second);
    assert_eq!(with_password(after), Some(0));
    assert!(first.exists() && second.exists());

    let copy = dir.path().join("copy.db");
    let mut backup = bare();
    backup.arg("--db").arg(&first).arg("backup").arg(&copy);
    let (code, _, stderr) = run(backup);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(copy.exists());
}

/// A start-up error in a terminal window of motodex's own (what "Run in
/// terminal" or a double-click gives) waits for Enter so the sentence can be
/// read; started from a shell it does not. `script` gives each a fresh
/// terminal; where it is missing the test says so and passes.
#[cfg(unix)]
#[test]
fn an_own_terminal_window_stays_open_after_an_error_but_a_shell_does_not() {
    let script_available = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !script_available {
        println!("skipped: no `script` command (util-linux) to open a terminal");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no-such-folder").join("database.db");
    let binary = binary();
    let in_terminal = |command_line: String| {
        let mut script = std::process::Command::new("script");
        script
            .args(["-qec", &command_line, "/dev/null"])
            .env("SHELL", "/bin/sh");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("MOTODEX_") {
                script.env_remove(name);
            }
        }
        // Standard input at its end: the "Press Enter" wait returns at once.
        let (code, stdout, _) = run(script);
        (code, stdout)
    };
    let start = format!(
        "'{}' --db '{}' --no-browser",
        binary.display(),
        db.display()
    );

    // `exec`: motodex itself, not a shell, owns the new terminal.
    let (code, own_window) = in_terminal(format!("exec {start}"));
    assert_eq!(code, Some(1), "{own_window}");
    assert!(
        own_window.contains("Cannot create or open the database"),
        "{own_window}"
    );
    assert!(own_window.contains("Press Enter to close."), "{own_window}");

    let (_, from_shell) = in_terminal(format!("sh -c \"{start}; echo shell-goes-on\""));
    assert!(
        from_shell.contains("Cannot create or open the database"),
        "{from_shell}"
    );
    assert!(from_shell.contains("shell-goes-on"), "{from_shell}");
    assert!(!from_shell.contains("Press Enter"), "{from_shell}");
}

/// A server whose standard error nobody reads (a paused pager, a pipe never
/// drained) keeps serving: its log drops lines rather than hold up requests.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_whose_log_nobody_reads_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = motodex(&dir.path().join("database.db"));
    command.args(["--port", "0"]);
    let mut server = Running::start_with_stderr_unread(command);
    let base = listening_url(&server.banner());
    let client = crate::helpers::client();
    // Each of these 404s logs a line of about 250 bytes: the pipe (64 KB)
    // is full after about 260 of them, and the log's queue 4,096 lines later.
    let url = format!("{base}{}", "x".repeat(230));
    for n in 0..6000 {
        let response = tokio::time::timeout(Duration::from_secs(10), client.get(&url).send())
            .await
            .unwrap_or_else(|_| panic!("request {n} had no answer within 10 s"))
            .unwrap();
        assert_eq!(response.status(), 404);
        response.bytes().await.unwrap();
    }
}
