//! Roles (SPEC §10, issue 16): every admin route × every role is allowed or
//! refused with 403 exactly as SPEC §10's table says, a refusal changes
//! nothing, and a role's menu links only to what it may open.
//!
//! The table below is written out by hand from the SPEC (not from motodex's
//! own `Role::may`), one line per route: adding a route is adding a line.

use motodex::auth::password;
use motodex::db::users::{self, NewAccount};
use motodex::domain::activity::Actor;
use motodex::domain::roles::Role;

use crate::helpers::catalogue::{bike, bike_id, maker_id, with};
use crate::helpers::{
    ADMIN, PASSWORD, RequestExt, ResponseExt, TestApp, client, csrf_token_of, login, page,
    spawn_app,
};

/// The roles as the table's columns name them.
const ROLES: [(char, &str); 4] = [
    ('O', ADMIN),
    ('A', "head"),
    ('E', "editor"),
    ('C', "student"),
];

/// An app with one account of each role (all with `PASSWORD`), an unused
/// maker and the sample catalogue.
pub async fn app_with_every_role() -> TestApp {
    let app = spawn_app().await;
    let hash = password::hash(PASSWORD);
    app.state
        .db
        .write_now(|tx| {
            for (name, role) in [
                (ADMIN, Role::Owner),
                ("head", Role::Admin),
                ("editor", Role::Editor),
                ("student", Role::Contributor),
            ] {
                users::insert(
                    tx,
                    &Actor::command_line(),
                    &NewAccount::new(name, &hash, role),
                )?
                .expect("a new name");
            }
            tx.execute("INSERT INTO makers (name) VALUES ('Unused')", [])?;
            Ok(())
        })
        .expect("accounts");
    app
}

pub async fn signed_in(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let client = client();
    let response = login(app, &client, username, PASSWORD).await;
    assert_eq!(response.status(), 303, "{username} logs in");
    let token = csrf_token_of(&page(&client, &app.url("/admin/change-password"), 200).await);
    (client, token)
}

pub fn user_id(app: &TestApp, name: &str) -> i64 {
    app.count(&format!(
        "SELECT user_id FROM users WHERE username = '{name}'"
    ))
}

/// What a route answers a role that may use it: a page or a redirect, or,
/// where the test sends nothing that could succeed, any answer but 403.
#[derive(Clone, Copy)]
enum Allowed {
    Success,
    NotRefused,
}

struct Route {
    method: &'static str,
    /// With `{bike}`, `{maker}`, `{unused}` (a maker no bike uses),
    /// `{student}` and `{head}` (account ids) filled in per app.
    path: &'static str,
    fields: &'static [(&'static str, &'static str)],
    /// The roles that may use it: O, A, E, C.
    roles: &'static str,
    allowed: Allowed,
}

const fn get(path: &'static str, roles: &'static str) -> Route {
    Route {
        method: "GET",
        path,
        fields: &[],
        roles,
        allowed: Allowed::Success,
    }
}

const fn post(
    path: &'static str,
    fields: &'static [(&'static str, &'static str)],
    roles: &'static str,
) -> Route {
    Route {
        method: "POST",
        path,
        fields,
        roles,
        allowed: Allowed::Success,
    }
}

const fn not_refused(route: Route) -> Route {
    Route {
        allowed: Allowed::NotRefused,
        ..route
    }
}

const BIKE: &[(&str, &str)] = &[
    ("maker_id", "{maker}"),
    ("model", "Table Test"),
    ("year", "2020"),
    ("engine", "650cc"),
    ("image_url", ""),
];
const NEW_PASSWORD: &[(&str, &str)] = &[
    ("current_password", PASSWORD),
    ("new_password", "a completely new passphrase here"),
    ("confirm_password", "a completely new passphrase here"),
];

/// SPEC §10's table, route by route. Other areas (share, settings,
/// two-factor, drafts) add their lines here.
const ROUTES: &[Route] = &[
    get("/admin", "OAEC"),
    get("/admin/logout", "OAEC"),
    post("/admin/logout", &[], "OAEC"),
    get("/admin/change-password", "OAEC"),
    post("/admin/change-password", NEW_PASSWORD, "OAEC"),
    // The catalogue: bikes, makers, photos, undo, trash restore, history,
    // import, export.
    // A contributor's add form makes a draft instead of a bike.
    get("/admin/add", "OAEC"),
    post("/admin/add", BIKE, "OAEC"),
    get("/admin/edit/{bike}", "OAE"),
    post("/admin/edit/{bike}", BIKE, "OAE"),
    get("/admin/delete/{bike}", "OAE"),
    post("/admin/delete/{bike}", &[], "OAE"),
    get("/admin/makers", "OAE"),
    post("/admin/makers/add", &[("name", "Table Maker")], "OAE"),
    get("/admin/makers/edit/{maker}", "OAE"),
    post(
        "/admin/makers/edit/{maker}",
        &[("name", "Renamed Maker")],
        "OAE",
    ),
    get("/admin/makers/delete/{unused}", "OAE"),
    post("/admin/makers/delete/{unused}", &[], "OAE"),
    get("/admin/edit/{bike}/history", "OAE"),
    get("/admin/makers/edit/{maker}/history", "OAE"),
    not_refused(post("/admin/edit/{bike}/history/1/restore", &[], "OAE")),
    not_refused(post(
        "/admin/makers/edit/{maker}/history/1/restore",
        &[],
        "OAE",
    )),
    not_refused(get("/admin/photos/1", "OAE")),
    not_refused(post("/admin/undo/1", &[], "OAE")),
    post(
        "/admin/activity/undo",
        &[("user", "{head}"), ("since", "2000-01-01T00:00")],
        "OAE",
    ),
    get("/admin/trash", "OAE"),
    not_refused(post("/admin/trash/1/restore", &[], "OAE")),
    get("/admin/export.csv", "OAE"),
    get("/admin/import", "OAE"),
    get("/admin/import/template.csv", "OAE"),
    not_refused(get("/admin/import/nosuchtoken/problems.csv", "OAE")),
    not_refused(post("/admin/import", &[], "OAE")),
    not_refused(post("/admin/import/confirm", &[("token", "x")], "OAE")),
    // Drafts: everyone sees the page (a contributor their own drafts, and
    // only those: tests/api/drafts.rs); editors and up publish and return.
    get("/admin/drafts", "OAEC"),
    not_refused(get("/admin/drafts/999/edit", "OAEC")),
    not_refused(post("/admin/drafts/999/edit", BIKE, "OAEC")),
    not_refused(get("/admin/drafts/999/photo", "OAEC")),
    not_refused(post("/admin/drafts/999/publish", &[], "OAE")),
    not_refused(post(
        "/admin/drafts/999/return",
        &[("comment", "Add the engine size.")],
        "OAE",
    )),
    // The activity log (editors see its catalogue entries).
    get("/admin/activity", "OAE"),
    // Own two-factor sign-in (SPEC §11): every role.
    get("/admin/two-factor", "OAEC"),
    // The classroom (SPEC §13): everyone sees the share page; owner and
    // admins change what the network may open and the site's settings.
    get("/admin/share", "OAEC"),
    post("/admin/share/network", &[("open_to_network", "on")], "OA"),
    get("/admin/settings", "OA"),
    post(
        "/admin/settings",
        &[("title", "Class 3B bikes"), ("introduction", "")],
        "OA",
    ),
    // Accounts of lower roles.
    get("/admin/users", "OA"),
    post(
        "/admin/users/add",
        &[
            ("username", "newcomer"),
            ("password", "a completely new passphrase here"),
            ("confirm_password", "a completely new passphrase here"),
            ("role", "contributor"),
        ],
        "OA",
    ),
    get("/admin/users/delete/{student}", "OA"),
    post("/admin/users/delete/{student}", &[], "OA"),
    get("/admin/users/{student}", "OA"),
    post("/admin/users/{student}/role", &[("role", "editor")], "OA"),
    post(
        "/admin/users/{student}/temporary-password",
        &[
            ("password", "a completely new passphrase here"),
            ("confirm_password", "a completely new passphrase here"),
        ],
        "OA",
    ),
    post(
        "/admin/users/{student}/expires",
        &[("expires", "2099-01-01")],
        "OA",
    ),
    post("/admin/users/{student}/unlock", &[], "OA"),
    get("/admin/users/batch", "OA"),
    post("/admin/users/batch", &[("names", "kid.one\nkid.two")], "OA"),
    // Backups.
    get("/admin/backups", "OA"),
    get("/admin/backup", "OA"),
    not_refused(get(
        "/admin/backups/file/motodex-2000-01-01T000000Z.db",
        "OA",
    )),
    post("/admin/backups/now", &[], "OA"),
    // The owner's: restore, empty the trash, hand over ownership.
    not_refused(post("/admin/backups/pick", &[("name", "none.db")], "O")),
    not_refused(post("/admin/backups/restore", &[], "O")),
    not_refused(post("/admin/backups/confirm", &[("name", "none.db")], "O")),
    post(
        "/admin/users/{head}/make-owner",
        &[("password", PASSWORD)],
        "O",
    ),
    get("/admin/trash/empty", "O"),
    post("/admin/trash/empty", &[], "O"),
];

fn filled(app: &TestApp, text: &str) -> String {
    text.replace("{bike}", &bike_id(app, "Panigale V4").to_string())
        .replace("{maker}", &maker_id(app, "Ducati").to_string())
        .replace("{unused}", &maker_id(app, "Unused").to_string())
        .replace("{student}", &user_id(app, "student").to_string())
        .replace("{head}", &user_id(app, "head").to_string())
}

/// Everything a refused request could have changed (sessions aside, which
/// the request itself keeps alive).
pub fn fingerprint(app: &TestApp) -> String {
    [
        "SELECT count(*) || ':' || coalesce(max(entry_id), 0) FROM activity",
        "SELECT group_concat(bike_id || model || year || engine || image_url, ',') FROM (SELECT * FROM bikes ORDER BY bike_id)",
        "SELECT group_concat(maker_id || name, ',') FROM (SELECT * FROM makers ORDER BY maker_id)",
        "SELECT group_concat(user_id || username || password_hash, ',') FROM (SELECT * FROM users ORDER BY user_id)",
        "SELECT group_concat(user_id || role || temporary_password || coalesce(expires_on, '-'), ',') FROM (SELECT * FROM user_access ORDER BY user_id)",
        "SELECT count(*) || '' FROM trash",
        "SELECT count(*) || '' FROM login_failures",
    ]
    .iter()
    .map(|sql| crate::helpers::catalogue::text(app, sql))
    .collect::<Vec<_>>()
    .join("|")
}

async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    route: &Route,
) -> reqwest::Response {
    let url = app.url(&filled(app, route.path));
    if route.method == "GET" {
        return client.get(url).sent().await;
    }
    let mut fields: Vec<(String, String)> = route
        .fields
        .iter()
        .map(|(name, value)| (name.to_string(), filled(app, value)))
        .collect();
    fields = with(fields, "csrf_token", token);
    client.post(url).form(&fields).sent().await
}

/// Sends `route` as `name` (its letter in the table) and says what was
/// wrong, if anything.
async fn check(
    app: &TestApp,
    (client, token): &(reqwest::Client, String),
    route: &Route,
    (letter, name): (char, &str),
) -> Option<String> {
    let before = fingerprint(app);
    let response = send(app, client, token, route).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.body().await;
    let what = format!("{} {} as {name}", route.method, route.path);
    if route.roles.contains(letter) {
        let ok = match route.allowed {
            Allowed::Success => (200..400).contains(&status),
            Allowed::NotRefused => status != 403,
        };
        (!ok || (location.starts_with("/admin/login") && route.path != "/admin/logout"))
            .then(|| format!("{what}: allowed, but got {status} {location}"))
    } else if status != 403 || !body.contains("Nothing was changed") {
        Some(format!("{what}: should be 403, got {status}"))
    } else if fingerprint(app) != before {
        Some(format!("{what}: refused, but something changed"))
    } else {
        None
    }
}

#[tokio::test]
async fn every_admin_route_is_allowed_or_refused_with_403_as_the_roles_table_says() {
    let mut failures = Vec::new();
    // A GET changes nothing, so one app serves them all; each POST gets an
    // app of its own, so what one role did cannot spoil the next one's try.
    let shared = app_with_every_role().await;
    let mut sessions = Vec::new();
    for (_, name) in ROLES {
        sessions.push(signed_in(&shared, name).await);
    }
    for route in ROUTES {
        for (at, role) in ROLES.into_iter().enumerate() {
            let failure = if route.method == "GET" {
                check(&shared, &sessions[at], route, role).await
            } else {
                let mut fresh = app_with_every_role().await;
                let session = signed_in(&fresh, role.1).await;
                let failure = check(&fresh, &session, route, role).await;
                fresh.stop().await;
                failure
            };
            failures.extend(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The links of a page's admin menu.
fn menu_links(page: &str) -> Vec<String> {
    let Some(start) = page.find("class=\"admin-nav\"") else {
        return Vec::new();
    };
    let end = start + page[start..].find("</nav>").unwrap_or(0);
    page[start..end]
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn each_roles_menu_links_only_to_pages_it_may_open() {
    let app = app_with_every_role().await;
    for (letter, name) in ROLES {
        let (client, _) = signed_in(&app, name).await;
        let links = menu_links(&page(&client, &app.url("/admin"), 200).await);
        assert!(
            links.contains(&"/admin/change-password".to_string()),
            "{name}: {links:?}"
        );
        for link in &links {
            let status = client.get(app.url(link)).status().await;
            assert!(
                status.is_success(),
                "{name}'s menu links to {link}: {status}"
            );
        }
        // And each page a role may open is in its menu.
        for (path, roles) in [
            ("/admin/makers", "OAE"),
            ("/admin/users", "OA"),
            ("/admin/activity", "OAE"),
            ("/admin/trash", "OAE"),
            ("/admin/import", "OAE"),
            ("/admin/backups", "OA"),
        ] {
            assert_eq!(
                links.contains(&path.to_string()),
                roles.contains(letter),
                "{name}'s menu and {path}"
            );
        }
    }
}

#[tokio::test]
async fn a_contributors_bike_table_offers_no_add_edit_or_delete() {
    let app = app_with_every_role().await;
    let (client, _) = signed_in(&app, "student").await;
    let body = page(&client, &app.url("/admin"), 200).await;
    assert!(body.contains("Panigale V4"), "the catalogue is listed");
    for refused in [
        "href=\"/admin/add\"",
        "href=\"/admin/edit/",
        "href=\"/admin/delete/",
    ] {
        assert!(
            !body.contains(refused),
            "a contributor is offered {refused}"
        );
    }
    let (client, _) = signed_in(&app, "editor").await;
    let body = page(&client, &app.url("/admin"), 200).await;
    assert!(body.contains("href=\"/admin/add\"") && body.contains("href=\"/admin/edit/"));
}

#[tokio::test]
async fn the_restore_and_trash_pages_offer_the_owners_buttons_only_to_the_owner() {
    let app = app_with_every_role().await;
    let (owner, _) = signed_in(&app, ADMIN).await;
    let (head, _) = signed_in(&app, "head").await;
    let as_owner = page(&owner, &app.url("/admin/backups"), 200).await;
    let as_admin = page(&head, &app.url("/admin/backups"), 200).await;
    assert!(as_owner.contains("/admin/backups/restore"));
    assert!(!as_admin.contains("/admin/backups/restore"));
    let editor = signed_in(&app, "editor").await.0;
    let trash = page(&editor, &app.url("/admin/trash"), 200).await;
    assert!(!trash.contains("href=\"/admin/trash/empty\""));
}

#[tokio::test]
async fn an_editor_sees_only_the_catalogues_entries_in_the_activity_log() {
    let app = app_with_every_role().await;
    let (owner, token) = signed_in(&app, ADMIN).await;
    let maker = maker_id(&app, "Ducati");
    let fields = with(bike(maker, "Logged Bike"), "csrf_token", &token);
    let response =
        crate::helpers::catalogue::post_form(&owner, &app.url("/admin/add"), &fields).await;
    assert_eq!(response.status(), 303);
    let (editor, _) = signed_in(&app, "editor").await;
    let log = page(&editor, &app.url("/admin/activity"), 200).await;
    assert!(log.contains("Logged Bike"), "catalogue entries are shown");
    assert!(
        !log.contains("logged in"),
        "security entries are not: {log}"
    );
    assert!(
        !log.contains("added the contributor"),
        "account entries are not"
    );
    let filtered = page(&editor, &app.url("/admin/activity?kind=security"), 200).await;
    assert!(!filtered.contains("logged in"), "not even when asked for");
    let whole = page(&owner, &app.url("/admin/activity"), 200).await;
    assert!(whole.contains("logged in"));
}
