//! Helpers for the admin catalogue tests: sending bike and maker forms the
//! way a browser does (urlencoded or multipart), making test photos, and
//! reading messages out of pages.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::multipart::{Form, Part};

use super::{TestApp, page};

/// The id of the maker with this exact name; 0 when there is none.
pub fn maker_id(app: &TestApp, name: &str) -> i64 {
    app.count(&format!(
        "SELECT coalesce(max(maker_id), 0) FROM makers WHERE name = '{}'",
        name.replace('\'', "''")
    ))
}

/// The id of the bike with this exact model; 0 when there is none.
pub fn bike_id(app: &TestApp, model: &str) -> i64 {
    app.count(&format!(
        "SELECT coalesce(max(bike_id), 0) FROM bikes WHERE model = '{}'",
        model.replace('\'', "''")
    ))
}

pub fn bikes(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM bikes")
}

/// Uploaded photos: the stored images other than the sample catalogue's
/// drawings (uploads are never SVG).
pub fn images(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM images WHERE content_type <> 'image/svg+xml'")
}

pub fn makers(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM makers")
}

/// A text column of one row, e.g. `text(&app, "SELECT model FROM bikes WHERE bike_id = 1")`.
pub fn text(app: &TestApp, sql: &str) -> String {
    let conn = rusqlite::Connection::open(&app.db_path).expect("open test database");
    conn.query_row(sql, [], |r| r.get(0)).expect("text query")
}

/// A complete, valid bike form (without the CSRF token).
pub fn bike(maker_id: i64, model: &str) -> Vec<(String, String)> {
    [
        ("maker_id", maker_id.to_string()),
        ("model", model.into()),
        ("year", "2021".into()),
        ("engine", "890cc".into()),
        ("image_url", String::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// `fields` with `name` set to `value` (added when absent).
pub fn with(mut fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(field) => field.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
    fields
}

pub fn with_token(fields: &[(String, String)], token: &str) -> Vec<(String, String)> {
    let mut fields = fields.to_vec();
    fields.push(("csrf_token".into(), token.into()));
    fields
}

/// `fields`, with the CSRF token when there is one.
pub fn with_token_if(fields: &[(String, String)], token: Option<&str>) -> Vec<(String, String)> {
    match token {
        Some(token) => with_token(fields, token),
        None => fields.to_vec(),
    }
}

/// POSTs an ordinary (urlencoded) form.
pub async fn post_form(
    client: &reqwest::Client,
    url: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    client
        .post(url)
        .form(fields)
        .send()
        .await
        .expect("form post")
}

/// A photo to upload: file name, content type and bytes.
pub struct Upload {
    pub file_name: &'static str,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// POSTs a multipart form as a browser does; without a photo the `image`
/// part is sent empty, as a browser sends a file field left alone.
pub async fn post_multipart(
    client: &reqwest::Client,
    url: &str,
    fields: &[(String, String)],
    photo: Option<Upload>,
) -> reqwest::Response {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.clone(), value.clone());
    }
    let part = match photo {
        Some(upload) => Part::bytes(upload.bytes)
            .file_name(upload.file_name)
            .mime_str(upload.content_type)
            .expect("mime"),
        None => Part::bytes(Vec::new())
            .file_name("")
            .mime_str("application/octet-stream")
            .expect("mime"),
    };
    form = form.part("image", part);
    client
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("multipart post")
}

/// POSTs a hand-made multipart body, for bytes no well-behaved client sends.
pub async fn post_raw_multipart(
    client: &reqwest::Client,
    url: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> reqwest::Response {
    let boundary = "----motodexTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file_name, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    client
        .post(url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("raw multipart post")
}

/// Follows a redirect and returns the page it leads to.
pub async fn follow(
    app: &TestApp,
    client: &reqwest::Client,
    response: reqwest::Response,
) -> String {
    assert_eq!(response.status(), 303, "expected a redirect");
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    page(client, &app.url(&location), 200).await
}

/// The text of the message shown beside form field `name`, if any.
pub fn error_beside(page: &str, name: &str) -> Option<String> {
    let start = page.find(&format!("id=\"{name}-error\""))?;
    let text_start = start + page[start..].find('>')? + 1;
    let text_end = text_start + page[text_start..].find("</p>")?;
    Some(page[text_start..text_end].to_string())
}

pub fn gradient(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, 120])
    }))
}

pub fn encoded(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, format)
        .expect("encode test image");
    out.into_inner()
}

pub fn png_upload(width: u32, height: u32) -> Upload {
    Upload {
        file_name: "bike.png",
        content_type: "image/png",
        bytes: encoded(&gradient(width, height), ImageFormat::Png),
    }
}

/// A JPEG as a phone makes it: an EXIF block with the orientation
/// ("turn a quarter", 6) and a GPS position.
pub fn phone_jpeg(width: u32, height: u32) -> Upload {
    let jpeg = encoded(&gradient(width, height), ImageFormat::Jpeg);
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0".to_vec();
    tiff.extend_from_slice(b"GPSLatitude 51.5007N GPSLongitude 0.1246W");
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
    bytes.extend_from_slice(&segment);
    bytes.extend_from_slice(&jpeg[2..]);
    Upload {
        file_name: "IMG_2041.JPG",
        content_type: "image/jpeg",
        bytes,
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
