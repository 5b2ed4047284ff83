//! The copy-over trap (issue 15, item 5): a backup copied over the database
//! of a running server, in place (`cp`) or as a new file at the path (a
//! file manager), must survive that server's stop byte for byte.

use std::path::Path;
use std::time::Duration;

use crate::helpers::binary::{Running, create_admin, listening_url, motodex, run};
use crate::helpers::catalogue::*;
use crate::helpers::*;

fn bikes_in(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT count(*) FROM bikes", [], |r| r.get(0))
        .unwrap()
}

/// Logs in to the server at `url` and adds a bike named `model`; returns
/// the status of the add.
async fn add_bike(url: &str, c: &reqwest::Client, model: &str) -> (u16, String) {
    let login_page = c.get(format!("{url}admin/login")).sent().await.body().await;
    c.post(format!("{url}admin/login"))
        .form(&[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("csrf_token", &csrf_token_of(&login_page)),
        ])
        .sent()
        .await;
    let admin = c.get(format!("{url}admin/add")).sent().await.body().await;
    let token = csrf_token_of(&admin);
    let honda = admin
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains(">Honda<"))
        .and_then(|o| o.split('"').next())
        .unwrap_or("1")
        .to_string();
    let response = post_form(
        c,
        &format!("{url}admin/add"),
        &with_token(&bike(honda.parse().unwrap(), model), &token),
    )
    .await;
    let status = response.status().as_u16();
    (status, response.body().await)
}

async fn the_replacement_survives(in_place: bool) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    create_admin(&db, ADMIN, PASSWORD);
    let backup = dir.path().join("backup.db");
    let mut command = motodex(&db);
    command.arg("backup").arg(&backup);
    assert_eq!(run(command).0, Some(0));
    let copied = std::fs::read(&backup).unwrap();

    let mut command = motodex(&db);
    command.args(["--port", "0", "--no-browser"]);
    let mut server = Running::start(command);
    let url = listening_url(&server.banner());
    let c = client();
    let (status, _) = add_bike(&url, &c, "Only In The Old File").await;
    assert_eq!(status, 303);

    if in_place {
        std::fs::copy(&backup, &db).unwrap();
    } else {
        let new = dir.path().join("new.db");
        std::fs::copy(&backup, &new).unwrap();
        std::fs::rename(&new, &db).unwrap();
    }
    // Logging in writes a session: refused, with the reason.
    let fresh = client();
    let login_page = fresh
        .get(format!("{url}admin/login"))
        .sent()
        .await
        .body()
        .await;
    let response = fresh
        .post(format!("{url}admin/login"))
        .form(&[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("csrf_token", &csrf_token_of(&login_page)),
        ])
        .sent()
        .await;
    let status = response.status().as_u16();
    let page = response.body().await;
    assert_eq!(status, 503, "{page}");
    assert!(
        page.contains("The database file was replaced while motodex was running"),
        "{page}"
    );
    // The terminal says so too, within the watch's two seconds.
    let started = std::time::Instant::now();
    while !server
        .stderr_tail()
        .contains("The database file was replaced")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            server.stderr_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let (_code, _) = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&db).unwrap(),
        copied,
        "the copied file is byte for byte what was copied"
    );
    let aside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("-wal.replaced-"))
        .collect();
    assert_eq!(aside.len(), 1, "the old log is set aside, not deleted");
    assert!(!dir.path().join("database.db-wal").exists());

    // The next start serves the replacement.
    let mut command = motodex(&db);
    command.args(["--port", "0", "--no-browser"]);
    let mut again = Running::start(command);
    let url = listening_url(&again.banner());
    let home = client()
        .get(format!("{url}?search=old+file"))
        .sent()
        .await
        .body()
        .await;
    assert!(!home.contains("Only In The Old File"), "{home}");
    let (status, _) = add_bike(&url, &client(), "After The Restart").await;
    assert_eq!(status, 303, "writes work again after the restart");
    drop(again);
    assert_eq!(bikes_in(&db), bikes_in(&backup) + 1);
}

#[tokio::test]
async fn a_backup_copied_in_place_over_a_running_database_survives_the_servers_stop() {
    the_replacement_survives(true).await;
}

#[tokio::test]
async fn a_new_file_put_at_a_running_databases_path_survives_the_servers_stop() {
    the_replacement_survives(false).await;
}

#[tokio::test]
async fn a_process_that_opens_the_database_while_the_server_runs_leaves_its_log_and_sees_its_writes()
 {
    // Writes first: the server looks at the file's header before each one.
    let (app, _admin) = logged_in_app().await;
    crate::helpers::create_admin(&app, "second", PASSWORD);
    // Another process opens the database, reads and closes it, as the
    // course's Flask app does (Python's sqlite3, on the machine's Python).
    let other = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); \
             db.execute('SELECT COUNT(*) FROM users').fetchone(); db.close()",
        ])
        .arg(&app.db_path)
        .output()
        .expect("python3 runs");
    assert!(
        other.status.success(),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    let wal = std::path::PathBuf::from(format!("{}-wal", app.db_path.display()));
    assert!(
        wal.exists(),
        "the running server's write-ahead log is still there"
    );
    // What the server writes next reaches the file other processes read.
    assert_eq!(
        login(&app, &client(), "second", PASSWORD).await.status(),
        303
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions"), 2);
}
