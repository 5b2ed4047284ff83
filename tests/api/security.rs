//! Holding under attack (issue 18, SPEC §4–§6): throttling that bursts
//! cannot skip, guesses on the change-password form, malformed catalogue
//! queries, HEAD, the Host check, file modes and deleted photos.

use std::time::Duration;

use crate::helpers::catalogue::*;
use crate::helpers::*;
use futures_util::future::join_all;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends raw bytes and returns the whole answer as text (empty if none).
async fn raw(app: &TestApp, request: &str) -> String {
    let authority = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).await.expect("connect");
    let _ = stream.write_all(request.as_bytes()).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

fn status_of(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn authority(app: &TestApp) -> &str {
    app.address.trim_start_matches("http://")
}

// --- Throttling under concurrency (SPEC §6) ---

/// `count` fresh browsers, each holding the login form's token, ready to
/// send their logins at the same moment.
async fn login_forms(app: &TestApp, count: usize) -> Vec<(reqwest::Client, String)> {
    let mut forms = Vec::new();
    for _ in 0..count {
        let c = client();
        let token = csrf_token_of(&page(&c, &app.url("/admin/login"), 200).await);
        forms.push((c, token));
    }
    forms
}

/// Sends every login of `attempts` (username, password) at once; returns
/// the statuses in the same order.
async fn burst(app: &TestApp, attempts: &[(String, String)]) -> Vec<u16> {
    let forms = login_forms(app, attempts.len()).await;
    let sends = forms
        .iter()
        .zip(attempts)
        .map(|((c, token), (username, password))| async move {
            c.post(app.url("/admin/login"))
                .form(&[
                    ("username", username.as_str()),
                    ("password", password.as_str()),
                    ("csrf_token", token.as_str()),
                ])
                .status()
                .await
                .as_u16()
        });
    join_all(sends).await
}

fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test]
async fn a_burst_of_100_wrong_logins_for_one_username_reaches_the_password_check_at_most_5_times() {
    let app = app_with_admin().await;
    let attempts: Vec<_> = (0..100)
        .map(|i| (ADMIN.to_string(), format!("wrong guess number {i}")))
        .collect();
    let statuses = burst(&app, &attempts).await;
    let checked = tally(&statuses, 200);
    assert!(checked <= 5, "{checked} reached the password check");
    assert_eq!(checked + tally(&statuses, 429), 100, "{statuses:?}");
    assert_eq!(login(&app, &client(), ADMIN, PASSWORD).await.status(), 429);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
}

#[tokio::test]
async fn the_right_password_inside_a_burst_gets_no_extra_tries() {
    let app = app_with_admin().await;
    let mut attempts: Vec<_> = (0..29)
        .map(|i| (ADMIN.to_string(), format!("wrong guess number {i}")))
        .collect();
    attempts.push((ADMIN.to_string(), PASSWORD.to_string()));
    let statuses = burst(&app, &attempts).await;
    let checked = tally(&statuses, 200) + tally(&statuses, 303);
    assert!(checked <= 5, "{checked} reached the password check");
    if statuses[29] == 429 {
        assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
    }
}

#[tokio::test]
async fn a_burst_of_100_logins_from_one_address_reaches_the_password_check_at_most_20_times() {
    let app = app_with_admin().await;
    let mut attempts: Vec<_> = (0..99)
        .map(|i| (format!("guess{i}"), "whatever it is".to_string()))
        .collect();
    attempts.push((ADMIN.to_string(), PASSWORD.to_string()));
    let statuses = burst(&app, &attempts).await;
    // A success gives its attempt back; the failures stay counted.
    let failures = tally(&statuses, 200);
    assert!(
        failures <= 20,
        "{failures} wrong ones reached the password check"
    );
    assert_eq!(
        failures + tally(&statuses, 303) + tally(&statuses, 429),
        100
    );
    let after = login(&app, &client(), "one more guess", "whatever it is").await;
    assert_eq!(after.status(), if failures == 20 { 429 } else { 200 });
}

#[tokio::test]
async fn wrong_current_passwords_on_the_change_password_form_count_as_failed_logins() {
    let (app, c) = logged_in_app().await;
    let hash_before = text(&app, "SELECT password_hash FROM users");
    let new = "a brand new passphrase here";
    let change = |current: &'static str| {
        let (app, c) = (&app, &c);
        async move {
            let form = page(c, &app.url("/admin/change-password"), 200).await;
            c.post(app.url("/admin/change-password"))
                .form(&[
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", new),
                    ("csrf_token", &csrf_token_of(&form)),
                ])
                .status()
                .await
        }
    };
    for _ in 0..5 {
        assert_eq!(change("not my password at all").await, 422);
    }
    assert_eq!(change(PASSWORD).await, 429, "the right one is paused too");
    assert_eq!(text(&app, "SELECT password_hash FROM users"), hash_before);
    assert_eq!(login(&app, &client(), ADMIN, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn a_right_current_password_with_a_weak_new_one_is_not_counted() {
    let (app, c) = logged_in_app().await;
    for _ in 0..6 {
        let form = page(&c, &app.url("/admin/change-password"), 200).await;
        let status = c
            .post(app.url("/admin/change-password"))
            .form(&[
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("confirm_password", "short"),
                ("csrf_token", &csrf_token_of(&form)),
            ])
            .status()
            .await;
        assert_eq!(status, 422);
    }
    assert_eq!(app.count("SELECT count(*) FROM login_failures"), 0);
}

// --- Malformed catalogue queries (SPEC §4) ---

#[tokio::test]
async fn undecodable_maker_and_page_values_are_ignored_like_other_malformed_ones() {
    let app = spawn_app().await;
    let c = client();
    let all = page(&c, &app.url("/"), 200).await;
    let count_line = |body: &str| {
        body.lines()
            .find(|l| l.contains(" bikes"))
            .map(str::to_string)
    };
    for query in [
        "/?maker_id=%FF",
        "/?page=%FF",
        "/?maker_id=%C0%AF&page=%FF%FE",
        "/?maker_id=%00",
    ] {
        let body = page(&c, &app.url(query), 200).await;
        assert_eq!(count_line(&body), count_line(&all), "{query}");
    }
}

// --- HEAD (SPEC §6) ---

#[tokio::test]
async fn every_get_page_and_asset_answers_head_with_the_same_headers_and_no_body() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let fields = with_token(&bike(maker_id(&app, "Ducati"), "Head Test"), &token);
    post_multipart(
        &c,
        &app.url("/admin/add"),
        &fields,
        Some(png_upload(40, 30)),
    )
    .await;
    let bike = bike_id(&app, "Head Test");
    let image = app.count(&format!(
        "SELECT image_id FROM images WHERE bike_id = {bike}"
    ));
    let home = page(&c, &app.url("/"), 200).await;
    let stylesheet = home
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.starts_with("/static/"))
        .expect("a stylesheet link")
        .to_string();
    let anonymous = client();
    for (who, path) in [
        (&anonymous, "/".to_string()),
        (&anonymous, "/?search=duc".to_string()),
        (&anonymous, format!("/bikes/{bike}")),
        (&anonymous, format!("/images/{image}")),
        (&anonymous, format!("/images/{image}/small")),
        (&anonymous, stylesheet.clone()),
        (&anonymous, "/healthz".to_string()),
        (&anonymous, "/admin/login".to_string()),
        (&anonymous, "/admin".to_string()),
        (&anonymous, "/bikes/999999".to_string()),
        (&c, "/admin".to_string()),
        (&c, "/admin/makers".to_string()),
    ] {
        let get = who.get(app.url(&path)).sent().await;
        let head = who.head(app.url(&path)).sent().await;
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        for name in [
            "content-type",
            "content-length",
            "cache-control",
            "location",
        ] {
            assert_eq!(
                head.headers().get(name),
                get.headers().get(name),
                "HEAD {path}: {name}"
            );
        }
        assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path}");
    }
}

// --- The Host header (SPEC §6: DNS rebinding) ---

#[tokio::test]
async fn a_foreign_host_is_refused_with_421_for_every_method_and_says_how_to_allow_it() {
    let app = app_with_admin().await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    let foreign = format!("rebind.attacker.example:{port}");
    for method in ["GET", "HEAD", "POST"] {
        let response = raw(
            &app,
            &format!(
                "{method} /admin/login HTTP/1.1\r\nHost: {foreign}\r\nOrigin: http://{foreign}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            ),
        )
        .await;
        assert_eq!(status_of(&response), 421, "{method}: {response}");
        if method == "GET" {
            assert!(response.contains("--public-host rebind.attacker.example"));
            assert!(response.contains("MOTODEX_PUBLIC_HOST"));
            assert!(response.contains("text/html; charset=utf-8"));
        }
    }
    // A rebinding page cannot spend the address's failure budget.
    for _ in 0..25 {
        raw(
            &app,
            &format!(
                "POST /admin/login HTTP/1.1\r\nHost: {foreign}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ),
        )
        .await;
    }
    assert_eq!(login(&app, &client(), ADMIN, PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn the_listening_address_and_localhost_are_accepted_in_any_spelling() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        format!("localhost:{port}"),
        format!("LocalHost.:{port}"),
    ] {
        let response = raw(
            &app,
            &format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(status_of(&response), 200, "{host}");
    }
    for host in [
        "127.0.0.2",
        "localhost.attacker.example",
        "[::1]",
        "0.0.0.0",
    ] {
        let response = raw(
            &app,
            &format!("GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(status_of(&response), 421, "{host}");
    }
}

#[tokio::test]
async fn a_missing_or_doubled_host_is_a_400() {
    let app = spawn_app().await;
    let host = authority(&app).to_string();
    let missing = raw(&app, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").await;
    assert_eq!(status_of(&missing), 400, "{missing}");
    let doubled = raw(
        &app,
        &format!("GET / HTTP/1.1\r\nHost: {host}\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status_of(&doubled), 400, "{doubled}");
    // HTTP/1.0 had no Host header; such a client is still served.
    let old = raw(&app, "GET / HTTP/1.0\r\n\r\n").await;
    assert_eq!(status_of(&old), 200);
}

// --- Files readable by their owner only (SPEC §6) ---

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_database_its_wal_and_a_backup_are_readable_by_their_owner_only() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let fields = with_token(&bike(maker_id(&app, "Ducati"), "Mode Test"), &token);
    post_form(&c, &app.url("/admin/add"), &fields).await;
    assert_eq!(mode(&app.db_path), 0o600, "database");
    let wal = app.db_path.with_extension("db-wal");
    assert_eq!(mode(&wal), 0o600, "WAL");
    let backup = app.dir.path().join("copy.db");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_motodex"))
        .args(["--db", app.db_path.to_str().unwrap(), "backup"])
        .arg(&backup)
        .output()
        .expect("run motodex backup");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(mode(&backup), 0o600, "backup");
}

#[cfg(unix)]
#[tokio::test]
async fn the_backup_folder_is_created_open_to_its_owner_only() {
    let (app, c) = logged_in_app().await;
    let folder = app.dir.path().join("backups");
    assert!(!folder.exists(), "no backup folder before the first backup");
    let token = admin_token(&app, &c).await;
    let response = post_form(
        &c,
        &app.url("/admin/backups/now"),
        &[("csrf_token".to_string(), token)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(mode(&folder), 0o700, "backup folder");
    let backup = std::fs::read_dir(&folder)
        .expect("backup folder")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with("Z.db"))
        .expect("a backup was written");
    assert_eq!(mode(&backup.path()), 0o600, "backup in the folder");
}

// --- Deleted photos are gone (SPEC §6: secure_delete) ---

/// True when any 48-byte piece of `needle` (taken at several places)
/// appears in `haystack`.
fn shares_a_piece(haystack: &[u8], needle: &[u8]) -> bool {
    let piece = 48;
    (0..8)
        .map(|i| (needle.len() - piece) * i / 8)
        .any(|start| contains(haystack, &needle[start..start + piece]))
}

/// Purged means gone: with `--trash-days 0` a delete purges at once (the
/// trash keeps a deleted bike's photo on purpose until then).
#[tokio::test]
async fn a_purged_photo_is_in_neither_the_database_file_nor_a_later_backup() {
    let mut app = spawn_app_with(|config| config.trash_days = 0).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
    let token = admin_token(&app, &c).await;
    let fields = with_token(&bike(maker_id(&app, "Ducati"), "Gone Photo"), &token);
    let response = post_multipart(
        &c,
        &app.url("/admin/add"),
        &fields,
        Some(phone_jpeg(800, 600)),
    )
    .await;
    assert_eq!(response.status(), 303);
    let bike = bike_id(&app, "Gone Photo");
    let image = app.count(&format!(
        "SELECT image_id FROM images WHERE bike_id = {bike}"
    ));
    let full = c
        .get(app.url(&format!("/images/{image}")))
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    let small = c
        .get(app.url(&format!("/images/{image}/small")))
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    assert!(full.len() > 1000, "a photo worth looking for");
    let confirm = page(&c, &app.url(&format!("/admin/delete/{bike}")), 200).await;
    let response = post_form(
        &c,
        &app.url(&format!("/admin/delete/{bike}")),
        &[("csrf_token".into(), csrf_token_of(&confirm))],
    )
    .await;
    assert_eq!(response.status(), 303);
    let backup = c
        .get(app.url("/admin/backup"))
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    assert!(backup.starts_with(b"SQLite format 3"));
    assert!(
        !shares_a_piece(&backup, &full),
        "the photo is in the backup"
    );
    assert!(
        !shares_a_piece(&backup, &small),
        "the thumbnail is in the backup"
    );
    app.stop().await;
    let file = std::fs::read(&app.db_path).unwrap();
    assert!(!shares_a_piece(&file, &full), "the photo is in the file");
    assert!(
        !shares_a_piece(&file, &small),
        "the thumbnail is in the file"
    );
}

/// Sends `GET /` naming `host` to the server at `authority`; the status.
fn status_for_host(authority: &str, host: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    status_of(&response)
}

#[tokio::test]
async fn names_given_with_public_host_are_accepted_ignoring_case_and_port() {
    let app = spawn_app_with(|config| {
        config.public_hosts = vec!["bikes.school.example".into(), "Proxy.Example.:8443".into()];
    })
    .await;
    let authority = authority(&app).to_string();
    let statuses = tokio::task::spawn_blocking(move || {
        [
            "bikes.school.example",
            "BIKES.school.example:443",
            "proxy.example",
            "other.example",
            "school.example",
        ]
        .map(|host| status_for_host(&authority, host))
    })
    .await
    .unwrap();
    assert_eq!(statuses, [200, 200, 200, 421, 421]);
}

#[tokio::test]
async fn a_foreign_host_is_refused_even_after_an_allowed_one_on_the_same_connection() {
    let app = spawn_app().await;
    let authority = authority(&app).to_string();
    let answers = tokio::task::spawn_blocking(move || {
        use std::io::{BufRead, BufReader, Read, Write};
        let mut stream = std::net::TcpStream::connect(&authority).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        ["localhost", "rebind.example", "localhost"].map(|host| {
            write!(stream, "GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            reader
                .by_ref()
                .take(length)
                .read_to_end(&mut Vec::new())
                .unwrap();
            status_of(&head)
        })
    })
    .await
    .unwrap();
    assert_eq!(answers, [200, 421, 200]);
}

#[test]
fn public_host_is_repeatable_on_the_command_line() {
    use clap::Parser;
    let cli = motodex::cli::Cli::try_parse_from([
        "motodex",
        "--public-host",
        "a.example",
        "--public-host",
        "b.example",
    ])
    .expect("parses");
    assert_eq!(cli.serve.public_host, ["a.example", "b.example"]);
}

#[cfg(target_os = "linux")]
#[test]
fn the_server_takes_public_hosts_from_the_environment_and_raises_its_open_file_limit() {
    use crate::helpers::binary::{Running, listening_url};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    // Started with a soft limit of 256 files, as a small service would be.
    let mut command = std::process::Command::new("prlimit");
    command
        .arg("--nofile=256:4096")
        .arg("--")
        .arg(crate::helpers::binary::binary());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MOTODEX_") {
            command.env_remove(name);
        }
    }
    command
        .args(["--db", db.to_str().unwrap(), "--port", "0"])
        .env("MOTODEX_PUBLIC_HOST", "bikes.school.example, proxy.example")
        .stdin(std::process::Stdio::null());
    let mut server = Running::start(command);
    let url = listening_url(&server.banner());
    let authority = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert_eq!(status_for_host(&authority, "bikes.school.example"), 200);
    assert_eq!(status_for_host(&authority, "proxy.example:5000"), 200);
    assert_eq!(status_for_host(&authority, "rebind.example"), 421);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let open_files = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .split_whitespace()
        .skip(3)
        .take(2)
        .collect::<Vec<_>>();
    assert_eq!(open_files, ["4096", "4096"], "{limits}");
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

// --- Connection limits (SPEC §6) ---

fn short_limits() -> motodex::config::ConnectionLimits {
    motodex::config::ConnectionLimits {
        max_connections: 40,
        max_per_address: 10,
        header_timeout: Duration::from_secs(1),
        grace: Duration::from_secs(1),
        min_rate: 1024 * 1024,
    }
}

/// `GET /healthz` from a fresh connection answers within a second.
async fn answers_within_a_second(url: &str) {
    let started = std::time::Instant::now();
    let status = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(status.ok(), Some(200));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered in {:?}",
        started.elapsed()
    );
}

/// Reads until the server closes; the answer, and how long it took.
async fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn trickling_and_stalled_bodies_get_408_within_their_deadline_and_others_are_served() {
    let app = spawn_app_with(|config| config.limits = short_limits()).await;
    let host = authority(&app).to_string();
    let head = format!(
        "POST /admin/login HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n"
    );
    let mut stalled = TcpStream::connect(&host).await.unwrap();
    stalled.write_all(head.as_bytes()).await.unwrap();
    stalled.write_all(b"username=a").await.unwrap();
    let mut trickling = TcpStream::connect(&host).await.unwrap();
    trickling.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = trickling.into_split();
    let dripping = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    answers_within_a_second(&app.url("/healthz")).await;
    let (answer, took) = until_closed(&mut stalled).await;
    assert_eq!(status_of(&answer), 408, "{answer}");
    assert!(took < Duration::from_secs(4), "stalled body held {took:?}");
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), reader.read_to_end(&mut answer)).await;
    assert_eq!(status_of(&String::from_utf8_lossy(&answer)), 408);
    assert!(started.elapsed() < Duration::from_secs(4));
    dripping.abort();
    answers_within_a_second(&app.url("/healthz")).await;
    assert_eq!(app.count("SELECT count(*) FROM login_failures"), 0);
}

#[tokio::test]
async fn idle_and_kept_alive_connections_are_closed_after_the_header_time_out() {
    let app = spawn_app_with(|config| config.limits = short_limits()).await;
    let host = authority(&app).to_string();
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(&host).await.unwrap());
    }
    let mut kept = TcpStream::connect(&host).await.unwrap();
    kept.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    answers_within_a_second(&app.url("/healthz")).await;
    for stream in idle.iter_mut().chain([&mut kept]) {
        let (_, took) = until_closed(stream).await;
        assert!(took < Duration::from_secs(4), "held {took:?}");
    }
}

#[tokio::test]
async fn one_address_over_its_cap_is_refused_at_once_while_others_are_served() {
    let app = spawn_app_with(|config| config.limits = short_limits()).await;
    let host = authority(&app).to_string();
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(TcpStream::connect(&host).await.unwrap());
    }
    // Let the server count them before the next one knocks.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut over = TcpStream::connect(&host).await.unwrap();
    let _ = over
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
        .await;
    let (answer, took) = until_closed(&mut over).await;
    assert!(answer.is_empty(), "{answer}");
    assert!(took < Duration::from_millis(500), "{took:?}");
    // Another address of this computer is still served at once.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(other.get(app.url("/healthz")).status().await, 200);
    assert!(started.elapsed() < Duration::from_secs(1));
    // Once the held ones time out, the address is served again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    answers_within_a_second(&app.url("/healthz")).await;
}

#[tokio::test]
async fn a_client_that_stops_reading_a_large_answer_is_cut_off() {
    use warp::Filter;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let local = listener.local_addr().unwrap();
    let big = warp::path!("big").map(|| warp::reply::Response::new(vec![b'x'; 64 << 20].into()));
    let small = warp::path!("healthz").map(|| warp::reply::Response::new("ok".into()));
    let site = big.or(small).unify().boxed();
    tokio::spawn(motodex::server::serve(
        listener,
        None,
        site,
        motodex::server::HostCheck::new(local.ip(), &[]),
        motodex::config::ConnectionLimits {
            min_rate: 16 << 20,
            ..short_limits()
        },
        std::future::pending(),
    ));
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket.connect(local).await.unwrap();
    slow.write_all(format!("GET /big HTTP/1.1\r\nHost: {local}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // 64 MB at 16 MB/s after a second's grace: the server gives up after
    // 5 s; a reader of a byte now and then does not keep it.
    let mut received = 0usize;
    let mut buffer = [0u8; 1];
    for _ in 0..35 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Ok(n) = slow.read(&mut buffer).await {
            received += n;
        }
    }
    answers_within_a_second(&format!("http://{local}/healthz")).await;
    // Reading fast now gets what was already on its way, then the end.
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut rest)).await;
    assert!(ended.is_ok(), "the connection is still open");
    received += rest.len();
    assert!(
        received < 32 << 20,
        "{received} bytes sent to a reader that stopped"
    );
}
