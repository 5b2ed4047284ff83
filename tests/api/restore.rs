//! Automatic backups, `motodex backups` and `motodex restore` (SPEC §9,
//! issue 15): backups on schedule, whole and checked, the newest N kept; a
//! restore that checks first, replaces the contents in one step while a
//! server runs, and survives kill -9 at any moment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::{RngExt, SeedableRng};

use crate::helpers::binary::{motodex, run};
use crate::helpers::catalogue::*;
use crate::helpers::*;

fn open(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open database")
}

fn integrity(path: &Path) -> String {
    open(path)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check")
}

fn count(path: &Path, sql: &str) -> i64 {
    open(path).query_row(sql, [], |r| r.get(0)).expect("count")
}

/// The backups' file names in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// `motodex restore FILE --yes` on `db`, off the test's executor.
async fn restore_command(db: &Path, file: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut command = motodex(db);
    command.arg("restore").arg(file).args(extra);
    tokio::task::spawn_blocking(move || run(command))
        .await
        .unwrap()
}

/// A backup of `db` written by `motodex backup`.
fn backup_of(db: &Path, target: &Path) {
    let mut command = motodex(db);
    command.arg("backup").arg(target);
    let (code, _, err) = run(command);
    assert_eq!(code, Some(0), "{err}");
}

#[tokio::test]
async fn automatic_backups_appear_on_schedule_are_checked_and_only_the_newest_are_kept() {
    let app = spawn_app_with(|config| {
        config.backup_every = Some(Duration::from_secs(1));
        config.keep_backups = 2;
    })
    .await;
    let dir = app.dir.path().join("backups");
    // At start (there is none yet), then every second; a moment between
    // two backups shows just the newest 2.
    let started = std::time::Instant::now();
    let mut first = None;
    let names = loop {
        let names = files_in(&dir);
        if first.is_none() {
            first = names.iter().find(|n| n.ends_with(".db")).cloned();
        }
        let finished = names.iter().filter(|n| n.ends_with(".db")).count();
        assert!(
            finished <= 3,
            "at most one more than kept, until pruned: {names:?}"
        );
        if started.elapsed() > Duration::from_millis(3500)
            && finished == names.len()
            && finished == 2
        {
            break names;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{names:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let finished: Vec<&String> = names.iter().collect();
    let (older, newer) = (
        motodex::backup::parse_name(finished[0]).unwrap().0,
        motodex::backup::parse_name(finished[1]).unwrap().0,
    );
    assert!(newer > older, "written at different times: {names:?}");
    let first = first.expect("the backup written at start");
    assert!(
        !names.contains(&first),
        "the oldest was deleted: {first} {names:?}"
    );
    for name in finished {
        assert!(
            name.starts_with("motodex-") && name.ends_with("Z.db"),
            "{name}"
        );
        let path = dir.join(name);
        assert_eq!(integrity(&path), "ok");
        assert_eq!(
            count(&path, "SELECT count(*) FROM bikes"),
            count(&app.db_path, "SELECT count(*) FROM bikes")
        );
        let mode: String = open(&path)
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "one self-contained file");
    }
    assert!(matches!(
        app.state.backups.last(),
        Some(motodex::domain::records::BackupOutcome::Written { .. })
    ));
}

#[tokio::test]
async fn no_backup_is_written_at_start_when_the_newest_is_younger_than_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("database.db");
    let first = spawn_config(
        tempfile::tempdir().unwrap(),
        motodex::Config {
            backup_dir: Some(dir.path().join("kept")),
            backup_every: Some(Duration::from_secs(3600)),
            ..motodex::Config::for_tests(db_path.clone())
        },
    )
    .await;
    let kept = dir.path().join("kept");
    let started = std::time::Instant::now();
    while files_in(&kept).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut first = first;
    first.stop().await;
    let _second = spawn_config(
        tempfile::tempdir().unwrap(),
        motodex::Config {
            backup_dir: Some(kept.clone()),
            backup_every: Some(Duration::from_secs(3600)),
            ..motodex::Config::for_tests(db_path)
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(files_in(&kept).len(), 1, "{:?}", files_in(&kept));
}

#[tokio::test]
async fn a_backup_folder_that_cannot_be_written_is_logged_leaves_no_backup_and_serving_goes_on() {
    let app = spawn_app_with(|config| {
        config.backup_every = Some(Duration::from_secs(3600));
        // A file where the folder should be: nothing can be created in it.
        config.backup_dir = Some(PathBuf::from("/dev/null/backups"));
    })
    .await;
    let started = std::time::Instant::now();
    let reason = loop {
        if let Some(motodex::domain::records::BackupOutcome::Failed { reason, .. }) =
            app.state.backups.last()
        {
            break reason;
        }
        assert!(started.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        reason.contains(
            "The backup could not be written: a file stands where the backup folder should be"
        ),
        "{reason}"
    );
    assert_eq!(client().get(app.url("/")).status().await, 200);
}

#[tokio::test]
async fn the_backups_command_says_when_there_are_none_and_lists_them_newest_first() {
    let app = app_with_admin().await;
    let dir = app.dir.path().join("backups");
    let list = || {
        let mut command = motodex(&app.db_path);
        command.arg("backups");
        run(command)
    };
    let (code, out, _) = list();
    assert_eq!(code, Some(0));
    assert!(out.contains("There is no backup folder at"), "{out}");
    std::fs::create_dir(&dir).unwrap();
    let (_, out, _) = list();
    assert!(out.contains("There are no backups in"), "{out}");

    backup_of(&app.db_path, &dir.join("motodex-2025-01-02T030405Z.db"));
    backup_of(&app.db_path, &dir.join("motodex-2025-02-02T030405Z.db"));
    std::fs::write(dir.join("notes.txt"), "not a backup").unwrap();
    let (code, out, _) = list();
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].contains("motodex-2025-02-02T030405Z.db"), "{out}");
    assert!(lines[2].contains("motodex-2025-01-02T030405Z.db"), "{out}");
    let bikes = bikes(&app);
    assert!(
        lines[1].contains(&format!("{bikes} bikes, 7 makers, 1 admin ")),
        "{out}"
    );
    assert!(lines[1].contains(" KB"), "{out}");
}

/// A file of each kind `restore` must refuse, and the sentence it gets.
fn bad_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let text = dir.join("notes.txt");
    std::fs::write(&text, "These are my notes, not a database.\n".repeat(200)).unwrap();
    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();

    let whole = dir.join("whole.db");
    crate::accounts::flask_course_database(&whole);
    {
        let conn = open(&whole);
        let filler = "x".repeat(2000);
        for n in 0..200 {
            conn.execute(
                "INSERT INTO bikes (maker_id, model) VALUES (1, ?1)",
                [format!("{n} {filler}")],
            )
            .unwrap();
        }
    }
    let bytes = std::fs::read(&whole).unwrap();
    let truncated = dir.join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    // A page in the middle of the bikes table overwritten with noise.
    let mut damaged_bytes = bytes.clone();
    let page = 4096 * (bytes.len() / 4096 / 2);
    for (i, b) in damaged_bytes[page + 8..page + 4000].iter_mut().enumerate() {
        *b = (i * 31 % 251) as u8;
    }
    let damaged = dir.join("damaged.db");
    std::fs::write(&damaged, &damaged_bytes).unwrap();

    let unrelated = dir.join("unrelated.db");
    open(&unrelated)
        .execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
        .unwrap();
    let newer = dir.join("newer.db");
    std::fs::copy(&whole, &newer).unwrap();
    open(&newer)
        .execute_batch(&format!(
            "PRAGMA user_version = {};",
            motodex::db::schema::latest_version() + 1
        ))
        .unwrap();
    vec![
        (text, "it is not a SQLite database"),
        (empty, "it is empty"),
        (truncated, "it is damaged"),
        (damaged, "it is damaged"),
        (unrelated, "it does not hold the course's tables"),
        (newer, "it was written by a newer motodex"),
        (dir.join("missing.db"), "There is no file"),
    ]
}

#[tokio::test]
async fn restore_refuses_every_bad_file_with_one_sentence_and_changes_nothing() {
    let app = app_with_admin().await;
    let (mut app, c) = (app, client());
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
    let files = tempfile::tempdir().unwrap();
    let before_bikes = bikes(&app);
    for (file, sentence) in bad_files(files.path()) {
        let original = std::fs::read(&file).ok();
        let (code, out, err) = restore_command(&app.db_path, &file, &["--yes"]).await;
        assert_eq!(code, Some(1), "{}: {out}", file.display());
        assert!(err.contains(sentence), "{}: {err}", file.display());
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
        assert!(err.contains("Nothing was changed") || sentence == "There is no file");
        assert_eq!(std::fs::read(&file).ok(), original, "the file is only read");
    }
    assert_eq!(bikes(&app), before_bikes);
    assert_eq!(
        c.get(app.url("/admin")).status().await,
        200,
        "the session still works"
    );
    let dir = app.dir.path().join("backups");
    assert!(
        files_in(&dir).iter().all(|n| !n.ends_with(".db")),
        "no before-restore backup: {:?}",
        files_in(&dir)
    );
    app.stop().await;
    assert_eq!(integrity(&app.db_path), "ok");
}

#[tokio::test]
async fn restore_without_a_terminal_and_without_yes_refuses_and_changes_nothing() {
    let (app, c) = logged_in_app().await;
    let copy = app.dir.path().join("copy.db");
    backup_of(&app.db_path, &copy);
    let token = admin_token(&app, &c).await;
    post_form(
        &c,
        &app.url("/admin/add"),
        &with_token(&bike(maker_id(&app, "Honda"), "Kept Bike"), &token),
    )
    .await;
    let (code, out, err) = restore_command(&app.db_path, &copy, &[]).await;
    assert_eq!(code, Some(1));
    assert!(
        out.contains("holds:") && out.contains("holds now:"),
        "{out}"
    );
    assert!(err.contains("Not restoring without confirmation"), "{err}");
    assert!(page(&c, &app.url("/"), 200).await.contains("Kept Bike"));
    assert_eq!(c.get(app.url("/admin")).status().await, 200);
}

#[tokio::test]
async fn a_restore_while_the_server_runs_is_served_at_once_ends_every_session_and_keeps_the_old_contents()
 {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let honda = maker_id(&app, "Honda");
    post_form(
        &c,
        &app.url("/admin/add"),
        &with_token(&bike(honda, "In The Backup"), &token),
    )
    .await;
    let copy = app.dir.path().join("copy.db");
    backup_of(&app.db_path, &copy);
    post_form(
        &c,
        &app.url("/admin/add"),
        &with_token(&bike(honda, "After The Backup"), &token),
    )
    .await;
    // Both pages are in the page cache now.
    let public = client();
    for _ in 0..2 {
        let home = page(&public, &app.url("/?search=the+backup"), 200).await;
        assert!(home.contains("After The Backup"));
    }

    let (code, out, err) = restore_command(&app.db_path, &copy, &["--yes"]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Every admin has been logged out"), "{out}");

    let home = page(&public, &app.url("/?search=the+backup"), 200).await;
    assert!(home.contains("In The Backup"), "restored rows at once");
    assert!(
        !home.contains("After The Backup"),
        "no old page from the cache"
    );
    let admin = c.get(app.url("/admin")).sent().await;
    assert_eq!(admin.status(), 303, "the old session has ended");
    assert!(
        admin.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/admin/login")
    );
    // Logging in again works, against the restored accounts.
    let again = client();
    assert_eq!(login(&app, &again, ADMIN, PASSWORD).await.status(), 303);
    assert!(
        page(&again, &app.url("/admin?search=backup"), 200)
            .await
            .contains("In The Backup")
    );

    let dir = app.dir.path().join("backups");
    let before: Vec<String> = files_in(&dir)
        .into_iter()
        .filter(|n| n.ends_with("-before-restore.db"))
        .collect();
    assert_eq!(before.len(), 1, "{:?}", files_in(&dir));
    let before = dir.join(&before[0]);
    assert_eq!(integrity(&before), "ok");
    assert_eq!(
        count(
            &before,
            "SELECT count(*) FROM bikes WHERE model = 'After The Backup'"
        ),
        1,
        "the before-restore backup holds the old contents"
    );
    assert_eq!(
        files_in(&dir).len(),
        1,
        "no temporary file is left: {:?}",
        files_in(&dir)
    );
    // And it is listed like any other backup.
    let mut list = motodex(&app.db_path);
    list.arg("backups");
    let (_, out, _) = run(list);
    assert!(out.contains("-before-restore.db"), "{out}");
}

#[tokio::test]
async fn a_flask_course_database_restored_through_motodex_is_upgraded_and_its_werkzeug_users_log_in()
 {
    let (app, _c) = logged_in_app().await;
    let flask = app.dir.path().join("flask.db");
    crate::accounts::flask_course_database(&flask);
    let (code, out, err) = restore_command(&app.db_path, &flask, &["--yes"]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("2 bikes, 2 makers, 2 admins"), "{out}");
    assert_eq!(
        count(
            &app.db_path,
            "SELECT count(*) FROM activity WHERE kind = 'restore' AND username = 'command line'"
        ),
        1,
        "the restore is recorded in the restored database's activity log"
    );
    assert_eq!(
        count(&app.db_path, "PRAGMA user_version"),
        motodex::db::schema::latest_version()
    );
    let home = page(&client(), &app.url("/"), 200).await;
    assert!(
        home.contains("GSX-R750") && home.contains("CB500F"),
        "{home}"
    );
    assert_eq!(
        login(&app, &client(), "admin", "changeme").await.status(),
        303
    );
    assert_eq!(login(&app, &client(), ADMIN, PASSWORD).await.status(), 200);
    assert_eq!(std::fs::read(&flask).unwrap()[..16], *b"SQLite format 3\0");
    assert_eq!(
        count(&flask, "PRAGMA user_version"),
        0,
        "the file itself is untouched"
    );
}

#[tokio::test]
async fn a_restore_killed_at_any_moment_leaves_the_old_or_the_new_contents_whole() {
    let work = tempfile::tempdir().unwrap();
    // New: a big catalogue, so that the copy takes a while.
    // (made by importing a spreadsheet of 60,000 bikes from 50 makers).
    let big = work.path().join("big.db");
    let csv = work.path().join("big.csv");
    let mut rows = String::from("maker,model,year,engine\n");
    for i in 0..60_000 {
        rows.push_str(&format!(
            "Maker {},Model {i},2020,{}cc\n",
            i % 50,
            100 + i % 900
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    let mut create = motodex(&big);
    create.args(["create-admin", "teacher", "--password-stdin"]);
    let mut fill = motodex(&big);
    fill.arg("import").arg(&csv).arg("--create-makers");
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        let _ = crate::helpers::binary::run_with_stdin(create, "a long test passphrase here\n");
        run(fill)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{err}");
    let new_bikes = count(&big, "SELECT count(*) FROM bikes");
    let new_makers = count(&big, "SELECT count(*) FROM makers");
    // Old: the sample catalogue.
    let old = work.path().join("old.db");
    spawn_config(
        tempfile::tempdir().unwrap(),
        motodex::Config::for_tests(old.clone()),
    )
    .await
    .stop()
    .await;
    let old_bikes = count(&old, "SELECT count(*) FROM bikes");

    let live = work.path().join("live.db");
    let fresh_live = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", live.display()));
        }
        std::fs::copy(&old, &live).unwrap();
    };
    let restore = || {
        let mut command = motodex(&live);
        command.arg("restore").arg(&big).arg("--yes");
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    };
    // How long a whole restore takes, to kill within it.
    fresh_live();
    let started = std::time::Instant::now();
    assert!(restore().status().unwrap().success());
    let whole = started.elapsed();
    assert_eq!(count(&live, "SELECT count(*) FROM bikes"), new_bikes);

    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(15);
    let (mut olds, mut news, mut mid_copy) = (0, 0, 0);
    for round in 0..20 {
        fresh_live();
        let mut child = restore().spawn().unwrap();
        let wait = if round % 2 == 0 {
            // Anywhere in the whole command.
            let wait = whole.mul_f64(rng.random_range(0.05..1.1));
            tokio::time::sleep(wait).await;
            wait
        } else {
            // While the new pages are being written into the live file's
            // write-ahead log, the moment a mix could happen.
            let wal = PathBuf::from(format!("{}-wal", live.display()));
            let started = std::time::Instant::now();
            while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 512 * 1024
                && started.elapsed() < whole * 3
            {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let extra = Duration::from_millis(rng.random_range(0..40));
            tokio::time::sleep(extra).await;
            started.elapsed()
        };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(integrity(&live), "ok", "round {round} after {wait:?}");
        let found = count(&live, "SELECT count(*) FROM bikes");
        if found == old_bikes {
            olds += 1;
            if round % 2 == 1 {
                mid_copy += 1;
            }
            assert_eq!(count(&live, "SELECT count(*) FROM makers"), 7);
        } else {
            assert_eq!(found, new_bikes, "round {round}: never a mix");
            assert_eq!(count(&live, "SELECT count(*) FROM makers"), new_makers);
            news += 1;
        }
        // The killed database still opens and serves.
        let mut app = spawn_config(
            tempfile::tempdir().unwrap(),
            motodex::Config::for_tests(live.clone()),
        )
        .await;
        assert_eq!(client().get(app.url("/")).status().await, 200);
        app.stop().await;
    }
    eprintln!(
        "restore took {whole:?}; after kill -9: {olds} old ({mid_copy} killed while copying), {news} new"
    );
    assert_eq!(olds + news, 20);
    assert!(mid_copy > 0, "some kills landed inside the copy itself");
}
