//! `/admin/makers` (SPEC §4, §5, issue 4): listing with bike counts, adding,
//! renaming and deleting makers; names unique ignoring case.

use crate::helpers::catalogue::*;
use crate::helpers::*;

async fn add_maker(
    app: &TestApp,
    c: &reqwest::Client,
    token: &str,
    name: &str,
) -> reqwest::Response {
    post_form(
        c,
        &app.url("/admin/makers/add"),
        &[
            ("csrf_token".into(), token.into()),
            ("name".into(), name.into()),
        ],
    )
    .await
}

#[tokio::test]
async fn the_makers_page_lists_every_maker_with_its_bike_count() {
    let (app, c) = logged_in_app().await;
    let body = page(&c, &app.url("/admin/makers"), 200).await;
    for (name, count) in [
        ("Ducati", "2 bikes"),
        ("Zero", "1 bike"),
        ("BMW", "2 bikes"),
    ] {
        let row = &body[body
            .find(&format!("<td>{name}</td>"))
            .unwrap_or_else(|| panic!("{name}"))..];
        assert!(
            row[..row.find("</tr>").unwrap()].contains(count),
            "{name}: {count}"
        );
    }
    assert!(body.contains(r#"action="/admin/makers/add""#) && body.contains(r#"name="name""#));
}

#[tokio::test]
async fn adding_a_maker_redirects_with_a_message_and_offers_it_for_bikes() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let response = add_maker(&app, &c, &token, "  Moto Guzzi ").await;
    assert_eq!(response.headers()["location"], "/admin/makers");
    let list = follow(&app, &c, response).await;
    assert!(list.contains("Added maker Moto Guzzi."));
    let id = maker_id(&app, "Moto Guzzi");
    assert!(id > 0, "stored trimmed");
    assert!(
        page(&c, &app.url("/admin/add"), 200)
            .await
            .contains(&format!(r#"<option value="{id}">Moto Guzzi</option>"#))
    );
    let row = &list[list.find("<td>Moto Guzzi</td>").unwrap()..];
    assert!(
        row[..row.find("</tr>").unwrap()].contains("none"),
        "no bikes yet"
    );
}

#[tokio::test]
async fn maker_names_are_unique_ignoring_case() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    assert_eq!(add_maker(&app, &c, &token, "Škoda").await.status(), 303);
    let before = makers(&app);
    for (name, existing) in [
        ("ducati", "Ducati"),
        ("DUCATI", "Ducati"),
        (" Ducati ", "Ducati"),
        ("ŠKODA", "Škoda"),
        ("bmw", "BMW"),
    ] {
        let response = add_maker(&app, &c, &token, name).await;
        assert_eq!(response.status(), 422, "{name}");
        let body = response.body().await;
        assert_eq!(
            error_beside(&body, "name").as_deref(),
            Some(format!("There is already a maker called “{existing}”.").as_str()),
            "{name}"
        );
        assert_eq!(
            field_value(&body, "name").as_deref(),
            Some(name),
            "keeps what was typed"
        );
    }
    assert_eq!(makers(&app), before);
}

#[tokio::test]
async fn maker_names_must_have_1_to_60_characters() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = makers(&app);
    for (name, message) in [
        ("", "Enter the maker name."),
        ("   ", "Enter the maker name."),
        (&"m".repeat(61)[..], "at most 60 characters"),
    ] {
        let response = add_maker(&app, &c, &token, name).await;
        assert_eq!(response.status(), 422, "{name:?}");
        let body = response.body().await;
        assert!(
            error_beside(&body, "name").unwrap().contains(message),
            "{name:?}"
        );
    }
    assert_eq!(
        add_maker(&app, &c, &token, &"m".repeat(60)).await.status(),
        303
    );
    assert_eq!(makers(&app), before + 1);
}

#[tokio::test]
async fn bad_maker_requests_are_a_4xx_and_write_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = makers(&app);
    let url = app.url("/admin/makers/add");
    let duplicate = format!("csrf_token={token}&name=One&name=Two");
    let nul = format!("csrf_token={token}&name=A%00B");
    let bad_utf8 = format!("csrf_token={token}&name=%FF");
    for body in [duplicate, nul, bad_utf8] {
        let response = post_raw_form(&c, &url, body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
    }
    let plain = c
        .post(&url)
        .header("content-type", "text/plain")
        .body(format!("csrf_token={token}&name=Plain"))
        .sent()
        .await;
    assert_eq!(plain.status(), 400);
    let missing = post_form(&c, &url, &[("csrf_token".into(), token.clone())]).await;
    assert_eq!(missing.status(), 400);
    assert_eq!(makers(&app), before);
}

#[tokio::test]
async fn renaming_a_maker_renames_it_on_every_bike() {
    let (app, c) = logged_in_app().await;
    let id = maker_id(&app, "Triumph");
    let form = page(&c, &app.url(&format!("/admin/makers/edit/{id}")), 200).await;
    assert_eq!(field_value(&form, "name").as_deref(), Some("Triumph"));
    let token = csrf_token_of(&form);
    let url = app.url(&format!("/admin/makers/edit/{id}"));
    let response = post_form(
        &c,
        &url,
        &[
            ("csrf_token".into(), token.clone()),
            ("name".into(), "Triumph Motorcycles".into()),
        ],
    )
    .await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Renamed Triumph to Triumph Motorcycles.")
    );
    assert!(
        page(&c, &app.url("/"), 200)
            .await
            .contains("Triumph Motorcycles")
    );
    let response = post_form(
        &c,
        &url,
        &[
            ("csrf_token".into(), token),
            ("name".into(), "TRIUMPH MOTORCYCLES".into()),
        ],
    )
    .await;
    assert_eq!(
        response.status(),
        303,
        "changing only the capitals of its own name is allowed"
    );
    assert_eq!(maker_id(&app, "TRIUMPH MOTORCYCLES"), id);
}

#[tokio::test]
async fn renaming_to_another_makers_name_or_to_nothing_is_refused() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let id = maker_id(&app, "Triumph");
    for (name, message) in [
        ("honda", "There is already a maker called “Honda”."),
        ("  ", "Enter the maker name."),
    ] {
        let response = post_form(
            &c,
            &app.url(&format!("/admin/makers/edit/{id}")),
            &[
                ("csrf_token".into(), token.clone()),
                ("name".into(), name.into()),
            ],
        )
        .await;
        assert_eq!(response.status(), 422);
        let body = response.body().await;
        assert_eq!(error_beside(&body, "name").as_deref(), Some(message));
        assert!(body.contains("Rename Triumph"));
    }
    assert_eq!(
        text(
            &app,
            &format!("SELECT name FROM makers WHERE maker_id = {id}")
        ),
        "Triumph"
    );
}

#[tokio::test]
async fn a_maker_in_use_cannot_be_deleted_and_the_page_says_how_many_bikes_use_it() {
    let (app, c) = logged_in_app().await;
    let id = maker_id(&app, "Ducati");
    let confirm = page(&c, &app.url(&format!("/admin/makers/delete/{id}")), 200).await;
    assert!(confirm.contains("Ducati cannot be deleted"));
    assert!(confirm.contains("2 bikes still use Ducati."));
    assert!(
        !confirm.contains(r#"action="/admin/makers/delete/"#),
        "no delete button"
    );

    let token = csrf_token_of(&page(&c, &app.url("/admin/makers"), 200).await);
    let before = makers(&app);
    let response = post_form(
        &c,
        &app.url(&format!("/admin/makers/delete/{id}")),
        &[("csrf_token".into(), token)],
    )
    .await;
    assert_eq!(response.status(), 409);
    assert!(response.body().await.contains("2 bikes still use Ducati."));
    assert_eq!(makers(&app), before);

    let zero = maker_id(&app, "Zero");
    let one = page(&c, &app.url(&format!("/admin/makers/delete/{zero}")), 200).await;
    assert!(one.contains("1 bike still uses Zero."));
}

#[tokio::test]
async fn an_unused_maker_is_deleted_after_confirmation() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    add_maker(&app, &c, &token, "Norton").await;
    let id = maker_id(&app, "Norton");
    let before = makers(&app);
    let confirm = page(&c, &app.url(&format!("/admin/makers/delete/{id}")), 200).await;
    assert!(confirm.contains("Delete the maker Norton?"));
    assert_eq!(makers(&app), before, "asking deletes nothing");
    let response = post_form(
        &c,
        &app.url(&format!("/admin/makers/delete/{id}")),
        &[("csrf_token".into(), csrf_token_of(&confirm))],
    )
    .await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Deleted maker Norton.")
    );
    assert_eq!(makers(&app), before - 1);
}

#[tokio::test]
async fn unknown_maker_ids_are_404_and_write_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = makers(&app);
    for id in ["99999", "0", "abc", "-3"] {
        for path in [
            format!("/admin/makers/edit/{id}"),
            format!("/admin/makers/delete/{id}"),
        ] {
            assert_eq!(c.get(app.url(&path)).status().await, 404, "GET {path}");
            let response = post_form(
                &c,
                &app.url(&path),
                &[
                    ("csrf_token".into(), token.clone()),
                    ("name".into(), "Ghost".into()),
                ],
            )
            .await;
            assert_eq!(response.status(), 404, "POST {path}");
        }
    }
    assert_eq!(makers(&app), before);
}

#[tokio::test]
async fn admins_adding_the_same_maker_at_once_create_it_once() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let attempts: Vec<_> = [
        "Aprilia", "APRILIA", "aprilia", "Aprilia", "ApRiLiA", "Aprilia", "aprilia", "APRILIA",
    ]
    .into_iter()
    .map(|name| {
        let (c, url, token) = (c.clone(), app.url("/admin/makers/add"), token.clone());
        tokio::spawn(async move {
            post_form(
                &c,
                &url,
                &[("csrf_token".into(), token), ("name".into(), name.into())],
            )
            .await
            .status()
            .as_u16()
        })
    })
    .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [303, 422, 422, 422, 422, 422, 422, 422]);
    assert_eq!(
        app.count("SELECT count(*) FROM makers WHERE lower(name) = 'aprilia'"),
        1
    );
}

#[tokio::test]
async fn without_a_session_every_maker_route_redirects_to_login_and_writes_nothing() {
    let app = app_with_admin().await;
    let c = client();
    let id = maker_id(&app, "Honda");
    for path in [
        "/admin/makers".to_string(),
        format!("/admin/makers/edit/{id}"),
        format!("/admin/makers/delete/{id}"),
    ] {
        let response = c.get(app.url(&path)).sent().await;
        assert_eq!(response.status(), 303, "GET {path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/admin/login?next=%2Fadmin%2Fmakers")
        );
    }
    let before = makers(&app);
    for path in [
        "/admin/makers/add".to_string(),
        format!("/admin/makers/edit/{id}"),
        format!("/admin/makers/delete/{id}"),
    ] {
        for fields in [
            vec![("name".to_string(), "Sneaky".to_string())],
            vec![
                ("name".into(), "Sneaky".into()),
                ("csrf_token".into(), "forged".into()),
            ],
        ] {
            let response = post_form(&c, &app.url(&path), &fields).await;
            assert_eq!(response.status(), 303, "POST {path}");
            assert_eq!(response.headers()["location"], "/admin/login");
        }
    }
    assert_eq!(makers(&app), before);
    assert_eq!(
        text(
            &app,
            &format!("SELECT name FROM makers WHERE maker_id = {id}")
        ),
        "Honda"
    );
}

#[tokio::test]
async fn a_missing_or_wrong_csrf_token_on_maker_forms_is_403_and_writes_nothing() {
    let (app, c) = logged_in_app().await;
    let norton = {
        let token = admin_token(&app, &c).await;
        add_maker(&app, &c, &token, "Norton").await;
        maker_id(&app, "Norton")
    };
    let before = makers(&app);
    for path in [
        "/admin/makers/add".to_string(),
        format!("/admin/makers/edit/{norton}"),
        format!("/admin/makers/delete/{norton}"),
    ] {
        for token in [None, Some("wrong")] {
            let fields = with_token_if(&[("name".into(), "Sneaky".into())], token);
            let response = post_form(&c, &app.url(&path), &fields).await;
            assert_eq!(response.status(), 403, "{path} {token:?}");
        }
        let token = admin_token(&app, &c).await;
        let cross_site = c
            .post(app.url(&path))
            .header("origin", "http://evil.example")
            .form(&[("csrf_token", token.as_str()), ("name", "Sneaky")])
            .sent()
            .await;
        assert_eq!(cross_site.status(), 403, "{path} from another site");
    }
    assert_eq!(makers(&app), before);
    assert_eq!(
        text(
            &app,
            &format!("SELECT name FROM makers WHERE maker_id = {norton}")
        ),
        "Norton"
    );
}
