//! Authentication (SPEC §4 login/logout, §6): the course's checklist first,
//! then each security promise.

use std::time::{Duration, Instant};

use crate::helpers::*;

// --- The course's own checklist (Flask Made Easy part 7, §12) ---

#[tokio::test]
async fn logged_out_admin_pages_redirect_to_login_keeping_the_path() {
    let app = spawn_app().await;
    let c = client();
    for path in [
        "/admin",
        "/admin/add",
        "/admin/edit/1",
        "/admin/users",
        "/admin/change-password",
        "/admin/makers",
        "/admin/backup",
        "/admin/logout",
    ] {
        let response = c.get(app.url(path)).sent().await;
        assert_eq!(response.status(), 303, "{path}");
        let location = response.headers()["location"].to_str().unwrap();
        assert_eq!(
            location,
            format!("/admin/login?next={}", path.replace('/', "%2F")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_logged_out_post_to_delete_redirects_and_deletes_nothing() {
    let app = spawn_app().await;
    let c = client();
    let before = app.count("SELECT count(*) FROM bikes");
    for path in [
        "/admin/delete/1",
        "/admin/add",
        "/admin/edit/1",
        "/admin/users/delete/1",
        "/admin/logout",
    ] {
        let response = c
            .post(app.url(path))
            .form(&[("csrf_token", "x"), ("model", "Hacked")])
            .sent()
            .await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/admin/login", "{path}");
    }
    assert_eq!(app.count("SELECT count(*) FROM bikes"), before);
    assert_eq!(
        app.count("SELECT count(*) FROM bikes WHERE model = 'Hacked'"),
        0
    );
}

#[tokio::test]
async fn unknown_admin_paths_are_404_with_or_without_a_session() {
    let (app, logged_in) = logged_in_app().await;
    for c in [client(), logged_in] {
        for path in [
            "/admin/nope",
            "/admin/edit/abc",
            "/admin/add/extra",
            "/admin//users",
            "/ADMIN",
            "/%61dmin",
        ] {
            assert_eq!(c.get(app.url(path)).status().await, 404, "{path}");
        }
    }
}

#[tokio::test]
async fn a_wrong_password_shows_the_error_and_stays_on_the_login_page() {
    let app = app_with_admin().await;
    let c = client();
    let response = login(&app, &c, ADMIN, "wrong password entirely").await;
    assert_eq!(response.status(), 200);
    let body = response.body().await;
    assert!(body.contains("Invalid username or password."));
    assert!(body.contains(r#"name="username""#) && body.contains(&format!(r#"value="{ADMIN}""#)));
    assert!(
        !body.contains("wrong password entirely"),
        "the password is never echoed"
    );
    assert_eq!(c.get(app.url("/admin")).status().await, 303);
}

#[tokio::test]
async fn the_right_password_reaches_the_admin_table_and_the_session_persists() {
    let app = app_with_admin().await;
    let c = client();
    let response = login(&app, &c, ADMIN, PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin");
    for _ in 0..3 {
        let body = page(&c, &app.url("/admin"), 200).await;
        assert!(body.contains("Panigale V4") && body.contains("Log out"));
    }
}

#[tokio::test]
async fn logout_returns_to_login_and_admin_redirects_again() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let response = c
        .post(app.url("/admin/logout"))
        .form(&[("csrf_token", &token)])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin/login");
    let login_page = page(&c, &app.url("/admin/login"), 200).await;
    assert!(login_page.contains("You have been logged out."));
    assert_eq!(c.get(app.url("/admin")).status().await, 303);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions"),
        0,
        "the session row is gone"
    );
}

#[tokio::test]
async fn the_stored_hash_is_argon2id_not_the_password() {
    let app = app_with_admin().await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let hash: String = conn
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn a_logged_in_visitor_to_the_login_page_goes_to_admin() {
    let (app, c) = logged_in_app().await;
    let response = c.get(app.url("/admin/login")).sent().await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin");
}

#[tokio::test]
async fn get_logout_changes_nothing_and_offers_a_button() {
    let (app, c) = logged_in_app().await;
    let body = page(&c, &app.url("/admin/logout"), 200).await;
    assert!(body.contains(r#"action="/admin/logout""#));
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
    page(&c, &app.url("/admin"), 200).await;
}

// --- Sessions (SPEC §6) ---

fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("motodex_session="))
        .expect("a session cookie")
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn the_session_cookie_is_httponly_lax_and_a_browser_session_cookie() {
    let app = app_with_admin().await;
    let response = login(&app, &client(), ADMIN, PASSWORD).await;
    let cookie = session_cookie(&response);
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires") && !cookie.contains("Domain")
    );
    assert!(!cookie.contains("Secure"), "plain HTTP on localhost");
}

#[tokio::test]
async fn remember_me_gives_a_30_day_cookie() {
    let app = app_with_admin().await;
    let response = login_with(
        &app,
        &client(),
        &[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("remember", "1"),
        ],
    )
    .await;
    assert!(session_cookie(&response).contains("Max-Age=2592000"));
}

#[tokio::test]
async fn every_login_gets_a_new_session_id() {
    let app = app_with_admin().await;
    let c = client();
    let first = cookie_pair(&session_cookie(&login(&app, &c, ADMIN, PASSWORD).await));
    // Logged in already: log out, then in again on the same browser.
    let token = admin_token(&app, &c).await;
    c.post(app.url("/admin/logout"))
        .form(&[("csrf_token", &token)])
        .sent()
        .await;
    let second = cookie_pair(&session_cookie(&login(&app, &c, ADMIN, PASSWORD).await));
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_cookie_replayed_after_logout_is_worthless() {
    let (app, c) = logged_in_app().await;
    let old = {
        let fresh = client();
        cookie_pair(&session_cookie(&login(&app, &fresh, ADMIN, PASSWORD).await))
    };
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(
        replay
            .get(app.url("/admin"))
            .header("cookie", &old)
            .status()
            .await,
        200
    );
    // Log that session out, then replay its cookie.
    let page_body = replay
        .get(app.url("/admin"))
        .header("cookie", &old)
        .sent()
        .await
        .body()
        .await;
    let token = csrf_token_of(&page_body);
    replay
        .post(app.url("/admin/logout"))
        .header("cookie", &old)
        .form(&[("csrf_token", &token)])
        .sent()
        .await;
    assert_eq!(
        replay
            .get(app.url("/admin"))
            .header("cookie", &old)
            .status()
            .await,
        303
    );
    page(&c, &app.url("/admin"), 200).await; // the other session is untouched
}

#[tokio::test]
async fn tampered_cookies_are_refused() {
    let app = app_with_admin().await;
    let good = cookie_pair(&session_cookie(
        &login(&app, &client(), ADMIN, PASSWORD).await,
    ));
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (name, value) = good.split_once('=').unwrap();
    let mut flipped: Vec<char> = value.chars().collect();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == 'a' { 'b' } else { 'a' };
    let flipped: String = flipped.into_iter().collect();
    for cookie in [
        format!("{name}={flipped}"),
        format!("{name}={}", &value[..value.len() / 2]),
        format!("{name}={}", "A".repeat(100 * 1024)),
        format!("{name}="),
        format!("{name}=%00%ff"),
    ] {
        let status = bare
            .get(app.url("/admin"))
            .header("cookie", &cookie)
            .status()
            .await;
        assert!(
            status == 303 || status == 431,
            "{status} for a {} byte cookie",
            cookie.len()
        );
    }
}

#[tokio::test]
async fn a_different_secret_key_makes_old_cookies_worthless_and_sessions_survive_restarts() {
    let app = app_with_admin().await;
    let cookie = cookie_pair(&session_cookie(
        &login(&app, &client(), ADMIN, PASSWORD).await,
    ));
    let mut app = app;
    let db_path = app.db_path.clone();
    app.stop().await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let mut same_key = spawn_config(
        tempfile::tempdir().unwrap(),
        motodex::Config::for_tests(db_path.clone()),
    )
    .await;
    assert_eq!(
        bare.get(same_key.url("/admin"))
            .header("cookie", &cookie)
            .status()
            .await,
        200,
        "sessions survive a restart"
    );
    same_key.stop().await;

    let mut config = motodex::Config::for_tests(db_path);
    config.secret_key_hex = Some("ab".repeat(32));
    let new_key = spawn_config(tempfile::tempdir().unwrap(), config).await;
    assert_eq!(
        bare.get(new_key.url("/admin"))
            .header("cookie", &cookie)
            .status()
            .await,
        303
    );
}

#[tokio::test]
async fn an_idle_session_times_out_on_the_server() {
    let app = spawn_app_with(|c| c.session_idle = Duration::from_secs(1)).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    login(&app, &c, ADMIN, PASSWORD).await;
    page(&c, &app.url("/admin"), 200).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(c.get(app.url("/admin")).status().await, 303);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions"),
        0,
        "the expired row is deleted"
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_time_out_even_when_active() {
    let app = spawn_app_with(|c| c.session_max = Duration::from_secs(2)).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    login(&app, &c, ADMIN, PASSWORD).await;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        page(&c, &app.url("/admin"), 200).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(c.get(app.url("/admin")).status().await, 303);
}

// --- CSRF (SPEC §6) ---

#[tokio::test]
async fn login_without_or_with_a_wrong_csrf_token_is_refused() {
    let app = app_with_admin().await;
    let c = client();
    page(&c, &app.url("/admin/login"), 200).await;
    for token in [None, Some("wrong"), Some("")] {
        let mut form = vec![("username", ADMIN), ("password", PASSWORD)];
        if let Some(token) = token {
            form.push(("csrf_token", token));
        }
        let response = c.post(app.url("/admin/login")).form(&form).sent().await;
        assert_eq!(response.status(), 403, "{token:?}");
        assert!(response.body().await.contains("Request refused"));
    }
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
}

#[tokio::test]
async fn a_login_token_from_another_browser_is_refused() {
    let app = app_with_admin().await;
    let other = client();
    let token = csrf_token_of(&page(&other, &app.url("/admin/login"), 200).await);
    let c = client();
    page(&c, &app.url("/admin/login"), 200).await;
    let response = c
        .post(app.url("/admin/login"))
        .form(&[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .sent()
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_pre_login_token_no_longer_works_after_login() {
    let app = app_with_admin().await;
    let c = client();
    let login_token = csrf_token_of(&page(&c, &app.url("/admin/login"), 200).await);
    login(&app, &c, ADMIN, PASSWORD).await;
    let response = c
        .post(app.url("/admin/logout"))
        .form(&[("csrf_token", &login_token)])
        .sent()
        .await;
    assert_eq!(response.status(), 403);
    page(&c, &app.url("/admin"), 200).await;
}

#[tokio::test]
async fn logout_and_account_forms_refuse_missing_wrong_and_other_sessions_tokens() {
    let (app, c) = logged_in_app().await;
    let other = client();
    login(&app, &other, ADMIN, PASSWORD).await;
    let others_token = admin_token(&app, &other).await;
    for token in [None, Some("wrong".to_string()), Some(others_token)] {
        let with = |mut form: Vec<(&'static str, String)>| {
            if let Some(t) = &token {
                form.push(("csrf_token", t.clone()));
            }
            form
        };
        let logout = c
            .post(app.url("/admin/logout"))
            .form(&with(vec![]))
            .sent()
            .await;
        assert_eq!(logout.status(), 403);
        let change = c
            .post(app.url("/admin/change-password"))
            .form(&with(vec![
                ("current_password", PASSWORD.into()),
                ("new_password", "an entirely new passphrase".into()),
                ("confirm_password", "an entirely new passphrase".into()),
            ]))
            .sent()
            .await;
        assert_eq!(change.status(), 403);
        let add = c
            .post(app.url("/admin/users/add"))
            .form(&with(vec![
                ("username", "intruder".into()),
                ("password", "an entirely new passphrase".into()),
                ("confirm_password", "an entirely new passphrase".into()),
            ]))
            .sent()
            .await;
        assert_eq!(add.status(), 403);
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 2);
    page(&c, &app.url("/admin"), 200).await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let hash: String = conn
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        motodex::auth::password::verify(&hash, PASSWORD),
        motodex::auth::password::Verdict::Right {
            needs_rehash: false
        }
    );
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused_even_with_a_valid_token() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    for (header, value) in [
        ("origin", "http://evil.example"),
        ("origin", "null"),
        ("referer", "http://evil.example/page"),
    ] {
        let response = c
            .post(app.url("/admin/logout"))
            .header(header, value)
            .form(&[("csrf_token", &token)])
            .sent()
            .await;
        assert_eq!(response.status(), 403, "{header}: {value}");
    }
    let login_client = client();
    let login_token = csrf_token_of(&page(&login_client, &app.url("/admin/login"), 200).await);
    let response = login_client
        .post(app.url("/admin/login"))
        .header("origin", "http://evil.example")
        .form(&[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("csrf_token", &login_token),
        ])
        .sent()
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
    let own_origin = c
        .post(app.url("/admin/logout"))
        .header("origin", &app.address)
        .form(&[("csrf_token", &token)])
        .sent()
        .await;
    assert_eq!(own_origin.status(), 303, "the site's own origin is fine");
}

// --- Login failures, timing and throttling ---

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_identical_answers_in_similar_time() {
    let app = app_with_admin().await;
    let mut bodies = Vec::new();
    let mut fastest = Vec::new();
    for username in [ADMIN, "nobody-here"] {
        // The fastest of three tries: load on a shared machine only ever
        // adds time, so minimums compare the work each path really does.
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let c = client();
            let start = Instant::now();
            let response = login(&app, &c, username, "not the password at all").await;
            best = best.min(start.elapsed());
            assert_eq!(response.status(), 200);
            let body = response.body().await;
            bodies.push(
                body.replace(username, "NAME")
                    .replace(&csrf_token_of(&body), "TOKEN"),
            );
        }
        fastest.push(best);
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "same page apart from the typed name and token"
    );
    let (a, b) = (fastest[0].as_secs_f64(), fastest[1].as_secs_f64());
    assert!(
        a.min(b) * 4.0 > a.max(b),
        "both paths verify a hash: {fastest:?}"
    );
}

#[tokio::test]
async fn the_sixth_attempt_for_a_username_is_throttled_even_with_the_right_password() {
    let app = app_with_admin().await;
    let c = client();
    for _ in 0..5 {
        assert_eq!(
            login(&app, &c, ADMIN, "wrong wrong wrong").await.status(),
            200
        );
    }
    let response = login(&app, &c, ADMIN, PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert!(response.body().await.contains("try again in 15 minutes"));
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
}

#[tokio::test]
async fn throttling_counts_unknown_usernames_too_ignoring_case() {
    let app = spawn_app().await;
    let c = client();
    for name in ["Ghost", "ghost", "GHOST", "gHost", "ghosT"] {
        login(&app, &c, name, "whatever it is").await;
    }
    assert_eq!(
        login(&app, &c, "ghost", "whatever it is").await.status(),
        429
    );
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_that_address_out() {
    let app = app_with_admin().await;
    let c = client();
    for i in 0..20 {
        login(&app, &c, &format!("guess{i}"), "whatever it is").await;
    }
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn a_successful_login_clears_that_usernames_count() {
    let app = app_with_admin().await;
    for _ in 0..4 {
        login(&app, &client(), ADMIN, "wrong wrong wrong").await;
    }
    assert_eq!(login(&app, &client(), ADMIN, PASSWORD).await.status(), 303);
    for _ in 0..4 {
        login(&app, &client(), ADMIN, "wrong wrong wrong").await;
    }
    assert_eq!(login(&app, &client(), ADMIN, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn forwarded_headers_do_not_escape_throttling() {
    let app = spawn_app().await;
    let c = client();
    for i in 0..21 {
        let page_body = page(&c, &app.url("/admin/login"), 200).await;
        let token = csrf_token_of(&page_body);
        let name = format!("user{i}");
        c.post(app.url("/admin/login"))
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .form(&[
                ("username", name.as_str()),
                ("password", "whatever it is"),
                ("csrf_token", &token),
            ])
            .sent()
            .await;
    }
    assert_eq!(
        login(&app, &c, "someone", "whatever it is").await.status(),
        429
    );
}

#[tokio::test]
async fn next_accepts_local_paths_and_ignores_everything_else() {
    let app = app_with_admin().await;
    let cases = [
        ("/admin/users", "/admin/users"),
        ("/admin?search=ducati", "/admin?search=ducati"),
        ("//evil.com", "/admin"),
        ("/\\evil.com", "/admin"),
        ("https:evil.com", "/admin"),
        ("https://evil.com/", "/admin"),
        ("/%2f%2fevil.com", "/admin"),
        ("/%5Cevil.com", "/admin"),
        ("/\tevil.com", "/admin"),
        ("javascript:alert(1)", "/admin"),
    ];
    for (next, expected) in cases {
        let c = client();
        let response = login_with(
            &app,
            &c,
            &[("username", ADMIN), ("password", PASSWORD), ("next", next)],
        )
        .await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
}

#[tokio::test]
async fn the_login_form_carries_next_from_the_redirect() {
    let app = spawn_app().await;
    let body = page(
        &client(),
        &app.url("/admin/login?next=%2Fadmin%2Fusers"),
        200,
    )
    .await;
    assert_eq!(field_value(&body, "next").as_deref(), Some("/admin/users"));
    let evil = page(&client(), &app.url("/admin/login?next=%2F%2Fevil.com"), 200).await;
    assert_eq!(field_value(&evil, "next").as_deref(), Some(""));
}

#[tokio::test]
async fn admin_and_login_responses_are_not_cached() {
    let (app, c) = logged_in_app().await;
    for path in [
        "/admin",
        "/admin/login",
        "/admin/users",
        "/admin/change-password",
        "/admin/logout",
    ] {
        let response = c.get(app.url(path)).sent().await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let fresh = client();
    assert_eq!(
        fresh.get(app.url("/admin/login")).sent().await.headers()["cache-control"],
        "no-store"
    );
}

#[tokio::test]
async fn a_login_whose_visitor_leaves_before_the_answer_runs_to_its_end_and_is_no_failure() {
    let app = app_with_admin().await;
    let abandoned = 6; // more than the 5 failures that lock a username out
    for left_so_far in 1..=abandoned {
        let c = client();
        let page = page(&c, &app.url("/admin/login"), 200).await;
        let token = csrf_token_of(&page);
        // The answer takes an Argon2 check; the visitor does not wait for it.
        let left = c
            .post(app.url("/admin/login"))
            .form(&[
                ("username", ADMIN),
                ("password", PASSWORD),
                ("csrf_token", &token),
            ])
            .timeout(Duration::from_millis(2))
            .send()
            .await;
        assert!(left.is_err(), "the visitor was meant to leave first");
        // The attempt still ends as the right password ends: with a
        // session, and its count given back. (Waited for, so that attempts
        // still being checked never add up to a lock-out of their own.)
        let deadline = Instant::now() + Duration::from_secs(20);
        while app.count("SELECT COUNT(*) FROM sessions") < left_so_far && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions"), left_so_far);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM login_failures"), 0);
    assert_eq!(login(&app, &client(), ADMIN, PASSWORD).await.status(), 303);
}
