//! `/admin/backups` (SPEC §9): the list with downloads, "Back up now", the
//! owner's restore by upload or pick through a confirmation page; and the
//! line on `/admin` that says how the last backup went.

use std::path::Path;
use std::time::Duration;

use reqwest::multipart::{Form, Part};

use crate::helpers::catalogue::*;
use crate::helpers::*;

fn backups_dir(app: &TestApp) -> std::path::PathBuf {
    app.dir.path().join("backups")
}

/// Every file in the backup folder, sorted (hidden temporary ones too).
fn folder(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(backups_dir(app))
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

async fn back_up_now(app: &TestApp, c: &reqwest::Client) -> String {
    let token = admin_token(app, c).await;
    let response = post_form(
        c,
        &app.url("/admin/backups/now"),
        &[("csrf_token".to_string(), token)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/backups");
    let written = folder(app);
    written
        .into_iter()
        .filter(|n| n.ends_with("Z.db"))
        .max()
        .expect("a backup was written")
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let token = csrf_token_of(&page(c, &app.url("/admin/backups"), 200).await);
    let form = Form::new().text("csrf_token", token).part(
        "file",
        Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    c.post(app.url("/admin/backups/restore"))
        .multipart(form)
        .sent()
        .await
}

async fn pick(app: &TestApp, c: &reqwest::Client, name: &str) -> reqwest::Response {
    let token = csrf_token_of(&page(c, &app.url("/admin/backups"), 200).await);
    post_form(
        c,
        &app.url("/admin/backups/pick"),
        &[
            ("csrf_token".to_string(), token),
            ("name".to_string(), name.to_string()),
        ],
    )
    .await
}

/// Confirms the restore the confirmation page `page` offers.
async fn confirm(app: &TestApp, c: &reqwest::Client, page: &str) -> reqwest::Response {
    post_form(
        c,
        &app.url("/admin/backups/confirm"),
        &[
            ("csrf_token".to_string(), csrf_token_of(page)),
            (
                "pending".to_string(),
                field_value(page, "pending").expect("a pending restore"),
            ),
        ],
    )
    .await
}

async fn add(app: &TestApp, c: &reqwest::Client, model: &str) {
    let token = admin_token(app, c).await;
    let response = post_form(
        c,
        &app.url("/admin/add"),
        &with_token(&bike(maker_id(app, "Honda"), model), &token),
    )
    .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn back_up_now_writes_a_checked_backup_that_the_list_offers_for_download() {
    let (app, c) = logged_in_app().await;
    let empty = page(&c, &app.url("/admin/backups"), 200).await;
    assert!(empty.contains("There are no backups yet"), "{empty}");
    assert!(
        page(&c, &app.url("/admin"), 200)
            .await
            .contains("Automatic backups are off")
    );

    let name = back_up_now(&app, &c).await;
    let listed = page(&c, &app.url("/admin/backups"), 200).await;
    assert!(
        listed.contains(&format!("Backup written and checked: {name}.")),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("/admin/backups/file/{name}")),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("data-label=\"Bikes\">{}</td>", bikes(&app))),
        "{listed}"
    );

    let download = c
        .get(app.url(&format!("/admin/backups/file/{name}")))
        .sent()
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-type"],
        "application/vnd.sqlite3"
    );
    let bytes = download.bytes().await.unwrap();
    assert_eq!(bytes, std::fs::read(backups_dir(&app).join(&name)).unwrap());

    let admin = page(&c, &app.url("/admin"), 200).await;
    assert!(
        admin.contains("Last backup: ") && admin.contains(", checked."),
        "{admin}"
    );
    for bad in [
        "database.db",
        "..%2Fdatabase.db",
        "motodex-2020-01-01T000000Z.db",
    ] {
        assert_eq!(
            c.get(app.url(&format!("/admin/backups/file/{bad}")))
                .status()
                .await,
            404,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn a_failed_backup_is_shown_on_the_admin_page_and_leaves_no_file() {
    let app = spawn_app_with(|config| {
        config.backup_dir = Some("/dev/null/backups".into());
    })
    .await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
    let token = admin_token(&app, &c).await;
    let response = post_form(
        &c,
        &app.url("/admin/backups/now"),
        &[("csrf_token".to_string(), token)],
    )
    .await;
    assert_eq!(response.status(), 500);
    let body = response.body().await;
    assert!(
        body.contains(
            "The backup could not be written: a file stands where the backup folder should be."
        ) && !body.contains("/dev/null"),
        "{body}"
    );
    let admin = page(&c, &app.url("/admin"), 200).await;
    assert!(admin.contains("The last backup failed"), "{admin}");
}

#[tokio::test]
async fn only_the_owner_sees_and_may_use_the_restore() {
    let (app, owner) = logged_in_app().await;
    let name = back_up_now(&app, &owner).await;
    crate::helpers::create_admin(&app, "helper", PASSWORD);
    let other = client();
    assert_eq!(login(&app, &other, "helper", PASSWORD).await.status(), 303);
    let listed = page(&other, &app.url("/admin/backups"), 200).await;
    assert!(listed.contains("Only the owner"), "{listed}");
    assert!(!listed.contains("/admin/backups/pick") && !listed.contains("/admin/backups/restore"));
    assert!(
        listed.contains(&format!("/admin/backups/file/{name}")),
        "admins may download"
    );
    assert_eq!(pick(&app, &other, &name).await.status(), 403);
    let backup = std::fs::read(backups_dir(&app).join(&name)).unwrap();
    assert_eq!(upload(&app, &other, "x.db", backup).await.status(), 403);
    let owners = page(&owner, &app.url("/admin/backups"), 200).await;
    assert!(owners.contains("/admin/backups/pick") && owners.contains("/admin/backups/restore"));
    // Nobody signed in: the login page, and the body is never read.
    let nobody = client();
    let response = nobody.post(app.url("/admin/backups/restore")).sent().await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn picking_a_backup_shows_both_sets_of_numbers_and_the_confirmed_restore_logs_everyone_out() {
    let (app, c) = logged_in_app().await;
    let name = back_up_now(&app, &c).await;
    add(&app, &c, "Added After The Backup").await;
    let other = client();
    assert_eq!(login(&app, &other, ADMIN, PASSWORD).await.status(), 303);
    let before = bikes(&app);

    let response = pick(&app, &c, &name).await;
    assert_eq!(response.status(), 200);
    let confirmation = response.body().await;
    assert!(
        confirmation.contains("Restore this backup?"),
        "{confirmation}"
    );
    assert!(
        confirmation.contains(&format!("<td>{before}</td>")),
        "now: {confirmation}"
    );
    assert!(
        confirmation.contains(&format!("<td>{}</td>", before - 1)),
        "after: {confirmation}"
    );
    assert_eq!(
        bikes(&app),
        before,
        "nothing changes before the confirmation"
    );

    let done = confirm(&app, &c, &confirmation).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/admin/login");
    let login_page = page(&c, &app.url("/admin/login"), 200).await;
    assert!(
        login_page.contains("The backup was restored"),
        "{login_page}"
    );
    for client in [&c, &other] {
        assert_eq!(
            client.get(app.url("/admin")).status().await,
            303,
            "logged out"
        );
    }
    let public = page(&client(), &app.url("/?search=after+the+backup"), 200).await;
    assert!(!public.contains("Added After The Backup"), "served at once");
    assert_eq!(bikes(&app), before - 1);
    let saved = folder(&app)
        .into_iter()
        .find(|n| n.ends_with("-before-restore.db"))
        .expect("a before-restore backup");
    let conn = rusqlite::Connection::open(backups_dir(&app).join(saved)).unwrap();
    let kept: i64 = conn
        .query_row(
            "SELECT count(*) FROM bikes WHERE model = 'Added After The Backup'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 1);
    assert!(
        folder(&app).iter().all(|n| !n.starts_with('.')),
        "no temporary file left: {:?}",
        folder(&app)
    );
    // The same confirmation cannot be used twice.
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
    let token = admin_token(&app, &c).await;
    let again = post_form(
        &c,
        &app.url("/admin/backups/confirm"),
        &[
            ("csrf_token".to_string(), token),
            (
                "pending".to_string(),
                field_value(&confirmation, "pending").unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(again.status(), 422);
    assert!(
        again
            .body()
            .await
            .contains("has expired or was already done")
    );
}

#[tokio::test]
async fn an_uploaded_flask_course_database_is_restored_upgraded_and_its_users_log_in() {
    let (app, c) = logged_in_app().await;
    let flask = app.dir.path().join("flask.db");
    crate::accounts::flask_course_database(&flask);
    let response = upload(&app, &c, "database.db", std::fs::read(&flask).unwrap()).await;
    assert_eq!(response.status(), 200);
    let confirmation = response.body().await;
    assert!(confirmation.contains("the uploaded file"), "{confirmation}");
    assert_eq!(confirm(&app, &c, &confirmation).await.status(), 303);
    let home = page(&client(), &app.url("/"), 200).await;
    assert!(
        home.contains("GSX-R750") && home.contains("2 bikes"),
        "{home}"
    );
    assert_eq!(
        login(&app, &client(), "admin", "changeme").await.status(),
        303
    );
    assert_eq!(
        app.count("PRAGMA user_version"),
        motodex::db::schema::latest_version()
    );
}

#[tokio::test]
async fn a_bad_upload_gets_one_sentence_and_a_422_and_changes_nothing() {
    let (app, c) = logged_in_app().await;
    let work = tempfile::tempdir().unwrap();
    let whole = work.path().join("whole.db");
    crate::accounts::flask_course_database(&whole);
    let bytes = std::fs::read(&whole).unwrap();
    let unrelated = work.path().join("unrelated.db");
    rusqlite::Connection::open(&unrelated)
        .unwrap()
        .execute_batch("CREATE TABLE recipes (name TEXT);")
        .unwrap();
    let newer = work.path().join("newer.db");
    std::fs::copy(&whole, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 999;")
        .unwrap();
    let read = |p: &Path| std::fs::read(p).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"just some notes\n".repeat(100),
            "it is not a SQLite database",
        ),
        (bytes[..bytes.len() - 100].to_vec(), "it is damaged"),
        (read(&unrelated), "it does not hold the course's tables"),
        (read(&newer), "it was written by a newer motodex"),
        (Vec::new(), "Choose a backup file to upload"),
    ];
    let before = bikes(&app);
    for (body, sentence) in cases {
        let response = upload(&app, &c, "upload.db", body).await;
        assert_eq!(response.status(), 422, "{sentence}");
        let page = response.body().await;
        assert!(page.contains(sentence), "{sentence}: {page}");
        assert!(page.contains("Nothing was changed"), "{page}");
        assert!(
            !page.contains("/tmp") && !page.contains(".motodex-"),
            "no paths: {page}"
        );
    }
    assert_eq!(bikes(&app), before);
    assert_eq!(
        c.get(app.url("/admin")).status().await,
        200,
        "still logged in"
    );
    assert!(
        folder(&app).is_empty(),
        "no upload or copy is left behind: {:?}",
        folder(&app)
    );
}

#[tokio::test]
async fn an_upload_announced_over_1_gb_is_refused_with_413_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = app_with_admin().await;
    // Logged in by hand, to hold the session cookie for a raw request.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_page = plain.get(app.url("/admin/login")).sent().await;
    let login_cookie = cookie_of(&login_page);
    let token = csrf_token_of(&login_page.body().await);
    let logged_in = plain
        .post(app.url("/admin/login"))
        .header("cookie", &login_cookie)
        .form(&[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .sent()
        .await;
    assert_eq!(logged_in.status(), 303);
    let session = cookie_of(&logged_in);
    let backups = plain
        .get(app.url("/admin/backups"))
        .header("cookie", &session)
        .sent()
        .await
        .body()
        .await;
    let token = csrf_token_of(&backups);

    let host = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let start = format!(
        "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.db\"\r\n\r\nSQLite format 3\0"
    );
    let head = format!(
        "POST /admin/backups/restore HTTP/1.1\r\nHost: {host}\r\nCookie: {session}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n",
        1024u64 * 1024 * 1024 + 128 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(start.as_bytes()).await.unwrap();
    // The rest of the gigabyte never comes: only the announced length can refuse it.
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut answer))
        .await
        .expect("an answer without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(folder(&app).is_empty(), "{:?}", folder(&app));
}

/// The `name=value` pairs a response sets, as one Cookie header.
fn cookie_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}
