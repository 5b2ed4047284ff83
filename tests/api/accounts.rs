//! Accounts: first-run setup link, change password, admins, and databases
//! inherited from the Flask course with Werkzeug hashes.

use crate::helpers::*;
use hmac::Hmac;
use sha2::Sha256;

const NEW_PASSWORD: &str = "violet staples ride north";

async fn change_password(
    app: &TestApp,
    c: &reqwest::Client,
    current: &str,
    new: &str,
    confirm: &str,
) -> reqwest::Response {
    let token = csrf_token_of(&page(c, &app.url("/admin/change-password"), 200).await);
    c.post(app.url("/admin/change-password"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ])
        .sent()
        .await
}

#[tokio::test]
async fn changing_the_password_keeps_this_browser_logged_in_with_a_new_session_and_ends_the_others()
{
    let (app, c) = logged_in_app().await;
    let other = client();
    login(&app, &other, ADMIN, PASSWORD).await;
    page(&other, &app.url("/admin"), 200).await;
    let old_session = app.count("SELECT max(session_id) FROM sessions");

    let response = change_password(&app, &c, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 303);
    let body = page(&c, &app.url("/admin"), 200).await;
    assert!(body.contains("Your password was changed."));
    assert_eq!(
        other.get(app.url("/admin")).status().await,
        303,
        "the other browser is logged out"
    );
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
    assert!(
        app.count("SELECT min(session_id) FROM sessions") > old_session,
        "a new session id"
    );

    assert_eq!(
        login(&app, &client(), ADMIN, PASSWORD).await.status(),
        200,
        "the old password no longer works"
    );
    assert_eq!(
        login(&app, &client(), ADMIN, NEW_PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_a_strong_matching_new_one() {
    let (app, c) = logged_in_app().await;
    let hash_before = app.count("SELECT length(password_hash) FROM users");
    let cases = [
        (
            ("wrong current one", NEW_PASSWORD, NEW_PASSWORD),
            "This is not your current password.",
        ),
        ((PASSWORD, "short", "short"), "Use at least 12 characters."),
        (
            (PASSWORD, "password1234", "password1234"),
            "too easy to guess",
        ),
        (
            (PASSWORD, "teacher-violet-staples", "teacher-violet-staples"),
            "must not contain the username",
        ),
        (
            (PASSWORD, NEW_PASSWORD, "something else entirely"),
            "The two passwords do not match.",
        ),
    ];
    for ((current, new, confirm), message) in cases {
        let response = change_password(&app, &c, current, new, confirm).await;
        assert_eq!(response.status(), 422, "{message}");
        let body = response.body().await;
        assert!(body.contains(message), "{message}");
        assert!(
            !body.contains(new) || new == "short",
            "passwords are never echoed back"
        );
    }
    assert_eq!(
        app.count("SELECT length(password_hash) FROM users"),
        hash_before
    );
    assert_eq!(
        login(&app, &client(), ADMIN, PASSWORD).await.status(),
        303,
        "the password is unchanged"
    );
}

async fn users_form(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf_token_of(&page(c, &app.url("/admin/users"), 200).await);
    let mut form = fields.to_vec();
    form.push(("csrf_token", &token));
    c.post(app.url("/admin/users/add")).form(&form).sent().await
}

#[tokio::test]
async fn an_admin_can_add_another_admin_who_can_then_log_in() {
    let (app, c) = logged_in_app().await;
    let response = users_form(
        &app,
        &c,
        &[
            ("username", "ms.smith"),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let body = page(&c, &app.url("/admin/users"), 200).await;
    assert!(body.contains("Added the admin ms.smith.") && body.contains("ms.smith"));
    assert_eq!(
        login(&app, &client(), "ms.smith", NEW_PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(
        login(&app, &client(), "MS.SMITH", NEW_PASSWORD)
            .await
            .status(),
        303,
        "usernames ignore case"
    );
}

#[tokio::test]
async fn bad_new_admins_are_refused_beside_the_field_and_nothing_is_written() {
    let (app, c) = logged_in_app().await;
    let cases: [(&str, &str, &str, &str); 6] = [
        ("", NEW_PASSWORD, NEW_PASSWORD, "Enter a username."),
        (
            "bad name!",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "can only use letters",
        ),
        ("x", "short", "short", "Use at least 12 characters."),
        ("TEACHER", NEW_PASSWORD, NEW_PASSWORD, "is already taken"),
        (
            "newbie",
            NEW_PASSWORD,
            "different passphrase here",
            "do not match",
        ),
        (
            "<script>",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "can only use letters",
        ),
    ];
    for (username, password, confirm, message) in cases {
        let response = users_form(
            &app,
            &c,
            &[
                ("username", username),
                ("password", password),
                ("confirm_password", confirm),
            ],
        )
        .await;
        assert_eq!(response.status(), 422, "{message}");
        let body = response.body().await;
        assert!(body.contains(message), "{message}");
        assert!(!body.contains("<script>"), "typed values are escaped");
        assert!(body.contains(r#"class="field has-error""#));
    }
    let long = "y".repeat(41);
    let response = users_form(
        &app,
        &c,
        &[
            ("username", &long),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert!(response.body().await.contains("at most 40 characters"));
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

/// The Delete button of the admin `id` on the users page.
async fn delete_admin(
    app: &TestApp,
    c: &reqwest::Client,
    token: &str,
    id: i64,
) -> reqwest::Response {
    c.post(app.url(&format!("/admin/users/delete/{id}")))
        .form(&[("csrf_token", token)])
        .sent()
        .await
}

#[tokio::test]
async fn nobody_can_delete_themselves_and_deleting_ends_sessions() {
    let (app, c) = logged_in_app().await;
    let me = app.count("SELECT user_id FROM users");
    let token = admin_token(&app, &c).await;
    let response = delete_admin(&app, &c, &token, me).await;
    assert_eq!(response.status(), 403);
    assert!(
        response
            .body()
            .await
            .contains("You cannot do this to your own account. Nothing was changed.")
    );
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);

    let other_id = create_admin(&app, "helper", NEW_PASSWORD);
    let other = client();
    login(&app, &other, "helper", NEW_PASSWORD).await;
    page(&other, &app.url("/admin"), 200).await;
    let response = delete_admin(&app, &c, &token, other_id).await;
    assert_eq!(response.status(), 303);
    assert!(
        page(&c, &app.url("/admin/users"), 200)
            .await
            .contains("Deleted the admin helper")
    );
    assert_eq!(
        other.get(app.url("/admin")).status().await,
        303,
        "their session ended"
    );
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);

    let missing = delete_admin(&app, &c, &token, 999).await;
    assert_eq!(missing.status(), 404);
}

// --- First run: the one-time setup link ---

/// Sends the setup form as the link's page does: the link's token is also
/// the form's CSRF token.
async fn setup_form(
    app: &TestApp,
    c: &reqwest::Client,
    token: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    c.post(app.url("/admin/setup"))
        .form(&[
            ("token", token),
            ("csrf_token", token),
            ("username", username),
            ("password", password),
            ("confirm_password", password),
        ])
        .sent()
        .await
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_and_then_stops_working() {
    let app = spawn_app().await;
    let token = app
        .state
        .setup_token
        .get()
        .expect("no admin yet, so a setup token exists");
    let c = client();
    let form_page = page(&c, &app.url(&format!("/admin/setup?token={token}")), 200).await;
    assert!(form_page.contains("Create the first admin"));
    let response = setup_form(&app, &c, &token, "head", NEW_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert!(
        page(&c, &app.url("/admin"), 200)
            .await
            .contains("Welcome, head."),
        "logged in straight away"
    );
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);

    let again = client()
        .get(app.url(&format!("/admin/setup?token={token}")))
        .sent()
        .await;
    assert_eq!(again.status(), 403);
    let replay = setup_form(&app, &client(), &token, "second", NEW_PASSWORD).await;
    assert_eq!(replay.status(), 403);
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[tokio::test]
async fn a_wrong_setup_token_is_refused_and_a_weak_password_is_explained() {
    let app = spawn_app().await;
    let token = app.state.setup_token.get().unwrap();
    assert_eq!(
        client()
            .get(app.url("/admin/setup?token=guess"))
            .status()
            .await,
        403
    );
    assert_eq!(client().get(app.url("/admin/setup")).status().await, 403);
    let response = setup_form(&app, &client(), &token, "head", "password1234").await;
    assert_eq!(response.status(), 422);
    let body = response.body().await;
    assert!(body.contains("too easy to guess") && body.contains(r#"value="head""#));
    assert_eq!(app.count("SELECT count(*) FROM users"), 0);
}

#[tokio::test]
async fn no_setup_token_exists_once_an_admin_does() {
    let app = app_with_admin().await;
    let dir = tempfile::tempdir().unwrap();
    let restarted = spawn_config(dir, motodex::Config::for_tests(app.db_path.clone())).await;
    assert!(restarted.state.setup_token.get().is_none());
}

// --- A database made by the Flask course ---

/// `generate_password_hash(password, "pbkdf2:sha256:1000")` as Werkzeug writes it.
fn werkzeug_pbkdf2(password: &str, salt: &str, iterations: u32) -> String {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2::<Hmac<Sha256>>(password.as_bytes(), salt.as_bytes(), iterations, &mut out)
        .unwrap();
    format!("pbkdf2:sha256:{iterations}${salt}${}", hex::encode(out))
}

/// `generate_password_hash(password, "scrypt:16384:8:1")` as Werkzeug writes it.
fn werkzeug_scrypt(password: &str, salt: &str) -> String {
    let params = scrypt::Params::new(14, 8, 1).unwrap();
    let mut out = [0u8; 64];
    scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out).unwrap();
    format!("scrypt:16384:8:1${salt}${}", hex::encode(out))
}

/// The course's tables exactly as its lessons create them, with rows.
pub(crate) fn flask_course_database(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE makers (maker_id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
         CREATE TABLE bikes (bike_id INTEGER PRIMARY KEY AUTOINCREMENT, maker_id INTEGER, model TEXT,
                             year INTEGER, engine TEXT, image_url TEXT);
         CREATE TABLE users (user_id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL UNIQUE,
                             password_hash TEXT NOT NULL);
         INSERT INTO makers (name) VALUES ('Suzuki'), ('Honda');
         INSERT INTO bikes (maker_id, model, year, engine, image_url) VALUES
             (1, 'GSX-R750', 2019, '750cc', 'https://example.com/gsxr.jpg'),
             (2, 'CB500F', '2021', '471cc', NULL);",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO users (username, password_hash) VALUES ('admin', ?1), ('scrypt_user', ?2)",
        [
            werkzeug_pbkdf2("changeme", "Sw0fEliY9yumm54e", 1000),
            werkzeug_scrypt("changeme too", "uJYcD7t9jqzAHiWg"),
        ],
    )
    .unwrap();
}

#[tokio::test]
async fn a_flask_course_database_opens_with_its_rows_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("database.db");
    flask_course_database(&db_path);
    let app = spawn_config(dir, motodex::Config::for_tests(db_path)).await;
    let home = page(&client(), &app.url("/"), 200).await;
    assert!(home.contains("GSX-R750") && home.contains("CB500F") && home.contains("2 bikes"));
    assert!(home.contains("https://example.com/gsxr.jpg"));
    assert_eq!(
        app.count("SELECT count(*) FROM bikes"),
        2,
        "no sample data is added to an existing database"
    );
    assert_eq!(
        app.count("PRAGMA user_version"),
        motodex::db::schema::latest_version()
    );
    let bike = page(&client(), &app.url("/bikes/2"), 200).await;
    assert!(bike.contains("CB500F") && bike.contains("2021") && bike.contains("471cc"));
}

#[tokio::test]
async fn werkzeug_pbkdf2_and_scrypt_users_log_in_and_are_rehashed_to_argon2id() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("database.db");
    flask_course_database(&db_path);
    let app = spawn_config(dir, motodex::Config::for_tests(db_path)).await;
    assert_eq!(
        login(&app, &client(), "admin", "not changeme")
            .await
            .status(),
        200
    );
    assert_eq!(
        login(&app, &client(), "admin", "changeme").await.status(),
        303
    );
    assert_eq!(
        login(&app, &client(), "scrypt_user", "changeme too")
            .await
            .status(),
        303
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'"),
        2
    );
    assert_eq!(
        login(&app, &client(), "admin", "changeme").await.status(),
        303,
        "the new hash verifies"
    );
}
