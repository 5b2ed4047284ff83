//! Bike photos (SPEC §4, issue 4): uploads checked by content, stored in the
//! database without metadata, served at /images/<id>; replacing or removing
//! a photo leaves no orphan rows.

use crate::helpers::catalogue::*;
use crate::helpers::*;

/// Adds a bike with an uploaded photo and returns (bike id, image id).
async fn add_with_photo(
    app: &TestApp,
    c: &reqwest::Client,
    model: &str,
    photo: Upload,
) -> (i64, i64) {
    let token = admin_token(app, c).await;
    let fields = with_token(&bike(maker_id(app, "Ducati"), model), &token);
    let response = post_multipart(c, &app.url("/admin/add"), &fields, Some(photo)).await;
    assert!(
        follow(app, c, response)
            .await
            .contains(&format!("Added Ducati {model}."))
    );
    let bike = bike_id(app, model);
    let image = app.count(&format!(
        "SELECT image_id FROM images WHERE bike_id = {bike}"
    ));
    (bike, image)
}

/// The stored photo, as served at `/images/<id>`.
async fn photo_bytes(app: &TestApp, c: &reqwest::Client, image: i64) -> Vec<u8> {
    let response = c.get(app.url(&format!("/images/{image}"))).sent().await;
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_uploaded_photo_is_served_with_its_type_nosniff_and_long_caching() {
    let (app, c) = logged_in_app().await;
    let (bike, image) = add_with_photo(&app, &c, "Hypermotard", png_upload(120, 90)).await;
    assert_eq!(
        text(
            &app,
            &format!("SELECT image_url FROM bikes WHERE bike_id = {bike}")
        ),
        format!("/images/{image}")
    );

    let response = c.get(app.url(&format!("/images/{image}"))).sent().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let served = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((served.width(), served.height()), (120, 90));

    let img = format!(r#"src="/images/{image}" alt="The Ducati Hypermotard""#);
    assert!(
        page(&c, &app.url(&format!("/bikes/{bike}")), 200)
            .await
            .contains(&img)
    );
    // Lists show the thumbnail.
    let small = format!(r#"src="/images/{image}/small" alt="The Ducati Hypermotard""#);
    assert!(
        page(&c, &app.url("/?search=hypermotard"), 200)
            .await
            .contains(&small)
    );
    assert!(
        page(&c, &app.url("/admin?search=hypermotard"), 200)
            .await
            .contains(&small)
    );
    assert_eq!(c.get(app.url("/images/99999")).status().await, 404);
}

#[tokio::test]
async fn a_phone_photo_loses_its_exif_and_gps_and_stands_the_right_way_up() {
    let (app, c) = logged_in_app().await;
    let upload = phone_jpeg(64, 32);
    assert!(contains(&upload.bytes, b"Exif") && contains(&upload.bytes, b"GPSLatitude"));
    let (_, image) = add_with_photo(&app, &c, "Multistrada", upload).await;
    let response = c.get(app.url(&format!("/images/{image}"))).sent().await;
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let bytes = response.bytes().await.unwrap();
    assert!(!contains(&bytes, b"Exif"), "no EXIF block");
    assert!(!contains(&bytes, b"GPS"), "no position");
    let served = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (served.width(), served.height()),
        (32, 64),
        "turned as the EXIF said"
    );
}

#[tokio::test]
async fn large_photos_are_stored_scaled_to_fit_1600_pixels() {
    let (app, c) = logged_in_app().await;
    let (_, image) = add_with_photo(&app, &c, "Streetfighter", png_upload(3200, 1000)).await;
    let bytes = photo_bytes(&app, &c, image).await;
    let served = image::load_from_memory(&bytes).unwrap();
    assert_eq!((served.width(), served.height()), (1600, 500));
}

#[tokio::test]
async fn lists_get_a_thumbnail_that_fits_640_pixels_in_the_same_format() {
    let (app, c) = logged_in_app().await;
    let (_, image) = add_with_photo(&app, &c, "Multistrada", png_upload(3200, 1000)).await;
    let full = photo_bytes(&app, &c, image).await;
    let response = c
        .get(app.url(&format!("/images/{image}/small")))
        .sent()
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let small = response.bytes().await.unwrap();
    let thumbnail = image::load_from_memory(&small).unwrap();
    assert_eq!((thumbnail.width(), thumbnail.height()), (640, 200));
    assert!(
        small.len() * 4 < full.len(),
        "{} bytes against {}",
        small.len(),
        full.len()
    );
    assert_eq!(c.get(app.url("/images/99999/small")).status().await, 404);
}

#[tokio::test]
async fn a_photo_stored_before_thumbnails_existed_is_its_own_thumbnail() {
    let (app, c) = logged_in_app().await;
    let (_, image) = add_with_photo(&app, &c, "Scrambler", png_upload(120, 90)).await;
    rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .execute(
            "UPDATE images SET thumbnail = NULL WHERE image_id = ?1",
            [image],
        )
        .unwrap();
    let response = c
        .get(app.url(&format!("/images/{image}/small")))
        .sent()
        .await;
    assert_eq!(response.status(), 200);
    let served = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((served.width(), served.height()), (120, 90));
}

#[tokio::test]
async fn a_text_file_renamed_png_is_refused_beside_the_photo_field() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = (bikes(&app), images(&app));
    let fake = Upload {
        file_name: "bike.png",
        content_type: "image/png",
        bytes: b"This is my homework, not a photo.\n".to_vec(),
    };
    let fields = with_token(&bike(maker_id(&app, "Honda"), "Fake Photo"), &token);
    let response = post_multipart(&c, &app.url("/admin/add"), &fields, Some(fake)).await;
    assert_eq!(response.status(), 422);
    let body = response.body().await;
    assert!(
        error_beside(&body, "image")
            .unwrap()
            .contains("not a JPEG, PNG, GIF or WebP image")
    );
    assert_eq!(
        field_value(&body, "model").as_deref(),
        Some("Fake Photo"),
        "typed values kept"
    );
    assert_eq!((bikes(&app), images(&app)), before);
}

#[tokio::test]
async fn an_svg_or_a_damaged_image_is_refused_with_a_message() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let mut truncated = png_upload(50, 50);
    truncated.bytes.truncate(60);
    let svg = Upload {
        file_name: "x.svg",
        content_type: "image/svg+xml",
        bytes: b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
    };
    for (upload, message) in [
        (svg, "not a JPEG, PNG, GIF or WebP"),
        (truncated, "could not be read"),
    ] {
        let fields = with_token(&bike(maker_id(&app, "Honda"), "Broken"), &token);
        let response = post_multipart(&c, &app.url("/admin/add"), &fields, Some(upload)).await;
        assert_eq!(response.status(), 422);
        assert!(
            error_beside(&response.body().await, "image")
                .unwrap()
                .contains(message)
        );
    }
    assert_eq!(bike_id(&app, "Broken"), 0);
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_without_eating_memory() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    // A 1×1 PNG whose header claims 50000 × 50000 pixels (10 GB decoded).
    let mut png = png_upload(1, 1);
    png.bytes[16..24].copy_from_slice(&[0, 0, 0xC3, 0x50, 0, 0, 0xC3, 0x50]);
    let crc = crc32fast::hash(&png.bytes[12..29]);
    png.bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    let fields = with_token(&bike(maker_id(&app, "Honda"), "Bomb"), &token);
    let response = post_multipart(&c, &app.url("/admin/add"), &fields, Some(png)).await;
    assert_eq!(response.status(), 422);
    assert!(
        error_beside(&response.body().await, "image")
            .unwrap()
            .contains("50000 × 50000 pixels")
    );
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn a_7_mb_upload_is_a_413_and_writes_nothing() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let before = (bikes(&app), images(&app));
    let mut huge = png_upload(10, 10);
    huge.bytes.resize(7 * 1024 * 1024, 0);
    let fields = with_token(&bike(maker_id(&app, "Honda"), "Too Big"), &token);
    let response = post_multipart(&c, &app.url("/admin/add"), &fields, Some(huge)).await;
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert!(response.body().await.contains("Photos can be at most 5 MB"));
    assert_eq!((bikes(&app), images(&app)), before);
    assert_eq!(
        c.get(app.url("/healthz")).status().await,
        200,
        "still serving"
    );
}

#[tokio::test]
async fn a_photo_just_over_5_mb_is_refused_beside_the_photo_field() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let mut big = png_upload(10, 10);
    big.bytes.resize(5 * 1024 * 1024 + 300 * 1024, 0);
    let fields = with_token(&bike(maker_id(&app, "Honda"), "Slightly Big"), &token);
    let response = post_multipart(&c, &app.url("/admin/add"), &fields, Some(big)).await;
    assert_eq!(response.status(), 422);
    let message = error_beside(&response.body().await, "image").unwrap();
    assert!(
        message.contains("5.3 MB; the largest allowed is 5 MB"),
        "{message}"
    );
    assert_eq!(bike_id(&app, "Slightly Big"), 0);
}

#[tokio::test]
async fn a_rejected_form_stores_no_photo_yet_and_says_it_is_kept_for_the_next_try() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let fields = with_token(
        &with(bike(maker_id(&app, "Honda"), "Nearly"), "year", "1884"),
        &token,
    );
    let response = post_multipart(
        &c,
        &app.url("/admin/add"),
        &fields,
        Some(png_upload(30, 30)),
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.body().await;
    assert!(error_beside(&body, "year").is_some());
    assert!(error_beside(&body, "image").is_none());
    assert!(body.contains("Kept from your last try: <strong>bike.png</strong>"));
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn replacing_a_photo_deletes_the_old_one() {
    let (app, c) = logged_in_app().await;
    let (bike, old) = add_with_photo(&app, &c, "Scrambler", png_upload(40, 30)).await;
    let edit = page(&c, &app.url(&format!("/admin/edit/{bike}")), 200).await;
    assert_eq!(
        field_value(&edit, "image_url"),
        Some(format!("/images/{old}"))
    );
    assert!(edit.contains("Current photo"));

    let fields = with_token(
        &with(
            bike_fields(&app, "Scrambler"),
            "image_url",
            &format!("/images/{old}"),
        ),
        &csrf_token_of(&edit),
    );
    let response = post_multipart(
        &c,
        &app.url(&format!("/admin/edit/{bike}")),
        &fields,
        Some(phone_jpeg(20, 10)),
    )
    .await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Saved Ducati Scrambler.")
    );
    let new = app.count(&format!(
        "SELECT image_id FROM images WHERE bike_id = {bike}"
    ));
    assert_ne!(
        new, old,
        "a new address, so no browser shows the cached old photo"
    );
    assert_eq!(images(&app), 1);
    assert_eq!(
        text(
            &app,
            &format!("SELECT image_url FROM bikes WHERE bike_id = {bike}")
        ),
        format!("/images/{new}")
    );
    assert_eq!(
        c.get(app.url(&format!("/images/{old}"))).status().await,
        404
    );
    assert_eq!(
        c.get(app.url(&format!("/images/{new}")))
            .sent()
            .await
            .headers()["content-type"],
        "image/jpeg"
    );
}

/// The stored bike's fields as the edit form would send them back.
fn bike_fields(app: &TestApp, model: &str) -> Vec<(String, String)> {
    let id = bike_id(app, model);
    let maker = app.count(&format!("SELECT maker_id FROM bikes WHERE bike_id = {id}"));
    let url = text(
        app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {id}"),
    );
    with(bike(maker, model), "image_url", &url)
}

#[tokio::test]
async fn saving_without_a_new_file_keeps_the_photo() {
    let (app, c) = logged_in_app().await;
    let (bike, image) = add_with_photo(&app, &c, "Diavel", png_upload(20, 20)).await;
    let token = admin_token(&app, &c).await;
    let fields = with_token(
        &with(bike_fields(&app, "Diavel"), "engine", "1262cc"),
        &token,
    );
    assert_eq!(
        post_multipart(&c, &app.url(&format!("/admin/edit/{bike}")), &fields, None)
            .await
            .status(),
        303
    );
    assert_eq!(
        app.count(&format!(
            "SELECT image_id FROM images WHERE bike_id = {bike}"
        )),
        image
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT image_url FROM bikes WHERE bike_id = {bike}")
        ),
        format!("/images/{image}")
    );
}

#[tokio::test]
async fn an_address_in_place_of_the_upload_removes_the_stored_photo() {
    let (app, c) = logged_in_app().await;
    let (bike, _) = add_with_photo(&app, &c, "SuperSport", png_upload(20, 20)).await;
    let token = admin_token(&app, &c).await;
    let web = "https://example.com/supersport.jpg";
    let fields = with_token(
        &with(bike_fields(&app, "SuperSport"), "image_url", web),
        &token,
    );
    assert_eq!(
        post_form(&c, &app.url(&format!("/admin/edit/{bike}")), &fields)
            .await
            .status(),
        303
    );
    assert_eq!(images(&app), 0, "no orphan photo");
    assert!(
        page(&c, &app.url(&format!("/bikes/{bike}")), 200)
            .await
            .contains(&format!(r#"src="{web}" alt="The Ducati SuperSport""#))
    );
}

#[tokio::test]
async fn emptying_the_address_removes_the_photo_and_shows_the_placeholder() {
    let (app, c) = logged_in_app().await;
    let (bike, _) = add_with_photo(&app, &c, "Paso", png_upload(20, 20)).await;
    let token = admin_token(&app, &c).await;
    let fields = with_token(&with(bike_fields(&app, "Paso"), "image_url", ""), &token);
    assert_eq!(
        post_multipart(&c, &app.url(&format!("/admin/edit/{bike}")), &fields, None)
            .await
            .status(),
        303
    );
    assert_eq!(images(&app), 0);
    let body = page(&c, &app.url(&format!("/bikes/{bike}")), 200).await;
    assert!(
        body.contains("placeholder.svg")
            && body.contains(r#"alt="No photo yet of the Ducati Paso""#)
    );
}

#[tokio::test]
async fn deleting_a_bike_deletes_its_photo() {
    let (app, c) = logged_in_app().await;
    let (bike, image) = add_with_photo(&app, &c, "Sport Classic", png_upload(20, 20)).await;
    let confirm = page(&c, &app.url(&format!("/admin/delete/{bike}")), 200).await;
    assert!(confirm.contains("Delete Ducati Sport Classic (2021) and its photo?"));
    let response = post_form(
        &c,
        &app.url(&format!("/admin/delete/{bike}")),
        &[("csrf_token".into(), csrf_token_of(&confirm))],
    )
    .await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Deleted Ducati Sport Classic.")
    );
    assert_eq!(images(&app), 0);
    assert_eq!(
        c.get(app.url(&format!("/images/{image}"))).status().await,
        404
    );
}

#[tokio::test]
async fn gif_and_webp_uploads_are_stored_as_png_and_jpeg() {
    let (app, c) = logged_in_app().await;
    let gif = Upload {
        file_name: "a.gif",
        content_type: "image/gif",
        bytes: encoded(&gradient(16, 16), image::ImageFormat::Gif),
    };
    let webp = Upload {
        file_name: "b.webp",
        content_type: "image/webp",
        bytes: encoded(&gradient(16, 16), image::ImageFormat::WebP),
    };
    let (_, gif_id) = add_with_photo(&app, &c, "Gif Bike", gif).await;
    let (_, webp_id) = add_with_photo(&app, &c, "Webp Bike", webp).await;
    assert_eq!(
        text(
            &app,
            &format!("SELECT content_type FROM images WHERE image_id = {gif_id}")
        ),
        "image/png"
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT content_type FROM images WHERE image_id = {webp_id}")
        ),
        "image/jpeg"
    );
}

#[tokio::test]
async fn a_stored_image_row_of_another_type_is_never_served_as_a_page() {
    let (app, c) = logged_in_app().await;
    let (bike, _) = add_with_photo(&app, &c, "Tampered", png_upload(8, 8)).await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute(
        "UPDATE images SET content_type = 'text/html', data = CAST('<script>alert(1)</script>' AS BLOB) WHERE bike_id = ?1",
        [bike],
    )
    .unwrap();
    let image = app.count(&format!(
        "SELECT image_id FROM images WHERE bike_id = {bike}"
    ));
    let response = c.get(app.url(&format!("/images/{image}"))).sent().await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}
