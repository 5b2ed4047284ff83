//! End-to-end tests in a real browser: Debian's headless Chromium, driven
//! through ChromeDriver over WebDriver (fantoccini), against the real app on
//! port 0 with a temporary database.
//!
//! Every scenario clicks and types as a person would: fields are found by
//! their visible `<label>`, buttons and links by their text. Every page a
//! scenario visits goes through [`Browser::check`], which
//! - runs axe-core (pinned in `package.json`, installed by `npm ci`) and fails
//!   on any violation of impact "serious" or "critical";
//! - saves full-page screenshots at 1280 px and 375 px wide under
//!   `target/screenshots/SCENARIO-PAGE-WIDTH.png`;
//! - fails if the page scrolls sideways at 375 px.
//!
//! Without Chromium and ChromeDriver these tests print one line,
//! "skipped: chromium not found", and pass; under CI (`CI=true`) that is a
//! failure instead. Without `node_modules/axe-core` the accessibility checks
//! are skipped with one line locally, and fail under CI.
#![cfg(unix)]

// The helpers of the `api` test binary; this file uses a few of them.
#[allow(dead_code)]
#[path = "api/helpers/mod.rs"]
mod helpers;

use std::future::Future;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Once, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt as _;
use helpers::{ADMIN, PASSWORD, TestApp, app_with_admin, create_admin, spawn_app, spawn_app_with};
use serde_json::{Value, json};

/// At most this many browsers at once: the machine has two cores.
static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// How long to wait for a page to show what a step expects.
const PATIENCE: Duration = Duration::from_secs(15);

const DESKTOP: u32 = 1280;
const PHONE: u32 = 375;

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Writes one line straight to the terminal, past the test harness's capture.
fn say_once(once: &'static Once, line: &str) {
    once.call_once(|| {
        let _ = writeln!(std::io::stderr(), "{line}");
    });
}

// ---------------------------------------------------------------------------
// Finding and starting the browser
// ---------------------------------------------------------------------------

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Chromium and ChromeDriver, or `None` (after saying "skipped") when this
/// machine has none. Under CI a missing browser fails the test.
fn tools() -> Option<Tools> {
    static SKIPPED: Once = Once::new();
    let chromium = on_path(&["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = on_path(&["chromedriver"]);
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(Tools {
            chromium,
            chromedriver,
        }),
        _ if under_ci() => panic!(
            "chromium not found, and CI=true: install the `chromium` and `chromium-driver` packages (.ci/run does)"
        ),
        _ => {
            say_once(&SKIPPED, "skipped: chromium not found");
            None
        }
    }
}

/// The pinned axe-core script, read once; `None` (after saying so) when
/// `npm ci` has not been run. Under CI it must be there.
fn axe_source() -> Option<Arc<str>> {
    static AXE: OnceLock<Option<Arc<str>>> = OnceLock::new();
    static SKIPPED: Once = Once::new();
    AXE.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
        match std::fs::read_to_string(&path) {
            Ok(source) => Some(source.into()),
            Err(_) if under_ci() => panic!(
                "{} is missing and CI=true: run `npm ci` (.ci/run does)",
                path.display()
            ),
            Err(_) => {
                say_once(
                    &SKIPPED,
                    "accessibility checks skipped: axe-core not found (run `npm ci`)",
                );
                None
            }
        }
    })
    .clone()
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One ChromeDriver with one headless Chromium session in a fresh profile.
struct Session {
    client: Client,
    driver: Child,
    /// Kept until the browser is gone.
    _profile: Arc<tempfile::TempDir>,
}

impl Session {
    async fn start(tools: &Tools) -> Session {
        let profile = Arc::new(tempfile::tempdir().expect("profile folder"));
        Session::start_in(tools, profile).await
    }

    /// Starts Chromium on an existing profile, as a person reopening their
    /// browser would (cookies that persist are still there).
    async fn start_in(tools: &Tools, profile: Arc<tempfile::TempDir>) -> Session {
        let mut last_error = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let mut driver = Command::new(&tools.chromedriver)
                .arg(format!("--port={port}"))
                // Its own process group, so that the browser it starts can
                // be ended with it even if a test fails half-way.
                .process_group(0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver");
            let capabilities = json!({
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": tools.chromium,
                    "args": [
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                        "--disable-quic",
                        format!("--user-data-dir={}", profile.path().display()),
                    ],
                },
            });
            let capabilities = match capabilities {
                Value::Object(map) => map,
                _ => unreachable!(),
            };
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                match ClientBuilder::new(connector)
                    .capabilities(capabilities.clone())
                    .connect(&url)
                    .await
                {
                    Ok(client) => {
                        client
                            .set_window_size(DESKTOP, 900)
                            .await
                            .expect("window size");
                        return Session {
                            client,
                            driver,
                            _profile: profile,
                        };
                    }
                    Err(error) => last_error = error.to_string(),
                }
                if Instant::now() > deadline || matches!(driver.try_wait(), Ok(Some(_))) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = driver.kill();
            let _ = driver.wait();
        }
        panic!("could not start a Chromium session through chromedriver: {last_error}");
    }

    /// Quits the browser as a person would (so it saves its cookies), then
    /// ends ChromeDriver.
    async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        // Drop ends ChromeDriver and anything left in its process group.
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A Chrome DevTools command sent through ChromeDriver's `goog/cdp/execute`
/// endpoint (used to emulate the dark colour scheme).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Runs one scenario in its own browser: `body` gets the browser; whatever
/// happens, the browser is closed afterwards (a failing step also leaves a
/// `SCENARIO-FAILED-1280.png` behind).
async fn scenario<F, Fut>(name: &'static str, app: &TestApp, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()>,
{
    scenario_in(name, app, None, body).await;
}

/// [`scenario`] in a browser profile kept from an earlier one (`None`: a
/// fresh profile).
async fn scenario_in<F, Fut>(
    name: &'static str,
    app: &TestApp,
    profile: Option<Arc<tempfile::TempDir>>,
    body: F,
) where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(tools) = tools() else { return };
    let axe = axe_source();
    let _slot = SLOTS.acquire().await.expect("browser slot");
    let started = Instant::now();
    let shots = screenshot_dir();
    // Screenshots of an earlier run of this scenario would mislead.
    for entry in std::fs::read_dir(&shots).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(&format!("{name}-"))
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let session = match profile {
        Some(profile) => Session::start_in(&tools, profile).await,
        None => Session::start(&tools).await,
    };
    let browser = Browser {
        client: session.client.clone(),
        base: app.address.clone(),
        scenario: name,
        axe,
        shots,
    };
    let outcome = AssertUnwindSafe(body(browser.clone())).catch_unwind().await;
    if outcome.is_err() {
        let shot = tokio::time::timeout(
            Duration::from_secs(10),
            browser.screenshot("FAILED", DESKTOP),
        );
        let _ = AssertUnwindSafe(shot).catch_unwind().await;
    }
    session.close().await;
    eprintln!("scenario {name}: {:.1}s", started.elapsed().as_secs_f64());
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

// ---------------------------------------------------------------------------
// Acting as a person
// ---------------------------------------------------------------------------

/// A handle on the scenario's browser, with person-sized steps.
#[derive(Clone)]
struct Browser {
    client: Client,
    /// `http://127.0.0.1:PORT`
    base: String,
    scenario: &'static str,
    axe: Option<Arc<str>>,
    shots: PathBuf,
}

/// An XPath string literal (the texts used here never hold both quote kinds).
fn lit(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

impl Browser {
    /// Types an address into the address bar, so to speak.
    async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path and query of the page showing now.
    async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until the page's `<h1>` reads `heading` (after a click that
    /// navigates), then returns. Fails with what the page shows instead.
    async fn expect_heading(&self, heading: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let shown = self.heading().await;
            if shown.as_deref() == Some(heading) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "expected a page headed {heading:?}, but {} shows {shown:?}",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn heading(&self) -> Option<String> {
        let h1 = self.client.find(Locator::Css("h1")).await.ok()?;
        h1.text().await.ok()
    }

    /// The visible text of the whole page.
    async fn text(&self) -> String {
        self.js("return document.body.innerText;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn expect_text(&self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{}: expected the page to say {needle:?}; it says:\n{text}",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The form control whose `<label>` reads `label` (through `for`/`id`,
    /// as a screen reader finds it).
    async fn field(&self, label: &str) -> Element {
        let xpath = format!(
            "//*[self::input or self::select or self::textarea][@id = //label[normalize-space(.) = {}]/@for]",
            lit(label)
        );
        match self.client.find(Locator::XPath(&xpath)).await {
            Ok(element) => element,
            Err(_) => panic!("{}: no form field labelled {label:?}", self.path().await),
        }
    }

    /// Clicks into the field labelled `label`, clears it and types `text`.
    async fn type_into(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.click().await.expect("click field");
        field.clear().await.expect("clear field");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {label:?}: {e}"));
    }

    async fn value_of(&self, label: &str) -> String {
        self.field(label)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    async fn choose(&self, label: &str, option: &str) {
        self.field(label)
            .await
            .select_by_label(option)
            .await
            .unwrap_or_else(|e| panic!("choose {option:?} in {label:?}: {e}"));
    }

    async fn tick(&self, label: &str) {
        let field = self.field(label).await;
        if !field.is_selected().await.expect("checkbox state") {
            // Clicking the label, as a person does.
            let xpath = format!("//label[normalize-space(.) = {}]", lit(label));
            self.client
                .find(Locator::XPath(&xpath))
                .await
                .expect("label")
                .click()
                .await
                .expect("click label");
        }
        assert!(field.is_selected().await.expect("checkbox state"));
    }

    /// The first button reading `text`.
    async fn button(&self, text: &str) -> Element {
        let xpath = format!(
            "//button[normalize-space(.) = {t}] | //input[@type = 'submit' and @value = {t}]",
            t = lit(text)
        );
        match self.client.find(Locator::XPath(&xpath)).await {
            Ok(element) => element,
            Err(_) => panic!("{}: no button {text:?}", self.path().await),
        }
    }

    /// Presses the button reading `text` and waits for the page it leads to.
    async fn press(&self, text: &str) {
        let button = self.button(text).await;
        self.navigating(async {
            button
                .click()
                .await
                .unwrap_or_else(|e| panic!("press {text:?}: {e}"));
        })
        .await;
    }

    /// Does `step` (a click, a key press) and waits until a new page has
    /// loaded in place of the one showing before.
    async fn navigating(&self, step: impl Future<Output = ()>) {
        self.js("window.motodexOldPage = true; return null;").await;
        step.await;
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = self
                .client
                .execute(
                    "return window.motodexOldPage === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(ready, Ok(Value::Bool(true))) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "no new page loaded after the step (still {})",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the first link reading `text` (or labelled so for screen readers).
    async fn follow(&self, text: &str) {
        let xpath = format!(
            "//a[normalize-space(.) = {t} or @aria-label = {t}]",
            t = lit(text)
        );
        let link = match self.client.find(Locator::XPath(&xpath)).await {
            Ok(link) => link,
            Err(_) => panic!("{}: no link {text:?}", self.path().await),
        };
        self.navigating(async {
            link.click()
                .await
                .unwrap_or_else(|e| panic!("follow {text:?}: {e}"));
        })
        .await;
    }

    /// The error message shown beside the field labelled `label`: it must sit
    /// in the same `.field` box, be tied to the input by `aria-describedby`,
    /// and the input must be marked `aria-invalid`.
    async fn error_beside(&self, label: &str) -> String {
        let field = self.field(label).await;
        let id = field
            .attr("id")
            .await
            .expect("id")
            .expect("field has an id");
        let Ok(error) = field
            .find(Locator::XPath(
                "./ancestor::div[contains(concat(' ', @class, ' '), ' field ')][1]//*[contains(@class, 'field-error')]",
            ))
            .await
        else {
            panic!("{}: no message beside {label:?}", self.path().await)
        };
        let error_id = error.attr("id").await.expect("id").unwrap_or_default();
        let described = field
            .attr("aria-describedby")
            .await
            .expect("attr")
            .unwrap_or_default();
        assert!(
            !error_id.is_empty() && described.split_whitespace().any(|d| d == error_id),
            "the message beside {label:?} (#{id}) is not tied to it by aria-describedby"
        );
        assert_eq!(
            field.attr("aria-invalid").await.expect("attr").as_deref(),
            Some("true"),
            "{label:?} is not marked aria-invalid"
        );
        error.text().await.expect("message text")
    }

    /// Presses keys on whatever has the focus, like fingers on a keyboard.
    async fn keys(&self, keys: &[char]) {
        let mut actions = KeyActions::new("keyboard".to_string());
        for &key in keys {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
        self.client
            .perform_actions(actions)
            .await
            .expect("key presses");
    }

    /// A short description of the focused element, e.g. `input#username`.
    async fn focused(&self) -> String {
        self.js(
            "const e = document.activeElement;
             return e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : '') : '';",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    async fn cookie(&self, name: &str) -> Option<cookie::Cookie<'static>> {
        self.client
            .get_all_cookies()
            .await
            .expect("cookies")
            .into_iter()
            .find(|c| c.name() == name)
    }

    // -----------------------------------------------------------------------
    // What every visited page goes through
    // -----------------------------------------------------------------------

    /// Accessibility, screenshots at both widths, no sideways scrolling and
    /// no control out of view at phone width.
    async fn check(&self, page: &str) {
        self.axe(page).await;
        self.screenshot(page, DESKTOP).await;
        self.set_width(PHONE).await;
        self.no_sideways_scroll(page).await;
        self.screenshot(page, PHONE).await;
        self.set_width(DESKTOP).await;
    }

    async fn set_width(&self, width: u32) {
        self.resize(width, 900).await;
    }

    /// Resizes the window and waits until the page has the new viewport
    /// (under load, headless Chromium applies a resize a little later).
    /// The viewport is as wide as asked (even where the window itself is kept
    /// 500 px wide), but a frame is counted in the window's height.
    async fn resize(&self, width: u32, height: u32) -> u32 {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize window");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let now = self
                .js("return [window.innerWidth, window.outerHeight];")
                .await;
            if now == json!([width, height]) {
                // Let layout settle at the new size.
                let viewport = self
                    .client
                    .execute_async(
                        "const done = arguments[arguments.length - 1];
                         requestAnimationFrame(() => requestAnimationFrame(() => done(window.innerHeight)));",
                        vec![],
                    )
                    .await
                    .expect("wait for a frame");
                return viewport.as_u64().unwrap_or(0) as u32;
            }
            assert!(
                Instant::now() < deadline,
                "the window never became {width}×{height} px (inner width and outer height: {now})"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn no_sideways_scroll(&self, page: &str) {
        let report = self
            .js(
                "const root = document.documentElement;
                 const limit = root.clientWidth;
                 const wide = [...document.body.querySelectorAll('*')]
                   .filter(e => e.getBoundingClientRect().right > limit + 0.5)
                   .slice(0, 8)
                   .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().replace(/ +/g, '.') : '')
                        + ' (right edge ' + Math.round(e.getBoundingClientRect().right) + ')');
                 const hidden = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
                   .filter(e => { const r = e.getBoundingClientRect(); return r.width > 1 && (r.left < -0.5 || r.right > limit + 0.5); })
                   .slice(0, 8)
                   .map(e => e.tagName.toLowerCase() + ' ' + JSON.stringify(e.textContent.trim() || e.name || ''));
                 return { scroll: root.scrollWidth, inner: window.innerWidth, client: limit, wide, hidden };",
            )
            .await;
        let scroll = report["scroll"].as_u64().unwrap_or(u64::MAX);
        let inner = report["inner"].as_u64().unwrap_or(0);
        assert!(
            scroll <= inner,
            "{}/{page} scrolls sideways at {PHONE} px: scrollWidth {scroll} > innerWidth {inner}; too wide: {}",
            self.scenario,
            report["wide"]
        );
        // Nor may a control sit out of view inside a box that scrolls
        // sideways (a wide table's Edit and Delete, say).
        assert_eq!(
            report["hidden"],
            json!([]),
            "{}/{page}: controls out of view at {PHONE} px",
            self.scenario
        );
    }

    /// Saves a full-page PNG: the viewport is made as tall as the page first.
    async fn screenshot(&self, page: &str, width: u32) {
        let sizes = self
            .js("return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];")
            .await;
        let page_height = sizes[0].as_u64().unwrap_or(900).clamp(600, 6000) as u32;
        let frame = sizes[1].as_u64().unwrap_or(0) as u32;
        self.resize(width, page_height + frame).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let file = self
            .shots
            .join(format!("{}-{page}-{width}.png", self.scenario));
        std::fs::write(&file, png).expect("save screenshot");
        self.resize(width, 900).await;
    }

    /// Runs axe-core on the page; fails on "serious" or "critical" violations
    /// and lists the others.
    async fn axe(&self, page: &str) {
        let Some(source) = &self.axe else { return };
        let loaded = self.js("return typeof window.axe === 'object';").await;
        if loaded != Value::Bool(true) {
            self.client
                .execute(&format!("{source}\n;return true;"), vec![])
                .await
                .expect("inject axe-core");
        }
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done({ violations: r.violations.map(v => ({
                       id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' '))
                   })), passes: r.passes.length }))
                   .catch(e => done({ error: String(e) }));",
                vec![],
            )
            .await
            .expect("run axe-core");
        if let Some(error) = result.get("error") {
            panic!("axe-core failed on {page}: {error}");
        }
        let violations = result["violations"].as_array().cloned().unwrap_or_default();
        let mut serious = Vec::new();
        let mut other = Vec::new();
        for v in &violations {
            let impact = v["impact"].as_str().unwrap_or("unknown");
            let line = format!(
                "  [{impact}] {} — {}\n{}",
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["nodes"]
                    .as_array()
                    .map(|nodes| nodes
                        .iter()
                        .map(|n| format!("      {}", n.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join("\n"))
                    .unwrap_or_default()
            );
            if matches!(impact, "serious" | "critical") {
                serious.push(line);
            } else {
                other.push(line);
            }
        }
        eprintln!(
            "axe {}/{page} ({}): {} serious or critical, {} other{}",
            self.scenario,
            self.path().await,
            serious.len(),
            other.len(),
            if other.is_empty() {
                String::new()
            } else {
                format!("\n{}", other.join("\n"))
            }
        );
        assert!(
            serious.is_empty(),
            "accessibility violations on {}/{page} ({}):\n{}",
            self.scenario,
            self.path().await,
            serious.join("\n")
        );
    }

    // -----------------------------------------------------------------------
    // Steps several scenarios share
    // -----------------------------------------------------------------------

    async fn log_in(&self, username: &str, password: &str, remember: bool) {
        self.expect_heading("Admin login").await;
        self.type_into("Username", username).await;
        self.type_into("Password", password).await;
        if remember {
            self.tick("Remember me for 30 days").await;
        }
        self.press("Log in").await;
    }

    /// The "Log out" button in the header.
    async fn log_out(&self) {
        let button = self
            .client
            .find(Locator::XPath(
                "//header//button[normalize-space(.) = 'Log out']",
            ))
            .await
            .expect("a Log out button in the header");
        self.navigating(async { button.click().await.expect("press Log out") })
            .await;
        self.expect_heading("Admin login").await;
    }
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

/// The course's checklist ("12. Testing Authentication"), step by step.
#[tokio::test]
async fn course_checklist_login_second_tab_logout() {
    let app = app_with_admin().await;
    scenario("checklist", &app, |b| async move {
        // Go to /admin without logging in: redirected to the login page.
        b.open("/admin").await;
        b.expect_heading("Admin login").await;
        assert_eq!(b.path().await, "/admin/login?next=%2Fadmin");
        b.check("login").await;

        // An incorrect password: the error, still on the login page.
        b.log_in(ADMIN, "not the right password at all", false)
            .await;
        b.expect_heading("Admin login").await;
        b.expect_text("Invalid username or password.").await;
        assert_eq!(b.value_of("Username").await, ADMIN, "username kept");
        assert_eq!(b.value_of("Password").await, "", "password never kept");
        b.check("login-error").await;

        // The right password: redirected to /admin, the table loads.
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        assert_eq!(b.path().await, "/admin");
        let rows = b
            .client
            .find_all(Locator::Css("table.data-table tbody tr"))
            .await
            .expect("rows");
        assert_eq!(rows.len(), 13, "the sample catalogue in the admin table");
        b.expect_text("Panigale V4").await;
        b.check("admin").await;

        // A new tab: still logged in (the cookie is shared across tabs).
        let first = b.client.window().await.expect("window");
        let tab = b.client.new_window(true).await.expect("new tab");
        b.client
            .switch_to_window(tab.handle)
            .await
            .expect("switch to tab");
        b.open("/admin").await;
        b.expect_heading("Bikes").await;
        b.close_tab_and_return(first.clone()).await;

        // Log out (the button): back on the login page, with a message.
        b.log_out().await;
        b.expect_text("You have been logged out.").await;
        b.check("logged-out").await;

        // /admin again: redirected to login.
        b.open("/admin").await;
        b.expect_heading("Admin login").await;

        // Every protected page, while logged out, leads to the login page.
        for path in ["/admin/users", "/admin/change-password", "/admin/logout"] {
            b.open(path).await;
            b.expect_heading("Admin login").await;
        }
        // …and a tab opened earlier does not bring the session back.
        b.open("/admin").await;
        b.expect_heading("Admin login").await;
    })
    .await;
}

impl Browser {
    async fn close_tab_and_return(&self, to: fantoccini::wd::WindowHandle) {
        self.client.close_window().await.expect("close tab");
        self.client
            .switch_to_window(to)
            .await
            .expect("back to first tab");
    }
}

/// The public catalogue: filter by maker, search by model, pages, a bike's
/// page, and the 404 pages.
#[tokio::test]
async fn public_catalogue_filter_search_and_bike_page() {
    let app = spawn_app().await;
    scenario("public", &app, |b| async move {
        b.open("/").await;
        b.expect_heading("Motorbikes").await;
        b.expect_text("13 bikes · page 1 of 2").await;
        b.check("home").await;

        // The second page of results, by its link.
        b.follow("Next →").await;
        b.expect_text("page 2 of 2").await;
        assert_eq!(b.path().await, "/?page=2");
        b.check("home-page-2").await;

        // Filter by maker: pick it in the list, press the button.
        b.choose("Maker", "Yamaha").await;
        b.press("Show bikes").await;
        b.expect_text("2 bikes").await;
        let makers = b.card_makers().await;
        assert_eq!(makers, ["YAMAHA", "YAMAHA"], "only Yamahas");
        b.check("home-maker").await;

        // Search by model within that maker.
        b.type_into("Search model or maker", "mt-").await;
        b.press("Show bikes").await;
        b.expect_text("1 bike").await;
        assert_eq!(
            b.value_of("Search model or maker").await,
            "mt-",
            "search kept"
        );

        // Nothing matching says so.
        b.type_into("Search model or maker", "vespa").await;
        b.press("Show bikes").await;
        b.expect_text("No bikes match your search.").await;
        b.check("home-no-match").await;

        // Clear, then search across makers, open the bike's page.
        b.follow("Clear").await;
        b.expect_text("13 bikes").await;
        b.type_into("Search model or maker", "africa").await;
        b.press("Show bikes").await;
        b.expect_text("1 bike").await;
        b.follow_card("CRF1100L Africa Twin").await;
        b.expect_heading("CRF1100L Africa Twin").await;
        b.expect_text("1084cc").await;
        b.expect_text("2020").await;
        assert!(b.path().await.starts_with("/bikes/"));
        b.check("bike").await;

        // "More from Honda" leads back to the list, filtered.
        b.follow("More from Honda").await;
        b.expect_heading("Motorbikes").await;
        b.expect_text("2 bikes").await;

        // An unknown bike and an unknown page: 404 pages with a way home.
        b.open("/bikes/999999").await;
        b.expect_text("404").await;
        b.check("bike-404").await;
        b.open("/no/such/page").await;
        b.expect_text("404").await;
        b.check("404").await;
        b.follow("Go to the catalogue").await;
        b.expect_heading("Motorbikes").await;
    })
    .await;
}

impl Browser {
    /// The maker line of each bike card, as shown (upper case by style).
    async fn card_makers(&self) -> Vec<String> {
        let mut makers = Vec::new();
        for card in self
            .client
            .find_all(Locator::Css(".bike-card .bike-maker"))
            .await
            .expect("cards")
        {
            makers.push(card.text().await.expect("text"));
        }
        makers
    }

    /// Clicks the card of the bike whose model is `model`.
    async fn follow_card(&self, model: &str) {
        let xpath = format!(
            "//li[contains(@class, 'bike-card')]//a[.//*[normalize-space(.) = {}]]",
            lit(model)
        );
        let Ok(card) = self.client.find(Locator::XPath(&xpath)).await else {
            panic!("no card for {model:?}")
        };
        self.navigating(async { card.click().await.expect("click card") })
            .await;
    }
}

/// The login page with the keyboard alone: Tab from the top of the page to
/// the username field, type, Tab, type, Enter.
#[tokio::test]
async fn login_with_the_keyboard_alone() {
    let app = app_with_admin().await;
    scenario("keyboard", &app, |b| async move {
        b.open("/admin/login").await;
        b.expect_heading("Admin login").await;

        // The first Tab lands on the skip link, which shows itself.
        b.keys(&[Key::Tab.into()]).await;
        assert_eq!(b.focused().await, "a[href=#main]", "first stop: skip link");
        let top = b
            .js("return document.activeElement.getBoundingClientRect().top;")
            .await
            .as_f64()
            .unwrap_or(-1.0);
        assert!(top >= 0.0, "the skip link is on screen when focused");
        b.check_focus_ring().await;
        b.screenshot("skip-link", DESKTOP).await;

        // Tab on until the username field; count the stops.
        let mut stops = vec![b.focused().await];
        while b.focused().await != "input#username" {
            assert!(
                stops.len() < 12,
                "never reached the username field: {stops:?}"
            );
            b.keys(&[Key::Tab.into()]).await;
            stops.push(b.focused().await);
            b.check_focus_ring().await;
        }
        eprintln!("tab stops to the username field: {stops:?}");
        b.screenshot("username-focused", DESKTOP).await;

        // The skip link works: Tab, Enter, Tab lands in the form.
        b.open("/admin/login").await;
        b.keys(&[Key::Tab.into(), Key::Enter.into(), Key::Tab.into()])
            .await;
        assert_eq!(b.focused().await, "input#username", "skip link, then Tab");

        // Type, Tab to the password, type, Enter.
        let mut typed: Vec<char> = ADMIN.chars().collect();
        typed.push(Key::Tab.into());
        b.keys(&typed).await;
        assert_eq!(b.focused().await, "input#password");
        let mut typed: Vec<char> = PASSWORD.chars().collect();
        typed.push(Key::Enter.into());
        b.navigating(b.keys(&typed)).await;
        b.expect_heading("Bikes").await;
        b.check("admin").await;

        // The header's Log out button can be reached and pressed with keys.
        let mut presses = 0;
        while b.focused().await != "button" {
            assert!(presses < 12, "never reached the Log out button");
            b.keys(&[Key::Tab.into()]).await;
            presses += 1;
        }
        b.navigating(b.keys(&[Key::Enter.into()])).await;
        b.expect_heading("Admin login").await;
    })
    .await;
}

impl Browser {
    /// The focused element shows a visible focus indicator.
    async fn check_focus_ring(&self) {
        let style = self
            .js("const s = getComputedStyle(document.activeElement);
                 return s.outlineStyle + ' ' + s.outlineWidth + ' | ' + s.boxShadow;")
            .await;
        let style = style.as_str().unwrap_or_default().to_string();
        assert!(
            !style.starts_with("none") && !style.starts_with("auto 0px"),
            "{} has no visible focus indicator: {style}",
            self.focused().await
        );
    }
}

/// "Remember me" unticked gives a session cookie, gone when the browser is
/// closed and opened again; ticked, a cookie that lasts 30 days and keeps
/// the admin logged in across a browser restart.
#[tokio::test]
async fn remember_me_decides_whether_the_cookie_persists() {
    let app = app_with_admin().await;
    let Ok(profile) = tempfile::tempdir() else {
        panic!("profile folder")
    };
    let profile = Arc::new(profile);

    scenario_in(
        "remember",
        &app,
        Some(Arc::clone(&profile)),
        |b| async move {
            b.open("/admin/login").await;
            b.log_in(ADMIN, PASSWORD, false).await;
            b.expect_heading("Bikes").await;
            let cookie = b.cookie("motodex_session").await.expect("session cookie");
            assert_eq!(
                cookie.expires(),
                None,
                "unticked: a session cookie, no expiry"
            );
            assert_eq!(cookie.http_only(), Some(true), "HttpOnly");
            assert_eq!(
                cookie.same_site(),
                Some(cookie::SameSite::Lax),
                "SameSite=Lax"
            );
            assert_eq!(cookie.path(), Some("/"));
        },
    )
    .await;

    // The browser was closed: the session cookie went with it.
    scenario_in(
        "remember-reopened",
        &app,
        Some(Arc::clone(&profile)),
        |b| async move {
            b.open("/admin").await;
            b.expect_heading("Admin login").await;
            b.log_in(ADMIN, PASSWORD, true).await;
            b.expect_heading("Bikes").await;
            let cookie = b.cookie("motodex_session").await.expect("session cookie");
            let expires = cookie
                .expires_datetime()
                .expect("ticked: the cookie has an expiry");
            let days = (expires - time::OffsetDateTime::now_utc()).as_seconds_f64() / 86_400.0;
            assert!(
                (29.9..=30.1).contains(&days),
                "ticked: the cookie lasts 30 days, not {days:.2}"
            );
            assert_eq!(cookie.http_only(), Some(true), "HttpOnly");
        },
    )
    .await;

    // Closed and opened again: still logged in.
    scenario_in(
        "remember-reopened-again",
        &app,
        Some(profile),
        |b| async move {
            b.open("/admin").await;
            b.expect_heading("Bikes").await;
            b.check("admin").await;
        },
    )
    .await;
}

/// Change the password (a wrong current one is refused beside its field),
/// log out, the old password no longer works, the new one does.
#[tokio::test]
async fn back_up_now_then_restore_it_through_the_confirmation_page() {
    let app = app_with_admin().await;
    scenario("backups", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.follow("Backups").await;
        b.expect_heading("Backups").await;
        b.expect_text("There are no backups yet.").await;
        b.check("backups-empty").await;

        b.press("Back up now").await;
        b.wait_for_flash().await;
        b.expect_text("Backup written and checked").await;
        b.check("backups").await;

        b.press("Restore…").await;
        b.expect_heading("Restore this backup?").await;
        b.expect_text("After the restore").await;
        b.check("restore-confirm").await;

        b.press("Restore").await;
        b.expect_heading("Admin login").await;
        b.expect_text("The backup was restored").await;
        b.check("restored-login").await;
    })
    .await;
}

#[tokio::test]
async fn change_password_then_log_in_with_the_new_one() {
    let app = app_with_admin().await;
    const NEW: &str = "velvet tractor orbit pickle";
    scenario("password", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.follow("Change password").await;
        b.expect_heading("Change your password").await;
        b.check("change-password").await;

        // A wrong current password: 422, the message beside that field.
        b.type_into("Current password", "this is not it, sorry")
            .await;
        b.type_into("New password", NEW).await;
        b.type_into("Type it again", NEW).await;
        b.press("Change password").await;
        b.expect_heading("Change your password").await;
        let message = b.error_beside("Current password").await;
        assert_eq!(message, "This is not your current password.");
        b.check("change-password-error").await;

        // Mismatched confirmation: the message beside "Type it again".
        b.type_into("Current password", PASSWORD).await;
        b.type_into("New password", NEW).await;
        b.type_into("Type it again", "velvet tractor orbit pickles")
            .await;
        b.press("Change password").await;
        b.expect_heading("Change your password").await;
        assert_eq!(
            b.error_beside("Type it again").await,
            "The two passwords do not match."
        );

        // Right: a confirmation, still logged in.
        b.type_into("Current password", PASSWORD).await;
        b.type_into("New password", NEW).await;
        b.type_into("Type it again", NEW).await;
        b.press("Change password").await;
        b.wait_for_flash().await;
        b.check("password-changed").await;

        // Log out; the old password fails, the new one works.
        b.log_out().await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Admin login").await;
        b.expect_text("Invalid username or password.").await;
        b.log_in(ADMIN, NEW, false).await;
        b.expect_heading("Bikes").await;
    })
    .await;
}

/// Two-factor sign-in (SPEC §11): turning it on with the QR code's key,
/// the recovery codes, and a login through the code step.
#[tokio::test]
async fn two_factor_on_then_log_in_with_a_code() {
    let app = app_with_admin().await;
    scenario("two-factor", &app, |b| async move {
        let code = |secret: &str, steps: i64| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs() as i64;
            motodex::auth::two_factor::code_at(secret, (now + steps * 30) as u64).expect("a code")
        };
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.follow("Two-factor").await;
        b.expect_heading("Two-factor sign-in").await;
        b.check("two-factor-setup").await;
        let secret = b
            .js("return document.querySelector('.secret-key').textContent")
            .await
            .as_str()
            .expect("the key as text")
            .replace(' ', "");

        b.type_into("Code", "000000x").await;
        b.press("Turn on two-factor sign-in").await;
        b.expect_heading("Two-factor sign-in").await;
        assert_eq!(
            b.error_beside("Code").await,
            "Type the six digits the app shows."
        );
        b.check("two-factor-setup-error").await;

        b.type_into("Code", &code(&secret, 0)).await;
        b.press("Turn on two-factor sign-in").await;
        b.expect_heading("Two-factor sign-in is on").await;
        b.check("two-factor-recovery-codes").await;
        b.open("/admin/two-factor").await;
        b.expect_text("Recovery codes left: 10 of 10.").await;
        b.check("two-factor-on").await;

        b.log_out().await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Enter your code").await;
        b.check("login-code").await;
        b.type_into("Code", "12").await;
        b.press("Log in").await;
        b.expect_heading("Enter your code").await;
        assert_eq!(
            b.error_beside("Code").await,
            "Type the six digits the app shows, or a recovery code."
        );
        b.check("login-code-error").await;
        b.type_into("Code", &code(&secret, 1)).await;
        b.press("Log in").await;
        b.expect_heading("Bikes").await;
    })
    .await;
}

impl Browser {
    /// Waits for the short confirmation message after a change; returns it.
    async fn wait_for_flash(&self) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(flash) = self.client.find(Locator::Css(".flash-ok")).await {
                return flash.text().await.expect("flash text");
            }
            if Instant::now() > deadline {
                panic!("{}: no confirmation message", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A rejected form keeps what was typed (never a password) and shows each
/// message beside its field; then the corrected form goes through.
#[tokio::test]
async fn rejected_form_keeps_values_and_shows_message_beside_field() {
    let app = app_with_admin().await;
    scenario("rejected", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.follow("Accounts").await;
        b.expect_heading("Accounts").await;
        b.check("admins").await;

        // A weak password containing the username.
        b.type_into("Username", "lab.assistant").await;
        b.type_into("Password", "lab.assistant1").await;
        b.type_into("Type it again", "lab.assistant1").await;
        b.press("Add account").await;
        b.expect_heading("Accounts").await;
        let message = b.error_beside("Password").await;
        assert!(!message.is_empty());
        assert_eq!(b.value_of("Username").await, "lab.assistant", "kept");
        assert_eq!(b.value_of("Password").await, "", "never kept");
        assert_eq!(b.value_of("Type it again").await, "", "never kept");
        b.check("admins-error").await;

        // A username that is not allowed.
        b.type_into("Username", "lab assistant!").await;
        b.type_into("Password", "quiet harbour lantern seven").await;
        b.type_into("Type it again", "quiet harbour lantern seven")
            .await;
        b.press("Add account").await;
        b.expect_heading("Accounts").await;
        assert!(!b.error_beside("Username").await.is_empty());
        assert_eq!(b.value_of("Username").await, "lab assistant!", "kept");

        // Corrected: added, with a confirmation, and listed.
        b.type_into("Username", "lab.assistant").await;
        b.type_into("Password", "quiet harbour lantern seven").await;
        b.type_into("Type it again", "quiet harbour lantern seven")
            .await;
        b.press("Add account").await;
        b.wait_for_flash().await;
        b.expect_text("lab.assistant").await;
        b.check("admin-added").await;

        // Delete that admin from its page, through the confirmation.
        b.follow("Manage lab.assistant").await;
        b.follow("Delete this account…").await;
        b.expect_heading("Delete this account?").await;
        b.press("Delete account").await;
        let flash = b.wait_for_flash().await;
        eprintln!("after deleting an admin: {flash:?}");
        let table = b
            .client
            .find(Locator::Css("table.data-table"))
            .await
            .expect("admins table")
            .text()
            .await
            .expect("table text");
        assert!(!table.contains("lab.assistant"), "deleted: {table}");
    })
    .await;
}

/// First run: the one-time setup link creates the first admin; afterwards
/// the link says it is no longer valid.
#[tokio::test]
async fn first_run_setup_link_creates_the_first_admin() {
    let app = spawn_app().await;
    let token = app
        .state
        .setup_token
        .get()
        .expect("a setup link with no admin");
    scenario("setup", &app, |b| async move {
        b.open(&format!("/admin/setup?token={token}")).await;
        b.expect_heading("Create the first admin").await;
        b.check("setup").await;

        // Too short a password first.
        b.type_into("Username", "ms.rivera").await;
        b.type_into("Password", "short").await;
        b.type_into("Type it again", "short").await;
        b.press("Create admin").await;
        b.expect_heading("Create the first admin").await;
        assert!(!b.error_beside("Password").await.is_empty());
        assert_eq!(b.value_of("Username").await, "ms.rivera");
        b.check("setup-error").await;

        b.type_into("Password", "marble kettle sunrise cobalt")
            .await;
        b.type_into("Type it again", "marble kettle sunrise cobalt")
            .await;
        b.press("Create admin").await;
        b.wait_for_flash().await;
        b.expect_text("ms.rivera").await;

        // The link has done its job.
        b.log_out().await;
        b.open(&format!("/admin/setup?token={token}")).await;
        b.expect_heading("Setup link not valid").await;
        b.check("setup-closed").await;
    })
    .await;
}

/// The refusal pages a browser can reach: 403 (an expired form) and 429
/// (too many failed logins); and the GET /admin/logout page.
#[tokio::test]
async fn refusal_pages_and_logout_page() {
    let app = app_with_admin().await;
    scenario("refusals", &app, |b| async move {
        // The GET /admin/logout page offers a button.
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.open("/admin/logout").await;
        b.expect_heading("Log out").await;
        b.check("logout-page").await;
        let button = b
            .client
            .find(Locator::XPath(
                "//main//button[normalize-space(.) = 'Log out']",
            ))
            .await
            .expect("log out button");
        b.navigating(async { button.click().await.expect("press") })
            .await;
        b.expect_heading("Admin login").await;

        // A login form left open while the cookies are cleared: 403.
        b.client.delete_all_cookies().await.expect("clear cookies");
        b.type_into("Username", ADMIN).await;
        b.type_into("Password", PASSWORD).await;
        b.press("Log in").await;
        b.expect_heading("Request refused").await;
        b.expect_text("403").await;
        b.check("403").await;

        // Five failures for one username, then the sixth try is paused.
        b.open("/admin/login").await;
        for _ in 0..5 {
            b.log_in("nobody.here", "wrong password, again and again", false)
                .await;
            b.expect_heading("Admin login").await;
        }
        b.log_in("nobody.here", "wrong password, again and again", false)
            .await;
        b.expect_heading("Too many attempts").await;
        b.expect_text("429").await;
        b.expect_text("try again in").await;
        b.check("429").await;
    })
    .await;
}

/// The dark colour scheme (the stylesheet has one): the main pages pass axe
/// there too, contrast included.
#[tokio::test]
async fn dark_theme_passes_the_same_checks() {
    let app = app_with_admin().await;
    scenario("dark", &app, |b| async move {
        b.client
            .issue_cmd(Cdp {
                cmd: "Emulation.setEmulatedMedia",
                params: json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
            })
            .await
            .expect("emulate the dark colour scheme");
        b.open("/").await;
        b.expect_heading("Motorbikes").await;
        let dark = b
            .js("return matchMedia('(prefers-color-scheme: dark)').matches;")
            .await;
        assert_eq!(dark, Value::Bool(true), "dark scheme emulated");
        b.check("home").await;
        b.follow_card("Monster").await;
        b.expect_heading("Monster").await;
        b.check("bike").await;
        b.open("/nope").await;
        b.check("404").await;

        b.open("/admin").await;
        b.log_in(ADMIN, "not the right password at all", false).await;
        b.expect_text("Invalid username or password.").await;
        b.check("login-error").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.check("admin").await;
        b.follow("Accounts").await;
        b.type_into("Username", "x y").await;
        b.type_into("Password", "quiet harbour lantern seven").await;
        b.type_into("Type it again", "quiet harbour lantern seven").await;
        b.press("Add account").await;
        b.error_beside("Username").await;
        b.check("admins-error").await;
        b.follow("Bikes").await;
        b.follow("Add a bike").await;
        b.expect_heading("Add a bike").await;
        b.check("add").await;
    })
    .await;
}

// ---------------------------------------------------------------------------
// The admin catalogue (add / edit / delete bikes, makers, photos, backup)
// ---------------------------------------------------------------------------

impl Browser {
    /// Chooses a file in the file field labelled `label`, as the file picker
    /// would.
    async fn choose_file(&self, label: &str, file: &Path) {
        self.field(label)
            .await
            .send_keys(&file.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("choose {} for {label:?}: {e}", file.display()));
    }

    /// Submits a POST form to `action` with no fields, as a hand-made page
    /// elsewhere on this site could; used to prove a logged-out POST changes
    /// nothing.
    async fn post_empty_form(&self, action: &str) {
        self.navigating(async {
            self.client
                .execute(
                    "const f = document.createElement('form');
                     f.method = 'post'; f.action = arguments[0];
                     document.body.append(f); f.submit(); return null;",
                    vec![json!(action)],
                )
                .await
                .expect("submit a form");
        })
        .await;
    }

    /// Whether the page's main image has loaded and has pixels.
    async fn photo_loaded(&self, css: &str) -> (String, bool) {
        let img = self.client.find(Locator::Css(css)).await.expect("image");
        let src = img.attr("src").await.expect("src").unwrap_or_default();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let loaded = self
                .client
                .execute(
                    "const i = document.querySelector(arguments[0]); return i.complete && i.naturalWidth > 0;",
                    vec![json!(css)],
                )
                .await
                .expect("image state");
            if loaded == Value::Bool(true) || Instant::now() > deadline {
                return (src, loaded == Value::Bool(true));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A small, real PNG photo (a red-and-blue 160×120 picture).
fn small_png(dir: &Path) -> PathBuf {
    let picture = image::RgbImage::from_fn(160, 120, |x, _| {
        if x < 80 {
            image::Rgb([200, 30, 30])
        } else {
            image::Rgb([30, 60, 200])
        }
    });
    let file = dir.join("bike-photo.png");
    picture.save(&file).expect("write the test photo");
    file
}

/// Logged out, the catalogue admin pages lead to the login page, and a POST
/// to delete deletes nothing (the course's "Test all protected routes").
#[tokio::test]
async fn protected_catalogue_routes_logged_out() {
    let app = app_with_admin().await;
    let bikes_before = app.count("SELECT count(*) FROM bikes");
    let app_ref = &app;
    scenario("protected", &app, |b| async move {
        for path in [
            "/admin/add",
            "/admin/edit/1",
            "/admin/delete/1",
            "/admin/makers",
        ] {
            b.open(path).await;
            b.expect_heading("Admin login").await;
            assert!(b.path().await.starts_with("/admin/login?next="), "{path}");
        }
        b.open("/").await;
        b.post_empty_form("/admin/delete/1").await;
        b.expect_heading("Admin login").await;
        assert_eq!(
            app_ref.count("SELECT count(*) FROM bikes WHERE bike_id = 1"),
            1,
            "nothing deleted"
        );
    })
    .await;
    assert_eq!(app.count("SELECT count(*) FROM bikes"), bikes_before);
}

/// Add a bike with an uploaded photo, see it on the public page, edit it,
/// delete it through the confirmation page; a rejected bike form keeps what
/// was typed. Labels are those of the admin branch's bike form.
#[tokio::test]
async fn add_edit_delete_a_bike_with_a_photo() {
    let app = app_with_admin().await;
    let photo = small_png(app.dir.path());
    let not_a_photo = app.dir.path().join("notes.png");
    std::fs::write(&not_a_photo, "these are words, not a picture").expect("write file");
    scenario("crud", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;

        // A rejected form: a year from before motorbikes and a file that is
        // no picture; what was typed stays, the file is refused beside it.
        b.follow("Add a bike").await;
        b.expect_heading("Add a bike").await;
        b.check("add").await;
        b.choose("Maker", "Honda").await;
        b.type_into("Model", "CB750 Four").await;
        b.type_into("Year", "1700").await;
        b.type_into("Engine", "736cc").await;
        b.choose_file("Upload a photo (optional)", &not_a_photo)
            .await;
        b.press("Add bike").await;
        b.expect_heading("Add a bike").await;
        assert!(!b.error_beside("Year").await.is_empty());
        assert!(!b.error_beside("Upload a photo (optional)").await.is_empty());
        assert_eq!(b.value_of("Model").await, "CB750 Four", "model kept");
        assert_eq!(b.value_of("Year").await, "1700", "year kept");
        assert_eq!(b.value_of("Engine").await, "736cc", "engine kept");
        let maker = b.field("Maker").await;
        let chosen = maker
            .find(Locator::Css("option:checked"))
            .await
            .expect("chosen maker")
            .text()
            .await
            .expect("text");
        assert_eq!(chosen, "Honda", "maker kept");

        // The real photo, the year still wrong: the photo is kept.
        b.choose_file("Upload a photo (optional)", &photo).await;
        b.press("Add bike").await;
        b.expect_heading("Add a bike").await;
        b.expect_text("Kept from your last try: bike-photo.png")
            .await;
        b.check("add-error").await;

        // Corrected, without choosing the photo again.
        b.type_into("Year", "1969").await;
        b.press("Add bike").await;
        b.expect_heading("Bikes").await;
        let flash = b.wait_for_flash().await;
        assert!(flash.contains("CB750 Four"), "{flash}");
        b.expect_text(&format!("added by {ADMIN}")).await;
        b.check("added").await;

        // On the public page, with its photo.
        b.follow("Catalogue").await;
        b.type_into("Search model or maker", "cb750").await;
        b.press("Show bikes").await;
        b.expect_text("1 bike").await;
        let (src, loaded) = b.photo_loaded(".bike-card img").await;
        assert!(src.starts_with("/images/"), "uploaded photo shown: {src}");
        assert!(loaded, "the photo loads in the browser");
        b.follow_card("CB750 Four").await;
        b.expect_heading("CB750 Four").await;
        b.expect_text("1969").await;
        let (_, loaded) = b.photo_loaded("img.bike-photo").await;
        assert!(loaded, "the photo loads on the bike's page");
        let bike_path = b.path().await;
        b.check("public-bike").await;

        // Edit it: the form starts with the stored values.
        b.open("/admin").await;
        b.follow("Edit Honda CB750 Four").await;
        b.expect_heading("Edit Honda CB750 Four").await;
        assert_eq!(b.value_of("Year").await, "1969");
        b.check("edit").await;
        b.type_into("Year", "1970").await;
        b.type_into("Engine", "736 cc").await;
        b.press("Save changes").await;
        b.expect_heading("Bikes").await;
        b.wait_for_flash().await;
        b.open(&bike_path).await;
        b.expect_text("1970").await;
        b.expect_text("736 cc").await;

        // Delete it, through the confirmation page.
        b.open("/admin").await;
        b.follow("Delete Honda CB750 Four").await;
        b.expect_heading("Delete this bike?").await;
        b.check("delete-confirm").await;
        b.follow("Keep it").await;
        b.expect_heading("Bikes").await;
        b.expect_text("CB750 Four").await;
        b.follow("Delete Honda CB750 Four").await;
        b.press("Delete bike").await;
        b.expect_heading("Bikes").await;
        let flash = b.wait_for_flash().await;
        // The confirmation carries its Undo button (SPEC §8).
        assert_eq!(flash, "Deleted Honda CB750 Four.\nUndo");
        b.open(&bike_path).await;
        b.expect_text("404").await;
    })
    .await;
}

/// The bike form adds a maker in place: a taken name is refused beside the
/// field with everything kept, a new one is added with the bike.
#[tokio::test]
async fn a_new_maker_from_the_bike_form() {
    let app = app_with_admin().await;
    scenario("new-maker", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.follow("Add a bike").await;
        b.type_into("Or a new maker", "honda").await;
        b.type_into("Model", "Gold Star").await;
        b.type_into("Year", "1938").await;
        b.type_into("Engine", "499cc").await;
        b.press("Add bike").await;
        b.expect_heading("Add a bike").await;
        let message = b.error_beside("Or a new maker").await;
        assert!(
            message.contains("already a maker called “Honda”"),
            "{message}"
        );
        assert_eq!(b.value_of("Model").await, "Gold Star", "model kept");
        b.check("new-maker-error").await;

        b.type_into("Or a new maker", "BSA").await;
        b.press("Add bike").await;
        b.expect_heading("Bikes").await;
        let flash = b.wait_for_flash().await;
        assert!(flash.contains("Added BSA Gold Star."), "{flash}");
        b.follow("Edit BSA Gold Star").await;
        b.expect_text(&format!("Added by {ADMIN} on")).await;
        b.check("edit-authorship").await;
    })
    .await;
}

/// Drafts: a contributor's bike waits on /admin/drafts; the owner sees the
/// badge, sends it back with a comment; the contributor reads it, fixes
/// the year and sends it again; the owner publishes it.
#[tokio::test]
async fn a_draft_sent_back_fixed_and_published() {
    let app = app_with_admin().await;
    helpers::create_account(
        &app,
        "student",
        PASSWORD,
        motodex::domain::roles::Role::Contributor,
    );
    scenario("drafts", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in("student", PASSWORD, false).await;
        b.follow("Drafts").await;
        b.expect_heading("Drafts").await;
        b.follow("Add a bike").await;
        b.expect_heading("Add a bike").await;
        b.choose("Maker", "Honda").await;
        b.type_into("Model", "CB500 Hornet").await;
        b.type_into("Year", "2021").await;
        b.type_into("Engine", "471cc").await;
        b.press("Send for review").await;
        b.expect_heading("Drafts").await;
        b.expect_text("Waiting for an editor").await;
        b.check("contributor").await;
        b.log_out().await;

        // The badge: the link reads "Drafts 1 waiting".
        b.log_in(ADMIN, PASSWORD, false).await;
        b.follow("Drafts 1 waiting").await;
        b.expect_heading("Drafts").await;
        b.check("editor").await;
        b.type_into("Comment for student", "The Hornet came back in 2024.")
            .await;
        b.press("Send back").await;
        b.expect_heading("Drafts").await;
        b.log_out().await;

        b.log_in("student", PASSWORD, false).await;
        b.follow("Drafts").await;
        b.expect_text("The Hornet came back in 2024.").await;
        b.check("returned").await;
        b.follow("Edit and send again").await;
        b.expect_heading("Edit your draft of Honda CB500 Hornet")
            .await;
        b.type_into("Year", "2024").await;
        b.press("Send for review").await;
        b.expect_heading("Drafts").await;
        b.log_out().await;

        b.log_in(ADMIN, PASSWORD, false).await;
        b.follow("Drafts 1 waiting").await;
        b.press("Publish").await;
        b.expect_heading("Bikes").await;
        let flash = b.wait_for_flash().await;
        assert!(flash.contains("Published Honda CB500 Hornet."), "{flash}");
        b.expect_text("added by student").await;
    })
    .await;
}

/// Makers: add, rename, a maker still in use cannot be deleted (the page
/// says why), an unused one is deleted through the confirmation; the backup
/// link answers with a database file.
#[tokio::test]
async fn makers_and_backup() {
    let app = app_with_admin().await;
    scenario("makers", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.follow("Makers").await;
        b.expect_heading("Makers").await;
        b.check("makers").await;

        // A duplicate name (ignoring case) is refused beside the field.
        b.type_into("Name", "honda").await;
        b.press("Add maker").await;
        assert!(!b.error_beside("Name").await.is_empty());
        assert_eq!(b.value_of("Name").await, "honda", "kept");
        b.check("makers-error").await;

        b.type_into("Name", "Royal Enfeld").await;
        b.press("Add maker").await;
        b.wait_for_flash().await;
        b.follow("Rename Royal Enfeld").await;
        b.expect_heading("Rename Royal Enfeld").await;
        b.check("rename").await;
        b.type_into("Name", "Royal Enfield").await;
        b.press("Save name").await;
        b.wait_for_flash().await;
        b.expect_text("Royal Enfield").await;

        // Honda still has bikes: it cannot be deleted, and the page says why.
        b.follow("Delete Honda").await;
        b.expect_heading("Honda cannot be deleted").await;
        b.expect_text("2 bikes still use Honda.").await;
        b.check("maker-in-use").await;
        b.follow("Back").await;

        // Royal Enfield has none: deleted after the confirmation.
        b.follow("Delete Royal Enfield").await;
        b.expect_heading("Delete this maker?").await;
        b.check("maker-delete-confirm").await;
        b.press("Delete maker").await;
        b.wait_for_flash().await;
        let table = b
            .client
            .find(Locator::Css("table.data-table"))
            .await
            .expect("makers table")
            .text()
            .await
            .expect("table text");
        assert!(!table.contains("Royal Enfield"), "deleted: {table}");

        // The backup link gives a SQLite file.
        let answer = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch('/admin/backup').then(async r => {
                   const bytes = new Uint8Array(await r.arrayBuffer());
                   done([r.status, new TextDecoder().decode(bytes.slice(0, 15))]);
                 }).catch(e => done([0, String(e)]));",
                vec![],
            )
            .await
            .expect("fetch the backup");
        assert_eq!(answer, json!([200, "SQLite format 3"]));
    })
    .await;
}

/// Nothing is lost (SPEC §8): the Undo button in a confirmation, a maker's
/// history, the trash and its restore, the activity page and the "Undo all
/// of these" confirmation, each checked at both widths.
#[tokio::test]
async fn undo_history_trash_and_activity() {
    let app = app_with_admin().await;
    scenario("activity", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.expect_heading("Bikes").await;
        b.follow("Makers").await;

        // Added, then undone from the confirmation.
        b.type_into("Name", "Bimota").await;
        b.press("Add maker").await;
        assert!(b.wait_for_flash().await.contains("Added maker Bimota."));
        b.check("flash-with-undo").await;
        b.press("Undo").await;
        assert!(b.wait_for_flash().await.contains("undid"));
        let table = b.text().await;
        assert!(!table.contains("Rename Bimota"), "undone: {table}");

        // Added again and renamed: its history shows both versions.
        b.type_into("Name", "Bimota").await;
        b.press("Add maker").await;
        b.wait_for_flash().await;
        b.follow("Rename Bimota").await;
        b.type_into("Name", "Bimota SpA").await;
        b.press("Save name").await;
        b.wait_for_flash().await;
        b.follow("Rename Bimota SpA").await;
        b.follow("History of this maker").await;
        b.expect_heading("History of the maker Bimota SpA").await;
        b.expect_text("renamed the maker Bimota to Bimota SpA")
            .await;
        b.check("maker-history").await;

        // Deleted to the trash, listed there, restored.
        b.open("/admin/makers").await;
        b.follow("Delete Bimota SpA").await;
        b.press("Delete maker").await;
        b.wait_for_flash().await;
        b.follow("Trash").await;
        b.expect_heading("Trash").await;
        b.expect_text("Maker Bimota SpA").await;
        b.check("trash").await;
        b.press("Restore").await;
        assert!(
            b.wait_for_flash()
                .await
                .contains("restored the maker Bimota SpA")
        );
        let trash = b.text().await;
        assert!(!trash.contains("Maker Bimota SpA"), "restored: {trash}");

        // The activity page, and undoing everything this account did.
        b.follow("Activity").await;
        b.expect_heading("Activity").await;
        b.expect_text("renamed the maker Bimota to Bimota SpA")
            .await;
        b.check("activity").await;
        b.choose("Account", ADMIN).await;
        b.press("Show").await;
        let undo_all = b
            .client
            .find(Locator::XPath(
                "//button[starts-with(normalize-space(.), 'Undo all of these')]",
            ))
            .await
            .expect("undo all button");
        b.navigating(async { undo_all.click().await.expect("press") })
            .await;
        b.expect_heading("Undo teacher’s changes?").await;
        b.check("undo-all-confirm").await;
    })
    .await;
}

/// The import page, a preview with problems, a good preview, and the
/// import itself: each page checked at both widths.
#[tokio::test]
async fn import_a_spreadsheet_through_the_preview() {
    let app = app_with_admin().await;
    let files = tempfile::tempdir().expect("a folder for the files");
    let bad = files.path().join("bad.csv");
    std::fs::write(
        &bad,
        "maker;model;year;engine\r\nNobody;Trail 1;1700;\r\nHonda;Fine;2020;500cc\r\n",
    )
    .expect("write the file");
    let good = files.path().join("bikes.csv");
    std::fs::write(
        &good,
        "maker,model,year,engine\nAprilia,Tuono 660,2022,659cc\nHonda,\"CB500F, red\",2021,471cc\n",
    )
    .expect("write the file");
    scenario("import", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.open("/admin/import").await;
        b.expect_heading("Import & export").await;
        b.check("import").await;

        b.field(
            "CSV file (at most 5 MB), or a zip with the CSV file and its photos (at most 50 MB)",
        )
        .await
        .send_keys(&bad.display().to_string())
        .await
        .expect("choose the file");
        b.press("Check the file").await;
        b.expect_heading("Import bad.csv").await;
        b.expect_text("3 problems found, so nothing can be imported")
            .await;
        b.expect_text("Line 2, column A (maker):").await;
        b.check("import-problems").await;

        b.field(
            "CSV file (at most 5 MB), or a zip with the CSV file and its photos (at most 50 MB)",
        )
        .await
        .send_keys(&good.display().to_string())
        .await
        .expect("choose the file");
        b.tick("Create makers the file names that do not exist yet")
            .await;
        b.press("Check the file").await;
        b.expect_heading("Import bikes.csv").await;
        b.expect_text("Every row is fine").await;
        b.check("import-preview").await;
        b.press("Import 2 bikes").await;
        b.expect_heading("Bikes").await;
        b.expect_text(
            "Imported bikes.csv: 2 bikes added, 0 changed, 0 unchanged, 1 maker created.",
        )
        .await;
    })
    .await;
}

/// The classroom pages (SPEC §13): the share page on every interface (its
/// QR codes large) and on this computer only (the note), and the site
/// settings with a refused title, then the new title on the catalogue,
/// each checked at both widths.
#[tokio::test]
async fn share_page_and_site_settings() {
    let app = spawn_app_with(|config| {
        config.host = std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
    })
    .await;
    create_admin(&app, ADMIN, PASSWORD);
    scenario("classroom", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.follow("Share").await;
        b.expect_heading("Open motodex on a phone").await;
        b.check("share").await;
        let widths = b
            .js("return [...document.querySelectorAll('.share-code svg')].map(s => s.getBoundingClientRect().width);")
            .await;
        for width in widths.as_array().expect("a list") {
            assert!(width.as_f64().unwrap_or(0.0) >= 300.0, "a QR code large enough for a projector: {widths}");
        }

        b.follow("Settings").await;
        b.expect_heading("Site settings").await;
        b.check("settings").await;
        b.type_into("Site title", &"t".repeat(61)).await;
        b.type_into("Introduction", "Bikes chosen by class 3B.").await;
        b.press("Save settings").await;
        assert!(b.error_beside("Site title").await.contains("at most 60"));
        assert_eq!(b.value_of("Introduction").await, "Bikes chosen by class 3B.", "kept");
        b.check("settings-error").await;
        b.type_into("Site title", "Bikes of class 3B").await;
        b.press("Save settings").await;
        b.wait_for_flash().await;

        b.open("/").await;
        b.expect_heading("Motorbikes").await;
        b.expect_text("Bikes chosen by class 3B.").await;
        assert_eq!(
            b.js("return document.title;").await,
            json!("Motorbikes · Bikes of class 3B")
        );
        b.check("catalogue-with-title").await;
    })
    .await;

    let this_computer_only = app_with_admin().await;
    scenario("share-loopback", &this_computer_only, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.follow("Share").await;
        b.expect_text("This site is reachable from this computer only.")
            .await;
        b.check("share-loopback").await;
        b.tick("Let other devices on this network open the site")
            .await;
        b.press("Save").await;
        b.wait_for_flash().await;
        b.expect_text("from the next start of motodex").await;
    })
    .await;
}

#[tokio::test]
async fn an_exported_site_opened_from_files_links_and_searches() {
    let app = app_with_admin().await;
    let out = tempfile::tempdir().expect("a folder for the site");
    let site = out.path().join("site");
    let exported = Command::new(env!("CARGO_BIN_EXE_motodex"))
        .arg("--db")
        .arg(&app.db_path)
        .arg("export-site")
        .arg(&site)
        .output()
        .expect("run export-site");
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let home = format!("file://{}", site.join("index.html").display());
    scenario("exported-site", &app, |b| async move {
        b.client.goto(&home).await.expect("open the exported site");
        b.expect_heading("Motorbikes").await;
        b.check("home").await;
        b.follow("Triumph").await;
        b.expect_heading("Triumph").await;
        b.check("maker").await;
        b.follow_card("Street Triple RS").await;
        b.expect_heading("Street Triple RS").await;
        b.check("bike").await;
        b.follow("← All bikes").await;
        b.expect_heading("Motorbikes").await;
        b.type_into("Search model or maker", "street").await;
        b.press("Search").await;
        b.expect_heading("Search").await;
        b.expect_text("1 bike").await;
        b.expect_text("Street Triple RS").await;
        b.check("search").await;
        b.follow_card("Street Triple RS").await;
        b.expect_heading("Street Triple RS").await;
    })
    .await;
}

/// The accounts pages and class accounts (SPEC §10): the users page, an
/// account's page, the delete confirmation, the class list refused with its
/// problems, then the slips, on screen and printed on A4 (a PDF kept beside
/// the screenshots: eight slips a page, none cut by a page break).
#[tokio::test]
async fn accounts_class_list_and_printed_slips() {
    let app = app_with_admin().await;
    scenario("accounts", &app, |b| async move {
        b.open("/admin/login").await;
        b.log_in(ADMIN, PASSWORD, false).await;
        b.follow("Accounts").await;
        b.expect_heading("Accounts").await;
        b.check("users").await;

        b.follow("Add class accounts").await;
        b.expect_heading("Add class accounts").await;
        b.check("batch").await;
        b.type_into("Usernames", "anna.k\nbad name!\nanna.k").await;
        b.press("Create accounts and print slips").await;
        b.expect_text("Nothing was created").await;
        b.check("batch-error").await;

        let names: Vec<String> = (1..=10).map(|n| format!("pupil.{n:02}")).collect();
        b.type_into("Usernames", &names.join("\n")).await;
        b.press("Create accounts and print slips").await;
        b.expect_heading("Slips for 10 new accounts").await;
        b.check("slips").await;
        let pdf = b
            .client
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .expect("print the slips");
        std::fs::write(b.shots.join("accounts-slips-print.pdf"), &pdf).expect("save the PDF");
        // Each page object says "/Type /Page" (the page tree "/Type /Pages").
        let marker = b"/Type /Page";
        let pages = pdf
            .windows(marker.len() + 1)
            .filter(|w| w.starts_with(marker) && w[marker.len()] != b's')
            .count();
        assert_eq!(pages, 2, "ten slips, eight to an A4 page");

        b.open("/admin/users").await;
        b.follow("Manage pupil.01").await;
        b.expect_heading("Account pupil.01").await;
        b.check("account").await;
        b.follow("Delete this account…").await;
        b.expect_heading("Delete this account?").await;
        b.check("delete").await;
        b.press("Delete account").await;
        b.wait_for_flash().await;
        b.expect_heading("Accounts").await;
    })
    .await;
}
