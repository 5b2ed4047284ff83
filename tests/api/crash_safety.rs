//! Crash safety (issue 8): a writer adds and edits bikes while the server is
//! killed with SIGKILL at random moments, 20 times. After every restart the
//! database passes `PRAGMA integrity_check` and every write that was
//! acknowledged with a redirect is there.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::helpers::binary::{Running, create_admin, listening_url, motodex};
use crate::helpers::{ADMIN, PASSWORD, client, csrf_token_of};

/// What the server acknowledged before it died.
#[derive(Default)]
struct Acknowledged {
    added: Vec<String>,
    /// (bike id, engine acknowledged, engine values attempted after it)
    edited: Vec<(i64, String)>,
    attempted_after_last_edit: Vec<String>,
}

async fn writer(base: String, round: usize, log: Arc<Mutex<Acknowledged>>) {
    let c = client();
    let Ok(page) = c.get(format!("{base}admin/login")).send().await else {
        return;
    };
    let Ok(page) = page.text().await else { return };
    let token = csrf_token_of(&page);
    let login = c
        .post(format!("{base}admin/login"))
        .form(&[
            ("username", ADMIN),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await;
    if !matches!(login, Ok(ref r) if r.status() == 303) {
        return;
    }
    let Ok(admin) = c.get(format!("{base}admin")).send().await else {
        return;
    };
    let Ok(admin) = admin.text().await else {
        return;
    };
    let token = csrf_token_of(&admin);
    for n in 0.. {
        let model = format!("Crash {round}-{n}");
        let sent = c
            .post(format!("{base}admin/add"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("maker_id", "1"),
                ("model", &model),
                ("year", "2024"),
                ("engine", "1000cc"),
                ("image_url", ""),
            ])
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == 303 => log.lock().unwrap().added.push(model),
            Ok(response) => panic!(
                "an add answered {} instead of a redirect",
                response.status()
            ),
            Err(_) => return, // the server died mid-request
        }
        // Every third write edits bike 1's engine.
        if n % 3 == 2 {
            let engine = format!("{round}-{n}cc");
            log.lock()
                .unwrap()
                .attempted_after_last_edit
                .push(engine.clone());
            let sent = c
                .post(format!("{base}admin/edit/1"))
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("maker_id", "1"),
                    ("model", "Panigale V4"),
                    ("year", "2023"),
                    ("engine", &engine),
                    ("image_url", ""),
                ])
                .send()
                .await;
            match sent {
                Ok(response) if response.status() == 303 => {
                    let mut log = log.lock().unwrap();
                    log.edited.push((1, engine));
                    log.attempted_after_last_edit.clear();
                }
                Ok(response) => panic!("an edit answered {}", response.status()),
                Err(_) => return,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_twenty_kill_9s_and_the_database_stays_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    create_admin(&db, ADMIN, PASSWORD);

    let log = Arc::new(Mutex::new(Acknowledged::default()));
    // Seeded, so the moments of the kills can be replayed.
    let mut moments = Xoshiro256PlusPlus::seed_from_u64(0x5eed);
    for round in 0..20 {
        let mut server = motodex(&db);
        server.args(["--port", "0"]);
        let mut running = Running::start(server);
        let base = listening_url(&running.banner());
        let task = tokio::spawn(writer(base, round, Arc::clone(&log)));
        tokio::time::sleep(Duration::from_millis(moments.random_range(150..750))).await;
        drop(running); // SIGKILL: no shutdown, no checkpoint
        let _ = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the writer notices the kill");

        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let log = log.lock().unwrap();
        for model in &log.added {
            let found: i64 = conn
                .query_row(
                    "SELECT count(*) FROM bikes WHERE model = ?1",
                    [model],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                found, 1,
                "round {round}: acknowledged add {model} is present exactly once"
            );
        }
        if let Some((id, engine)) = log.edited.last() {
            let stored: String = conn
                .query_row("SELECT engine FROM bikes WHERE bike_id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap();
            assert!(
                &stored == engine || log.attempted_after_last_edit.contains(&stored),
                "round {round}: bike {id} has {stored}, acknowledged {engine}"
            );
        }
    }
    let log = log.lock().unwrap();
    assert!(
        log.added.len() >= 20,
        "the writer got work done between kills: {}",
        log.added.len()
    );
}
