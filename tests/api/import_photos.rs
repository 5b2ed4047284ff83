//! Photos with the import (SPEC §12): a `photo` column naming files in a
//! folder (`--photos DIR`), in a zip (`--photos FILE.zip`, or the zip given
//! as the file) or in a zip uploaded on `/admin/import`. Each photo goes
//! through the upload pipeline (EXIF gone, resized, a thumbnail); a missing
//! or bad photo is a problem on its row; a zip bomb or a zip whose names
//! leave the archive is refused; nothing is written unless all is fine; one
//! undo takes the photos back out.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::ImageFormat;
use reqwest::multipart::{Form, Part};
use tempfile::TempDir;

use crate::helpers::binary::{create_admin, motodex, run};
use crate::helpers::catalogue::*;
use crate::helpers::*;

fn database() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    create_admin(&db, ADMIN, PASSWORD);
    (dir, db)
}

fn query<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Bikes, makers and photos, for "nothing was written" checks.
fn snapshot(db: &Path) -> (i64, i64, i64, String) {
    (
        query(db, "SELECT count(*) FROM bikes"),
        query(db, "SELECT count(*) FROM makers"),
        query(db, "SELECT count(*) FROM images"),
        query(
            db,
            "SELECT group_concat(bike_id || model || image_url, '|') FROM bikes",
        ),
    )
}

const CSV: &str = "maker,model,year,engine,photo\r\nHonda,Photo One,2020,500cc,IMG_2041.JPG\r\nHonda,Photo Two,2021,650cc,photos/side.png\r\nHonda,No Photo,2022,125cc,\r\n";

/// A folder holding the two photos [`CSV`] names.
fn photo_folder(root: &Path) -> PathBuf {
    let dir = root.join("photos-folder");
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    std::fs::write(dir.join("IMG_2041.JPG"), phone_jpeg(40, 20).bytes).unwrap();
    std::fs::write(dir.join("photos/side.png"), png_upload(2400, 1200).bytes).unwrap();
    dir
}

/// A zip of `entries`, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn good_zip() -> Vec<u8> {
    let jpeg = phone_jpeg(40, 20).bytes;
    let png = png_upload(2400, 1200).bytes;
    zip_of(&[
        ("bikes.csv", CSV.as_bytes()),
        ("IMG_2041.JPG", &jpeg),
        ("photos/side.png", &png),
        ("__MACOSX/photos/._side.png", b"resource fork"),
    ])
}

fn import(db: &Path, file: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = motodex(db);
    command.arg("import").arg(file).args(args);
    run(command)
}

/// Checks the two photos of [`CSV`] are stored as uploads are.
fn assert_photos_stored(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    for (model, format, size) in [
        ("Photo One", ImageFormat::Jpeg, (20, 40)),
        ("Photo Two", ImageFormat::Png, (1600, 800)),
    ] {
        let (url, data, thumbnail): (String, Vec<u8>, Vec<u8>) = conn
            .query_row(
                "SELECT b.image_url, i.data, i.thumbnail FROM bikes b JOIN images i ON b.image_url = '/images/' || i.image_id WHERE b.model = ?1",
                [model],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|e| panic!("{model} has its photo: {e}"));
        assert!(url.starts_with("/images/"), "{url}");
        assert!(
            !contains(&data, b"Exif") && !contains(&data, b"GPS"),
            "{model}: no EXIF"
        );
        let picture = image::load_from_memory_with_format(&data, format).unwrap();
        assert_eq!(
            (picture.width(), picture.height()),
            size,
            "{model}: turned and fitted"
        );
        let small = image::load_from_memory(&thumbnail).unwrap();
        assert!(
            small.width() <= 640 && small.height() <= 640,
            "{model}: a thumbnail"
        );
    }
    let none: String = conn
        .query_row(
            "SELECT image_url FROM bikes WHERE model = 'No Photo'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(none, "");
}

#[test]
fn a_photo_column_with_a_folder_stores_each_photo_as_an_upload_would_be() {
    let (dir, db) = database();
    let csv = dir.path().join("bikes.csv");
    std::fs::write(&csv, CSV).unwrap();
    let photos = photo_folder(dir.path());
    let photos = photos.to_str().unwrap();

    let before = snapshot(&db);
    let (code, out, err) = import(&db, &csv, &["--photos", photos, "--dry-run"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("3 bikes to add") && out.contains("2 photos to store"),
        "{out}"
    );
    assert_eq!(snapshot(&db), before, "a dry run writes nothing");

    let (code, out, err) = import(&db, &csv, &["--photos", photos]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("3 bikes added") && out.contains("2 photos stored"),
        "{out}"
    );
    assert_photos_stored(&db);
}

#[test]
fn a_zip_given_as_the_file_or_as_the_photos_brings_the_photos() {
    let (dir, db) = database();
    let zip = dir.path().join("bikes.zip");
    std::fs::write(&zip, good_zip()).unwrap();
    let (code, out, err) = import(&db, &zip, &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("3 bikes added") && out.contains("2 photos stored"),
        "{out}"
    );
    assert_photos_stored(&db);

    let (dir, db) = database();
    let zip = dir.path().join("photos.zip");
    std::fs::write(&zip, good_zip()).unwrap();
    let csv = dir.path().join("bikes.csv");
    std::fs::write(&csv, CSV).unwrap();
    let (code, out, err) = import(&db, &csv, &["--photos", zip.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_photos_stored(&db);

    let (code, _, err) = import(&db, &zip, &["--photos", zip.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("is a zip, so its photos come from it: leave out --photos"),
        "{err}"
    );
}

#[test]
fn a_missing_or_bad_photo_is_a_problem_on_its_row_and_nothing_is_written() {
    let (dir, db) = database();
    let photos = photo_folder(dir.path());
    std::fs::write(photos.join("notes.jpg"), b"not a picture at all").unwrap();
    std::fs::write(dir.path().join("secret.jpg"), phone_jpeg(8, 8).bytes).unwrap();
    let csv = dir.path().join("bikes.csv");
    std::fs::write(
        &csv,
        "maker,model,year,engine,photo,image_url\n\
         Honda,Fine,2020,500cc,IMG_2041.JPG,\n\
         Honda,Missing,2020,500cc,missing.jpg,\n\
         Honda,Text,2020,500cc,notes.jpg,\n\
         Honda,Climber,2020,500cc,../secret.jpg,\n\
         Honda,Both,2020,500cc,IMG_2041.JPG,https://example.com/a.jpg\n",
    )
    .unwrap();
    let before = snapshot(&db);
    let (code, out, err) = import(&db, &csv, &["--photos", photos.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("has 4 problems, so nothing was imported"),
        "{err}"
    );
    for expected in [
        "line 3, column E (photo): “missing.jpg”: There is no file “missing.jpg” in the photos folder",
        "line 4, column E (photo): “notes.jpg”: This file is not a JPEG, PNG, GIF or WebP image.",
        "line 5, column E (photo): “../secret.jpg”: The name “../secret.jpg” is refused: it climbs out of its folder",
        "line 6, column E (photo): This row has both an image_url and a photo: keep one of them.",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains("line 2"), "{err}");
    assert_eq!(snapshot(&db), before, "nothing written");

    // Without any photos, a photo column is a problem on each row that names one.
    let (code, _, err) = import(&db, &csv, &[]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "line 2, column E (photo): This row names a photo, but no photos came with the file"
        ),
        "{err}"
    );
    assert_eq!(snapshot(&db), before);
}

/// `zip` with every size field of `name`'s headers claiming `size` bytes.
fn claiming(mut zip: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let name_at = if signature == b"PK\x03\x04" { 30 } else { 46 };
        let mut at = 0;
        while let Some(found) = zip[at..].windows(4).position(|w| w == signature) {
            let start = at + found;
            if zip[start + name_at..].starts_with(name.as_bytes()) {
                zip[start + offset..start + offset + 4].copy_from_slice(&size.to_le_bytes());
            }
            at = start + 4;
        }
    }
    zip
}

#[test]
fn zip_bombs_and_names_that_leave_the_archive_are_refused_and_nothing_is_written() {
    let (dir, db) = database();
    let before = snapshot(&db);
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let small = phone_jpeg(8, 8).bytes;
    let many: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("big-{i}.jpg"), small.clone()))
        .collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("bikes.csv", CSV.as_bytes())];
    entries.extend(many.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let mut lying = zip_of(&entries);
    for (name, _) in &many {
        lying = claiming(lying, name, 60 * 1024 * 1024);
    }
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "a thousandfold entry",
            zip_of(&[("bikes.csv", CSV.as_bytes()), ("IMG_2041.JPG", &zeros)]),
            "“IMG_2041.JPG” would grow",
        ),
        (
            "entries claiming 300 MB in all",
            lying,
            "would unpack to more than 256 MB",
        ),
        (
            "a parent folder",
            zip_of(&[("bikes.csv", CSV.as_bytes()), ("../IMG_2041.JPG", &small)]),
            "The name “../IMG_2041.JPG” is refused: it climbs out of its folder",
        ),
        (
            "an absolute path",
            zip_of(&[("bikes.csv", CSV.as_bytes()), ("/etc/IMG_2041.JPG", &small)]),
            "The name “/etc/IMG_2041.JPG” is refused: it is an absolute path",
        ),
        (
            "a backslash",
            zip_of(&[
                ("bikes.csv", CSV.as_bytes()),
                ("photos\\..\\IMG_2041.JPG", &small),
            ]),
            "it contains a backslash",
        ),
        (
            "a drive letter",
            zip_of(&[("bikes.csv", CSV.as_bytes()), ("C:/IMG_2041.JPG", &small)]),
            "it starts with a drive letter",
        ),
    ];
    for (what, bytes, expected) in cases {
        let zip = dir.path().join("hostile.zip");
        std::fs::write(&zip, bytes).unwrap();
        let (code, out, err) = import(&db, &zip, &[]);
        assert_eq!(code, Some(1), "{what}: {out}{err}");
        assert!(err.contains(expected), "{what}: {err}");
        assert!(!err.contains("panick"), "{what}: {err}");
        assert_eq!(snapshot(&db), before, "{what}: nothing written");
    }
}

fn zip_form(token: &str, zip: Vec<u8>) -> Form {
    Form::new().text("csrf_token", token.to_string()).part(
        "file",
        Part::bytes(zip)
            .file_name("bikes.zip")
            .mime_str("application/zip")
            .unwrap(),
    )
}

#[tokio::test]
async fn a_zip_upload_is_previewed_with_its_photos_imported_on_confirm_and_undone_as_a_whole() {
    let (app, c) = logged_in_app().await;
    let (bikes_before, images_before) = (bikes(&app), images(&app));
    let token = admin_token(&app, &c).await;
    let response = c
        .post(app.url("/admin/import"))
        .multipart(zip_form(&token, good_zip()))
        .sent()
        .await;
    assert_eq!(response.status(), 200);
    let preview = response.body().await;
    assert!(preview.contains("Every row is fine"), "{preview}");
    assert!(preview.contains("<dt>Photos</dt><dd>2</dd>"), "{preview}");
    assert!(
        preview.contains("IMG_2041.JPG"),
        "the photo column is in the preview"
    );
    assert_eq!(images(&app), images_before, "the preview writes nothing");

    let csrf = csrf_token_of(&preview);
    let token = field_value(&preview, "token").unwrap();
    let response = c
        .post(app.url("/admin/import/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    let admin = page(&c, &app.url("/admin"), 200).await;
    assert!(
        admin.contains(
            "Imported bikes.zip: 3 bikes added, 0 changed, 0 unchanged, 2 photos stored."
        ),
        "{admin}"
    );
    assert_eq!(bikes(&app), bikes_before + 3);
    assert_eq!(images(&app), images_before + 2);
    let url = text(
        &app,
        "SELECT image_url FROM bikes WHERE model = 'Photo One'",
    );
    for (path, kind) in [
        (url.clone(), "image/jpeg"),
        (format!("{url}/small"), "image/jpeg"),
    ] {
        let response = client().get(app.url(&path)).sent().await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], kind);
    }

    let entry = app.count("SELECT max(entry_id) FROM activity");
    let csrf = csrf_token_of(&admin);
    let response = c
        .post(app.url(&format!("/admin/undo/{entry}")))
        .form(&[("csrf_token", csrf.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(bikes(&app), bikes_before, "the bikes are gone");
    assert_eq!(images(&app), images_before, "and the photos they brought");
    let response = client().get(app.url(&url)).sent().await;
    assert_eq!(response.status(), 404, "the photo is no longer shown");
}

#[tokio::test]
async fn a_bad_zip_upload_gets_its_sentence_and_uploads_over_the_limits_get_413_naming_them() {
    let (app, c) = logged_in_app().await;
    let before = (bikes(&app), images(&app));
    let token = admin_token(&app, &c).await;
    let small = phone_jpeg(8, 8).bytes;
    for (zip, expected) in [
        (
            zip_of(&[("bikes.csv", CSV.as_bytes()), ("../IMG_2041.JPG", &small)]),
            "it climbs out of its folder",
        ),
        (
            zip_of(&[("IMG_2041.JPG", &small)]),
            "This zip holds no .csv file",
        ),
        (
            zip_of(&[("a.csv", CSV.as_bytes()), ("b.csv", CSV.as_bytes())]),
            "This zip holds 2 CSV files (a.csv, b.csv)",
        ),
        (
            zip_of(&[("bikes.csv", CSV.as_bytes())]),
            "There is no file “IMG_2041.JPG” in the zip.",
        ),
    ] {
        let response = c
            .post(app.url("/admin/import"))
            .multipart(zip_form(&token, zip))
            .sent()
            .await;
        assert_eq!(response.status(), 422);
        let page = response.body().await;
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let mut big_zip = b"PK\x03\x04".to_vec();
    big_zip.resize(50 * 1024 * 1024 + 1, 0);
    let mut big_csv = b"maker,model,year,engine\n".to_vec();
    big_csv.resize(6 * 1024 * 1024, b'a');
    for big in [big_zip, big_csv] {
        let response = c
            .post(app.url("/admin/import"))
            .multipart(zip_form(&token, big))
            .sent()
            .await;
        assert_eq!(response.status(), 413);
        let page = response.body().await;
        assert!(
            page.contains("A CSV file can be at most 5 MB, and a zip holding the CSV file and its photos at most 50 MB."),
            "{page}"
        );
    }
    assert_eq!((bikes(&app), images(&app)), before, "nothing written");
}
