//! Two-factor sign-in (SPEC §11, issue 18 item 12): turning it on with one
//! right code and ten recovery codes shown once, the login's second step
//! with its 5-minute half-way state (not a session), codes used once, wrong
//! codes counted by the login throttle, turning it off, the owner's
//! requirement, and `reset-password` turning it off.

use futures_util::future::join_all;
use motodex::auth::two_factor::code_at;
use motodex::db::two_factor;

use crate::helpers::binary::{self, run_with_stdin};
use crate::helpers::catalogue::*;
use crate::helpers::*;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code of `secret` `steps` 30-second steps from now.
fn code(secret: &str, steps: i64) -> String {
    code_at(secret, (now() as i64 + steps * 30) as u64).unwrap()
}

/// Six digits that are right for no step the server accepts now.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-2..=2).map(|s| code(secret, s)).collect();
    (0..)
        .map(|n| format!("{:06}", (123_456 + n * 7_919) % 1_000_000))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// The key shown on the page, without its spaces.
fn secret_of(page: &str) -> String {
    let start = page
        .find("class=\"secret-key\">")
        .expect("the key is shown")
        + 19;
    let end = start + page[start..].find('<').unwrap();
    page[start..end].replace(' ', "")
}

/// The recovery codes on the page shown after turning it on.
fn recovery_codes_of(page: &str) -> Vec<String> {
    let list = &page[page.find("recovery-codes").expect("recovery codes")..];
    let list = &list[..list.find("</ol>").unwrap()];
    list.split("<code>")
        .skip(1)
        .map(|piece| piece[..piece.find('<').unwrap()].to_string())
        .collect()
}

async fn post_two_factor(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf_token_of(&page(c, &app.url("/admin/two-factor"), 200).await);
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    form.push(("csrf_token".into(), token));
    post_form(c, &app.url("/admin/two-factor"), &form).await
}

/// Turns two-factor on for the logged-in client with this step's code;
/// returns the key and the recovery codes.
async fn enrol(app: &TestApp, c: &reqwest::Client) -> (String, Vec<String>) {
    let setup = page(c, &app.url("/admin/two-factor"), 200).await;
    let secret = secret_of(&setup);
    let response = post_two_factor(app, c, &[("action", "on"), ("code", &code(&secret, 0))]).await;
    assert_eq!(response.status(), 200);
    let codes = recovery_codes_of(&response.body().await);
    (secret, codes)
}

/// Logs in with the password: the answer sends the client to the code page.
async fn password_step(app: &TestApp) -> reqwest::Client {
    let c = client();
    let response = login(app, &c, ADMIN, PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/login/code");
    c
}

async fn post_code(app: &TestApp, c: &reqwest::Client, typed: &str) -> reqwest::Response {
    let form = page(c, &app.url("/admin/login/code"), 200).await;
    let token = csrf_token_of(&form);
    c.post(app.url("/admin/login/code"))
        .form(&[("code", typed), ("csrf_token", &token)])
        .sent()
        .await
}

fn enabled(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM two_factor WHERE enabled_at IS NOT NULL")
}

#[tokio::test]
async fn turning_it_on_needs_one_right_code_and_shows_ten_recovery_codes_once() {
    let (app, c) = logged_in_app().await;
    let setup = page(&c, &app.url("/admin/two-factor"), 200).await;
    assert!(setup.contains("<svg role=\"img\""), "an inline QR code");
    assert!(!setup.contains("<script"), "no script");
    let secret = secret_of(&setup);
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let again = page(&c, &app.url("/admin/two-factor"), 200).await;
    assert_eq!(secret_of(&again), secret, "a reload shows the same key");

    for typed in [wrong_code(&secret).as_str(), "12345", "abc"] {
        let response = post_two_factor(&app, &c, &[("action", "on"), ("code", typed)]).await;
        assert_eq!(response.status(), 422, "{typed}");
        let body = response.body().await;
        assert!(error_beside(&body, "code").is_some(), "{typed}");
        assert_eq!(enabled(&app), 0, "{typed}: still off");
        assert_eq!(app.count("SELECT count(*) FROM recovery_codes"), 0);
    }

    let response =
        post_two_factor(&app, &c, &[("action", "on"), ("code", &code(&secret, 0))]).await;
    assert_eq!(response.status(), 200);
    let codes = recovery_codes_of(&response.body().await);
    assert_eq!(codes.len(), 10);
    assert_eq!(enabled(&app), 1);
    assert_eq!(app.count("SELECT count(*) FROM recovery_codes"), 10);
    for code in &codes {
        let plain = code.replace('-', "");
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM recovery_codes WHERE code_hash LIKE '%{plain}%'"
            )),
            0,
            "stored only as hashes"
        );
    }
    let on = page(&c, &app.url("/admin/two-factor"), 200).await;
    assert!(
        on.contains("Recovery codes left: <strong>10</strong>"),
        "{on}"
    );
    for code in &codes {
        assert!(!on.contains(code.as_str()), "shown once");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE action = 'two_factor_on'"),
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM activity WHERE description || changes LIKE '%{secret}%'"
        )),
        0,
        "the key is never in the log"
    );
}

#[tokio::test]
async fn with_it_on_a_right_password_leads_to_the_code_step_which_opens_no_admin_page() {
    let (app, c) = logged_in_app().await;
    let (secret, _) = enrol(&app, &c).await;
    let sessions = app.count("SELECT count(*) FROM sessions");

    let halfway = password_step(&app).await;
    assert_eq!(
        app.count("SELECT count(*) FROM sessions"),
        sessions,
        "no session yet"
    );
    for path in [
        "/admin",
        "/admin/users",
        "/admin/two-factor",
        "/admin/activity",
    ] {
        let response = halfway.get(app.url(path)).sent().await;
        assert_eq!(response.status(), 303, "{path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/admin/login"),
            "{path}"
        );
    }
    let response = post_code(&app, &halfway, &wrong_code(&secret)).await;
    assert_eq!(response.status(), 422);
    assert!(response.body().await.contains("That code is not right"));
    assert_eq!(app.count("SELECT count(*) FROM sessions"), sessions);

    let next = code(&secret, 1);
    let response = post_code(&app, &halfway, &next).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin");
    page(&halfway, &app.url("/admin"), 200).await;

    let replay = password_step(&app).await;
    let response = post_code(&app, &replay, &next).await;
    assert_eq!(response.status(), 422, "a code used once is refused");
    let response = replay.get(app.url("/admin")).sent().await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn a_recovery_code_logs_in_once_and_the_page_counts_those_left() {
    let (app, c) = logged_in_app().await;
    let (_, codes) = enrol(&app, &c).await;
    let first = password_step(&app).await;
    let response = post_code(&app, &first, &codes[3].to_uppercase()).await;
    assert_eq!(response.status(), 303);
    page(&first, &app.url("/admin"), 200).await;
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE action = 'recovery_code_used'"),
        1
    );

    let second = password_step(&app).await;
    let response = post_code(&app, &second, &codes[3]).await;
    assert_eq!(response.status(), 422, "used up");
    let on = page(&c, &app.url("/admin/two-factor"), 200).await;
    assert!(
        on.contains("Recovery codes left: <strong>9</strong>"),
        "{on}"
    );
}

#[tokio::test]
async fn wrong_codes_count_as_failed_logins_even_in_a_concurrent_burst() {
    let (app, c) = logged_in_app().await;
    let (secret, _) = enrol(&app, &c).await;
    let halfway = password_step(&app).await;
    let form = page(&halfway, &app.url("/admin/login/code"), 200).await;
    let token = csrf_token_of(&form);
    let wrong = wrong_code(&secret);
    let burst = (0..30).map(|_| {
        halfway
            .post(app.url("/admin/login/code"))
            .form(&[("code", wrong.as_str()), ("csrf_token", token.as_str())])
            .status()
    });
    let statuses = join_all(burst).await;
    let checked = statuses.iter().filter(|s| s.as_u16() == 422).count();
    let refused = statuses.iter().filter(|s| s.as_u16() == 429).count();
    assert_eq!(checked + refused, 30, "{statuses:?}");
    assert!(
        checked <= 5,
        "at most the limit reached the check: {checked}"
    );
    let response = post_code(&app, &halfway, &code(&secret, 1)).await;
    assert_eq!(
        response.status(),
        429,
        "locked out, even with the right code"
    );
}

#[tokio::test]
async fn the_half_way_state_ends_after_five_minutes() {
    let (app, c) = logged_in_app().await;
    let (secret, _) = enrol(&app, &c).await;
    let halfway = password_step(&app).await;
    let form = page(&halfway, &app.url("/admin/login/code"), 200).await;
    let token = csrf_token_of(&form);
    {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.execute(
            "UPDATE login_halfway SET created_at = created_at - ?1",
            [two_factor::HALFWAY_SECS + 1],
        )
        .unwrap();
    }
    let sessions = app.count("SELECT count(*) FROM sessions");
    let response = halfway.get(app.url("/admin/login/code")).sent().await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/login");
    let response = halfway
        .post(app.url("/admin/login/code"))
        .form(&[("code", code(&secret, 1).as_str()), ("csrf_token", &token)])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/login");
    assert_eq!(app.count("SELECT count(*) FROM sessions"), sessions);
}

#[tokio::test]
async fn turning_it_off_needs_the_password_and_a_code() {
    let (app, c) = logged_in_app().await;
    let (secret, _) = enrol(&app, &c).await;
    let right = code(&secret, 1);
    for (password, typed, beside) in [
        ("not the password at all", right.as_str(), "password"),
        (PASSWORD, wrong_code(&secret).as_str(), "code"),
    ] {
        let response = post_two_factor(
            &app,
            &c,
            &[("action", "off"), ("password", password), ("code", typed)],
        )
        .await;
        assert_eq!(response.status(), 422, "{beside}");
        let body = response.body().await;
        assert!(error_beside(&body, beside).is_some(), "{beside}");
        assert_eq!(enabled(&app), 1, "still on");
    }
    let response = post_two_factor(
        &app,
        &c,
        &[("action", "off"), ("password", PASSWORD), ("code", &right)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.count("SELECT count(*) FROM two_factor"), 0);
    assert_eq!(app.count("SELECT count(*) FROM recovery_codes"), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE action = 'two_factor_off'"),
        1
    );
    assert_eq!(
        login(&app, &client(), ADMIN, PASSWORD).await.headers()["location"],
        "/admin"
    );
}

#[tokio::test]
async fn reset_password_turns_two_factor_off_and_says_so() {
    let (app, c) = logged_in_app().await;
    enrol(&app, &c).await;
    let new_password = "seven amber kites over the marsh";
    let mut reset = binary::motodex(&app.db_path);
    reset.args(["reset-password", ADMIN, "--password-stdin"]);
    let output = run_with_stdin(reset, &format!("{new_password}\n"));
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("Two-factor sign-in is off for this account now"),
        "{said}"
    );
    assert_eq!(app.count("SELECT count(*) FROM two_factor"), 0);
    let response = login(&app, &client(), ADMIN, new_password).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin", "no code step");
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE action = 'two_factor_off'"),
        1
    );
}

#[tokio::test]
async fn when_the_owner_requires_it_an_account_without_it_is_sent_to_turn_it_on() {
    let app = app_with_admin().await;
    let owner = client();
    assert_eq!(login(&app, &owner, ADMIN, PASSWORD).await.status(), 303);
    let settings = page(&owner, &app.url("/admin/settings"), 200).await;
    assert!(settings.contains("Require two-factor sign-in for the owner and admins"));
    let response = post_form(
        &owner,
        &app.url("/admin/settings"),
        &[
            ("csrf_token".into(), csrf_token_of(&settings)),
            ("title".into(), "motodex".into()),
            ("introduction".into(), String::new()),
            ("require_two_factor".into(), "1".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.count("SELECT count(*) FROM settings WHERE key = 'require_two_factor' AND value = '1'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE description = 'required two-factor sign-in for the owner and admins'"),
        1
    );
    let c = client();
    let response = login(&app, &c, ADMIN, PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/two-factor");
    for path in ["/admin", "/admin/makers", "/admin/users"] {
        let response = c.get(app.url(path)).sent().await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(
            response.headers()["location"],
            "/admin/two-factor",
            "{path}"
        );
    }
    let bikes_before = bikes(&app);
    let token = csrf_token_of(&page(&c, &app.url("/admin/two-factor"), 200).await);
    let fields = with_token(&bike(maker_id(&app, "Ducati"), "Blocked"), &token);
    let response = post_form(&c, &app.url("/admin/add"), &fields).await;
    assert_eq!(response.status(), 303);
    assert_eq!(bikes(&app), bikes_before, "nothing was written");

    let setup = page(&c, &app.url("/admin/two-factor"), 200).await;
    assert!(setup.contains("The owner requires two-factor sign-in"));
    enrol(&app, &c).await;
    page(&c, &app.url("/admin"), 200).await;
}
