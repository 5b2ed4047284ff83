//! The forgotten-password story, physically: the teacher opens a terminal in
//! the folder that holds database.db and runs `motodex reset-password NAME`
//! while the site keeps running. The new password works, the old one and the
//! old sessions do not, and a login lock-out is lifted.
//!
//! Runs cargo's build of the binary, or the one named by
//! `MOTODEX_TEST_BINARY` (dist/check points it at the release file).

use std::path::Path;

use crate::helpers::binary::{Running, bare, listening_url, run_with_stdin};
use crate::helpers::{ADMIN, RequestExt, ResponseExt, client, csrf_token_of};

const OLD: &str = "correct horse battery staple";
const NEW: &str = "purple elephant juggling seventeen oranges";

/// `motodex ARGS… --password-stdin` in `dir` (no --db: database.db there),
/// with `password` on standard input; returns (exit code, stdout, stderr).
fn with_password(dir: &Path, args: &[&str], password: &str) -> (Option<i32>, String, String) {
    let mut command = bare();
    command.current_dir(dir).args(args).arg("--password-stdin");
    let output = run_with_stdin(command, &format!("{password}\n"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Posts the login form; returns the status.
async fn try_login(client: &reqwest::Client, base: &str, password: &str) -> u16 {
    let page = client
        .get(format!("{base}admin/login"))
        .sent()
        .await
        .body()
        .await;
    let token = csrf_token_of(&page);
    let form = [
        ("username", ADMIN),
        ("password", password),
        ("csrf_token", &token),
    ];
    client
        .post(format!("{base}admin/login"))
        .form(&form)
        .status()
        .await
        .as_u16()
}

async fn admin_status(client: &reqwest::Client, base: &str) -> u16 {
    client.get(format!("{base}admin")).status().await.as_u16()
}

#[tokio::test]
async fn reset_password_next_to_the_database_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();

    // Before the database exists, reset-password refuses and creates nothing.
    let (code, _, stderr) = with_password(dir.path(), &["reset-password", ADMIN], NEW);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("There is no database"), "{stderr}");
    assert!(!dir.path().join("database.db").exists());

    // create-admin makes the database and the account.
    let (code, stdout, stderr) = with_password(dir.path(), &["create-admin", ADMIN], OLD);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("created"), "{stdout}");
    assert!(dir.path().join("database.db").exists());

    // The site runs from the same folder.
    let mut serve = bare();
    serve
        .current_dir(dir.path())
        .args(["--port", "0", "--no-browser"]);
    let mut server = Running::start(serve);
    let base = listening_url(&server.banner());

    // A browser logged in with the old password...
    let old_browser = client();
    assert_eq!(try_login(&old_browser, &base, OLD).await, 303);
    assert_eq!(admin_status(&old_browser, &base).await, 200);
    // ...and someone who locked the account out by guessing.
    let guesser = client();
    for _ in 0..5 {
        assert_eq!(
            try_login(&guesser, &base, "wrong guess number one").await,
            200
        );
    }
    assert_eq!(
        try_login(&guesser, &base, OLD).await,
        429,
        "locked out even with the right password"
    );

    // The teacher resets the password while the site keeps running.
    let (code, stdout, stderr) = with_password(dir.path(), &["reset-password", ADMIN], NEW);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("New password set"), "{stdout}");

    // The old session has ended, the old password is refused, the new one works.
    assert_eq!(
        admin_status(&old_browser, &base).await,
        303,
        "old session ended"
    );
    let fresh = client();
    assert_eq!(
        try_login(&fresh, &base, OLD).await,
        200,
        "old password refused"
    );
    assert_eq!(
        try_login(&fresh, &base, NEW).await,
        303,
        "new password accepted"
    );
    assert_eq!(admin_status(&fresh, &base).await, 200);

    // A password the policy refuses changes nothing.
    let (code, _, stderr) = with_password(dir.path(), &["reset-password", ADMIN], "short");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    let again = client();
    assert_eq!(try_login(&again, &base, NEW).await, 303);
    drop(server);
}
