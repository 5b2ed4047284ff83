//! The terminal's questions, in a pseudo-terminal as a teacher meets them:
//! a refused password is asked for again (not the username), the first run
//! asks once whether the site may open to the network, and `reset-password`
//! asks again after a weak password instead of quitting.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::Expect;
use expectrl::process::unix::{Signal, WaitStatus};
use motodex::auth::password::{Verdict, verify};

use crate::helpers::PASSWORD;
use crate::helpers::binary::{binary, create_admin};

/// The binary on `db` with none of the user's MOTODEX_* settings; its
/// standard streams are left for the pseudo-terminal.
fn motodex(db: &Path) -> Command {
    let mut command = Command::new(binary());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MOTODEX_") {
            command.env_remove(name);
        }
    }
    command.arg("--db").arg(db);
    command
}

fn in_a_terminal(command: Command) -> expectrl::session::OsSession {
    let mut session = expectrl::Session::spawn(command).expect("spawn in a pseudo-terminal");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session
}

fn first_start(db: &Path) -> expectrl::session::OsSession {
    let mut command = motodex(db);
    command.args(["--port", "0", "--no-browser"]);
    in_a_terminal(command)
}

fn setting(db: &Path, key: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .ok()
}

const NETWORK_QUESTION: &str = "Let other devices on this network open the site? [y/N] ";

#[test]
fn after_a_refused_password_the_first_run_asks_for_the_password_again_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    let mut session = first_start(&db);
    session.expect("Admin username: ").unwrap();
    session.send_line("head").unwrap();
    session.expect("Password (hidden): ").unwrap();
    session.send_line("aaaaaaaaaaaaaaa").unwrap();
    session
        .expect("This password is too easy to guess")
        .unwrap();
    let asked = session.expect("Password (hidden): ").unwrap();
    let between = String::from_utf8_lossy(asked.before()).into_owned();
    assert!(
        between.contains("Try again: a few unrelated words work well."),
        "{between}"
    );
    assert!(!between.contains("Admin username"), "{between}");
    session.send_line(PASSWORD).unwrap();
    session.expect("Type it again: ").unwrap();
    session.send_line("not the same words at all").unwrap();
    session.expect("The two passwords do not match.").unwrap();
    let asked = session.expect("Password (hidden): ").unwrap();
    assert!(!String::from_utf8_lossy(asked.before()).contains("Admin username"));
    session.send_line(PASSWORD).unwrap();
    session.expect("Type it again: ").unwrap();
    session.send_line(PASSWORD).unwrap();
    session.expect("Owner “head” created.").unwrap();
    session.expect(NETWORK_QUESTION).unwrap();
    session.send_line("n").unwrap();
    session
        .expect("The site opens on this computer only.")
        .unwrap();
    session
        .expect(expectrl::Regex("Listening on http://127.0.0.1:[0-9]+/"))
        .unwrap();
    let _ = session.get_process_mut().kill(Signal::SIGTERM);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let name: String = conn
        .query_row("SELECT username FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "head");
    assert_eq!(setting(&db, "open_to_network").as_deref(), Some("0"));
}

#[test]
fn yes_to_the_network_question_opens_the_site_at_once_and_is_not_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    let mut session = first_start(&db);
    session.expect("Admin username: ").unwrap();
    // Skipping the admin (the setup link instead) still asks about the network.
    session.send_line("").unwrap();
    session.expect(NETWORK_QUESTION).unwrap();
    session.send_line("y").unwrap();
    session
        .expect(expectrl::Regex("Listening on http://0.0.0.0:[0-9]+/"))
        .unwrap();
    session.expect("/admin/setup?token=").unwrap();
    let _ = session.get_process_mut().kill(Signal::SIGTERM);
    let _ = session.get_process().wait();
    assert_eq!(setting(&db, "open_to_network").as_deref(), Some("1"));

    let mut again = first_start(&db);
    again.expect("Admin username: ").unwrap();
    again.send_line("").unwrap();
    let banner = again.expect("Press Ctrl-C").unwrap();
    let banner = String::from_utf8_lossy(banner.before()).into_owned();
    assert!(!banner.contains("open the site? [y/N]"), "{banner}");
    assert!(banner.contains("Listening on http://0.0.0.0:"), "{banner}");
    let _ = again.get_process_mut().kill(Signal::SIGTERM);
}

#[test]
fn reset_password_on_a_terminal_asks_again_after_a_weak_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    create_admin(&db, "teacher", PASSWORD);
    let mut command = motodex(&db);
    command.args(["reset-password", "teacher"]);
    let mut session = in_a_terminal(command);
    session.expect("Password (hidden): ").unwrap();
    session.send_line("teacher2024teacher").unwrap();
    session
        .expect("The password must not contain the username. Try again: a few unrelated words work well.")
        .unwrap();
    session.expect("Password (hidden): ").unwrap();
    let new_password = "violet harbour seventy pencil";
    session.send_line(new_password).unwrap();
    session.expect("Type it again: ").unwrap();
    session.send_line(new_password).unwrap();
    session.expect("New password set for “teacher”.").unwrap();
    let status = session.get_process().wait().unwrap();
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let hash: String = conn
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(
        matches!(verify(&hash, new_password), Verdict::Right { .. }),
        "the new password works"
    );
}
