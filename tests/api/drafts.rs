//! Drafts (SPEC §10, issue 16): a contributor's add makes a draft, kept out
//! of the course's `bikes` and the public site; an editor publishes it
//! (through SPEC §5's checks, photo included) or sends it back with a
//! comment the contributor sees, edits and sends again; a contributor
//! cannot publish, return, or touch others' drafts or live bikes.

use crate::helpers::catalogue::*;
use crate::helpers::*;
use crate::roles::{app_with_every_role, fingerprint, signed_in};

fn drafts(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM drafts")
}

fn newest_draft(app: &TestApp) -> i64 {
    app.count("SELECT coalesce(max(draft_id), 0) FROM drafts")
}

/// What a refused request could have changed, drafts included.
fn everything(app: &TestApp) -> String {
    format!(
        "{}|{}",
        fingerprint(app),
        text(
            app,
            "SELECT coalesce(group_concat(draft_id || model || year || returned || comment, ','), '')
             FROM (SELECT * FROM drafts ORDER BY draft_id)"
        )
    )
}

/// The student sends a draft of `model` (with a photo when given).
async fn send_draft(
    app: &TestApp,
    student: &(reqwest::Client, String),
    model: &str,
    photo: Option<Upload>,
) -> reqwest::Response {
    let fields = with_token(&bike(maker_id(app, "Honda"), model), &student.1);
    post_multipart(&student.0, &app.url("/admin/add"), &fields, photo).await
}

async fn post_as(
    app: &TestApp,
    who: &(reqwest::Client, String),
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    post_form(&who.0, &app.url(path), &with_token(&fields, &who.1)).await
}

#[tokio::test]
async fn a_contributors_add_is_a_draft_not_in_bikes_and_not_public() {
    let app = app_with_every_role().await;
    let student = signed_in(&app, "student").await;
    let form = page(&student.0, &app.url("/admin/add"), 200).await;
    assert!(form.contains("Send for review"));
    let bikes_before = bikes(&app);

    let response = send_draft(&app, &student, "Student Special", None).await;
    assert_eq!(response.headers()["location"], "/admin/drafts");
    let list = follow(&app, &student.0, response).await;
    assert!(list.contains("Sent Honda Student Special for review"));
    assert!(list.contains("Student Special") && list.contains("Waiting for an editor"));

    assert_eq!(bikes(&app), bikes_before, "not in the course's bikes");
    assert_eq!(bike_id(&app, "Student Special"), 0);
    assert_eq!(drafts(&app), 1);
    let public = page(&client(), &app.url("/?search=Student"), 200).await;
    assert!(!public.contains("Student Special"), "not public");
    let api = page(&client(), &app.url("/api/bikes?search=Student"), 200).await;
    assert!(api.contains("\"total\":0"), "{api}");
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE kind = 'draft' AND action = 'submit'"),
        1,
        "recorded"
    );
}

#[tokio::test]
async fn publishing_makes_it_public_with_the_right_fields_and_photo() {
    let app = app_with_every_role().await;
    let student = signed_in(&app, "student").await;
    let editor = signed_in(&app, "editor").await;
    send_draft(&app, &student, "Published One", Some(png_upload(80, 60))).await;
    let draft = newest_draft(&app);

    let menu = page(&editor.0, &app.url("/admin"), 200).await;
    assert!(
        menu.contains(
            r#"<span class="count-badge">1<span class="visually-hidden"> waiting</span></span>"#
        ),
        "the editor's menu counts the waiting draft"
    );
    let list = page(&editor.0, &app.url("/admin/drafts"), 200).await;
    assert!(list.contains(&format!("/admin/drafts/{draft}/photo")));
    let photo = editor
        .0
        .get(app.url(&format!("/admin/drafts/{draft}/photo")))
        .sent()
        .await;
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.headers()["content-type"], "image/png");
    assert!(
        client()
            .get(app.url(&format!("/admin/drafts/{draft}/photo")))
            .status()
            .await
            != 200
    );

    let response = post_as(
        &app,
        &editor,
        &format!("/admin/drafts/{draft}/publish"),
        &[],
    )
    .await;
    let landing = follow(&app, &editor.0, response).await;
    assert!(landing.contains("Published Honda Published One."));

    let id = bike_id(&app, "Published One");
    assert!(id > 0);
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT m.name || '|' || b.year || '|' || b.engine FROM bikes b
                 JOIN makers m ON m.maker_id = b.maker_id WHERE b.bike_id = {id}"
            )
        ),
        "Honda|2021|890cc"
    );
    let image = app.count(&format!("SELECT image_id FROM images WHERE bike_id = {id}"));
    assert!(image > 0, "the photo came with it");
    let public = page(&client(), &app.url(&format!("/bikes/{id}")), 200).await;
    assert!(public.contains("Published One") && public.contains(&format!("/images/{image}")));
    assert_eq!(drafts(&app), 0, "the draft is gone");
    assert_eq!(
        text(
            &app,
            &format!("SELECT added_by FROM bike_authors WHERE bike_id = {id}")
        ),
        "student",
        "the contributor added it"
    );
    assert_eq!(
        text(
            &app,
            "SELECT username FROM activity WHERE kind = 'draft' AND action = 'publish'"
        ),
        "editor"
    );
}

#[tokio::test]
async fn returning_shows_the_comment_and_the_contributor_edits_and_sends_it_again() {
    let app = app_with_every_role().await;
    let student = signed_in(&app, "student").await;
    let editor = signed_in(&app, "editor").await;
    send_draft(&app, &student, "Needs Work", Some(png_upload(20, 20))).await;
    let draft = newest_draft(&app);

    // An empty comment is refused, nothing changes.
    let before = everything(&app);
    let empty = post_as(
        &app,
        &editor,
        &format!("/admin/drafts/{draft}/return"),
        &[("comment", "   ")],
    )
    .await;
    assert_eq!(empty.status(), 422);
    assert!(
        error_beside(&empty.body().await, &format!("comment-{draft}"))
            .unwrap()
            .contains("Write what the contributor should change")
    );
    assert_eq!(everything(&app), before);

    let returned = post_as(
        &app,
        &editor,
        &format!("/admin/drafts/{draft}/return"),
        &[("comment", "Which year? 2021 looks wrong.")],
    )
    .await;
    assert!(
        follow(&app, &editor.0, returned)
            .await
            .contains("Sent Honda Needs Work back to student.")
    );
    let list = page(&student.0, &app.url("/admin/drafts"), 200).await;
    assert!(list.contains("Which year? 2021 looks wrong."));
    let form = page(
        &student.0,
        &app.url(&format!("/admin/drafts/{draft}/edit")),
        200,
    )
    .await;
    assert!(
        form.contains("Which year? 2021 looks wrong."),
        "beside the form too"
    );
    assert_eq!(field_value(&form, "model").as_deref(), Some("Needs Work"));

    let fields = with_token(
        &with(bike(maker_id(&app, "Honda"), "Needs Work"), "year", "2019"),
        &student.1,
    );
    let resent = post_multipart(
        &student.0,
        &app.url(&format!("/admin/drafts/{draft}/edit")),
        &fields,
        None,
    )
    .await;
    assert_eq!(resent.headers()["location"], "/admin/drafts");
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT year || '|' || returned || '|' || (photo IS NOT NULL) FROM drafts WHERE draft_id = {draft}"
            )
        ),
        "2019|0|1",
        "sent again, waiting, its photo kept"
    );
    assert_eq!(bike_id(&app, "Needs Work"), 0, "still a draft");
}

#[tokio::test]
async fn a_contributor_cannot_publish_return_or_touch_others_drafts_or_live_bikes() {
    let app = app_with_every_role().await;
    let student = signed_in(&app, "student").await;
    send_draft(&app, &student, "Mine Only", None).await;
    let draft = newest_draft(&app);
    let other_hash = motodex::auth::password::hash(PASSWORD);
    app.state
        .db
        .write_now(|tx| {
            motodex::db::users::insert(
                tx,
                &motodex::domain::activity::Actor::command_line(),
                &motodex::db::users::NewAccount::new(
                    "classmate",
                    &other_hash,
                    motodex::domain::roles::Role::Contributor,
                ),
            )
        })
        .expect("insert")
        .expect("free name");
    let classmate = signed_in(&app, "classmate").await;
    let live = bike_id(&app, "Monster");

    let before = everything(&app);
    let refused = [
        post_as(
            &app,
            &student,
            &format!("/admin/drafts/{draft}/publish"),
            &[],
        )
        .await,
        post_as(
            &app,
            &student,
            &format!("/admin/drafts/{draft}/return"),
            &[("comment", "self-review")],
        )
        .await,
        classmate
            .0
            .get(app.url(&format!("/admin/drafts/{draft}/edit")))
            .sent()
            .await,
        post_multipart(
            &classmate.0,
            &app.url(&format!("/admin/drafts/{draft}/edit")),
            &with_token(&bike(maker_id(&app, "Honda"), "Hijacked"), &classmate.1),
            None,
        )
        .await,
        classmate
            .0
            .get(app.url(&format!("/admin/drafts/{draft}/photo")))
            .sent()
            .await,
        post_multipart(
            &student.0,
            &app.url(&format!("/admin/edit/{live}")),
            &with_token(&bike(maker_id(&app, "Ducati"), "Monster"), &student.1),
            None,
        )
        .await,
        post_as(&app, &student, &format!("/admin/delete/{live}"), &[]).await,
    ];
    for response in refused {
        let url = response.url().to_string();
        assert_eq!(response.status(), 403, "{url}");
        assert!(
            response.body().await.contains("Nothing was changed"),
            "{url}"
        );
    }
    assert_eq!(everything(&app), before, "nothing changed");

    let theirs = page(&classmate.0, &app.url("/admin/drafts"), 200).await;
    assert!(
        !theirs.contains("Mine Only"),
        "a contributor sees only their own drafts"
    );
    assert!(!theirs.contains("/publish"));
}

#[tokio::test]
async fn a_draft_that_no_longer_passes_the_checks_is_not_published_and_nothing_is_written() {
    let app = app_with_every_role().await;
    let student = signed_in(&app, "student").await;
    let editor = signed_in(&app, "editor").await;
    let fields = with_token(
        &with(
            with(bike(0, "Orphaned"), "maker_id", ""),
            "new_maker",
            "Norton",
        ),
        &student.1,
    );
    post_multipart(&student.0, &app.url("/admin/add"), &fields, None).await;
    let draft = newest_draft(&app);
    assert_eq!(maker_id(&app, "Norton"), 0, "a draft adds no maker yet");
    // Meanwhile someone adds the maker itself.
    let token = editor.1.clone();
    post_form(
        &editor.0,
        &app.url("/admin/makers/add"),
        &with_token(&[("name".to_string(), "NORTON".to_string())], &token),
    )
    .await;

    let before = everything(&app);
    let response = post_as(
        &app,
        &editor,
        &format!("/admin/drafts/{draft}/publish"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.body().await;
    assert!(body.contains("cannot be published"), "{body}");
    assert!(body.contains("There is already a maker called “NORTON”"));
    assert_eq!(everything(&app), before);
    assert_eq!(bike_id(&app, "Orphaned"), 0);
}
