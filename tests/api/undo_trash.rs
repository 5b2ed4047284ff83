//! Undo, history, "Restore this version", "Undo all of these" and the
//! trash (SPEC §8), through the real forms.

use crate::helpers::catalogue::{
    bike, bike_id, bikes, images, maker_id, png_upload, post_form, post_multipart, text, with,
    with_token,
};
use crate::helpers::{
    ADMIN, PASSWORD, RequestExt, ResponseExt, TestApp, admin_token, client, create_admin,
    logged_in_app, login, page, spawn_app_with,
};

fn newest_entry(app: &TestApp) -> i64 {
    app.count("SELECT max(entry_id) FROM activity")
}

fn year_of(app: &TestApp, bike: i64) -> String {
    text(
        app,
        &format!("SELECT CAST(year AS TEXT) FROM bikes WHERE bike_id = {bike}"),
    )
}

async fn edit_year(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    bike: i64,
    year: &str,
) -> reqwest::StatusCode {
    let ducati = crate::helpers::catalogue::maker_id(app, "Ducati");
    let fields = with(
        with(
            crate::helpers::catalogue::bike(ducati, "Monster"),
            "year",
            year,
        ),
        "engine",
        "937cc",
    );
    post_multipart(
        client,
        &app.url(&format!("/admin/edit/{bike}")),
        &with_token(&fields, token),
        None,
    )
    .await
    .status()
}

async fn undo(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    entry: i64,
) -> reqwest::Response {
    post_form(
        client,
        &app.url(&format!("/admin/undo/{entry}")),
        &with_token(&[], token),
    )
    .await
}

async fn delete_bike(app: &TestApp, client: &reqwest::Client, token: &str, bike: i64) {
    let url = app.url(&format!("/admin/delete/{bike}"));
    assert_eq!(
        post_form(client, &url, &with_token(&[], token))
            .await
            .status(),
        303
    );
}

fn trash_id(app: &TestApp, record: &str, id: i64) -> i64 {
    app.count(&format!(
        "SELECT coalesce(max(trash_id), 0) FROM trash WHERE record = '{record}' AND record_id = {id}"
    ))
}

#[tokio::test]
async fn the_confirmation_of_a_change_carries_an_undo_button_that_puts_it_back() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    assert_eq!(edit_year(&app, &client, &token, monster, "2019").await, 303);
    let entry = newest_entry(&app);
    let confirmation = page(&client, &app.url("/admin"), 200).await;
    assert!(confirmation.contains(&format!("action=\"/admin/undo/{entry}\"")));
    assert_eq!(year_of(&app, monster), "2019");

    let undone = undo(&app, &client, &token, entry).await;
    assert_eq!(undone.status(), 303);
    assert_eq!(year_of(&app, monster), "2021");
    // The undo is an entry too, and undoing it redoes the edit.
    let undo_entry = newest_entry(&app);
    assert_eq!(
        app.count(&format!(
            "SELECT undoes FROM activity WHERE entry_id = {undo_entry}"
        )),
        entry
    );
    assert_eq!(undo(&app, &client, &token, undo_entry).await.status(), 303);
    assert_eq!(year_of(&app, monster), "2019");
}

#[tokio::test]
async fn undo_of_an_add_moves_it_to_the_trash_and_undo_of_a_delete_brings_it_back_with_its_photo() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let ducati = maker_id(&app, "Ducati");
    let fields = with_token(&bike(ducati, "Scrambler"), &token);
    let added = post_multipart(
        &client,
        &app.url("/admin/add"),
        &fields,
        Some(png_upload(30, 20)),
    )
    .await;
    assert_eq!(added.status(), 303);
    let scrambler = bike_id(&app, "Scrambler");
    let image_url = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {scrambler}"),
    );
    let add_entry = newest_entry(&app);

    // Delete, then undo the delete: same id, same photo, public again.
    delete_bike(&app, &client, &token, scrambler).await;
    assert_eq!(bike_id(&app, "Scrambler"), 0);
    assert_eq!(
        client
            .get(app.url(&format!("/bikes/{scrambler}")))
            .status()
            .await,
        404
    );
    assert_eq!(client.get(app.url(&image_url)).status().await, 404);
    let delete_entry = newest_entry(&app);
    assert_eq!(
        undo(&app, &client, &token, delete_entry).await.status(),
        303
    );
    assert_eq!(bike_id(&app, "Scrambler"), scrambler);
    assert_eq!(
        text(
            &app,
            &format!("SELECT image_url FROM bikes WHERE bike_id = {scrambler}")
        ),
        image_url
    );
    assert_eq!(client.get(app.url(&image_url)).status().await, 200);
    assert_eq!(
        client
            .get(app.url(&format!("/bikes/{scrambler}")))
            .status()
            .await,
        200
    );

    // Its values are again those the add left, so the add can be undone:
    // the bike goes to the trash.
    assert_eq!(undo(&app, &client, &token, add_entry).await.status(), 303);
    assert_eq!(bike_id(&app, "Scrambler"), 0);
    assert!(trash_id(&app, "bike", scrambler) > 0);
}

#[tokio::test]
async fn an_undo_that_would_overwrite_a_later_change_is_refused_and_changes_nothing() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    create_admin(&app, "assistant", PASSWORD);
    let other = client_for(&app, "assistant").await;
    let other_token = admin_token(&app, &other).await;
    let monster = bike_id(&app, "Monster");
    assert_eq!(edit_year(&app, &client, &token, monster, "2019").await, 303);
    let first = newest_entry(&app);
    assert_eq!(
        edit_year(&app, &other, &other_token, monster, "2018").await,
        303
    );
    let entries = app.count("SELECT count(*) FROM activity");

    let refused = undo(&app, &client, &token, first).await;
    assert_eq!(refused.status(), 409);
    let body = refused.body().await;
    assert!(body.contains("assistant"), "names who changed it since");
    assert!(body.contains(&format!("/admin/edit/{monster}/history")));
    assert_eq!(year_of(&app, monster), "2018");
    assert_eq!(app.count("SELECT count(*) FROM activity"), entries);
}

async fn client_for(app: &TestApp, username: &str) -> reqwest::Client {
    let browser = client();
    assert_eq!(login(app, &browser, username, PASSWORD).await.status(), 303);
    browser
}

#[tokio::test]
async fn undo_of_a_photo_change_brings_back_the_old_photo() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    let ducati = maker_id(&app, "Ducati");
    let fields = with(bike(ducati, "Monster"), "engine", "937cc");
    let fields = with(fields, "year", "2021");
    let url = app.url(&format!("/admin/edit/{monster}"));
    let first = post_multipart(
        &client,
        &url,
        &with_token(&fields, &token),
        Some(png_upload(30, 20)),
    )
    .await;
    assert_eq!(first.status(), 303);
    let old_photo = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {monster}"),
    );
    let second = post_multipart(
        &client,
        &url,
        &with_token(&fields, &token),
        Some(png_upload(50, 20)),
    )
    .await;
    assert_eq!(second.status(), 303);
    let new_photo = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {monster}"),
    );
    assert_ne!(old_photo, new_photo);
    assert_eq!(
        client.get(app.url(&old_photo)).status().await,
        404,
        "replaced photos are not public"
    );
    assert_eq!(images(&app), 1);
    // History pages show it to admins, and only to them.
    let kept = old_photo.replace("/images/", "/admin/photos/");
    let shown = client.get(app.url(&kept)).sent().await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["content-type"], "image/png");
    let stranger = crate::helpers::client().get(app.url(&kept)).sent().await;
    assert_eq!(stranger.status(), 303);
    let history = page(
        &client,
        &app.url(&format!("/admin/edit/{monster}/history")),
        200,
    )
    .await;
    assert!(
        history.contains(&format!("src=\"{kept}\"")),
        "thumbnails on the history page"
    );

    assert_eq!(
        undo(&app, &client, &token, newest_entry(&app))
            .await
            .status(),
        303
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT image_url FROM bikes WHERE bike_id = {monster}")
        ),
        old_photo
    );
    assert_eq!(client.get(app.url(&old_photo)).status().await, 200);
    assert_eq!(client.get(app.url(&new_photo)).status().await, 404);
    assert_eq!(images(&app), 1);
}

#[tokio::test]
async fn history_lists_every_version_and_restores_one_through_the_checks() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    assert_eq!(edit_year(&app, &client, &token, monster, "2019").await, 303);
    let v2019 = newest_entry(&app);
    assert_eq!(edit_year(&app, &client, &token, monster, "2018").await, 303);

    let edit_form = page(&client, &app.url(&format!("/admin/edit/{monster}")), 200).await;
    assert!(edit_form.contains(&format!("/admin/edit/{monster}/history")));
    let history = page(
        &client,
        &app.url(&format!("/admin/edit/{monster}/history")),
        200,
    )
    .await;
    let newest = history
        .find("from 2019 to 2018")
        .expect("newest change shown");
    let older = history
        .find("from 2021 to 2019")
        .expect("older change shown");
    assert!(newest < older, "newest first");

    let restore = app.url(&format!("/admin/edit/{monster}/history/{v2019}/restore"));
    assert_eq!(
        post_form(&client, &restore, &with_token(&[], &token))
            .await
            .status(),
        303
    );
    assert_eq!(year_of(&app, monster), "2019");

    // A version whose maker is gone for good fails §5's checks: 422, nothing changed.
    let conn = rusqlite::Connection::open(&app.db_path).expect("open");
    conn.execute(
        "UPDATE activity SET changes = replace(changes, '\"maker_id\":' || (SELECT maker_id FROM bikes WHERE bike_id = ?1), '\"maker_id\":999999') WHERE entry_id = ?2",
        rusqlite::params![monster, v2019],
    )
    .expect("forge an old version with a vanished maker");
    let entries = app.count("SELECT count(*) FROM activity");
    let refused = post_form(&client, &restore, &with_token(&[], &token)).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.body().await.contains("no longer exists"));
    assert_eq!(year_of(&app, monster), "2019");
    assert_eq!(app.count("SELECT count(*) FROM activity"), entries);
}

#[tokio::test]
async fn restoring_a_maker_version_whose_name_is_now_taken_is_refused() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let fields = with_token(&[("name".to_string(), "Bimota".to_string())], &token);
    assert_eq!(
        post_form(&client, &app.url("/admin/makers/add"), &fields)
            .await
            .status(),
        303
    );
    let bimota = maker_id(&app, "Bimota");
    let added = newest_entry(&app);
    let fields = with_token(&[("name".to_string(), "Bimota SpA".to_string())], &token);
    let url = app.url(&format!("/admin/makers/edit/{bimota}"));
    assert_eq!(post_form(&client, &url, &fields).await.status(), 303);
    let fields = with_token(&[("name".to_string(), "Bimota".to_string())], &token);
    assert_eq!(
        post_form(&client, &app.url("/admin/makers/add"), &fields)
            .await
            .status(),
        303
    );

    let history = page(
        &client,
        &app.url(&format!("/admin/makers/edit/{bimota}/history")),
        200,
    )
    .await;
    assert!(history.contains("renamed the maker Bimota to Bimota SpA"));
    let restore = app.url(&format!(
        "/admin/makers/edit/{bimota}/history/{added}/restore"
    ));
    let refused = post_form(&client, &restore, &with_token(&[], &token)).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        text(
            &app,
            &format!("SELECT name FROM makers WHERE maker_id = {bimota}")
        ),
        "Bimota SpA"
    );
}

#[tokio::test]
async fn undo_all_of_one_accounts_changes_leaves_those_changed_since_by_another() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    create_admin(&app, "student", PASSWORD);
    let student = client_for(&app, "student").await;
    let student_token = admin_token(&app, &student).await;
    let student_id = app.count("SELECT user_id FROM users WHERE username = 'student'");
    let monster = bike_id(&app, "Monster");
    let panigale = bike_id(&app, "Panigale V4");
    let ducati = maker_id(&app, "Ducati");

    // The student edits two bikes and adds one; the teacher then changes one of them.
    assert_eq!(
        edit_year(&app, &student, &student_token, monster, "2001").await,
        303
    );
    let fields = with(
        with(bike(ducati, "Panigale V4"), "engine", "1103cc"),
        "year",
        "2002",
    );
    let url = app.url(&format!("/admin/edit/{panigale}"));
    assert_eq!(
        post_multipart(&student, &url, &with_token(&fields, &student_token), None)
            .await
            .status(),
        303
    );
    let fields = with_token(&bike(ducati, "Homework"), &student_token);
    assert_eq!(
        post_multipart(&student, &app.url("/admin/add"), &fields, None)
            .await
            .status(),
        303
    );
    let homework = bike_id(&app, "Homework");
    assert_eq!(edit_year(&app, &client, &token, monster, "2003").await, 303);

    let activity = page(
        &client,
        &app.url(&format!("/admin/activity?user={student_id}")),
        200,
    )
    .await;
    assert!(activity.contains("Undo all of these"));
    let fields: Vec<(String, String)> = vec![
        ("user".into(), student_id.to_string()),
        ("since".into(), String::new()),
    ];
    let entries = app.count("SELECT count(*) FROM activity");
    let confirm = post_form(
        &client,
        &app.url("/admin/activity/undo"),
        &with_token(&fields, &token),
    )
    .await;
    assert_eq!(confirm.status(), 200);
    let body = confirm.body().await;
    assert!(body.contains("2 changes will be undone"), "{body}");
    assert!(body.contains("1 cannot be undone"), "{body}");
    assert!(body.contains(ADMIN), "says who changed it since");
    assert_eq!(
        app.count("SELECT count(*) FROM activity"),
        entries,
        "the preview changes nothing"
    );
    assert_eq!(bike_id(&app, "Homework"), homework);

    let confirmed = with(fields, "confirm", "yes");
    let done = post_form(
        &client,
        &app.url("/admin/activity/undo"),
        &with_token(&confirmed, &token),
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        bike_id(&app, "Homework"),
        0,
        "the added bike went to the trash"
    );
    assert_eq!(year_of(&app, panigale), "2023");
    assert_eq!(
        year_of(&app, monster),
        "2003",
        "the teacher's later change stays"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM activity"),
        entries + 1,
        "one entry"
    );

    // That one entry is undoable as a whole.
    assert_eq!(
        undo(&app, &client, &token, newest_entry(&app))
            .await
            .status(),
        303
    );
    assert_eq!(bike_id(&app, "Homework"), homework);
    assert_eq!(year_of(&app, panigale), "2002");
}

#[tokio::test]
async fn the_trash_lists_restores_under_the_old_id_and_brings_back_the_maker() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let fields = with_token(&[("name".to_string(), "Bimota".to_string())], &token);
    assert_eq!(
        post_form(&client, &app.url("/admin/makers/add"), &fields)
            .await
            .status(),
        303
    );
    let bimota = maker_id(&app, "Bimota");
    let fields = with_token(&bike(bimota, "Tesi"), &token);
    assert_eq!(
        post_multipart(
            &client,
            &app.url("/admin/add"),
            &fields,
            Some(png_upload(20, 20))
        )
        .await
        .status(),
        303
    );
    let tesi = bike_id(&app, "Tesi");
    let count = bikes(&app);

    // A maker in use cannot be deleted.
    let url = app.url(&format!("/admin/makers/delete/{bimota}"));
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        409
    );
    delete_bike(&app, &client, &token, tesi).await;
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        303
    );
    assert_eq!(bikes(&app), count - 1);
    assert_eq!(maker_id(&app, "Bimota"), 0);
    let home = page(&crate::helpers::client(), &app.url("/?search=Tesi"), 200).await;
    assert!(
        !home.contains("Bimota"),
        "the public site sees live rows only"
    );

    let trash = page(&client, &app.url("/admin/trash"), 200).await;
    let maker_at = trash.find("Maker Bimota").expect("maker listed");
    let bike_at = trash.find("Bike Bimota Tesi").expect("bike listed");
    assert!(maker_at < bike_at, "newest first");

    let item = trash_id(&app, "bike", tesi);
    let url = app.url(&format!("/admin/trash/{item}/restore"));
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        303
    );
    assert_eq!(bike_id(&app, "Tesi"), tesi);
    assert_eq!(maker_id(&app, "Bimota"), bimota);
    assert_eq!(app.count("SELECT count(*) FROM trash"), 0);
    let image_url = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {tesi}"),
    );
    assert_eq!(client.get(app.url(&image_url)).status().await, 200);
    assert_eq!(
        client
            .get(app.url(&format!("/bikes/{tesi}")))
            .status()
            .await,
        200
    );
    let counted = app.count(&format!(
        "SELECT bikes FROM maker_bike_counts WHERE maker_id = {bimota}"
    ));
    assert_eq!(counted, 1, "the count triggers follow the restore");
}

#[tokio::test]
async fn a_maker_whose_name_was_taken_meanwhile_stays_in_the_trash() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let add = |name: &str| with_token(&[("name".to_string(), name.to_string())], &token);
    assert_eq!(
        post_form(&client, &app.url("/admin/makers/add"), &add("Bimota"))
            .await
            .status(),
        303
    );
    let bimota = maker_id(&app, "Bimota");
    let url = app.url(&format!("/admin/makers/delete/{bimota}"));
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        303
    );
    assert_eq!(
        post_form(&client, &app.url("/admin/makers/add"), &add("BIMOTA"))
            .await
            .status(),
        303
    );
    let item = trash_id(&app, "maker", bimota);
    let url = app.url(&format!("/admin/trash/{item}/restore"));
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        409
    );
    assert_eq!(trash_id(&app, "maker", bimota), item);
}

#[tokio::test]
async fn with_zero_trash_days_a_delete_is_final_and_old_items_are_purged_at_start() {
    let app = spawn_app_with(|config| config.trash_days = 0).await;
    crate::helpers::create_admin(&app, ADMIN, PASSWORD);
    let client = client();
    assert_eq!(login(&app, &client, ADMIN, PASSWORD).await.status(), 303);
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    delete_bike(&app, &client, &token, monster).await;
    assert_eq!(app.count("SELECT count(*) FROM trash"), 0);
    assert_eq!(bike_id(&app, "Monster"), 0);
    // Its delete cannot be undone: the bike is gone for good.
    let entry = newest_entry(&app);
    let refused = undo(&app, &client, &token, entry).await;
    assert_eq!(refused.status(), 409);
    assert!(refused.body().await.contains("no longer kept"));
}

#[tokio::test]
async fn items_older_than_the_trash_days_are_purged_when_the_server_starts() {
    let (mut app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    let panigale = bike_id(&app, "Panigale V4");
    delete_bike(&app, &client, &token, monster).await;
    delete_bike(&app, &client, &token, panigale).await;
    app.stop().await;
    let conn = rusqlite::Connection::open(&app.db_path).expect("open");
    conn.execute(
        "UPDATE trash SET deleted_at = deleted_at - 31 * 86400 WHERE record_id = ?1",
        [monster],
    )
    .expect("age one item");
    drop(conn);
    let config = motodex::Config::for_tests(app.db_path.clone());
    let dir = tempfile::tempdir().expect("dir");
    let again = crate::helpers::spawn_config(dir, config).await;
    let mut purged = false;
    for _ in 0..50 {
        if again.count("SELECT count(*) FROM trash") == 1 {
            purged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(purged, "the 31-day-old item was purged at start");
    assert!(
        trash_id(&again, "bike", panigale) > 0,
        "the recent one stays"
    );
}

#[tokio::test]
async fn only_the_owner_empties_the_trash_after_a_confirmation_page() {
    let (app, owner) = logged_in_app().await;
    let token = admin_token(&app, &owner).await;
    create_admin(&app, "assistant", PASSWORD);
    let assistant = client_for(&app, "assistant").await;
    let assistant_token = admin_token(&app, &assistant).await;
    delete_bike(&app, &owner, &token, bike_id(&app, "Monster")).await;

    assert_eq!(
        assistant.get(app.url("/admin/trash/empty")).status().await,
        403
    );
    let url = app.url("/admin/trash/empty");
    assert_eq!(
        post_form(&assistant, &url, &with_token(&[], &assistant_token))
            .await
            .status(),
        403
    );
    assert_eq!(app.count("SELECT count(*) FROM trash"), 1);
    let trash = page(&assistant, &app.url("/admin/trash"), 200).await;
    assert!(!trash.contains("Empty the trash"));

    let confirm = page(&owner, &url, 200).await;
    assert!(confirm.contains("Delete the 1 item in the trash for good?"));
    assert_eq!(
        post_form(&owner, &url, &with_token(&[], &token))
            .await
            .status(),
        303
    );
    assert_eq!(app.count("SELECT count(*) FROM trash"), 0);
    assert_eq!(app.count("SELECT count(*) FROM kept_photos"), 0);
}

#[tokio::test]
async fn the_new_forms_need_a_session_and_a_csrf_token_and_refuse_bad_ids() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    assert_eq!(edit_year(&app, &client, &token, monster, "2019").await, 303);
    let entry = newest_entry(&app);
    delete_bike(&app, &client, &token, bike_id(&app, "Panigale V4")).await;
    let item = app.count("SELECT max(trash_id) FROM trash");
    let entries = app.count("SELECT count(*) FROM activity");
    let posts = [
        format!("/admin/undo/{entry}"),
        format!("/admin/edit/{monster}/history/{entry}/restore"),
        format!("/admin/trash/{item}/restore"),
        "/admin/trash/empty".to_string(),
        "/admin/activity/undo".to_string(),
    ];
    let stranger = client_without_session();
    for path in &posts {
        // Without the CSRF token: 403.
        let fields = vec![("user".to_string(), "1".to_string())];
        assert_eq!(
            post_form(&client, &app.url(path), &fields).await.status(),
            403,
            "{path}"
        );
        // Without a session: to the login page.
        let fields = with_token(&[("user".to_string(), "1".to_string())], &token);
        let answer = post_form(&stranger, &app.url(path), &fields).await;
        assert_eq!(answer.status(), 303, "{path}");
        assert!(
            answer.headers()["location"]
                .to_str()
                .unwrap_or("")
                .starts_with("/admin/login")
        );
    }
    for path in [
        "/admin/activity",
        "/admin/trash",
        &format!("/admin/edit/{monster}/history"),
    ] {
        let answer = stranger.get(app.url(path)).sent().await;
        assert_eq!(answer.status(), 303, "{path}");
    }
    // Unknown, malformed and purged ids.
    for path in [
        "/admin/undo/999999".to_string(),
        "/admin/undo/abc".to_string(),
        "/admin/undo/-1".to_string(),
        "/admin/trash/999999/restore".to_string(),
        "/admin/trash/1x/restore".to_string(),
        format!("/admin/edit/{monster}/history/999999/restore"),
        format!("/admin/edit/999999/history/{entry}/restore"),
    ] {
        let answer = post_form(&client, &app.url(&path), &with_token(&[], &token)).await;
        assert_eq!(answer.status(), 404, "{path}");
    }
    for path in [
        "/admin/edit/999999/history",
        "/admin/makers/edit/999999/history",
        "/admin/edit/0/history",
    ] {
        assert_eq!(client.get(app.url(path)).status().await, 404, "{path}");
    }
    let fields = with_token(&[("user".to_string(), "x".to_string())], &token);
    assert_eq!(
        post_form(&client, &app.url("/admin/activity/undo"), &fields)
            .await
            .status(),
        404
    );
    let fields = with_token(
        &[
            ("user".to_string(), "1".to_string()),
            ("since".to_string(), "yesterday".to_string()),
        ],
        &token,
    );
    assert_eq!(
        post_form(&client, &app.url("/admin/activity/undo"), &fields)
            .await
            .status(),
        400
    );
    // Purge the trash, then its item's restore is 404.
    let url = app.url("/admin/trash/empty");
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        303
    );
    let url = app.url(&format!("/admin/trash/{item}/restore"));
    assert_eq!(
        post_form(&client, &url, &with_token(&[], &token))
            .await
            .status(),
        404
    );
    assert_eq!(year_of(&app, monster), "2019");
    assert_eq!(
        app.count("SELECT count(*) FROM activity"),
        entries + 1,
        "only the emptying of the trash was recorded"
    );
}

fn client_without_session() -> reqwest::Client {
    client()
}

#[tokio::test]
async fn the_activity_page_filters_and_pages_and_speaks_in_words() {
    let (app, client) = logged_in_app().await;
    let token = admin_token(&app, &client).await;
    let monster = bike_id(&app, "Monster");
    for year in ["2001", "2002", "2003"] {
        assert_eq!(edit_year(&app, &client, &token, monster, year).await, 303);
    }
    let body = page(&client, &app.url("/admin/activity"), 200).await;
    assert!(body.contains("changed the year of Ducati Monster from 2002 to 2003"));
    assert!(body.contains("127.0.0.1"));
    assert!(body.contains(&format!("/admin/edit/{monster}/history")));
    let newest = body.find("from 2002 to 2003").expect("newest");
    let oldest = body.find("from 2021 to 2001").expect("oldest");
    assert!(newest < oldest);

    let body = page(&client, &app.url("/admin/activity?kind=security"), 200).await;
    assert!(body.contains("logged in"));
    assert!(!body.contains("changed the year"));
    let body = page(&client, &app.url("/admin/activity?q=2001%20to"), 200).await;
    assert!(body.contains("from 2001 to 2002"));
    assert!(!body.contains("from 2002 to 2003"));
    let body = page(
        &client,
        &app.url("/admin/activity?since=2999-01-01T00:00"),
        200,
    )
    .await;
    assert!(!body.contains("changed the year"));
    let refused = client
        .get(app.url("/admin/activity?since=soon"))
        .sent()
        .await;
    assert_eq!(refused.status(), 422);
    // Malformed filters narrow nothing rather than fail.
    assert_eq!(
        client
            .get(app.url("/admin/activity?user=abc&kind=nonsense&page=0"))
            .status()
            .await,
        200
    );

    // 50 a page, with a link to the older ones.
    let conn = rusqlite::Connection::open(&app.db_path).expect("open");
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
         INSERT INTO activity (at, username, kind, action, description)
         SELECT 1000 + i, 'filler', 'settings', 'edit', 'filler entry ' || i FROM n;",
    )
    .expect("fill");
    let first = page(&client, &app.url("/admin/activity"), 200).await;
    assert_eq!(first.matches("filler entry").count(), 50);
    assert!(first.contains("rel=\"next\""));
    let second = page(&client, &app.url("/admin/activity?page=2"), 200).await;
    assert!(second.contains("filler entry 1<") || second.contains("filler entry 1 "));
    assert!(second.contains("rel=\"prev\""));
}
