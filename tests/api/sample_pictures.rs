//! The sample catalogue's pictures (SPEC §13): every sample bike has an
//! embedded drawing, stored and served like an uploaded photo (same URLs,
//! thumbnails, caching), sent so that nothing in it can run, and replaced
//! or removed like any photo.

use crate::helpers::catalogue::*;
use crate::helpers::*;

fn sample_bike_fields(app: &TestApp, model: &str) -> Vec<(String, String)> {
    let id = bike_id(app, model);
    let maker = app.count(&format!("SELECT maker_id FROM bikes WHERE bike_id = {id}"));
    let url = text(
        app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {id}"),
    );
    let year = app.count(&format!("SELECT year FROM bikes WHERE bike_id = {id}"));
    let engine = text(
        app,
        &format!("SELECT engine FROM bikes WHERE bike_id = {id}"),
    );
    let fields = with(bike(maker, model), "image_url", &url);
    with(with(fields, "year", &year.to_string()), "engine", &engine)
}

#[tokio::test]
async fn every_sample_bike_has_a_drawing_served_like_a_photo_that_runs_nothing() {
    let app = spawn_app().await;
    let c = client();
    let bikes = bikes(&app);
    assert!(bikes >= 10, "the sample catalogue");
    assert_eq!(
        app.count("SELECT count(*) FROM bikes b JOIN images i ON b.image_url = '/images/' || i.image_id AND i.bike_id = b.bike_id"),
        bikes,
        "every sample bike shows its own stored picture"
    );
    let urls: Vec<String> = {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        let mut rows = conn.prepare("SELECT image_url FROM bikes").unwrap();
        rows.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for url in &urls {
        for path in [url.clone(), format!("{url}/small")] {
            let response = c.get(app.url(&path)).sent().await;
            assert_eq!(response.status(), 200, "{path}");
            let headers = response.headers().clone();
            assert_eq!(headers["content-type"], "image/svg+xml", "{path}");
            assert_eq!(headers["x-content-type-options"], "nosniff");
            let policy = headers["content-security-policy"].to_str().unwrap();
            assert!(
                policy.contains("default-src 'none'") && policy.contains("sandbox"),
                "{policy}"
            );
            assert_eq!(
                headers["cache-control"],
                "public, max-age=31536000, immutable"
            );
            let body = response.body().await;
            assert!(
                body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
                "{path}"
            );
            assert!(!body.to_lowercase().contains("<script"));
        }
    }
    let home = page(&c, &app.url("/"), 200).await;
    assert!(
        !home.contains("placeholder.svg"),
        "no bike on the first page lacks a picture"
    );
    assert!(
        home.contains(&format!("src=\"{}/small\"", urls[0])),
        "cards show thumbnails"
    );
    let ducati = text(
        &app,
        "SELECT CAST(i.data AS TEXT) FROM images i JOIN bikes b USING (bike_id) WHERE b.model = 'Panigale V4'",
    );
    let zero = text(
        &app,
        "SELECT CAST(i.data AS TEXT) FROM images i JOIN bikes b USING (bike_id) WHERE b.model = 'SR/F'",
    );
    assert!(
        ducati.contains("#c8102e") && !zero.contains("#c8102e"),
        "a colour per maker"
    );
}

#[tokio::test]
async fn a_new_database_without_sample_data_has_no_pictures() {
    let app = spawn_app_with(|config| config.sample_data = false).await;
    assert_eq!(images(&app), 0);
    assert_eq!(bikes(&app), 0);
}

#[tokio::test]
async fn a_sample_picture_is_replaced_by_an_upload_and_removed_like_any_photo() {
    let (app, c) = logged_in_app().await;
    let bike = bike_id(&app, "Monster");
    let drawing = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {bike}"),
    );
    let token = admin_token(&app, &c).await;
    let fields = with_token(&sample_bike_fields(&app, "Monster"), &token);
    let replaced = post_multipart(
        &c,
        &app.url(&format!("/admin/edit/{bike}")),
        &fields,
        Some(png_upload(40, 30)),
    )
    .await;
    assert_eq!(replaced.status(), 303);
    let photo = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {bike}"),
    );
    assert_ne!(photo, drawing);
    let served = c.get(app.url(&photo)).sent().await;
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(
        c.get(app.url(&drawing)).status().await,
        404,
        "the drawing left the live table"
    );

    let fields = with_token(
        &with(sample_bike_fields(&app, "Monster"), "image_url", ""),
        &token,
    );
    let removed = post_multipart(&c, &app.url(&format!("/admin/edit/{bike}")), &fields, None).await;
    assert_eq!(removed.status(), 303);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM images WHERE bike_id = {bike}"
        )),
        0
    );
    let page_of_bike = page(&c, &app.url(&format!("/bikes/{bike}")), 200).await;
    assert!(page_of_bike.contains("placeholder.svg"));
}
