//! `/admin/export.csv` and `/admin/import` (SPEC §12): the download, the
//! upload with its preview, the confirmation without sending the file
//! again, the problems file and the template; every bad upload gets a clear
//! page and nothing is written.

use reqwest::multipart::{Form, Part};

use crate::helpers::catalogue::*;
use crate::helpers::*;

fn upload_form(token: &str, contents: Vec<u8>, options: &[&str]) -> Form {
    let mut form = Form::new().text("csrf_token", token.to_string()).part(
        "file",
        Part::bytes(contents)
            .file_name("bikes.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    for option in options {
        form = form.text(option.to_string(), "1");
    }
    form
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    contents: &[u8],
    options: &[&str],
) -> (u16, String) {
    let token = admin_token(app, c).await;
    let response = c
        .post(app.url("/admin/import"))
        .multipart(upload_form(&token, contents.to_vec(), options))
        .sent()
        .await;
    (response.status().as_u16(), response.body().await)
}

fn snapshot(app: &TestApp) -> (i64, i64, String) {
    (
        bikes(app),
        makers(app),
        text(
            app,
            "SELECT coalesce(group_concat(bike_id || model || year || engine || image_url || maker_id, '|'), '') FROM bikes",
        ),
    )
}

#[tokio::test]
async fn the_export_is_a_csv_attachment_for_signed_in_admins_only() {
    let (app, c) = logged_in_app().await;
    let response = c.get(app.url("/admin/export.csv")).sent().await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"motodex-bikes-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBFbike_id,maker,model,year,engine,image_url\r\n"));
    let rows = csv::Reader::from_reader(&body[3..]).records().count() as i64;
    assert_eq!(rows, bikes(&app));

    let stranger = client();
    let response = stranger.get(app.url("/admin/export.csv")).sent().await;
    assert_eq!(response.status(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/admin/login")
    );
    assert!(!response.body().await.contains("bike_id"));
}

#[tokio::test]
async fn a_large_export_streams_every_bike() {
    let (app, c) = logged_in_app().await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO bikes (maker_id, model, year, engine, image_url)
         SELECT (SELECT min(maker_id) FROM makers), 'Bulk ' || i, 2000, '125cc', '' FROM n;",
    )
    .unwrap();
    let response = c.get(app.url("/admin/export.csv")).sent().await;
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, not sized in advance"
    );
    let body = response.bytes().await.unwrap();
    let rows = csv::Reader::from_reader(&body[3..]).records().count() as i64;
    assert_eq!(rows, bikes(&app));
}

#[tokio::test]
async fn an_upload_is_previewed_then_imported_without_sending_it_again() {
    let (app, c) = logged_in_app().await;
    let before = snapshot(&app);
    let (status, page) = upload(
        &app,
        &c,
        b"maker;model;year;engine\r\nHonda;Preview One;2020;500cc\r\nAprilia;Preview Two;2021;660cc\r\n",
        &["create_makers"],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Every row is fine"), "{page}");
    assert!(page.contains("<dt>New bikes</dt><dd>2</dd>"), "{page}");
    assert!(
        page.contains("<dt>New makers</dt><dd>1 (Aprilia)</dd>"),
        "{page}"
    );
    assert!(page.contains("Preview One") && page.contains("Preview Two"));
    assert_eq!(snapshot(&app), before, "the preview writes nothing");

    let token = field_value(&page, "token").expect("a confirm form");
    let csrf = csrf_token_of(&page);
    let response = c
        .post(app.url("/admin/import/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/admin");
    let admin = page_after_redirect(&app, &c).await;
    assert!(
        admin.contains(
            "Imported bikes.csv: 2 bikes added, 0 changed, 0 unchanged, 1 maker created."
        ),
        "{admin}"
    );
    assert_eq!(bikes(&app), before.0 + 2);
    assert_eq!(makers(&app), before.1 + 1);

    // The same confirmation again imports nothing twice.
    let response = c
        .post(app.url("/admin/import/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 410);
    assert!(response.body().await.contains("expired"));
    assert_eq!(bikes(&app), before.0 + 2);
}

async fn page_after_redirect(app: &TestApp, c: &reqwest::Client) -> String {
    page(c, &app.url("/admin"), 200).await
}

#[tokio::test]
async fn problems_are_listed_with_line_and_column_and_offered_as_a_file_and_nothing_can_be_imported()
 {
    let (app, c) = logged_in_app().await;
    let before = snapshot(&app);
    let (status, page) = upload(
        &app,
        &c,
        "maker,model,year,engine\nHonda,Good,2020,500cc\nNobody,=Bad,1800,\n".as_bytes(),
        &[],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("3 problems found, so nothing can be imported"),
        "{page}"
    );
    assert!(
        page.contains("Line 3, column A (maker): </strong>There is no maker “Nobody”"),
        "{page}"
    );
    assert!(
        page.contains("Line 3, column C (year): </strong>Enter a year"),
        "{page}"
    );
    assert!(
        page.contains("Line 3, column D (engine): </strong>Enter the engine."),
        "{page}"
    );
    assert!(!page.contains("/admin/import/confirm"), "no confirm button");
    let start = page.find("/admin/import/").unwrap();
    let link = &page[start..start + page[start..].find('"').unwrap()];
    assert!(link.ends_with("/problems.csv"), "{link}");
    let token = link.split('/').nth(3).unwrap().to_string();

    let response = c.get(app.url(link)).sent().await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("bikes-problems.csv")
    );
    let body = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&body[3..]);
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["maker", "model", "year", "engine", "problem"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][4], "");
    assert_eq!(
        &rows[1][1], "'=Bad",
        "the formula guard holds in the problems file"
    );
    assert!(
        rows[1][4].contains("A (maker): There is no maker") && rows[1][4].contains("D (engine)")
    );

    // Forcing the confirmation anyway imports nothing.
    let csrf = csrf_token_of(&page);
    let response = c
        .post(app.url("/admin/import/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(snapshot(&app), before);

    // Another admin cannot use the token.
    create_admin(&app, "other", PASSWORD);
    let other = client();
    login(&app, &other, "other", PASSWORD).await;
    assert_eq!(other.get(app.url(link)).status().await, 404);
    assert_eq!(
        other
            .get(app.url("/admin/import/nonsense/problems.csv"))
            .status()
            .await,
        404
    );
}

#[tokio::test]
async fn more_than_a_thousand_problems_end_with_and_n_more() {
    let (app, c) = logged_in_app().await;
    let mut file = String::from("maker,model,year,engine\n");
    for i in 0..1200 {
        file.push_str(&format!("Honda,Row {i},1700,500cc\n"));
    }
    let (status, page) = upload(&app, &c, file.as_bytes(), &[]).await;
    assert_eq!(status, 422);
    assert!(page.contains("1200 problems found"), "counted in full");
    assert_eq!(page.matches("Enter a year from 1885").count(), 1000);
    assert!(page.contains("and 200 more."));
    assert!(page.contains("The first 20 of 1200 rows"));
}

#[tokio::test]
async fn bad_uploads_get_a_clear_page_and_nothing_is_written() {
    let (app, c) = logged_in_app().await;
    let before = snapshot(&app);
    for (contents, expected) in [
        (&b""[..], "Choose the CSV file"),
        (b"maker,model,year,engine\n", "a header row but no bikes"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0", "not a CSV file"),
        (
            b"maker,model,year,engine\nCitro\xebn,DS,2020,1cc\n",
            "CSV UTF-8",
        ),
    ] {
        let (status, page) = upload(&app, &c, contents, &["create_makers"]).await;
        assert_eq!(status, 422, "{expected}");
        assert!(page.contains(expected), "{expected}: {page}");
        assert!(page.contains("name=\"file\""), "the form is shown again");
    }
    let token = admin_token(&app, &c).await;
    let big = vec![b'a'; 6 * 1024 * 1024];
    let response = c
        .post(app.url("/admin/import"))
        .multipart(upload_form(&token, big, &[]))
        .sent()
        .await;
    assert_eq!(response.status(), 413);
    let response = c
        .post(app.url("/admin/import"))
        .multipart(upload_form(
            "wrong",
            b"maker,model,year,engine\nHonda,X,2020,1cc\n".to_vec(),
            &[],
        ))
        .sent()
        .await;
    assert_eq!(response.status(), 403, "the CSRF token is checked");
    let response = client()
        .post(app.url("/admin/import"))
        .multipart(upload_form(
            &token,
            b"maker,model,year,engine\nHonda,X,2020,1cc\n".to_vec(),
            &[],
        ))
        .sent()
        .await;
    assert_eq!(response.status(), 303, "no session: to the login page");
    assert_eq!(snapshot(&app), before);
}

#[tokio::test]
async fn the_template_downloads_and_imports_as_it_is() {
    let (app, c) = logged_in_app().await;
    let response = c.get(app.url("/admin/import/template.csv")).sent().await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let template = response.bytes().await.unwrap();
    assert!(template.starts_with(b"\xEF\xBB\xBFmaker,model,year,engine,image_url\r\n"));
    assert_eq!(
        csv::Reader::from_reader(&template[3..]).records().count(),
        2
    );
    let (status, page) = upload(&app, &c, &template, &["create_makers"]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<dt>New bikes</dt><dd>2</dd>"));
}

#[tokio::test]
async fn the_update_checkbox_changes_bikes_by_id() {
    let (app, c) = logged_in_app().await;
    let id = bike_id(&app, "Monster");
    let file = format!("bike_id,maker,model,year,engine\n{id},Ducati,Monster SP,2023,937cc\n");
    let (status, page) = upload(&app, &c, file.as_bytes(), &[]).await;
    assert_eq!(status, 422, "without update a bike_id is refused");
    assert!(page.contains("column A (bike_id)"));
    let (status, page) = upload(&app, &c, file.as_bytes(), &["update"]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<dt>Changed bikes</dt><dd>1</dd>"));
    let token = field_value(&page, "token").unwrap();
    let csrf = csrf_token_of(&page);
    let response = c
        .post(app.url("/admin/import/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(bike_id(&app, "Monster SP"), id);
}

#[tokio::test]
async fn an_import_is_one_activity_entry_and_one_undo_takes_all_of_it_back() {
    let (app, c) = logged_in_app().await;
    let before = snapshot(&app);
    let honda_model = text(
        &app,
        "SELECT b.model FROM bikes b JOIN makers m USING (maker_id) WHERE m.name = 'Honda' ORDER BY b.bike_id LIMIT 1",
    );
    let honda_id = app.count(
        "SELECT b.bike_id FROM bikes b JOIN makers m USING (maker_id) WHERE m.name = 'Honda' ORDER BY b.bike_id LIMIT 1",
    );
    let csv = format!(
        "bike_id,maker,model,year,engine\r\n,Honda,Undo One,2020,500cc\r\n,Bimota,Undo Two,2021,900cc\r\n{honda_id},Honda,Renamed by import,2019,471cc\r\n"
    );
    let (status, page) = upload(&app, &c, csv.as_bytes(), &["create_makers", "update"]).await;
    assert_eq!(status, 200, "{page}");
    let token = field_value(&page, "token").expect("a confirm form");
    let csrf = csrf_token_of(&page);
    let entries_before = app.count("SELECT count(*) FROM activity");
    let response = c
        .post(app.url("/admin/import/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.count("SELECT count(*) FROM activity"),
        entries_before + 1,
        "one entry for the whole import"
    );
    assert_eq!(
        text(
            &app,
            "SELECT kind FROM activity ORDER BY entry_id DESC LIMIT 1"
        ),
        "import"
    );
    assert_eq!(bikes(&app), before.0 + 2);
    assert_eq!(makers(&app), before.1 + 1);
    let admin = page_after_redirect(&app, &c).await;
    assert!(
        admin.contains("Undo"),
        "the confirmation offers undo: {admin}"
    );

    let entry = app.count("SELECT max(entry_id) FROM activity");
    let csrf = csrf_token_of(&admin);
    let response = c
        .post(app.url(&format!("/admin/undo/{entry}")))
        .form(&[("csrf_token", csrf.as_str())])
        .sent()
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(snapshot(&app), before, "every added bike and maker gone");
    assert_eq!(
        text(
            &app,
            &format!("SELECT model FROM bikes WHERE bike_id = {honda_id}")
        ),
        honda_model,
        "the changed bike is back as it was"
    );
}
