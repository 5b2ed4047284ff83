//! The activity log (SPEC §8): every change and security event is one
//! entry, written in the same transaction as the change; no secret ever
//! reaches it; failed logins are bounded.

use crate::helpers::binary::{motodex, run_with_stdin};
use crate::helpers::catalogue::{
    bike, bike_id, maker_id, png_upload, post_form, post_multipart, text, with, with_token,
};
use crate::helpers::{
    ADMIN, PASSWORD, TestApp, admin_token, app_with_admin, client, logged_in_app, login, page,
    spawn_app,
};

/// One row of the log, as the tests read it.
#[derive(Debug, Clone)]
pub struct Row {
    pub user_id: Option<i64>,
    pub username: String,
    pub client_addr: String,
    pub user_agent: String,
    pub kind: String,
    pub action: String,
    pub record_id: Option<i64>,
    pub description: String,
    pub changes: serde_json::Value,
}

pub fn entries(app: &TestApp) -> Vec<Row> {
    let conn = rusqlite::Connection::open(&app.db_path).expect("open test database");
    let mut statement = conn
        .prepare(
            "SELECT user_id, username, client_addr, user_agent, kind, action, record_id,
                    description, changes FROM activity ORDER BY entry_id",
        )
        .expect("activity query");
    statement
        .query_map([], |r| {
            let changes: String = r.get(8)?;
            Ok(Row {
                user_id: r.get(0)?,
                username: r.get(1)?,
                client_addr: r.get(2)?,
                user_agent: r.get(3)?,
                kind: r.get(4)?,
                action: r.get(5)?,
                record_id: r.get(6)?,
                description: r.get(7)?,
                changes: serde_json::from_str(&changes).expect("changes are JSON"),
            })
        })
        .expect("rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("read rows")
}

/// The entries written after the first `skip`.
fn new_since(app: &TestApp, skip: usize) -> Vec<Row> {
    entries(app).into_iter().skip(skip).collect()
}

/// Every entry, all columns as text, for the secret scans.
fn everything_logged(app: &TestApp) -> String {
    let conn = rusqlite::Connection::open(&app.db_path).expect("open test database");
    let mut statement = conn
        .prepare("SELECT * FROM activity")
        .expect("activity query");
    let columns = statement.column_count();
    let rows = statement
        .query_map([], |r| {
            let mut line = String::new();
            for i in 0..columns {
                let value: rusqlite::types::Value = r.get(i)?;
                line.push_str(&format!("{value:?}|"));
            }
            Ok(line)
        })
        .expect("rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("read rows");
    rows.join("\n")
}

#[tokio::test]
async fn each_catalogue_change_is_one_entry_with_who_what_before_and_after() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let admin_id = app.count("SELECT user_id FROM users");
    let ducati = maker_id(&app, "Ducati");
    let monster = bike_id(&app, "Monster");
    let drawing = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {monster}"),
    );
    let start = entries(&app).len();

    // Add a bike.
    let fields = with_token(&bike(ducati, "Scrambler"), &token);
    let added = post_multipart(&client, &app.url("/admin/add"), &fields, None).await;
    assert_eq!(added.status(), 303);
    let scrambler = bike_id(&app, "Scrambler");
    // Edit the year of the Monster (the form keeps its sample drawing).
    let edit = with(
        with(
            with(bike(ducati, "Monster"), "image_url", &drawing),
            "year",
            "2020",
        ),
        "engine",
        "937cc",
    );
    let edited = post_multipart(
        &client,
        &app.url(&format!("/admin/edit/{monster}")),
        &with_token(&edit, &token),
        None,
    )
    .await;
    assert_eq!(edited.status(), 303);
    // Give it a photo.
    let photo = post_multipart(
        &client,
        &app.url(&format!("/admin/edit/{monster}")),
        &with_token(&edit, &token),
        Some(png_upload(40, 30)),
    )
    .await;
    assert_eq!(photo.status(), 303);
    let image_url = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {monster}"),
    );
    // Delete the new bike; add, rename and delete a maker.
    let deleted = post_form(
        &client,
        &app.url(&format!("/admin/delete/{scrambler}")),
        &with_token(&[], &token),
    )
    .await;
    assert_eq!(deleted.status(), 303);
    let fields = with_token(&[("name".to_string(), "Bimota".to_string())], &token);
    assert_eq!(
        post_form(&client, &app.url("/admin/makers/add"), &fields)
            .await
            .status(),
        303
    );
    let bimota = maker_id(&app, "Bimota");
    let fields = with_token(&[("name".to_string(), "Bimota SpA".to_string())], &token);
    let url = app.url(&format!("/admin/makers/edit/{bimota}"));
    assert_eq!(post_form(&client, &url, &fields).await.status(), 303);
    let url = app.url(&format!("/admin/makers/delete/{bimota}"));
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        303
    );

    let log = new_since(&app, start);
    let summary: Vec<(&str, &str)> = log
        .iter()
        .map(|r| (r.kind.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("bike", "add"),
            ("bike", "edit"),
            ("photo", "edit"),
            ("bike", "delete"),
            ("maker", "add"),
            ("maker", "edit"),
            ("maker", "delete"),
        ]
    );
    for row in &log {
        assert_eq!(row.user_id, Some(admin_id));
        assert_eq!(row.username, ADMIN);
        assert_eq!(row.client_addr, "127.0.0.1");
    }
    assert_eq!(log[0].record_id, Some(scrambler));
    assert_eq!(log[0].changes[0]["before"], serde_json::Value::Null);
    assert_eq!(log[0].changes[0]["after"]["model"], "Scrambler");
    assert_eq!(
        log[1].description,
        "changed the year of Ducati Monster from 2021 to 2020"
    );
    assert_eq!(log[1].changes[0]["before"]["year"], "2021");
    assert_eq!(log[1].changes[0]["after"]["year"], "2020");
    assert_eq!(log[2].description, "changed the photo of Ducati Monster");
    assert_eq!(log[2].changes[0]["before"]["image_url"], drawing.as_str());
    assert_eq!(log[2].changes[0]["after"]["image_url"], image_url.as_str());
    assert_eq!(log[3].changes[0]["after"], serde_json::Value::Null);
    assert_eq!(log[3].changes[0]["before"]["model"], "Scrambler");
    assert_eq!(log[5].description, "renamed the maker Bimota to Bimota SpA");
    assert_eq!(log[5].changes[0]["before"]["name"], "Bimota");
    assert_eq!(log[5].changes[0]["after"]["name"], "Bimota SpA");
    // Photos are logged by address, never by their bytes.
    let logged = everything_logged(&app);
    assert!(!logged.contains("Blob"), "no bytes in the log");
}

#[tokio::test]
async fn a_form_that_changes_nothing_writes_no_entry() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    let ducati = maker_id(&app, "Ducati");
    let start = entries(&app).len();
    let drawing = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {monster}"),
    );
    let same = with(
        with(
            with(bike(ducati, "Monster"), "image_url", &drawing),
            "year",
            "2021",
        ),
        "engine",
        "937cc",
    );
    let saved = post_multipart(
        &client,
        &app.url(&format!("/admin/edit/{monster}")),
        &with_token(&same, &token),
        None,
    )
    .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(entries(&app).len(), start);
}

#[tokio::test]
async fn a_change_and_its_entry_commit_together_or_not_at_all() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    let ducati = maker_id(&app, "Ducati");
    let start = entries(&app).len();
    let conn = rusqlite::Connection::open(&app.db_path).expect("open");

    // The entry cannot be written: the change is not made either.
    conn.execute_batch(
        "CREATE TRIGGER injected_log_failure BEFORE INSERT ON activity
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .expect("trigger");
    let edit = with(bike(ducati, "Monster"), "year", "2019");
    let url = app.url(&format!("/admin/edit/{monster}"));
    let refused = post_multipart(&client, &url, &with_token(&edit, &token), None).await;
    assert!(refused.status().is_server_error(), "{}", refused.status());
    assert_eq!(
        text(
            &app,
            &format!("SELECT CAST(year AS TEXT) FROM bikes WHERE bike_id = {monster}")
        ),
        "2021"
    );
    let fields = with_token(&[("name".to_string(), "Bimota".to_string())], &token);
    let refused = post_form(&client, &app.url("/admin/makers/add"), &fields).await;
    assert!(refused.status().is_server_error());
    assert_eq!(maker_id(&app, "Bimota"), 0);
    conn.execute_batch("DROP TRIGGER injected_log_failure")
        .expect("drop");

    // The change cannot be made: no entry is left behind.
    conn.execute_batch(
        "CREATE TRIGGER injected_change_failure BEFORE UPDATE ON bikes
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .expect("trigger");
    let refused = post_multipart(&client, &url, &with_token(&edit, &token), None).await;
    assert!(refused.status().is_server_error());
    assert_eq!(entries(&app).len(), start);
    conn.execute_batch("DROP TRIGGER injected_change_failure")
        .expect("drop");

    // And with both working, both are written.
    let saved = post_multipart(&client, &url, &with_token(&edit, &token), None).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(entries(&app).len(), start + 1);
}

#[tokio::test]
async fn accounts_and_logins_are_recorded_without_any_secret() {
    let app = app_with_admin().await;
    crate::helpers::install_crypto();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("ClassroomBrowser/1.0")
        .build()
        .expect("client");
    let start = entries(&app).len();

    // A failed login (an over-long name is cut to 40 characters), a login.
    let long_name = "x".repeat(60);
    let failed = login(&app, &browser, &long_name, "not-the-password-9").await;
    assert_eq!(failed.status(), 200);
    let failed = login(&app, &browser, ADMIN, "wrong-password-guess").await;
    assert_eq!(failed.status(), 200);
    assert_eq!(login(&app, &browser, ADMIN, PASSWORD).await.status(), 303);
    let token = admin_token(&app, &browser).await;

    // Add an admin, change the own password, delete the other admin.
    let other_password = "another quite long passphrase";
    let fields = with_token(
        &[
            ("username".to_string(), "student".to_string()),
            ("password".to_string(), other_password.to_string()),
            ("confirm_password".to_string(), other_password.to_string()),
        ],
        &token,
    );
    assert_eq!(
        post_form(&browser, &app.url("/admin/users/add"), &fields)
            .await
            .status(),
        303
    );
    let new_password = "an entirely new secret phrase";
    let fields = with_token(
        &[
            ("current_password".to_string(), PASSWORD.to_string()),
            ("new_password".to_string(), new_password.to_string()),
            ("confirm_password".to_string(), new_password.to_string()),
        ],
        &token,
    );
    let changed = post_form(&browser, &app.url("/admin/change-password"), &fields).await;
    assert_eq!(changed.status(), 303);
    let session_cookie = changed
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join(";");
    let token = admin_token(&app, &browser).await;
    let student = app.count("SELECT user_id FROM users WHERE username = 'student'");
    let url = app.url(&format!("/admin/users/delete/{student}"));
    assert_eq!(
        post_form(&browser, &url, &with_token(&[], &token))
            .await
            .status(),
        303
    );
    // Log out.
    let fields = with_token(&[], &token);
    assert_eq!(
        post_form(&browser, &app.url("/admin/logout"), &fields)
            .await
            .status(),
        303
    );

    // A reset by the command line.
    let reset_password = "reset on the terminal by the class";
    let mut reset = motodex(&app.db_path);
    reset.args(["reset-password", ADMIN, "--password-stdin"]);
    let output = run_with_stdin(reset, &format!("{reset_password}\n"));
    assert!(output.status.success(), "{output:?}");

    let log = new_since(&app, start);
    let summary: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|r| (r.kind.as_str(), r.action.as_str(), r.username.as_str()))
        .collect();
    let cut = "x".repeat(40);
    assert_eq!(
        summary,
        [
            ("security", "login_failed", cut.as_str()),
            ("security", "login_failed", ADMIN),
            ("security", "login", ADMIN),
            ("user", "add", ADMIN),
            ("user", "password_change", ADMIN),
            ("user", "delete", ADMIN),
            ("security", "logout", ADMIN),
            ("user", "password_reset", "command line"),
        ]
    );
    assert_eq!(log[0].user_id, None);
    assert_eq!(log[0].client_addr, "127.0.0.1");
    assert_eq!(log[2].user_agent, "ClassroomBrowser/1.0");
    assert_eq!(log[3].user_agent, "ClassroomBrowser/1.0");
    assert_eq!(log[3].changes[0]["after"]["username"], "student");
    assert_eq!(log[7].user_id, None);
    assert_eq!(log[7].description, format!("reset the password of {ADMIN}"));

    let logged = everything_logged(&app);
    let hashes: Vec<String> = {
        let conn = rusqlite::Connection::open(&app.db_path).expect("open");
        let mut statement = conn.prepare("SELECT password_hash FROM users").expect("q");
        statement
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("hashes")
    };
    for secret in [
        PASSWORD,
        "not-the-password-9",
        "wrong-password-guess",
        other_password,
        new_password,
        reset_password,
        &token,
    ]
    .into_iter()
    .map(str::to_string)
    .chain(hashes)
    {
        assert!(!logged.contains(&secret), "{secret} is in the log");
    }
    for cookie in session_cookie.split(';') {
        if let Some((_, value)) = cookie.split_once('=')
            && value.len() >= 32
        {
            assert!(!logged.contains(value), "a cookie value is in the log");
        }
    }
}

#[tokio::test]
async fn the_setup_link_and_create_admin_are_recorded_and_their_tokens_are_not() {
    let app = spawn_app().await;
    let setup_token = app
        .state
        .setup_token
        .get()
        .expect("no admin yet: a setup link");
    let browser = client();
    let form = page(
        &browser,
        &app.url(&format!("/admin/setup?token={setup_token}")),
        200,
    )
    .await;
    assert!(form.contains("csrf_token") || form.contains("token"));
    let password = "first admin's long passphrase";
    let fields: Vec<(String, String)> = [
        ("token", setup_token.as_str()),
        ("csrf_token", setup_token.as_str()),
        ("username", "owner"),
        ("password", password),
        ("confirm_password", password),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let done = post_form(&browser, &app.url("/admin/setup"), &fields).await;
    assert_eq!(done.status(), 303);
    let mut create = motodex(&app.db_path);
    create.args(["create-admin", "helper", "--password-stdin"]);
    let output = run_with_stdin(create, "an assistant's own long passphrase\n");
    assert!(output.status.success(), "{output:?}");

    let log = entries(&app);
    let summary: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|r| (r.kind.as_str(), r.action.as_str(), r.username.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("user", "add", "owner"),
            ("security", "setup", "owner"),
            ("user", "add", "command line"),
        ]
    );
    let logged = everything_logged(&app);
    for secret in [
        setup_token.as_str(),
        password,
        "an assistant's own long passphrase",
    ] {
        assert!(!logged.contains(secret), "{secret} is in the log");
    }
}

#[tokio::test]
async fn the_failure_that_locks_a_username_out_is_followed_by_a_lock_out_entry() {
    let app = app_with_admin().await;
    let browser = client();
    let start = entries(&app).len();
    for _ in 0..5 {
        assert_eq!(
            login(&app, &browser, ADMIN, "a wrong guess").await.status(),
            200
        );
    }
    let throttled = login(&app, &browser, ADMIN, PASSWORD).await;
    assert_eq!(throttled.status(), 429);
    let actions: Vec<String> = new_since(&app, start)
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "login_failed",
            "login_failed",
            "login_failed",
            "login_failed",
            "login_failed",
            "lockout"
        ]
    );
}

#[tokio::test]
async fn only_the_newest_ten_thousand_failed_logins_are_kept() {
    let (app, _client) = logged_in_app().await;
    let conn = rusqlite::Connection::open(&app.db_path).expect("open");
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO activity (at, username, kind, action, description)
         SELECT 1, 'stranger' || i, 'security', 'login_failed', 'failed to log in' FROM n;",
    )
    .expect("fill");
    let logins_before = app.count("SELECT count(*) FROM activity WHERE action = 'login'");
    let oldest = app.count("SELECT min(entry_id) FROM activity WHERE action = 'login_failed'");
    let stranger = client();
    assert_eq!(
        login(&app, &stranger, "nobody", "a wrong guess")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE action = 'login_failed'"),
        10_000
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM activity WHERE entry_id = {oldest}"
        )),
        0,
        "the oldest failure went"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE username = 'nobody'"),
        1,
        "the newest is kept"
    );
    // Other entries are not touched by the bound.
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE action = 'login'"),
        logins_before
    );
}

/// The ids of the first page `/admin/activity?q=…` lists, through the same
/// query the page makes.
fn searched(app: &TestApp, q: &str, user_id: Option<i64>) -> Vec<i64> {
    let filter = motodex::db::activity::ActivityFilter {
        q: q.to_string(),
        user_id,
        ..Default::default()
    };
    let (entries, _) = app
        .state
        .db
        .read_now(move |conn| motodex::db::activity::list(conn, &filter, 1))
        .expect("list");
    entries.iter().map(|entry| entry.entry_id).collect()
}

#[tokio::test]
async fn the_word_search_finds_exactly_what_reading_every_description_finds() {
    let (app, _client) = logged_in_app().await;
    let conn = rusqlite::Connection::open(&app.db_path).expect("open");
    let texts = [
        "changed the year of Ducati Monster from 2020 to 2021",
        "deleted the maker MV Agusta",
        "added Honda CB500F (2019)",
        "changed the model of Kawasaki Z900 to Z900RS",
        "renamed 100% Electric to Zero_Motorcycles",
        "added Škoda Moto ÉLAN",
        "restored KTM 390 Duke from the trash",
    ];
    for i in 0..300 {
        conn.execute(
            "INSERT INTO activity (at, user_id, username, kind, action, description)
             VALUES (?1, ?2, 'student', 'bike', 'edit', ?3)",
            rusqlite::params![
                i,
                i % 3,
                format!("{} #{i}", texts[i as usize % texts.len()])
            ],
        )
        .expect("insert");
    }
    // Some go, as the bound on failed logins removes entries.
    conn.execute("DELETE FROM activity WHERE entry_id % 7 = 0", [])
        .expect("delete");
    conn.execute(
        "UPDATE activity SET description = 'edited again: Ducati Panigale' WHERE entry_id % 11 = 0",
        [],
    )
    .expect("update");

    let all: Vec<(i64, i64, String)> = conn
        .prepare("SELECT entry_id, coalesce(user_id, -1), description FROM activity ORDER BY entry_id DESC")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // LIKE's own rule: ASCII letters match either case, others exactly.
    let expected = |q: &str, user: Option<i64>| -> Vec<i64> {
        all.iter()
            .filter(|(_, user_id, text)| {
                user.is_none_or(|u| u == *user_id)
                    && text.to_ascii_lowercase().contains(&q.to_ascii_lowercase())
            })
            .map(|(id, _, _)| *id)
            .take(50)
            .collect()
    };
    for q in [
        "monster",
        "MONSTER 2020",
        "Ducati",
        "z900rs",
        "100%",
        "o_M",
        "#1",
        "ag",
        "é",
        "ÉLAN",
        "Škoda",
        "škoda",
        "Panigale",
        "nothing like this",
        "from the",
        "e",
    ] {
        assert_eq!(searched(&app, q, None), expected(q, None), "q = {q:?}");
        assert_eq!(
            searched(&app, q, Some(1)),
            expected(q, Some(1)),
            "q = {q:?}, user 1"
        );
    }
    conn.execute(
        "INSERT INTO activity_text (activity_text, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the index matches the descriptions it was built from");
}
