//! Test helpers: start the real app on port 0 with a temporary database and
//! talk HTTP to it, as a browser would; `binary` runs the real executable,
//! `catalogue` sends the admin's bike and maker forms.

pub mod binary;
pub mod catalogue;

use std::path::PathBuf;
use std::sync::Arc;

use motodex::auth::password;
use motodex::db::users;
use motodex::domain::activity::Actor;
use motodex::domain::roles::Role;
use motodex::state::AppState;
use motodex::{App, Config};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const ADMIN: &str = "teacher";
/// Strong enough for the password policy.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub address: String,
    pub db_path: PathBuf,
    pub state: Arc<AppState>,
    pub dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the server gracefully and waits for it (the folder stays).
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Runs a read-only SQL query returning one integer, for "nothing was written" checks.
    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.db_path).expect("open test database");
        conn.query_row(sql, [], |r| r.get(0)).expect("count query")
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with a tweaked config (e.g. short session time-outs).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary folder");
    let db_path = dir.path().join("database.db");
    let mut config = Config::for_tests(db_path.clone());
    tweak(&mut config);
    spawn_config(dir, config).await
}

pub async fn spawn_config(dir: TempDir, config: Config) -> TestApp {
    let db_path = config.db_path.clone();
    let app = App::build(config).await.expect("app starts");
    let address = app.url().trim_end_matches('/').to_string();
    let state = app.state();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until_stopped(async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        address,
        db_path,
        state,
        dir,
        stop: Some(stop),
        server: Some(server),
    }
}

/// Sending a test's request: one that gets no answer fails the test.
pub trait RequestExt {
    /// The answer (`.send().await.unwrap()`).
    fn sent(self) -> impl Future<Output = reqwest::Response> + Send;
    /// Only the status of the answer, for the many checks that need no more.
    fn status(self) -> impl Future<Output = reqwest::StatusCode> + Send;
}

impl RequestExt for reqwest::RequestBuilder {
    async fn sent(self) -> reqwest::Response {
        self.send().await.expect("the request gets an answer")
    }

    async fn status(self) -> reqwest::StatusCode {
        self.sent().await.status()
    }
}

/// Reading a test's answer: a body that cannot be read fails the test.
pub trait ResponseExt {
    /// The body as text (`.text().await.unwrap()`).
    fn body(self) -> impl Future<Output = String> + Send;
}

impl ResponseExt for reqwest::Response {
    async fn body(self) -> String {
        self.text().await.expect("the answer has a body")
    }
}

/// A browser-like client: keeps cookies and does not follow redirects (so
/// tests can see them). Every request gives up after a minute, so a server
/// that stops answering fails a test instead of hanging it.
pub fn client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("http client")
}

/// reqwest's TLS (built even for plain-HTTP clients) uses rustls with the
/// `ring` provider, the same one the server uses.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Adds an account straight into the database: the owner when there is
/// none yet (as the first admin is), an admin otherwise.
pub fn create_admin(app: &TestApp, username: &str, password_text: &str) -> i64 {
    let has_owner = app
        .state
        .db
        .write_now(|tx| users::owner_id(tx))
        .expect("read the owner")
        .is_some();
    let role = if has_owner { Role::Admin } else { Role::Owner };
    create_account(app, username, password_text, role)
}

/// Adds an account of `role` straight into the database.
pub fn create_account(app: &TestApp, username: &str, password_text: &str, role: Role) -> i64 {
    let hash = password::hash(password_text);
    let new = users::NewAccount::new(username, &hash, role);
    app.state
        .db
        .write_now(|tx| users::insert(tx, &Actor::command_line(), &new))
        .expect("insert account")
        .expect("username free")
}

/// The value of the first `name="csrf_token"` field in a page.
pub fn csrf_token_of(page: &str) -> String {
    field_value(page, "csrf_token").expect("page has a csrf_token field")
}

/// The `value` of the first input named `name`.
pub fn field_value(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let start = page.find(&marker)?;
    let tag_start = page[..start].rfind('<')?;
    let tag_end = start + page[start..].find('>')?;
    let tag = &page[tag_start..tag_end];
    let value_start = tag.find("value=\"")? + 7;
    let value_end = value_start + tag[value_start..].find('"')?;
    Some(tag[value_start..value_end].to_string())
}

/// Logs `client` in through the real login form; returns the response.
pub async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password_text: &str,
) -> reqwest::Response {
    login_with(
        app,
        client,
        &[("username", username), ("password", password_text)],
    )
    .await
}

pub async fn login_with(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = client
        .get(app.url("/admin/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let token = csrf_token_of(&page);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", &token));
    client
        .post(app.url("/admin/login"))
        .form(&form)
        .send()
        .await
        .expect("login post")
}

/// POSTs `body` as it is, as a web form: for what no browser would send.
pub async fn post_raw_form(client: &reqwest::Client, url: &str, body: String) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .sent()
        .await
}

/// An app with one admin (`ADMIN`, `PASSWORD`), nobody logged in.
pub async fn app_with_admin() -> TestApp {
    let app = spawn_app().await;
    create_admin(&app, ADMIN, PASSWORD);
    app
}

/// An app with one admin, and a client logged in as that admin.
pub async fn logged_in_app() -> (TestApp, reqwest::Client) {
    let app = app_with_admin().await;
    let client = client();
    let response = login(&app, &client, ADMIN, PASSWORD).await;
    assert_eq!(response.status(), 303, "login redirects");
    (app, client)
}

/// GETs a page and returns its body, asserting the status.
pub async fn page(client: &reqwest::Client, url: &str, status: u16) -> String {
    let response = client.get(url).send().await.expect("request");
    assert_eq!(response.status().as_u16(), status, "GET {url}");
    response.text().await.expect("body")
}

/// The CSRF token of a logged-in admin page.
pub async fn admin_token(app: &TestApp, client: &reqwest::Client) -> String {
    csrf_token_of(&page(client, &app.url("/admin"), 200).await)
}
