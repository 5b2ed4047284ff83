//! The bike form's first-day fixes (issue 16, item 8): a new maker typed
//! beside the list, added with the bike in one submit; a photo kept across
//! a rejected form; and who added and last changed each bike (SPEC §10).

use crate::helpers::catalogue::*;
use crate::helpers::*;

fn newest_entry(app: &TestApp) -> i64 {
    app.count("SELECT max(entry_id) FROM activity")
}

fn entries(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM activity")
}

/// A bike form naming a new maker instead of one from the list.
fn with_new_maker(model: &str, maker: &str) -> Vec<(String, String)> {
    with(with(bike(0, model), "maker_id", ""), "new_maker", maker)
}

/// Sends the add form as a browser does (multipart, optional photo).
async fn add(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(String, String)],
    photo: Option<Upload>,
) -> reqwest::Response {
    let token = admin_token(app, c).await;
    post_multipart(
        c,
        &app.url("/admin/add"),
        &with_token(fields, &token),
        photo,
    )
    .await
}

/// The `held_photo` token of a form page.
fn kept_token(body: &str) -> String {
    field_value(body, "held_photo").expect("the form carries the kept photo's token")
}

// --- A new maker from the bike form ---

#[tokio::test]
async fn a_new_maker_typed_beside_the_list_is_added_with_the_bike_in_one_entry() {
    let (app, c) = logged_in_app().await;
    let (makers_before, entries_before) = (makers(&app), entries(&app));
    let response = add(
        &app,
        &c,
        &with_new_maker("SS100", "  Brough Superior "),
        None,
    )
    .await;
    let list = follow(&app, &c, response).await;
    assert!(list.contains("Added Brough Superior SS100."), "{list}");
    assert_eq!(makers(&app), makers_before + 1);
    let maker = maker_id(&app, "Brough Superior");
    assert!(maker > 0, "the maker's name is trimmed");
    assert_eq!(
        app.count(&format!(
            "SELECT maker_id FROM bikes WHERE bike_id = {}",
            bike_id(&app, "SS100")
        )),
        maker
    );
    assert_eq!(entries(&app), entries_before + 1, "one entry for both");
    let entry = newest_entry(&app);
    assert_eq!(
        text(
            &app,
            &format!("SELECT description FROM activity WHERE entry_id = {entry}")
        ),
        "added Brough Superior SS100 with the new maker Brough Superior"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM activity_records WHERE entry_id = {entry}"
        )),
        2,
        "the entry touched the maker and the bike"
    );
    let public = page(&c, &app.url(&format!("/?maker_id={maker}")), 200).await;
    assert!(public.contains("SS100"));
}

#[tokio::test]
async fn undoing_that_one_submit_takes_back_both_the_bike_and_the_maker() {
    let (app, c) = logged_in_app().await;
    let before = (bikes(&app), makers(&app));
    let response = add(&app, &c, &with_new_maker("Black Shadow", "Vincent"), None).await;
    assert_eq!(response.status(), 303);
    let entry = newest_entry(&app);
    let token = admin_token(&app, &c).await;
    let undone = post_form(
        &c,
        &app.url(&format!("/admin/undo/{entry}")),
        &with_token(&[], &token),
    )
    .await;
    assert_eq!(undone.status(), 303);
    assert_eq!((bikes(&app), makers(&app)), before);
    assert_eq!(
        app.count("SELECT count(*) FROM trash WHERE name LIKE '%Vincent%'"),
        2,
        "both wait in the trash"
    );
}

#[tokio::test]
async fn editing_a_bike_can_move_it_to_a_new_maker_in_one_submit() {
    let (app, c) = logged_in_app().await;
    let id = bike_id(&app, "Monster");
    let token = admin_token(&app, &c).await;
    let fields = with(
        with(bike(maker_id(&app, "Ducati"), "Monster"), "engine", "937cc"),
        "new_maker",
        "Cagiva",
    );
    let response = post_multipart(
        &c,
        &app.url(&format!("/admin/edit/{id}")),
        &with_token(&fields, &token),
        None,
    )
    .await;
    assert!(
        follow(&app, &c, response)
            .await
            .contains("Saved Cagiva Monster.")
    );
    assert_eq!(
        app.count(&format!("SELECT maker_id FROM bikes WHERE bike_id = {id}")),
        maker_id(&app, "Cagiva")
    );
}

#[tokio::test]
async fn a_bad_new_maker_name_is_refused_with_everything_kept_and_nothing_written() {
    let (app, c) = logged_in_app().await;
    let cases = [
        ("x".repeat(61), "at most 60 characters"),
        (
            "hONDA".to_string(),
            "There is already a maker called “Honda”",
        ),
    ];
    for (name, words) in cases {
        let before = (bikes(&app), makers(&app), entries(&app), images(&app));
        let fields = with(with_new_maker("Gold Star", &name), "engine", "499cc");
        let response = add(&app, &c, &fields, Some(png_upload(20, 20))).await;
        assert_eq!(response.status(), 422, "{name}");
        let body = response.body().await;
        let message = error_beside(&body, "new_maker").expect("message beside the field");
        assert!(message.contains(words), "{message}");
        assert_eq!(
            field_value(&body, "new_maker").as_deref(),
            Some(name.as_str())
        );
        assert_eq!(field_value(&body, "model").as_deref(), Some("Gold Star"));
        assert_eq!(field_value(&body, "year").as_deref(), Some("2021"));
        assert_eq!(field_value(&body, "engine").as_deref(), Some("499cc"));
        assert!(body.contains("Kept from your last try"), "the photo too");
        assert_eq!(
            (bikes(&app), makers(&app), entries(&app), images(&app)),
            before,
            "nothing written"
        );
    }
}

// --- The photo kept across a rejected form ---

#[tokio::test]
async fn a_photo_kept_across_a_rejected_form_is_saved_once_the_year_is_fixed() {
    let (app, c) = logged_in_app().await;
    let honda = maker_id(&app, "Honda");
    let rejected = add(
        &app,
        &c,
        &with(bike(honda, "CB750 Four"), "year", "1700"),
        Some(png_upload(64, 48)),
    )
    .await;
    assert_eq!(rejected.status(), 422);
    let body = rejected.body().await;
    assert!(body.contains("Kept from your last try: <strong>bike.png</strong>"));
    assert_eq!((images(&app), bike_id(&app, "CB750 Four")), (0, 0));

    // Fixed, without choosing the file again (the browser sends the file
    // field empty and the hidden token).
    let fields = with(
        with(bike(honda, "CB750 Four"), "year", "1969"),
        "held_photo",
        &kept_token(&body),
    );
    let saved = add(&app, &c, &fields, None).await;
    assert!(
        follow(&app, &c, saved)
            .await
            .contains("Added Honda CB750 Four.")
    );
    let id = bike_id(&app, "CB750 Four");
    let image = app.count(&format!("SELECT image_id FROM images WHERE bike_id = {id}"));
    assert_eq!(
        text(
            &app,
            &format!("SELECT image_url FROM bikes WHERE bike_id = {id}")
        ),
        format!("/images/{image}")
    );
    let served = c.get(app.url(&format!("/images/{image}"))).sent().await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");

    // Used once: the token is gone.
    let again = add(
        &app,
        &c,
        &with(
            with(bike(honda, "CB77"), "held_photo", &kept_token(&body)),
            "year",
            "1961",
        ),
        None,
    )
    .await;
    assert_eq!(again.status(), 422);
    assert!(
        error_beside(&again.body().await, "image")
            .unwrap()
            .contains("choose it again")
    );
    assert_eq!(bike_id(&app, "CB77"), 0);
}

#[tokio::test]
async fn a_kept_photo_can_be_dropped_and_the_bike_is_saved_without_it() {
    let (app, c) = logged_in_app().await;
    let honda = maker_id(&app, "Honda");
    let rejected = add(
        &app,
        &c,
        &with(bike(honda, "Dropped"), "year", "1700"),
        Some(png_upload(20, 20)),
    )
    .await;
    let body = rejected.body().await;
    assert!(body.contains(r#"name="drop_held_photo""#));
    let fields = with(
        with(bike(honda, "Dropped"), "held_photo", &kept_token(&body)),
        "drop_held_photo",
        "1",
    );
    assert_eq!(add(&app, &c, &fields, None).await.status(), 303);
    assert!(bike_id(&app, "Dropped") > 0);
    assert_eq!(images(&app), 0);
}

#[tokio::test]
async fn a_kept_photo_of_another_account_is_refused_and_nothing_is_written() {
    let (app, c) = logged_in_app().await;
    let honda = maker_id(&app, "Honda");
    let rejected = add(
        &app,
        &c,
        &with(bike(honda, "Mine"), "year", "1700"),
        Some(png_upload(20, 20)),
    )
    .await;
    let token = kept_token(&rejected.body().await);

    create_admin(&app, "other", PASSWORD);
    let other = client();
    assert_eq!(login(&app, &other, "other", PASSWORD).await.status(), 303);
    let before = (bikes(&app), images(&app), entries(&app));
    let fields = with(bike(honda, "Stolen"), "held_photo", &token);
    let response = add(&app, &other, &fields, None).await;
    assert_eq!(response.status(), 422);
    let body = response.body().await;
    assert!(
        error_beside(&body, "image")
            .unwrap()
            .contains("no longer here")
    );
    assert!(
        !body.contains(&token),
        "the token is not shown to another account"
    );
    assert_eq!((bikes(&app), images(&app), entries(&app)), before);

    // A made-up token is refused the same way.
    let guessed = with(bike(honda, "Guessed"), "held_photo", &"0".repeat(64));
    assert_eq!(add(&app, &other, &guessed, None).await.status(), 422);
    assert_eq!(bike_id(&app, "Guessed"), 0);
}

#[tokio::test]
async fn a_file_that_is_no_photo_is_not_kept() {
    let (app, c) = logged_in_app().await;
    let not_a_photo = Upload {
        file_name: "notes.png",
        content_type: "image/png",
        bytes: b"these are words, not a picture".to_vec(),
    };
    let rejected = add(
        &app,
        &c,
        &with(bike(maker_id(&app, "Honda"), "Wordy"), "year", "1700"),
        Some(not_a_photo),
    )
    .await;
    assert_eq!(rejected.status(), 422);
    let body = rejected.body().await;
    assert!(error_beside(&body, "image").is_some());
    assert!(field_value(&body, "held_photo").is_none());
}

// --- Who added and last changed each bike ---

#[tokio::test]
async fn each_bike_shows_who_added_it_and_who_last_changed_it() {
    let (app, c) = logged_in_app().await;
    let response = add(&app, &c, &bike(maker_id(&app, "Honda"), "Authored"), None).await;
    assert_eq!(response.status(), 303);
    let id = bike_id(&app, "Authored");
    let form = page(&c, &app.url(&format!("/admin/edit/{id}")), 200).await;
    assert!(form.contains(&format!("Added by <strong>{ADMIN}</strong> on ")));
    assert!(form.contains("not changed since."));

    create_admin(&app, "editor1", PASSWORD);
    let other = client();
    login(&app, &other, "editor1", PASSWORD).await;
    let token = admin_token(&app, &other).await;
    let fields = with(bike(maker_id(&app, "Honda"), "Authored"), "year", "2020");
    let saved = post_multipart(
        &other,
        &app.url(&format!("/admin/edit/{id}")),
        &with_token(&fields, &token),
        None,
    )
    .await;
    assert_eq!(saved.status(), 303);

    let form = page(&c, &app.url(&format!("/admin/edit/{id}")), 200).await;
    assert!(form.contains(&format!("Added by <strong>{ADMIN}</strong>")));
    assert!(form.contains("last changed by <strong>editor1</strong> on "));
    let table = page(&c, &app.url("/admin?search=Authored"), 200).await;
    assert!(table.contains("Added · changed by"));
    assert!(table.contains(&format!("added by {ADMIN}")));
    assert!(table.contains("changed by editor1"));

    // A sample bike was written before anyone signed in: not known.
    let sample = bike_id(&app, "Monster");
    let form = page(&c, &app.url(&format!("/admin/edit/{sample}")), 200).await;
    assert!(form.contains("Who added it is not known"));
}

#[tokio::test]
async fn an_edit_records_who_changed_the_bike_but_not_who_added_it() {
    let (app, c) = logged_in_app().await;
    let id = bike_id(&app, "Monster");
    let token = admin_token(&app, &c).await;
    let fields = with(
        with(bike(maker_id(&app, "Ducati"), "Monster"), "engine", "937cc"),
        "year",
        "2019",
    );
    post_multipart(
        &c,
        &app.url(&format!("/admin/edit/{id}")),
        &with_token(&fields, &token),
        None,
    )
    .await;
    assert_eq!(
        text(
            &app,
            &format!("SELECT changed_by FROM bike_authors WHERE bike_id = {id}")
        ),
        ADMIN
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(added_by) FROM bike_authors WHERE bike_id = {id}"
        )),
        0,
        "an edit does not make its author the one who added it"
    );
}

#[tokio::test]
async fn an_upgraded_database_learns_who_added_and_changed_its_bikes_from_the_log() {
    let (mut app, c) = logged_in_app().await;
    add(&app, &c, &bike(maker_id(&app, "Honda"), "Logged"), None).await;
    let logged = bike_id(&app, "Logged");
    let monster = bike_id(&app, "Monster");
    let token = admin_token(&app, &c).await;
    let fields = with(
        with(bike(maker_id(&app, "Ducati"), "Monster"), "engine", "937cc"),
        "year",
        "2019",
    );
    post_multipart(
        &c,
        &app.url(&format!("/admin/edit/{monster}")),
        &with_token(&fields, &token),
        None,
    )
    .await;
    app.stop().await;
    // As the file was before version 8.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute_batch("DROP TABLE bike_authors; PRAGMA user_version = 7;")
        .unwrap();
    drop(conn);

    let dir = tempfile::tempdir().unwrap();
    let upgraded = spawn_config(dir, motodex::Config::for_tests(app.db_path.clone())).await;
    let row = |id: i64| {
        text(
            &upgraded,
            &format!(
                "SELECT coalesce(added_by, '-') || '|' || coalesce(changed_by, '-')
                 FROM bike_authors WHERE bike_id = {id}"
            ),
        )
    };
    assert_eq!(row(logged), format!("{ADMIN}|-"));
    assert_eq!(row(monster), format!("-|{ADMIN}"));
    assert_eq!(
        upgraded.count("SELECT count(*) FROM bike_authors"),
        2,
        "bikes the log never touched stay unknown"
    );
}
