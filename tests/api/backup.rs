//! Backups (SPEC §2 `backup`, §4 `/admin/backup`, issue 4): a consistent
//! copy of the database, downloaded or written by the command line while
//! the server keeps serving.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::helpers::catalogue::*;
use crate::helpers::*;

const TABLES: [&str; 4] = ["makers", "bikes", "images", "users"];

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open backup");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check")
}

fn row_count(path: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open database");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

fn journal_mode(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open backup");
    conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal mode")
}

fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

async fn add_photo_bike(app: &TestApp, c: &reqwest::Client) {
    let token = admin_token(app, c).await;
    let fields = with_token(&bike(maker_id(app, "Honda"), "Backup Bike"), &token);
    assert_eq!(
        post_multipart(c, &app.url("/admin/add"), &fields, Some(png_upload(30, 20)))
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn the_backup_download_is_a_complete_copy_named_with_the_date() {
    let (app, c) = logged_in_app().await;
    add_photo_bike(&app, &c).await;
    let response = c.get(app.url("/admin/backup")).sent().await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/vnd.sqlite3");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"motodex-backup-{}.db\"", today()).as_str()
    );
    assert_eq!(headers["cache-control"], "no-store");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
    assert!(bytes.starts_with(b"SQLite format 3\0"));

    let copy = app.dir.path().join("downloaded.db");
    std::fs::write(&copy, &bytes).unwrap();
    assert_eq!(integrity(&copy), "ok");
    assert_eq!(journal_mode(&copy), "delete", "one self-contained file");
    for table in TABLES {
        assert_eq!(
            row_count(&copy, table),
            row_count(&app.db_path, table),
            "{table}"
        );
    }
    assert_eq!(
        row_count(&copy, "images WHERE content_type = 'image/png'"),
        1,
        "the uploaded photo is in the backup"
    );
}

#[tokio::test]
async fn a_backup_downloaded_during_writes_is_consistent() {
    let (app, c) = logged_in_app().await;
    let before = bikes(&app);
    let token = admin_token(&app, &c).await;
    let writer = {
        let (c, url, honda, token) = (
            c.clone(),
            app.url("/admin/add"),
            maker_id(&app, "Honda"),
            token.clone(),
        );
        tokio::spawn(async move {
            for n in 0..40 {
                let response = post_form(
                    &c,
                    &url,
                    &with_token(&bike(honda, &format!("During Backup {n}")), &token),
                )
                .await;
                assert_eq!(response.status(), 303);
            }
        })
    };
    for round in 0..3 {
        let bytes = c
            .get(app.url("/admin/backup"))
            .sent()
            .await
            .bytes()
            .await
            .unwrap();
        let copy = app.dir.path().join(format!("during-{round}.db"));
        std::fs::write(&copy, &bytes).unwrap();
        assert_eq!(integrity(&copy), "ok");
        let copied = row_count(&copy, "bikes");
        assert!((before..=before + 40).contains(&copied), "{copied}");
    }
    writer.await.unwrap();
}

/// Runs the real `motodex` binary.
fn motodex(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_motodex"))
        .args(args)
        .output()
        .expect("run motodex")
}

#[tokio::test]
async fn the_backup_command_copies_the_database_while_the_server_runs() {
    let (app, c) = logged_in_app().await;
    add_photo_bike(&app, &c).await;
    let db = app.db_path.to_str().unwrap().to_string();

    // Quiet: the copy has exactly the same rows.
    let quiet = app.dir.path().join("quiet.db");
    let output = tokio::task::spawn_blocking({
        let (db, target) = (db.clone(), quiet.to_str().unwrap().to_string());
        move || motodex(&["backup", &target, "--db", &db])
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Backup written to"));
    assert_eq!(integrity(&quiet), "ok");
    for table in TABLES {
        assert_eq!(
            row_count(&quiet, table),
            row_count(&app.db_path, table),
            "{table}"
        );
    }

    // Busy: readers and writers keep going while the command runs.
    let before = bikes(&app);
    let token = admin_token(&app, &c).await;
    let traffic = {
        let (c, add, home, honda) = (
            c.clone(),
            app.url("/admin/add"),
            app.url("/"),
            maker_id(&app, "Honda"),
        );
        tokio::spawn(async move {
            for n in 0..30 {
                assert_eq!(
                    post_form(
                        &c,
                        &add,
                        &with_token(&bike(honda, &format!("Busy {n}")), &token)
                    )
                    .await
                    .status(),
                    303
                );
                assert_eq!(c.get(&home).status().await, 200);
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let busy = app.dir.path().join("busy.db");
    let output = tokio::task::spawn_blocking({
        let target = busy.to_str().unwrap().to_string();
        move || motodex(&["backup", &target, "--db", &db])
    })
    .await
    .unwrap();
    traffic.await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(integrity(&busy), "ok");
    let copied = row_count(&busy, "bikes");
    assert!((before..=before + 30).contains(&copied), "{copied}");
    assert_eq!(bikes(&app), before + 30, "the server kept every write");
    assert_eq!(c.get(app.url("/")).status().await, 200, "still serving");
}

#[tokio::test]
async fn the_backup_command_never_overwrites_a_file() {
    let app = spawn_app().await;
    let target = app.dir.path().join("exists.db");
    std::fs::write(&target, b"precious").unwrap();
    let output = motodex(&[
        "backup",
        target.to_str().unwrap(),
        "--db",
        app.db_path.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
}
