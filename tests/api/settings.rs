//! `/admin/settings` (SPEC §13): the site's title and introduction, shown
//! on every public page (never stale from the page cache), recorded in the
//! activity log; bad values are refused and write nothing.

use crate::helpers::catalogue::*;
use crate::helpers::*;

async fn save(
    app: &TestApp,
    c: &reqwest::Client,
    title: &str,
    introduction: &str,
) -> reqwest::Response {
    let token = csrf_token_of(&page(c, &app.url("/admin/settings"), 200).await);
    post_form(
        c,
        &app.url("/admin/settings"),
        &[
            ("csrf_token".into(), token),
            ("title".into(), title.into()),
            ("introduction".into(), introduction.into()),
        ],
    )
    .await
}

fn settings_entries(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM activity WHERE kind = 'settings'")
}

#[tokio::test]
async fn the_settings_form_starts_with_the_default_title_and_no_introduction() {
    let (app, c) = logged_in_app().await;
    let form = page(&c, &app.url("/admin/settings"), 200).await;
    assert_eq!(field_value(&form, "title").as_deref(), Some("motodex"));
    assert!(form.contains("></textarea>"), "an empty introduction");
    assert!(form.contains("action=\"/admin/settings\""));
    let home = page(&c, &app.url("/"), 200).await;
    assert!(
        home.contains("<title>Motorbikes · motodex</title>"),
        "{home}"
    );
}

#[tokio::test]
async fn a_new_title_and_introduction_show_on_every_public_page_at_once() {
    let (app, c) = logged_in_app().await;
    let visitor = client();
    // Fill the page cache first: the change must not be hidden behind it.
    for path in ["/", "/bikes/1", "/"] {
        page(&visitor, &app.url(path), 200).await;
    }
    let saved = save(
        &app,
        &c,
        "  Bikes of class 3B ",
        "Our favourite bikes.\nAdded by the class.",
    )
    .await;
    assert_eq!(saved.status(), 303);
    let next = follow(&app, &c, saved).await;
    assert!(next.contains("Saved the site settings."), "{next}");

    let home = page(&visitor, &app.url("/"), 200).await;
    assert!(
        home.contains("<title>Motorbikes · Bikes of class 3B</title>"),
        "{home}"
    );
    assert!(
        home.contains(" Bikes of class 3B</a>"),
        "the header's name: {home}"
    );
    assert!(
        home.contains(
            "<p class=\"site-introduction\">Our favourite bikes.\nAdded by the class.</p>"
        ),
        "{home}"
    );
    assert!(!home.contains("· motodex"), "{home}");
    let bike = page(&visitor, &app.url("/bikes/1"), 200).await;
    assert!(bike.contains(" · Bikes of class 3B</title>"), "{bike}");
    assert!(bike.contains("Our favourite bikes."), "{bike}");
    let login = page(&visitor, &app.url("/admin/login"), 200).await;
    assert!(
        login.contains("<title>Admin login · Bikes of class 3B</title>"),
        "{login}"
    );
    // The JSON API's pages aside (SPEC §13).
    let api = page(&visitor, &app.url("/api/bikes"), 200).await;
    assert!(
        !api.contains("Bikes of class 3B") && !api.contains("favourite"),
        "{api}"
    );

    let form = page(&c, &app.url("/admin/settings"), 200).await;
    assert_eq!(
        field_value(&form, "title").as_deref(),
        Some("Bikes of class 3B")
    );
}

#[tokio::test]
async fn a_change_is_recorded_in_the_activity_log_and_saving_it_again_records_nothing() {
    let (app, c) = logged_in_app().await;
    assert_eq!(save(&app, &c, "Bikes of 3B", "Hello.").await.status(), 303);
    assert_eq!(settings_entries(&app), 1);
    let said = text(
        &app,
        "SELECT username || ' ' || description FROM activity WHERE kind = 'settings'",
    );
    assert_eq!(
        said,
        format!(
            "{ADMIN} changed the site title from “motodex” to “Bikes of 3B” and added the introduction"
        )
    );
    let again = save(&app, &c, "Bikes of 3B", "Hello.").await;
    assert!(follow(&app, &c, again).await.contains("Nothing to save"));
    assert_eq!(settings_entries(&app), 1);
    let log = page(&c, &app.url("/admin/activity"), 200).await;
    assert!(
        log.contains("changed the site title from “motodex” to “Bikes of 3B”"),
        "{log}"
    );
}

#[tokio::test]
async fn bad_settings_are_refused_with_the_reason_beside_the_field_and_nothing_is_written() {
    let (app, c) = logged_in_app().await;
    let long_title = "t".repeat(61);
    let long_introduction = "i".repeat(501);
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            "   ",
            "Kept introduction",
            "title",
            "Enter the site's title.",
        ),
        (
            &long_title,
            "",
            "title",
            "The title can be at most 60 characters (this one has 61).",
        ),
        (
            "Fine title",
            &long_introduction,
            "introduction",
            "The introduction can be at most 500 characters (this one has 501).",
        ),
    ];
    for (title, introduction, field, reason) in cases {
        let response = save(&app, &c, title, introduction).await;
        assert_eq!(response.status(), 422, "{field}: {reason}");
        let body = response.body().await;
        assert_eq!(
            error_beside(&body, field).as_deref(),
            Some(reason),
            "{body}"
        );
        assert!(body.contains(introduction), "what was typed is kept");
        assert_eq!(field_value(&body, "title").as_deref(), Some(title));
    }
    assert_eq!(
        app.count("SELECT count(*) FROM settings WHERE key IN ('site_title', 'site_introduction')"),
        0,
        "nothing was written"
    );
    assert_eq!(settings_entries(&app), 0);
    let home = page(&c, &app.url("/"), 200).await;
    assert!(home.contains("· motodex</title>"));
}

#[tokio::test]
async fn the_introduction_is_plain_text_never_markup() {
    let (app, c) = logged_in_app().await;
    let typed = "<script>alert(1)</script> & <b>bold</b>";
    assert_eq!(save(&app, &c, "<i>Title</i>", typed).await.status(), 303);
    let home = page(&client(), &app.url("/"), 200).await;
    assert!(
        !home.contains("<script>alert") && !home.contains("<b>bold"),
        "{home}"
    );
    assert!(home.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert!(home.contains("&lt;i&gt;Title&lt;/i&gt;</title>"));
}

#[tokio::test]
async fn without_a_session_or_a_valid_token_nothing_is_saved() {
    let app = app_with_admin().await;
    let c = client();
    let anonymous = post_form(
        &c,
        &app.url("/admin/settings"),
        &[
            ("csrf_token".into(), "forged".into()),
            ("title".into(), "Taken over".into()),
            ("introduction".into(), String::new()),
        ],
    )
    .await;
    assert_eq!(anonymous.status(), 303);
    assert!(
        anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/admin/login")
    );
    login(&app, &c, ADMIN, PASSWORD).await;
    let forged = post_form(
        &c,
        &app.url("/admin/settings"),
        &[
            ("csrf_token".into(), "forged".into()),
            ("title".into(), "Taken over".into()),
            ("introduction".into(), String::new()),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(
        app.count("SELECT count(*) FROM settings WHERE key = 'site_title'"),
        0
    );
}

#[tokio::test]
async fn the_exporter_reads_the_title_and_introduction_from_the_database() {
    let (app, c) = logged_in_app().await;
    save(&app, &c, "Bikes of 3B", "Hello.").await;
    let site = app.state.db.read_now(motodex::db::settings::site).unwrap();
    assert_eq!(site.title, "Bikes of 3B");
    assert_eq!(site.introduction, "Hello.");
}
