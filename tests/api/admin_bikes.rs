//! The admin bike pages (SPEC §4 "Admin", §5, issue 4): adding, editing and
//! deleting bikes, every kind of bad input, sessions, CSRF, concurrency.

use crate::helpers::catalogue::*;
use crate::helpers::*;

fn next_year() -> i64 {
    motodex::domain::current_year() + 1
}

#[tokio::test]
async fn the_add_form_offers_every_maker_and_accepts_a_photo() {
    let (app, c) = logged_in_app().await;
    let body = page(&c, &app.url("/admin/add"), 200).await;
    assert!(body.contains(r#"enctype="multipart/form-data""#));
    for name in [
        "maker_id",
        "model",
        "year",
        "engine",
        "image_url",
        "image",
        "csrf_token",
    ] {
        assert!(body.contains(&format!(r#"name="{name}""#)), "{name}");
    }
    let ducati = maker_id(&app, "Ducati");
    assert!(body.contains(&format!(r#"<option value="{ducati}">Ducati</option>"#)));
    assert!(body.contains(r#"type="file""#) && body.contains("image/webp"));
}

#[tokio::test]
async fn adding_a_bike_redirects_to_the_list_with_a_one_time_message() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = bikes(&app);
    let fields = with_token(&bike(maker_id(&app, "Ducati"), "Panigale V2"), &token);
    let response = post_form(&c, &app.url("/admin/add"), &fields).await;
    assert_eq!(response.headers()["location"], "/admin");
    let list = follow(&app, &c, response).await;
    assert!(list.contains("Added Ducati Panigale V2."));
    assert_eq!(bikes(&app), before + 1);
    let id = bike_id(&app, "Panigale V2");
    assert_eq!(
        text(
            &app,
            &format!("SELECT engine || ' ' || year FROM bikes WHERE bike_id = {id}")
        ),
        "890cc 2021"
    );
    let again = page(&c, &app.url("/admin"), 200).await;
    assert!(
        !again.contains("Added Ducati Panigale V2."),
        "the message shows once"
    );
}

#[tokio::test]
async fn the_form_may_be_sent_as_multipart_without_a_photo() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let fields = with_token(&bike(maker_id(&app, "Honda"), "  CB650R  "), &token);
    let response = post_multipart(&c, &app.url("/admin/add"), &fields, None).await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Added Honda CB650R."),
        "model is trimmed"
    );
    assert!(bike_id(&app, "CB650R") > 0, "stored");
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn editing_a_bike_shows_its_values_and_saves_the_changes() {
    let (app, c) = logged_in_app().await;
    let id = bike_id(&app, "Monster");
    let form = page(&c, &app.url(&format!("/admin/edit/{id}")), 200).await;
    assert_eq!(field_value(&form, "model").as_deref(), Some("Monster"));
    assert_eq!(field_value(&form, "year").as_deref(), Some("2021"));
    assert_eq!(field_value(&form, "engine").as_deref(), Some("937cc"));
    let ducati = maker_id(&app, "Ducati");
    assert!(form.contains(&format!(
        r#"<option value="{ducati}" selected>Ducati</option>"#
    )));

    let token = csrf_token_of(&form);
    let changed = with(
        with(bike(ducati, "Monster SP"), "year", &next_year().to_string()),
        "engine",
        "Electric",
    );
    let response = post_multipart(
        &c,
        &app.url(&format!("/admin/edit/{id}")),
        &with_token(&changed, &token),
        None,
    )
    .await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Saved Ducati Monster SP.")
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT model || '|' || year || '|' || engine FROM bikes WHERE bike_id = {id}"
            )
        ),
        format!("Monster SP|{}|Electric", next_year())
    );
}

/// (field, bad value, words of the message shown beside that field)
fn bad_inputs() -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("model", String::new(), "Enter the model"),
        ("model", "   ".into(), "Enter the model"),
        ("model", "x".repeat(101), "at most 100 characters"),
        ("year", "abc".into(), "Enter a year from 1885"),
        ("year", "1884".into(), "Enter a year from 1885"),
        (
            "year",
            (next_year() + 1).to_string(),
            "Enter a year from 1885",
        ),
        ("year", "2e3".into(), "Enter a year from 1885"),
        ("year", "".into(), "Enter a year from 1885"),
        ("engine", " ".into(), "Enter the engine"),
        ("engine", "9".repeat(51), "at most 50 characters"),
        ("maker_id", "999999".into(), "maker does not exist"),
        ("maker_id", "abc".into(), "Choose a maker"),
        ("maker_id", "".into(), "Choose a maker"),
        (
            "image_url",
            "javascript:alert(1)".into(),
            "http:// or https://",
        ),
        (
            "image_url",
            "//evil.com/x.png".into(),
            "http:// or https://",
        ),
        (
            "image_url",
            "data:image/png;base64,AAAA".into(),
            "http:// or https://",
        ),
        (
            "image_url",
            format!("https://example.com/{}", "a".repeat(490)),
            "at most 500 characters",
        ),
    ]
}

#[tokio::test]
async fn each_bad_input_is_refused_with_422_beside_its_field_keeping_what_was_typed() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let honda = maker_id(&app, "Honda");
    let before = bikes(&app);
    for (field, value, message) in bad_inputs() {
        let fields = with(
            with(bike(honda, "Africa Twin Adventure"), "engine", "1084cc"),
            field,
            &value,
        );
        for multipart in [false, true] {
            let url = app.url("/admin/add");
            let response = if multipart {
                post_multipart(&c, &url, &with_token(&fields, &token), None).await
            } else {
                post_form(&c, &url, &with_token(&fields, &token)).await
            };
            assert_eq!(response.status(), 422, "{field}={value:?}");
            assert_eq!(
                response.headers()["content-type"],
                "text/html; charset=utf-8"
            );
            let body = response.body().await;
            let shown = error_beside(&body, field)
                .unwrap_or_else(|| panic!("no message beside {field} for {value:?}"));
            assert!(shown.contains(message), "{field}={value:?}: {shown}");
            if field != "maker_id" {
                assert_eq!(
                    field_value(&body, field).as_deref(),
                    Some(value.as_str()),
                    "{field} keeps what was typed"
                );
                assert!(
                    body.contains(&format!(
                        r#"<option value="{honda}" selected>Honda</option>"#
                    )),
                    "the maker stays chosen"
                );
            }
            if field != "engine" {
                assert_eq!(
                    field_value(&body, "engine").as_deref(),
                    Some("1084cc"),
                    "other fields keep their values"
                );
            }
            assert_eq!(bikes(&app), before, "{field}={value:?}: nothing written");
        }
    }
}

#[tokio::test]
async fn next_year_and_1885_are_accepted() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    for (model, year) in [
        ("Reitwagen", "1885".to_string()),
        ("Next Big Thing", next_year().to_string()),
    ] {
        let fields = with_token(
            &with(bike(maker_id(&app, "BMW"), model), "year", &year),
            &token,
        );
        assert_eq!(
            post_form(&c, &app.url("/admin/add"), &fields)
                .await
                .status(),
            303,
            "{year}"
        );
    }
}

#[tokio::test]
async fn every_mistake_is_reported_at_once() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let fields = with(
        with(with(bike(999_999, ""), "year", "abc"), "engine", ""),
        "image_url",
        "javascript:alert(1)",
    );
    let response = post_form(&c, &app.url("/admin/add"), &with_token(&fields, &token)).await;
    assert_eq!(response.status(), 422);
    let body = response.body().await;
    for field in ["maker_id", "model", "year", "engine", "image_url"] {
        assert!(error_beside(&body, field).is_some(), "{field}");
    }
    assert!(body.contains("Please correct the marked fields."));
}

#[tokio::test]
async fn a_bad_edit_changes_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let id = bike_id(&app, "Z900");
    let row = |app: &TestApp| {
        text(
            app,
            &format!("SELECT model || year || engine || maker_id FROM bikes WHERE bike_id = {id}"),
        )
    };
    let before = row(&app);
    for (field, value, _) in bad_inputs() {
        let fields = with(
            bike(maker_id(&app, "Kawasaki"), "Z900 Changed"),
            field,
            &value,
        );
        let response = post_form(
            &c,
            &app.url(&format!("/admin/edit/{id}")),
            &with_token(&fields, &token),
        )
        .await;
        assert_eq!(response.status(), 422, "{field}={value:?}");
        assert!(response.body().await.contains("Edit Kawasaki Z900"));
        assert_eq!(row(&app), before, "{field}={value:?}");
    }
}

#[tokio::test]
async fn unknown_ids_on_edit_and_delete_are_404_and_write_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = bikes(&app);
    let fields = with_token(&bike(maker_id(&app, "Honda"), "Ghost"), &token);
    for id in ["99999", "0", "-1", "abc", "1.5", "99999999999999999999"] {
        for path in [format!("/admin/edit/{id}"), format!("/admin/delete/{id}")] {
            assert_eq!(c.get(app.url(&path)).status().await, 404, "GET {path}");
            let response = post_form(&c, &app.url(&path), &fields).await;
            assert_eq!(response.status(), 404, "POST {path}");
            assert!(response.body().await.contains("Page not found"));
        }
    }
    let response = post_multipart(
        &c,
        &app.url("/admin/edit/99999"),
        &fields,
        Some(png_upload(20, 20)),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(bikes(&app), before);
    assert_eq!(bike_id(&app, "Ghost"), 0);
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn an_extra_bike_id_field_cannot_redirect_the_write_to_another_row() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let target = bike_id(&app, "MT-07");
    let other = bike_id(&app, "YZF-R1");
    let yamaha = maker_id(&app, "Yamaha");

    let fields = with_token(
        &with(bike(yamaha, "MT-09"), "bike_id", &other.to_string()),
        &token,
    );
    assert_eq!(
        post_form(&c, &app.url(&format!("/admin/edit/{target}")), &fields)
            .await
            .status(),
        303
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT model FROM bikes WHERE bike_id = {target}")
        ),
        "MT-09"
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT model FROM bikes WHERE bike_id = {other}")
        ),
        "YZF-R1"
    );

    let before = bikes(&app);
    let fields = with_token(
        &with(bike(yamaha, "Tenere 700"), "bike_id", &other.to_string()),
        &token,
    );
    assert_eq!(
        post_multipart(&c, &app.url("/admin/add"), &fields, None)
            .await
            .status(),
        303
    );
    assert_eq!(
        bikes(&app),
        before + 1,
        "adding adds, whatever bike_id says"
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT model FROM bikes WHERE bike_id = {other}")
        ),
        "YZF-R1"
    );
}

#[tokio::test]
async fn duplicate_fields_are_a_400_and_write_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let honda = maker_id(&app, "Honda");
    let before = bikes(&app);
    let mut fields = with_token(&bike(honda, "Twin One"), &token);
    fields.push(("model".into(), "Twin Two".into()));
    for response in [
        post_form(&c, &app.url("/admin/add"), &fields).await,
        post_multipart(&c, &app.url("/admin/add"), &fields, None).await,
    ] {
        assert_eq!(response.status(), 400);
        assert!(
            response
                .body()
                .await
                .contains("The field “model” was sent more than once.")
        );
    }
    let mut two_makers = with_token(&bike(honda, "Twin Three"), &token);
    two_makers.push(("maker_id".into(), maker_id(&app, "BMW").to_string()));
    assert_eq!(
        post_form(&c, &app.url("/admin/add"), &two_makers)
            .await
            .status(),
        400
    );

    let png = png_upload(4, 4).bytes;
    let honda = honda.to_string();
    let parts: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("csrf_token", None, token.as_bytes()),
        ("maker_id", None, honda.as_bytes()),
        ("model", None, b"Two Photos"),
        ("year", None, b"2020"),
        ("engine", None, b"500cc"),
        ("image", Some("a.png"), &png),
        ("image", Some("b.png"), &png),
    ];
    let response = post_raw_multipart(&c, &app.url("/admin/add"), &parts).await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .body()
            .await
            .contains("“image” was sent more than once")
    );
    assert_eq!(bikes(&app), before);
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn invalid_utf8_and_nul_bytes_are_a_400_and_write_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let honda = maker_id(&app, "Honda");
    let before = bikes(&app);
    for bad in ["%FF%FE", "a%00b", "%C0%AF"] {
        let body = format!(
            "csrf_token={token}&maker_id={honda}&model=Bad{bad}&year=2020&engine=500cc&image_url="
        );
        let response = post_raw_form(&c, &app.url("/admin/add"), body).await;
        assert_eq!(response.status(), 400, "{bad}");
        let page = response.body().await;
        assert!(
            page.contains("not valid UTF-8") || page.contains("control character such as NUL"),
            "{bad}"
        );
    }
    let honda = honda.to_string();
    for model in [&b"Bad\xff\xfe"[..], b"Bad\0Nul", b"Bad\xc0\xaf"] {
        let parts: Vec<(&str, Option<&str>, &[u8])> = vec![
            ("csrf_token", None, token.as_bytes()),
            ("maker_id", None, honda.as_bytes()),
            ("model", None, model),
            ("year", None, b"2020"),
            ("engine", None, b"500cc"),
        ];
        let response = post_raw_multipart(&c, &app.url("/admin/add"), &parts).await;
        assert_eq!(response.status(), 400, "{model:?}");
        let page = response.body().await;
        assert!(
            page.contains("not valid UTF-8") || page.contains("control character such as NUL"),
            "{model:?}"
        );
    }
    assert_eq!(bikes(&app), before);
}

#[tokio::test]
async fn a_body_that_is_no_web_form_is_a_400_and_writes_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = bikes(&app);
    let body = format!("csrf_token={token}&maker_id=1&model=Plain&year=2020&engine=500cc");
    for content_type in ["text/plain", "application/json", "multipart/form-data"] {
        let response = c
            .post(app.url("/admin/add"))
            .header("content-type", content_type)
            .body(body.clone())
            .sent()
            .await;
        assert_eq!(response.status(), 400, "{content_type}");
        let page = response.body().await;
        assert!(
            page.contains("must be sent as a web form") || page.contains("could not be read"),
            "{content_type}"
        );
    }
    let response = c.post(app.url("/admin/add")).body(body).sent().await;
    assert_eq!(response.status(), 400, "no content type at all");
    assert_eq!(bikes(&app), before);
}

#[tokio::test]
async fn a_form_missing_a_field_is_a_400() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let fields: Vec<(String, String)> =
        with_token(&bike(maker_id(&app, "Honda"), "No Year"), &token)
            .into_iter()
            .filter(|(k, _)| k != "year")
            .collect();
    let response = post_form(&c, &app.url("/admin/add"), &fields).await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .body()
            .await
            .contains("The field “year” is missing.")
    );
    assert_eq!(bike_id(&app, "No Year"), 0);
}

#[tokio::test]
async fn an_oversized_ordinary_form_is_a_413() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let fields = with_token(
        &with(
            bike(maker_id(&app, "Honda"), "Huge"),
            "engine",
            &"e".repeat(70 * 1024),
        ),
        &token,
    );
    let before = bikes(&app);
    let response = post_form(&c, &app.url("/admin/add"), &fields).await;
    assert_eq!(response.status(), 413);
    assert!(response.body().await.contains("too large"));
    assert_eq!(bikes(&app), before);
}

#[tokio::test]
async fn deleting_asks_first_then_deletes_with_a_message() {
    let (app, c) = logged_in_app().await;
    let id = bike_id(&app, "Panigale V4");
    let list = page(&c, &app.url("/admin"), 200).await;
    assert!(
        list.contains(&format!(r#"href="/admin/delete/{id}""#)),
        "the list's Delete leads to the confirmation page"
    );

    let before = bikes(&app);
    let confirm = page(&c, &app.url(&format!("/admin/delete/{id}")), 200).await;
    assert!(confirm.contains("Delete Ducati Panigale V4 (2023) and its photo?"));
    assert!(confirm.contains(&format!(r#"action="/admin/delete/{id}""#)));
    assert_eq!(bikes(&app), before, "showing the question deletes nothing");

    let token = csrf_token_of(&confirm);
    let response = post_form(
        &c,
        &app.url(&format!("/admin/delete/{id}")),
        &[("csrf_token".into(), token.clone())],
    )
    .await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Deleted Ducati Panigale V4.")
    );
    assert_eq!(bikes(&app), before - 1);
    assert_eq!(bike_id(&app, "Panigale V4"), 0);
    let again = post_form(
        &c,
        &app.url(&format!("/admin/delete/{id}")),
        &[("csrf_token".into(), token)],
    )
    .await;
    assert_eq!(again.status(), 404, "deleting twice");
}

#[tokio::test]
async fn the_admin_list_searches_and_pages_through_many_bikes() {
    let (app, c) = logged_in_app().await;
    let honda = maker_id(&app, "Honda");
    app.state
        .db
        .write_now(|tx| {
            for n in 0..120 {
                tx.execute("INSERT INTO bikes (maker_id, model, year, engine) VALUES (?1, ?2, 2020, '125cc')", rusqlite::params![honda, format!("Scooter {n:03}")])?;
            }
            Ok(())
        })
        .unwrap();
    let first = page(&c, &app.url("/admin"), 200).await;
    assert!(first.contains("133 bikes · page 1 of 3"));
    assert_eq!(first.matches(r#"class="thumb""#).count(), 50);
    assert!(first.contains(r#"href="/admin?page=2""#));
    let found = page(&c, &app.url("/admin?search=scooter+11"), 200).await;
    assert!(
        found.contains("10 bikes")
            && found.contains("Scooter 119")
            && !found.contains("Scooter 120")
    );
    assert!(
        page(&c, &app.url("/admin?search=scooter&page=3"), 200)
            .await
            .contains("page 3 of 3")
    );
    let none = page(&c, &app.url("/admin?search=zzzz"), 200).await;
    assert!(none.contains("No bikes match “zzzz”."));
}

#[tokio::test]
async fn without_makers_the_add_form_asks_for_a_new_maker_beside_the_empty_list() {
    let app = spawn_app_with(|c| c.sample_data = false).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    login(&app, &c, ADMIN, PASSWORD).await;
    let body = page(&c, &app.url("/admin/add"), 200).await;
    assert!(body.contains(r#"name="new_maker""#));
    let fields = with_token(
        &with(bike(1, "Orphan"), "maker_id", ""),
        &admin_token(&app, &c).await,
    );
    let response = post_form(&c, &app.url("/admin/add"), &fields).await;
    assert_eq!(response.status(), 422);
    assert!(
        error_beside(&response.body().await, "maker_id")
            .unwrap()
            .contains("or type a new one")
    );
    assert_eq!(bikes(&app), 0);
}

const SCRIPT: &str = "<script>alert(1)</script>";
const SVG: &str = "\"><svg onload=alert(1)>";

#[tokio::test]
async fn stored_markup_is_shown_as_text_on_every_page() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let response = post_form(
        &c,
        &app.url("/admin/makers/add"),
        &[
            ("csrf_token".into(), token.clone()),
            ("name".into(), format!("{SVG}{SCRIPT}")),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let maker = app.count("SELECT max(maker_id) FROM makers");
    let fields = with(
        bike(maker, &format!("{SCRIPT}{SVG}")),
        "engine",
        &format!("{SVG}{SCRIPT}"),
    );
    assert_eq!(
        post_form(&c, &app.url("/admin/add"), &with_token(&fields, &token))
            .await
            .status(),
        303
    );
    let id = app.count("SELECT max(bike_id) FROM bikes");

    for path in [
        "/".to_string(),
        format!("/?maker_id={maker}"),
        format!("/bikes/{id}"),
        "/admin".into(),
        "/admin?search=script".into(),
        "/admin/makers".into(),
        format!("/admin/edit/{id}"),
        format!("/admin/delete/{id}"),
        format!("/admin/makers/edit/{maker}"),
        format!("/admin/makers/delete/{maker}"),
        "/admin/add".into(),
    ] {
        let body = page(&c, &app.url(&path), 200).await;
        assert!(!body.contains("<script>alert"), "{path}");
        assert!(!body.contains("<svg onload"), "{path}");
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                || body.contains("&lt;svg onload=alert(1)&gt;"),
            "{path}: shown as text"
        );
    }
    assert_eq!(
        post_form(
            &c,
            &app.url("/admin/add"),
            &with_token(&with(fields, "year", "abc"), &token)
        )
        .await
        .status(),
        422
    );
}

/// The number of bikes and the model of bike `id`: what a refused write
/// leaves as it was.
fn bikes_and_model(app: &TestApp, id: i64) -> (i64, String) {
    let model = text(
        app,
        &format!("SELECT model FROM bikes WHERE bike_id = {id}"),
    );
    (bikes(app), model)
}

/// Every admin form route of this file, with a body that would be accepted.
fn bike_posts(app: &TestApp, id: i64) -> Vec<(String, Vec<(String, String)>)> {
    let fields = bike(maker_id(app, "Honda"), "Sneaky");
    vec![
        ("/admin/add".into(), fields.clone()),
        (format!("/admin/edit/{id}"), fields),
        (format!("/admin/delete/{id}"), Vec::new()),
    ]
}

#[tokio::test]
async fn without_a_session_every_bike_route_redirects_to_login_and_writes_nothing() {
    let app = app_with_admin().await;
    let c = client();
    let id = bike_id(&app, "Monster");
    for path in [
        "/admin".to_string(),
        "/admin/add".into(),
        format!("/admin/edit/{id}"),
        format!("/admin/delete/{id}"),
        "/admin/backup".into(),
    ] {
        let response = c.get(app.url(&path)).sent().await;
        assert_eq!(response.status(), 303, "GET {path}");
        let expected = format!("/admin/login?next={}", path.replace('/', "%2F"));
        assert_eq!(
            response.headers()["location"],
            expected.as_str(),
            "GET {path}"
        );
    }
    let before = bikes_and_model(&app, id);
    for (path, fields) in bike_posts(&app, id) {
        for token in [None, Some("forged")] {
            let fields = with_token_if(&fields, token);
            for response in [
                post_form(&c, &app.url(&path), &fields).await,
                post_multipart(&c, &app.url(&path), &fields, Some(png_upload(8, 8))).await,
                c.post(app.url(&path))
                    .header("content-type", "text/plain")
                    .body("junk")
                    .sent()
                    .await,
            ] {
                assert_eq!(response.status(), 303, "POST {path}");
                assert_eq!(
                    response.headers()["location"],
                    "/admin/login",
                    "POST {path}"
                );
            }
        }
    }
    assert_eq!(bikes_and_model(&app, id), before);
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn a_missing_or_wrong_csrf_token_is_403_and_writes_nothing() {
    let (app, c) = logged_in_app().await;
    let id = bike_id(&app, "Monster");
    let before = bikes_and_model(&app, id);
    for (path, fields) in bike_posts(&app, id) {
        for token in [None, Some(""), Some("0123456789abcdef")] {
            let fields = with_token_if(&fields, token);
            let mut responses = vec![post_form(&c, &app.url(&path), &fields).await];
            if !path.contains("delete") {
                responses.push(
                    post_multipart(&c, &app.url(&path), &fields, Some(png_upload(8, 8))).await,
                );
            }
            for response in responses {
                assert_eq!(response.status(), 403, "POST {path} token {token:?}");
                assert!(response.body().await.contains("Request refused"));
            }
        }
    }
    assert_eq!(bikes_and_model(&app, id), before);
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn a_form_sent_from_another_site_is_403_and_writes_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let id = bike_id(&app, "Monster");
    let before = bikes(&app);
    for (path, fields) in bike_posts(&app, id) {
        for origin in ["http://evil.example", "null"] {
            let response = c
                .post(app.url(&path))
                .header("origin", origin)
                .form(&with_token(&fields, &token))
                .sent()
                .await;
            assert_eq!(response.status(), 403, "{path} from {origin}");
        }
    }
    assert_eq!(bikes(&app), before);
    assert_eq!(
        text(
            &app,
            &format!("SELECT model FROM bikes WHERE bike_id = {id}")
        ),
        "Monster"
    );
}

#[tokio::test]
async fn eight_admins_adding_fifty_bikes_each_at_once_lose_nothing() {
    let app = app_with_admin().await;
    let honda = maker_id(&app, "Honda");
    let mut clients = Vec::new();
    for _ in 0..8 {
        let c = client();
        assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
        let token = admin_token(&app, &c).await;
        clients.push((c, token));
    }
    let before = bikes(&app);
    let url = app.url("/admin/add");
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, (c, token))| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for i in 0..50 {
                    let model = format!("Load {n}-{i}");
                    let fields = with_token(&bike(honda, &model), &token);
                    let response = if i % 2 == 0 {
                        post_form(&c, &url, &fields).await
                    } else {
                        post_multipart(&c, &url, &fields, None).await
                    };
                    let status = response.status().as_u16();
                    assert!(status < 500, "{model}: {status}");
                    if status == 303 {
                        acknowledged.push(model);
                    }
                }
                acknowledged
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.expect("client task"));
    }
    assert_eq!(acknowledged.len(), 400, "every write was acknowledged");
    assert_eq!(bikes(&app), before + 400);
    for model in &acknowledged {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM bikes WHERE model = '{model}'"
            )),
            1,
            "{model}"
        );
    }
}
