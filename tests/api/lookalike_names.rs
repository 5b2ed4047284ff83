//! Usernames and maker names compared as SPEC §6 has them (issue 18 item 3):
//! NFKC and full case folding make one name; a name that looks like an
//! existing one (UTS #39 confusables), mixes scripts, or hides an invisible
//! character is refused with a sentence, and nothing is written.

use crate::accounts::flask_course_database;
use crate::helpers::binary::{self, run_with_stdin};
use crate::helpers::catalogue::*;
use crate::helpers::*;

const NEW_PASSWORD: &str = "violet lanterns drift over quiet harbours";

async fn add_user(app: &TestApp, c: &reqwest::Client, username: &str) -> reqwest::Response {
    let token = csrf_token_of(&page(c, &app.url("/admin/users"), 200).await);
    c.post(app.url("/admin/users/add"))
        .form(&[
            ("username", username),
            ("password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
            ("csrf_token", &token),
        ])
        .sent()
        .await
}

async fn add_maker(app: &TestApp, c: &reqwest::Client, name: &str) -> reqwest::Response {
    let token = admin_token(app, c).await;
    post_form(
        c,
        &app.url("/admin/makers/add"),
        &[("csrf_token".into(), token), ("name".into(), name.into())],
    )
    .await
}

#[tokio::test]
async fn look_alike_usernames_are_refused_on_the_users_page_and_nothing_is_written() {
    let (app, c) = logged_in_app().await;
    create_admin(&app, "admin", PASSWORD);
    create_admin(&app, "copy", PASSWORD);
    let accounts = app.count("SELECT count(*) FROM users");
    let activity = app.count("SELECT count(*) FROM activity");
    for (typed, message) in [
        ("ａdmin", "The username “ａdmin” is already taken."),
        ("ADMIN", "The username “ADMIN” is already taken."),
        (
            "adm\u{131}n",
            "“adm\u{131}n” looks the same as an existing name, “admin”: choose one that looks different.",
        ),
        (
            "\u{441}\u{43e}\u{440}\u{443}",
            "“\u{441}\u{43e}\u{440}\u{443}” looks the same as an existing name, “copy”: choose one that looks different.",
        ),
        (
            "\u{430}dmin",
            "A username cannot mix letters of different scripts (such as Latin and Cyrillic).",
        ),
        (
            "admin\u{3164}",
            "A username cannot contain invisible characters (this one has U+3164).",
        ),
        (
            "ad\u{200b}min",
            "A username cannot contain invisible characters (this one has U+200B).",
        ),
    ] {
        let response = add_user(&app, &c, typed).await;
        assert_eq!(response.status(), 422, "{typed}");
        let body = response.body().await;
        assert_eq!(
            error_beside(&body, "username").as_deref(),
            Some(message),
            "{typed}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), accounts);
    assert_eq!(app.count("SELECT count(*) FROM activity"), activity);
}

#[tokio::test]
async fn the_same_name_in_another_case_or_script_form_is_refused_beside_greek_and_accents() {
    let (app, c) = logged_in_app().await;
    assert_eq!(add_user(&app, &c, "Émile").await.status(), 303);
    assert_eq!(add_user(&app, &c, "ΣΊΣΥΦΟΣ").await.status(), 303);
    let accounts = app.count("SELECT count(*) FROM users");
    for typed in ["émile", "E\u{301}MILE", "σίσυφος", "ΣΊΣΥΦΟΣ"] {
        let response = add_user(&app, &c, typed).await;
        assert_eq!(response.status(), 422, "{typed}");
        let body = response.body().await;
        assert!(body.contains("is already taken"), "{typed}");
    }
    assert_eq!(app.count("SELECT count(*) FROM users"), accounts);
}

#[tokio::test]
async fn logging_in_with_another_case_or_normal_form_finds_the_account() {
    let app = app_with_admin().await;
    create_admin(&app, "Émile", PASSWORD);
    for typed in ["Émile", "émile", "ÉMILE", "E\u{301}mile", "Ｅ\u{301}mile"] {
        let c = client();
        let response = login(&app, &c, typed, PASSWORD).await;
        assert_eq!(response.status(), 303, "{typed}");
        let admin = page(&c, &app.url("/admin"), 200).await;
        assert!(admin.contains("Émile"), "{typed} is signed in as Émile");
    }
}

#[tokio::test]
async fn failed_logins_under_another_form_of_a_name_count_for_that_name() {
    let app = app_with_admin().await;
    for typed in ["TEACHER", "ｔｅａｃｈｅｒ", "Teacher", "teacher", "TeAcHeR"] {
        assert_eq!(
            login(&app, &client(), typed, "wrong password")
                .await
                .status(),
            200
        );
    }
    assert_eq!(
        login(&app, &client(), ADMIN, PASSWORD).await.status(),
        429,
        "five failures under any form of the name lock it"
    );
}

#[test]
fn the_create_admin_command_refuses_look_alike_and_invisible_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    binary::create_admin(&db, "admin", PASSWORD);
    for (typed, message) in [
        ("ＡＤＭＩＮ", "An admin named “ＡＤＭＩＮ” already exists."),
        (
            "adm\u{131}n",
            "“adm\u{131}n” looks the same as an existing name, “admin”",
        ),
        ("admin\u{3164}", "cannot contain invisible characters"),
        ("\u{430}dmin", "cannot mix letters of different scripts"),
    ] {
        let mut create = binary::motodex(&db);
        create.args(["create-admin", typed, "--password-stdin"]);
        let output = run_with_stdin(create, &format!("{PASSWORD}\n"));
        assert!(!output.status.success(), "{typed}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{typed}: {stderr}");
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let accounts: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(accounts, 1);
}

#[tokio::test]
async fn maker_names_are_compared_folded_and_look_alikes_are_refused() {
    let (app, c) = logged_in_app().await;
    assert_eq!(add_maker(&app, &c, "Ñandú").await.status(), 303);
    assert_eq!(add_maker(&app, &c, "ΣΊΣΥΦΟΣ").await.status(), 303);
    let count = makers(&app);
    let activity = app.count("SELECT count(*) FROM activity");
    for (typed, message) in [
        ("ñandú", "There is already a maker called “Ñandú”."),
        (
            "N\u{303}ANDU\u{301}",
            "There is already a maker called “Ñandú”.",
        ),
        ("σίσυφος", "There is already a maker called “ΣΊΣΥΦΟΣ”."),
        ("σίσυφοσ", "There is already a maker called “ΣΊΣΥΦΟΣ”."),
        ("ＤＵＣＡＴＩ", "There is already a maker called “Ducati”."),
        (
            "Du\u{441}ati",
            "“Du\u{441}ati” looks the same as an existing name, “Ducati”: choose one that looks different.",
        ),
        (
            "Hon\u{200b}da",
            "A maker name cannot contain invisible characters (this one has U+200B).",
        ),
    ] {
        let response = add_maker(&app, &c, typed).await;
        assert_eq!(response.status(), 422, "{typed}");
        let body = response.body().await;
        assert_eq!(
            error_beside(&body, "name").as_deref(),
            Some(message),
            "{typed}"
        );
    }
    assert_eq!(makers(&app), count);
    assert_eq!(app.count("SELECT count(*) FROM activity"), activity);
}

#[test]
fn the_import_matches_maker_names_by_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    binary::create_admin(&db, ADMIN, PASSWORD);
    let file = dir.path().join("bikes.csv");
    std::fs::write(
        &file,
        "maker,model,year,engine\nＤＵＣＡＴＩ,Fullwidth Match,2020,937cc\nΣΊΣΥΦΟΣ,Greek,2021,500cc\nσίσυφος,Greek Lower,2022,500cc\n",
    )
    .unwrap();
    let mut command = binary::motodex(&db);
    command.arg("import").arg(&file).arg("--create-makers");
    let (code, out, err) = binary::run(command);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("3 bikes added") && out.contains("1 maker created"),
        "{out}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let ducati_bikes: i64 = conn
        .query_row(
            "SELECT count(*) FROM bikes b JOIN makers m USING (maker_id)
             WHERE m.name = 'Ducati' AND b.model = 'Fullwidth Match'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ducati_bikes, 1, "ＤＵＣＡＴＩ is the existing Ducati");
}

/// A database written before names were compared this way (by the Flask
/// app, or an older motodex) may hold two accounts or makers of one key.
/// The upgrade keeps them all; each account logs in by its own spelling;
/// another form of the name finds the older one; no new one like them is
/// accepted.
#[tokio::test]
async fn an_old_database_with_names_that_are_now_the_same_opens_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("database.db");
    flask_course_database(&db_path);
    {
        let conn = rusqlite::Connection::open(&db_path).unwrap();
        conn.execute(
            "INSERT INTO users (username, password_hash) VALUES ('Émile', ?1), ('émile', ?2)",
            [
                motodex::auth::password::hash(PASSWORD),
                motodex::auth::password::hash(NEW_PASSWORD),
            ],
        )
        .unwrap();
        conn.execute_batch("INSERT INTO makers (name) VALUES ('Škoda'), ('ŠKODA');")
            .unwrap();
    }
    let app = spawn_config(dir, motodex::Config::for_tests(db_path)).await;
    assert_eq!(app.count("SELECT count(*) FROM users"), 4);
    assert_eq!(
        app.count("SELECT count(*) FROM makers WHERE name IN ('Škoda', 'ŠKODA')"),
        2
    );
    assert_eq!(
        login(&app, &client(), "Émile", PASSWORD).await.status(),
        303
    );
    assert_eq!(
        login(&app, &client(), "émile", NEW_PASSWORD).await.status(),
        303
    );
    let c = client();
    assert_eq!(login(&app, &c, "ÉMILE", PASSWORD).await.status(), 303);
    let admin = page(&c, &app.url("/admin"), 200).await;
    assert!(
        admin.contains("Émile"),
        "another form finds the older account"
    );

    let response = add_user(&app, &c, "E\u{301}MILE").await;
    assert_eq!(response.status(), 422);
    assert!(response.body().await.contains("is already taken"));
    let response = add_maker(&app, &c, "škoda").await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .body()
            .await
            .contains("There is already a maker called “Škoda”.")
    );
    assert_eq!(app.count("SELECT count(*) FROM users"), 4);
}
