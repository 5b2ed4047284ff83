//! Disk faults (issue 8): a read-only disk, a full disk, and a database
//! file removed while running. These need a small filesystem of their own, so they
//! mount a tmpfs and therefore run as root (as CI does); otherwise each test
//! prints one "skipped" line.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::*;

/// A tmpfs mounted on a temporary folder, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .ok()?
            .success();
        if !mounted {
            eprintln!("skipped: mounting a tmpfs needs root");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn db(&self) -> PathBuf {
        self.path().join("database.db")
    }

    fn remount(&self, mode: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {mode}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

async fn spawn_on(disk: &SmallDisk) -> TestApp {
    spawn_config(
        tempfile::tempdir().unwrap(),
        motodex::Config::for_tests(disk.db()),
    )
    .await
}

async fn add_admin(app: &TestApp, c: &reqwest::Client, name: &str) -> reqwest::Response {
    let token = admin_token(app, c).await;
    let password = "another fine passphrase";
    c.post(app.url("/admin/users/add"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", name),
            ("password", password),
            ("confirm_password", password),
        ])
        .sent()
        .await
}

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn a_read_only_disk_still_serves_the_catalogue_and_refuses_writes_clearly() {
    let Some(disk) = SmallDisk::mount("16m") else {
        return;
    };
    let mut app = spawn_on(&disk).await;
    create_admin(&app, ADMIN, PASSWORD);
    app.stop().await;
    drop(app); // closes every connection, so the disk can become read-only
    disk.remount("ro");

    let app = spawn_on(&disk).await;
    assert!(app.state.db.is_read_only());
    let c = client();
    assert!(page(&c, &app.url("/"), 200).await.contains("Panigale V4"));
    page(&c, &app.url("/bikes/1"), 200).await;
    let response = login(&app, &c, ADMIN, PASSWORD).await;
    assert_eq!(response.status(), 503);
    assert!(response.body().await.contains("The database is read-only"));
    assert_eq!(client().get(app.url("/healthz")).status().await, 200);
    drop(app);
    disk.remount("rw");
    assert_eq!(integrity(&disk.db()), "ok");
}

#[tokio::test]
async fn a_full_disk_gives_a_clear_page_keeps_the_database_intact_and_recovers() {
    let Some(disk) = SmallDisk::mount("2m") else {
        return;
    };
    let app = spawn_on(&disk).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
    let token = admin_token(&app, &c).await;
    let users_before = app.count("SELECT count(*) FROM users");

    let filler = fill(&disk);
    let mut saw_full = false;
    for i in 0..20 {
        // A large-ish form so each write needs fresh pages.
        let name = format!("user{i}");
        let password = "another fine passphrase";
        let response = c
            .post(app.url("/admin/users/add"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", &name),
                ("password", password),
                ("confirm_password", password),
            ])
            .sent()
            .await;
        let status = response.status().as_u16();
        assert!(status == 303 || status == 503, "{status}");
        if status == 503 {
            assert!(
                response.body().await.contains("disk"),
                "the page says the disk is full"
            );
            saw_full = true;
            break;
        }
    }
    assert!(saw_full, "the disk filled up");
    assert_eq!(client().get(app.url("/")).status().await, 200);

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        add_admin(&app, &c, "after").await.status(),
        303,
        "writes work again once there is space"
    );
    assert!(app.count("SELECT count(*) FROM users") > users_before);
    assert_eq!(integrity(&disk.db()), "ok");
}

#[tokio::test]
async fn a_database_file_deleted_or_replaced_while_running_causes_no_panic() {
    let Some(disk) = SmallDisk::mount("16m") else {
        return;
    };
    let (app, c) = {
        let app = spawn_on(&disk).await;
        create_admin(&app, ADMIN, PASSWORD);
        let c = client();
        login(&app, &c, ADMIN, PASSWORD).await;
        (app, c)
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", disk.db().display()));
    }
    for path in ["/", "/bikes/1", "/admin"] {
        let status = c.get(app.url(path)).status().await.as_u16();
        assert!(status < 500 || status == 503, "{path}: {status}");
    }
    std::fs::write(disk.db(), b"not a database any more").unwrap();
    let status = add_admin(&app, &c, "ghost").await.status().as_u16();
    assert!(status < 500 || status == 503, "{status}");
    assert_eq!(
        client().get(app.url("/healthz")).status().await,
        200,
        "still serving"
    );
}

/// Fills `disk` to the last byte with one file, and returns its path.
fn fill(disk: &SmallDisk) -> PathBuf {
    let filler = disk.path().join("filler");
    let _ = Command::new("dd")
        .arg("if=/dev/zero")
        .arg(format!("of={}", filler.display()))
        .args(["bs=4k"])
        .output();
    filler
}

fn backup_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "filler")
        .collect();
    names.sort();
    names
}

async fn back_up_now(app: &TestApp, c: &reqwest::Client) -> reqwest::Response {
    let token = admin_token(app, c).await;
    c.post(app.url("/admin/backups/now"))
        .form(&[("csrf_token", token.as_str())])
        .sent()
        .await
}

#[tokio::test]
async fn a_backup_onto_a_full_disk_says_so_leaves_no_partial_file_and_keeps_the_older_backups() {
    let Some(disk) = SmallDisk::mount("4m") else {
        return;
    };
    let backups = disk.path().join("backups");
    let app = spawn_app_with(|config| config.backup_dir = Some(backups.clone())).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
    assert_eq!(back_up_now(&app, &c).await.status(), 303);
    let good = backup_files(&backups);
    assert_eq!(good.len(), 1, "{good:?}");
    let good_bytes = std::fs::read(backups.join(&good[0])).unwrap();

    let filler = fill(&disk);
    let response = back_up_now(&app, &c).await;
    assert_eq!(response.status(), 500);
    let body = response.body().await;
    assert!(
        body.contains("The backup could not be written: the disk is full."),
        "{body}"
    );
    assert!(!body.contains(&backups.display().to_string()), "{body}");
    assert_eq!(backup_files(&backups), good, "no partial file is left");
    assert_eq!(
        std::fs::read(backups.join(&good[0])).unwrap(),
        good_bytes,
        "the older backup is untouched"
    );
    assert!(
        page(&c, &app.url("/admin"), 200)
            .await
            .contains("The last backup failed")
    );
    assert_eq!(client().get(app.url("/")).status().await, 200);

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        back_up_now(&app, &c).await.status(),
        303,
        "backups work again once there is space"
    );
    let after = backup_files(&backups);
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(integrity(&backups.join(&after[1])), "ok");
}
