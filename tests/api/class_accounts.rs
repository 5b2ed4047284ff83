//! Accounts in a class (SPEC §10, issue 16 items 1, 2, 4 and 8): the owner's
//! protection and hand-over, role changes, temporary passwords and the
//! forced change, class accounts with slips shown once, expiry, the delete
//! confirmation, lifting a lock-out, a Flask database's owner, and
//! `create-admin --role`.

use motodex::domain::roles::Role;

use crate::helpers::binary::{motodex, run_with_stdin};
use crate::helpers::catalogue::text;
use crate::helpers::{
    ADMIN, PASSWORD, RequestExt, ResponseExt, TestApp, client, create_account, login, page,
    spawn_config,
};
use crate::roles::{app_with_every_role, fingerprint, signed_in, user_id};

const NEW: &str = "a completely new passphrase here";

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", token));
    client.post(app.url(path)).form(&form).sent().await
}

fn role_of(app: &TestApp, name: &str) -> String {
    text(
        app,
        &format!(
            "SELECT a.role FROM user_access a JOIN users u USING (user_id) WHERE u.username = '{name}'"
        ),
    )
}

// --- The owner ---

#[tokio::test]
async fn nobody_can_delete_or_demote_the_owner() {
    let app = app_with_every_role().await;
    let owner = user_id(&app, ADMIN);
    let (head, token) = signed_in(&app, "head").await;
    let before = fingerprint(&app);
    for (path, fields) in [
        (format!("/admin/users/delete/{owner}"), vec![]),
        (
            format!("/admin/users/{owner}/role"),
            vec![("role", "editor")],
        ),
        (
            format!("/admin/users/{owner}/temporary-password"),
            vec![("password", NEW), ("confirm_password", NEW)],
        ),
        (
            format!("/admin/users/{owner}/expires"),
            vec![("expires", "2099-01-01")],
        ),
    ] {
        let response = post(&app, &head, &token, &path, &fields).await;
        assert_eq!(response.status(), 403, "{path}");
        assert!(response.body().await.contains("Nothing was changed"));
    }
    assert_eq!(fingerprint(&app), before);
    // Not even the owner: the owner's own account is "yourself".
    let (owner_client, owner_token) = signed_in(&app, ADMIN).await;
    let own = post(
        &app,
        &owner_client,
        &owner_token,
        &format!("/admin/users/{owner}/role"),
        &[("role", "admin")],
    )
    .await;
    assert_eq!(own.status(), 403);
    assert_eq!(role_of(&app, ADMIN), "owner");
}

#[tokio::test]
async fn handing_over_ownership_needs_the_owners_password_and_makes_the_old_owner_an_admin() {
    let app = app_with_every_role().await;
    let head = user_id(&app, "head");
    let (owner, token) = signed_in(&app, ADMIN).await;
    let path = format!("/admin/users/{head}/make-owner");
    let wrong = post(
        &app,
        &owner,
        &token,
        &path,
        &[("password", "not my password at all")],
    )
    .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.body().await.contains("This is not your password"));
    assert_eq!(role_of(&app, ADMIN), "owner");
    assert_eq!(role_of(&app, "head"), "admin");
    assert_eq!(
        app.count("SELECT count(*) FROM login_failures WHERE key = 'user:teacher'"),
        1,
        "a wrong password counts as a failed login"
    );

    let right = post(&app, &owner, &token, &path, &[("password", PASSWORD)]).await;
    assert_eq!(right.status(), 303);
    assert_eq!(role_of(&app, ADMIN), "admin");
    assert_eq!(role_of(&app, "head"), "owner");
    assert_eq!(
        app.count("SELECT count(*) FROM user_access WHERE role = 'owner'"),
        1
    );
    let entry = text(
        &app,
        "SELECT description FROM activity WHERE action = 'hand_over'",
    );
    assert!(entry.contains("handed ownership over to head"), "{entry}");
    // The new owner may restore; the old one may not any more.
    assert_eq!(owner.get(app.url("/admin/trash/empty")).status().await, 403);
    let (new_owner, _) = signed_in(&app, "head").await;
    assert_eq!(
        new_owner.get(app.url("/admin/trash/empty")).status().await,
        200
    );
}

// --- Roles ---

#[tokio::test]
async fn nobody_gives_a_role_above_their_own_or_changes_their_own_or_an_equal() {
    let app = app_with_every_role().await;
    let student = user_id(&app, "student");
    let head = user_id(&app, "head");
    let (admin, token) = signed_in(&app, "head").await;
    let path = format!("/admin/users/{student}/role");
    for role in ["owner", "root"] {
        let response = post(&app, &admin, &token, &path, &[("role", role)]).await;
        assert_eq!(response.status(), 422, "{role}");
    }
    assert_eq!(role_of(&app, "student"), "contributor");
    let own = post(
        &app,
        &admin,
        &token,
        &format!("/admin/users/{head}/role"),
        &[("role", "editor")],
    )
    .await;
    assert_eq!(own.status(), 403);
    create_account(&app, "other.admin", PASSWORD, Role::Admin);
    let other = user_id(&app, "other.admin");
    let equal = post(
        &app,
        &admin,
        &token,
        &format!("/admin/users/{other}/role"),
        &[("role", "editor")],
    )
    .await;
    assert_eq!(equal.status(), 403);
    assert_eq!(role_of(&app, "other.admin"), "admin");

    let promoted = post(&app, &admin, &token, &path, &[("role", "admin")]).await;
    assert_eq!(promoted.status(), 303, "up to their own role");
    assert_eq!(role_of(&app, "student"), "admin");
    let entry = text(
        &app,
        "SELECT description FROM activity WHERE action = 'role'",
    );
    assert_eq!(
        entry,
        "changed the role of student from contributor to admin"
    );
}

#[tokio::test]
async fn the_add_account_form_takes_a_role_refuses_owner_and_defaults_to_admin() {
    let app = app_with_every_role().await;
    let (owner, token) = signed_in(&app, ADMIN).await;
    let account = |name: &'static str, role: Option<&'static str>| {
        let mut fields = vec![
            ("username", name),
            ("password", NEW),
            ("confirm_password", NEW),
        ];
        fields.extend(role.map(|r| ("role", r)));
        fields
    };
    let response = post(
        &app,
        &owner,
        &token,
        "/admin/users/add",
        &account("second.owner", Some("owner")),
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(response.body().await.contains("There is only one owner"));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'second.owner'"),
        0
    );

    let plain = post(
        &app,
        &owner,
        &token,
        "/admin/users/add",
        &account("plain", None),
    )
    .await;
    assert_eq!(plain.status(), 303);
    assert_eq!(role_of(&app, "plain"), "admin");
    let editor = post(
        &app,
        &owner,
        &token,
        "/admin/users/add",
        &account("writer", Some("editor")),
    )
    .await;
    assert_eq!(editor.status(), 303);
    assert_eq!(role_of(&app, "writer"), "editor");
}

// --- Temporary passwords ---

#[tokio::test]
async fn a_temporary_password_ends_sessions_and_forces_a_new_password_before_anything_else() {
    let app = app_with_every_role().await;
    let student = user_id(&app, "student");
    let (student_client, _) = signed_in(&app, "student").await;
    let (admin, token) = signed_in(&app, "head").await;
    let temporary = "violin otter maple comet";
    let response = post(
        &app,
        &admin,
        &token,
        &format!("/admin/users/{student}/temporary-password"),
        &[("password", temporary), ("confirm_password", temporary)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        student_client.get(app.url("/admin")).status().await,
        303,
        "their session ended"
    );
    let activity = text(
        &app,
        "SELECT description || changes FROM activity WHERE action = 'temporary_password'",
    );
    assert!(
        activity.contains("set a temporary password for student") && !activity.contains(temporary)
    );

    let fresh = client();
    let login_response = login(&app, &fresh, "student", temporary).await;
    assert_eq!(login_response.status(), 303);
    assert_eq!(
        login_response.headers()["location"],
        "/admin/change-password"
    );
    for path in ["/admin", "/admin/users", "/admin/activity"] {
        let response = fresh.get(app.url(path)).sent().await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/admin/change-password");
    }
    let form = page(&fresh, &app.url("/admin/change-password"), 200).await;
    assert!(form.contains("Choose your own password"));
    let token = crate::helpers::csrf_token_of(&form);
    let changed = post(
        &app,
        &fresh,
        &token,
        "/admin/change-password",
        &[
            ("current_password", temporary),
            ("new_password", NEW),
            ("confirm_password", NEW),
        ],
    )
    .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(
        fresh.get(app.url("/admin")).status().await,
        200,
        "open at last"
    );
    assert_eq!(
        app.count("SELECT temporary_password FROM user_access WHERE user_id = (SELECT user_id FROM users WHERE username = 'student')"),
        0
    );
}

#[tokio::test]
async fn an_admin_cannot_set_a_temporary_password_for_an_equal_and_a_weak_one_is_refused() {
    let app = app_with_every_role().await;
    let other = create_account(&app, "other.admin", PASSWORD, Role::Admin);
    let student = user_id(&app, "student");
    let (admin, token) = signed_in(&app, "head").await;
    let before = fingerprint(&app);
    let equal = post(
        &app,
        &admin,
        &token,
        &format!("/admin/users/{other}/temporary-password"),
        &[("password", NEW), ("confirm_password", NEW)],
    )
    .await;
    assert_eq!(equal.status(), 403);
    let weak = post(
        &app,
        &admin,
        &token,
        &format!("/admin/users/{student}/temporary-password"),
        &[
            ("password", "password1234"),
            ("confirm_password", "password1234"),
        ],
    )
    .await;
    assert_eq!(weak.status(), 422);
    assert!(weak.body().await.contains("too easy to guess"));
    assert_eq!(fingerprint(&app), before);
}

// --- Class accounts ---

const CLASS: &str = "anna.k\nben_t\n\n  chloe-m  \n";

#[tokio::test]
async fn a_class_list_with_bad_lines_lists_every_problem_and_creates_nothing() {
    let app = app_with_every_role().await;
    let (admin, token) = signed_in(&app, "head").await;
    let before = fingerprint(&app);
    let response = post(
        &app,
        &admin,
        &token,
        "/admin/users/batch",
        &[
            ("names", "anna.k\nbad name!\nANNA.K\nstudent\nok.one"),
            ("role", "contributor"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.body().await;
    assert!(body.contains("Nothing was created"));
    assert!(body.contains("Line 2 (“bad name!”)"), "{body}");
    assert!(body.contains("Line 3 (“ANNA.K”): this name is already in the list."));
    assert!(body.contains("Line 4 (“student”): this username is already taken."));
    assert!(!body.contains("Line 5"), "a fine line is no problem");
    assert!(body.contains("ok.one"), "what was typed is kept");
    assert_eq!(fingerprint(&app), before);

    let too_many: String = (1..=101).map(|n| format!("kid{n}\n")).collect();
    let response = post(
        &app,
        &admin,
        &token,
        "/admin/users/batch",
        &[("names", &too_many)],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(response.body().await.contains("at most 100"));
    for expires in ["2020-01-01", "next week"] {
        let response = post(
            &app,
            &admin,
            &token,
            "/admin/users/batch",
            &[("names", CLASS), ("expires", expires)],
        )
        .await;
        assert_eq!(response.status(), 422, "{expires}");
    }
    let response = post(
        &app,
        &admin,
        &token,
        "/admin/users/batch",
        &[("names", CLASS), ("role", "owner")],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert_eq!(fingerprint(&app), before);
}

/// The temporary passwords on a slips page, in order.
fn passwords_on(page: &str) -> Vec<String> {
    page.split("<code class=\"slip-password\">")
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn class_accounts_get_slips_with_passwords_shown_once_that_log_in_and_must_be_replaced() {
    let app = app_with_every_role().await;
    let (admin, token) = signed_in(&app, "head").await;
    let fields = [
        ("names", CLASS),
        ("role", "contributor"),
        ("expires", "2099-07-15"),
    ];
    let response = post(&app, &admin, &token, "/admin/users/batch", &fields).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let slips = response.body().await;
    let passwords = passwords_on(&slips);
    assert_eq!(passwords.len(), 3, "one slip a name, empty lines skipped");
    for name in ["anna.k", "ben_t", "chloe-m"] {
        assert!(slips.contains(name));
        assert_eq!(role_of(&app, name), "contributor");
    }
    assert!(slips.contains("<svg"), "a QR code");
    assert!(
        slips.contains(&format!("{}/admin/login", app.address)),
        "the site's address"
    );
    assert!(
        passwords.iter().all(|p| p.split(' ').count() == 4),
        "{passwords:?}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM user_access WHERE temporary_password = 1 AND expires_on = '2099-07-15'"),
        3
    );
    let entry = text(
        &app,
        "SELECT description || changes FROM activity WHERE action = 'add_batch'",
    );
    assert!(entry.contains("added 3 class accounts"));
    assert!(
        passwords.iter().all(|p| !entry.contains(p.as_str())),
        "never a password in the log"
    );

    // Shown once: the form again (a reload) finds every name taken.
    let again = post(&app, &admin, &token, "/admin/users/batch", &fields).await;
    assert_eq!(again.status(), 422);
    let again = again.body().await;
    assert!(passwords.iter().all(|p| !again.contains(p.as_str())));
    let list = page(&admin, &app.url("/admin/users"), 200).await;
    assert!(passwords.iter().all(|p| !list.contains(p.as_str())));
    assert!(
        list.contains("2099-07-15"),
        "the last day is on the users page"
    );

    let student = client();
    let response = login(&app, &student, "anna.k", &passwords[0]).await;
    assert_eq!(response.headers()["location"], "/admin/change-password");
}

// --- Expiry ---

#[tokio::test]
async fn an_expired_account_cannot_log_in_and_is_told_why() {
    let app = app_with_every_role().await;
    app.state
        .db
        .write_now(|tx| {
            tx.execute(
                "UPDATE user_access SET expires_on = '2020-06-30' WHERE username = 'student'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let response = login(&app, &client(), "student", PASSWORD).await;
    assert_eq!(response.status(), 403);
    let body = response.body().await;
    assert!(body.contains("This account expired on 2020-06-30; ask your teacher."));
    assert_eq!(app.count("SELECT count(*) FROM sessions WHERE user_id = (SELECT user_id FROM users WHERE username = 'student')"), 0);
    let wrong = login(&app, &client(), "student", "not the password at all").await;
    assert!(
        wrong.body().await.contains("Invalid username or password."),
        "the reason is only told to whoever knows the password"
    );
}

#[tokio::test]
async fn a_session_ends_when_its_account_expires_and_the_last_day_can_be_changed() {
    let app = app_with_every_role().await;
    let student = user_id(&app, "student");
    let (student_client, _) = signed_in(&app, "student").await;
    let (admin, token) = signed_in(&app, "head").await;
    let path = format!("/admin/users/{student}/expires");
    let today = motodex::clock::local_date(motodex::clock::now());
    let set = post(&app, &admin, &token, &path, &[("expires", &today)]).await;
    assert_eq!(set.status(), 303);
    assert_eq!(
        student_client.get(app.url("/admin")).status().await,
        200,
        "today still works"
    );
    app.state
        .db
        .write_now(|tx| {
            tx.execute(
                "UPDATE user_access SET expires_on = '2020-01-01' WHERE username = 'student'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(
        student_client.get(app.url("/admin")).status().await,
        303,
        "signed out once expired"
    );
    let cleared = post(&app, &admin, &token, &path, &[("expires", "")]).await;
    assert_eq!(cleared.status(), 303);
    assert_eq!(
        login(&app, &client(), "student", PASSWORD).await.status(),
        303
    );
    let entry = text(
        &app,
        "SELECT description FROM activity WHERE action = 'expiry' ORDER BY entry_id DESC LIMIT 1",
    );
    assert_eq!(entry, "removed the expiry of student");
}

// --- Issue 16 item 8 ---

#[tokio::test]
async fn deleting_an_account_asks_first_on_a_confirmation_page() {
    let app = app_with_every_role().await;
    let student = user_id(&app, "student");
    let (admin, token) = signed_in(&app, "head").await;
    let account = page(&admin, &app.url(&format!("/admin/users/{student}")), 200).await;
    assert!(account.contains(&format!("href=\"/admin/users/delete/{student}\"")));
    let confirm = page(
        &admin,
        &app.url(&format!("/admin/users/delete/{student}")),
        200,
    )
    .await;
    assert!(confirm.contains("Delete this account?") && confirm.contains("student"));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'student'"),
        1,
        "asking deletes nothing"
    );
    let response = post(
        &app,
        &admin,
        &token,
        &format!("/admin/users/delete/{student}"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'student'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM user_access WHERE username = 'student'"),
        0
    );
}

#[tokio::test]
async fn the_users_page_shows_and_lifts_a_login_lock_out() {
    let app = app_with_every_role().await;
    for _ in 0..5 {
        login(&app, &client(), "student", "wrong password entirely").await;
    }
    assert_eq!(
        login(&app, &client(), "student", PASSWORD).await.status(),
        429
    );
    let student = user_id(&app, "student");
    let (admin, token) = signed_in(&app, "head").await;
    let list = page(&admin, &app.url("/admin/users"), 200).await;
    assert!(list.contains("Locked out"));
    let account = page(&admin, &app.url(&format!("/admin/users/{student}")), 200).await;
    assert!(account.contains("Lift the lock-out"));
    let response = post(
        &app,
        &admin,
        &token,
        &format!("/admin/users/{student}/unlock"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        login(&app, &client(), "student", PASSWORD).await.status(),
        303
    );
    let entry = text(
        &app,
        "SELECT description FROM activity WHERE action = 'unlock'",
    );
    assert_eq!(entry, "lifted the login lock-out of student");
}

// --- Upgrades and the command line ---

#[tokio::test]
async fn a_flask_course_database_makes_its_lowest_user_id_the_owner_and_the_rest_admins() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("database.db");
    crate::accounts::flask_course_database(&db_path);
    let app = spawn_config(dir, motodex::Config::for_tests(db_path)).await;
    assert_eq!(role_of(&app, "admin"), "owner");
    assert_eq!(role_of(&app, "scrypt_user"), "admin");
    assert_eq!(
        app.count("SELECT count(*) FROM pragma_table_info('users')"),
        3,
        "the course's users table keeps its three columns"
    );
    // An account the Flask app adds later has no role row: a contributor.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute(
        "INSERT INTO users (username, password_hash) VALUES ('flask_added', 'x')",
        [],
    )
    .unwrap();
    let added = app
        .state
        .db
        .read_now(|conn| motodex::db::users::find_by_name(conn, "flask_added"))
        .unwrap()
        .unwrap();
    assert_eq!(added.role, Role::Contributor);
}

#[tokio::test]
async fn a_role_row_left_by_a_deleted_flask_account_does_not_pass_to_a_newcomer_with_its_id() {
    let app = app_with_every_role().await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let head = user_id(&app, "head");
    // What the Flask app does (foreign keys off): the row stays behind.
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF; DELETE FROM users WHERE user_id = {head};
         INSERT INTO users (user_id, username, password_hash) VALUES ({head}, 'newcomer', 'x');"
    ))
    .unwrap();
    let newcomer = motodex::db::users::get(&conn, head).unwrap().unwrap();
    assert_eq!(newcomer.role, Role::Contributor);
}

fn create(db: &std::path::Path, name: &str, role: Option<&str>) -> std::process::Output {
    let mut command = motodex(db);
    command.args(["create-admin", name, "--password-stdin"]);
    if let Some(role) = role {
        command.args(["--role", role]);
    }
    run_with_stdin(command, &format!("{PASSWORD}\n"))
}

#[test]
fn create_admin_makes_the_first_account_the_owner_and_takes_a_role() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    let first = create(&db, "teacher", None);
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).contains("Owner “teacher” created."));
    let second = create(&db, "helper", None);
    assert!(String::from_utf8_lossy(&second.stdout).contains("Admin “helper” created."));
    let editor = create(&db, "writer", Some("editor"));
    assert!(String::from_utf8_lossy(&editor.stdout).contains("Editor “writer” created."));
    let owner = create(&db, "usurper", Some("owner"));
    assert_eq!(owner.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&owner.stderr).contains("There is already an owner"));
    let bad = create(&db, "odd", Some("root"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a role"));

    let conn = rusqlite::Connection::open(&db).unwrap();
    let roles: Vec<String> = conn
        .prepare("SELECT u.username || '=' || a.role FROM users u JOIN user_access a USING (user_id) ORDER BY u.user_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(roles, ["teacher=owner", "helper=admin", "writer=editor"]);
}
