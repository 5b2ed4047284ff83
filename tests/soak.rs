//! The soak test (issue 8), run by `bench/soak` (not by `cargo test`: it is
//! ignored there because it takes a minute): 64 connections of mixed traffic
//! — public pages, logins, and admin writes from 8 clients — against the real
//! binary. It must end with zero 5xx, zero socket errors, every acknowledged
//! write present, and memory back near its idle level.

// The helpers of the `api` test binary; this file uses a few of them.
#[allow(dead_code)]
#[path = "api/helpers/mod.rs"]
mod helpers;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use helpers::binary::{Running, create_admin, listening_url, motodex};
use helpers::{ADMIN, PASSWORD, client, csrf_token_of};

const READERS: usize = 52;
const LOGINS: usize = 4;
const WRITERS: usize = 8;

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    server_errors: AtomicU64,
    socket_errors: AtomicU64,
    logins: AtomicU64,
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn record(
    tally: &Tally,
    response: Result<reqwest::Response, reqwest::Error>,
) -> Option<reqwest::Response> {
    tally.requests.fetch_add(1, Ordering::Relaxed);
    match response {
        Ok(r) if r.status().is_server_error() => {
            tally.server_errors.fetch_add(1, Ordering::Relaxed);
            None
        }
        Ok(r) => Some(r),
        Err(_) => {
            tally.socket_errors.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

async fn log_in(c: &reqwest::Client, base: &str, tally: &Tally) -> Option<String> {
    let page = record(tally, c.get(format!("{base}admin/login")).send().await)
        .await?
        .text()
        .await
        .ok()?;
    let token = csrf_token_of(&page);
    let form = [
        ("username", ADMIN),
        ("password", PASSWORD),
        ("csrf_token", &token),
    ];
    let response = record(
        tally,
        c.post(format!("{base}admin/login"))
            .form(&form)
            .send()
            .await,
    )
    .await?;
    assert_eq!(response.status(), 303, "login succeeds");
    tally.logins.fetch_add(1, Ordering::Relaxed);
    let admin = record(tally, c.get(format!("{base}admin")).send().await)
        .await?
        .text()
        .await
        .ok()?;
    Some(csrf_token_of(&admin))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a minute long; run by bench/soak"]
async fn sixty_seconds_of_mixed_traffic_end_clean() {
    let seconds: u64 = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    create_admin(&db, ADMIN, PASSWORD);

    let mut server = motodex(&db);
    server.args(["--port", "0"]);
    let mut running = Running::start(server);
    let base = listening_url(&running.banner());
    let pid = running.pid();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_kib(pid, "VmRSS:");

    let tally = Arc::new(Tally::default());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for n in 0..READERS {
        let (base, tally) = (base.clone(), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            let c = client();
            let paths = [
                "/",
                "/bikes/1",
                "/?search=ni",
                "/?maker_id=2",
                "/?page=2",
                "/bikes/7",
                "/nope",
                "/static/style.css",
            ];
            let mut i = n;
            while Instant::now() < deadline {
                let path = paths[i % paths.len()];
                if let Some(r) = record(
                    &tally,
                    c.get(format!("{}{}", base.trim_end_matches('/'), path))
                        .send()
                        .await,
                )
                .await
                {
                    let _ = r.bytes().await;
                }
                i += 1;
            }
            Vec::new()
        }));
    }
    for _ in 0..LOGINS {
        let (base, tally) = (base.clone(), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                log_in(&client(), &base, &tally).await;
            }
            Vec::new()
        }));
    }
    for w in 0..WRITERS {
        let (base, tally) = (base.clone(), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            let c = client();
            let Some(token) = log_in(&c, &base, &tally).await else {
                return Vec::new();
            };
            let mut acknowledged = Vec::new();
            let mut n = 0;
            while Instant::now() < deadline {
                let model = format!("Soak {w}-{n}");
                let form = [
                    ("csrf_token", token.as_str()),
                    ("maker_id", "1"),
                    ("model", &model),
                    ("year", "2024"),
                    ("engine", "999cc"),
                    ("image_url", ""),
                ];
                if let Some(r) = record(
                    &tally,
                    c.post(format!("{base}admin/add")).form(&form).send().await,
                )
                .await
                {
                    assert_eq!(r.status(), 303, "an add is acknowledged with a redirect");
                    acknowledged.push(model);
                }
                n += 1;
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    let peak = rss_kib(pid, "VmHWM:");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = rss_kib(pid, "VmRSS:");

    let conn = rusqlite::Connection::open(&db).unwrap();
    let missing = acknowledged
        .iter()
        .filter(|model| {
            conn.query_row(
                "SELECT count(*) FROM bikes WHERE model = ?1",
                [model],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                != 1
        })
        .count();
    let requests = tally.requests.load(Ordering::Relaxed);
    println!(
        "SOAK | {seconds} s | {} connections | {requests} requests ({:.0}/s) | {} logins | {} acknowledged writes, {missing} missing | 5xx: {} | socket errors: {} | RSS idle {:.1} MB, peak {:.1} MB, 5 s after {:.1} MB",
        READERS + LOGINS + WRITERS,
        requests as f64 / seconds as f64,
        tally.logins.load(Ordering::Relaxed),
        acknowledged.len(),
        tally.server_errors.load(Ordering::Relaxed),
        tally.socket_errors.load(Ordering::Relaxed),
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        after as f64 / 1024.0,
    );
    assert_eq!(tally.server_errors.load(Ordering::Relaxed), 0, "no 5xx");
    assert_eq!(
        tally.socket_errors.load(Ordering::Relaxed),
        0,
        "no socket errors"
    );
    assert_eq!(missing, 0, "every acknowledged write is present");
    assert!(!acknowledged.is_empty());
    assert!(
        after <= idle * 2 + 16 * 1024,
        "memory comes back near idle: {idle} KiB idle, {after} KiB after"
    );
}
