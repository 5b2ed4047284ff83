//! What keeps every page view cheap (issue 17): cached statements are
//! never prepared again, and reads on the executor stay short. Speed
//! itself is measured by `bench/run`, never here.

use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use crate::helpers::catalogue::maker_id;
use crate::helpers::{ADMIN, PASSWORD, client, create_admin, login, page, spawn_app_with};

#[tokio::test]
async fn the_catalogue_bike_and_admin_queries_are_never_prepared_again() {
    let app = spawn_app_with(|config| config.page_cache = false).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    assert_eq!(login(&app, &c, ADMIN, PASSWORD).await.status(), 303);
    let honda = maker_id(&app, "Honda");
    let yamaha = maker_id(&app, "Yamaha");
    // Counted from here: logging in is not a page view.
    let before = app.state.db.times_reprepared();
    // Each twice, with values that differ from one request to the next:
    // SQLite prepares a statement again when a rebound value is one its
    // planner looked at (a LIMIT, an OFFSET, a compared column).
    for round in 0..2 {
        for path in [
            "/".to_string(),
            "/?page=2".to_string(),
            "/?page=4".to_string(),
            format!("/?maker_id={honda}"),
            format!("/?maker_id={yamaha}&page=2"),
            "/?search=ra".to_string(),
            "/?search=Ran".to_string(),
            format!("/?search=Ran&maker_id={honda}"),
            format!("/?search=on&maker_id={yamaha}"),
            "/bikes/1".to_string(),
            "/bikes/5".to_string(),
            "/bikes/11".to_string(),
            "/admin".to_string(),
            "/admin?page=2".to_string(),
            "/admin?search=ran".to_string(),
            "/admin?search=da&page=2".to_string(),
            "/api/bikes?page=3".to_string(),
        ] {
            let body = page(&c, &app.url(&path), 200).await;
            assert!(!body.is_empty(), "{path} in round {round}");
        }
    }
    assert_eq!(app.state.db.times_reprepared(), before);
}

/// The threads a read ran on, one per run.
type Runs = Arc<Mutex<Vec<ThreadId>>>;

/// A record of runs for the read to fill, and the same for the test to read.
fn recording_threads() -> (Runs, Runs) {
    let runs = Runs::default();
    (Arc::clone(&runs), runs)
}

#[tokio::test]
async fn a_quick_read_stays_on_the_executor_and_a_slow_one_moves_off_it() {
    let app = spawn_app_with(|_| {}).await;
    let here = std::thread::current().id();

    let (quick_runs, seen) = recording_threads();
    let one: i64 = app
        .state
        .db
        .quick_read(move |conn| {
            quick_runs.lock().unwrap().push(std::thread::current().id());
            Ok(conn.query_row("SELECT 1", [], |r| r.get(0))?)
        })
        .await
        .unwrap();
    assert_eq!(one, 1);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![here],
        "run once, on this thread"
    );

    // Seconds of work, as a search walking a million bikes may be: it is
    // stopped on this thread after its budget and answered from another.
    let (slow_runs, seen) = recording_threads();
    let counted: i64 = app
        .state
        .db
        .quick_read(move |conn| {
            slow_runs.lock().unwrap().push(std::thread::current().id());
            Ok(conn.query_row(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000)
                 SELECT count(*) FROM n",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(counted, 3_000_000, "the whole answer, not a cut one");
    let runs = seen.lock().unwrap().clone();
    assert_eq!(runs.len(), 2, "started here, then run again elsewhere");
    assert_eq!(runs[0], here);
    assert_ne!(runs[1], here);
}

#[tokio::test]
async fn every_query_of_one_read_sees_the_same_data_though_another_connection_commits_between_them()
{
    let app = spawn_app_with(|config| config.page_cache = false).await;
    let path = app.db_path.clone();
    let count = |conn: &rusqlite::Connection| {
        conn.query_row("SELECT COUNT(*) FROM bikes", [], |r| r.get::<_, i64>(0))
    };
    let stored = app.count("SELECT COUNT(*) FROM bikes");
    // A quick read that runs out of time runs again: the delete is of one
    // named bike, so a second run changes nothing more.
    for (quick, bike_id) in [(false, 1), (true, 2)] {
        let path = path.clone();
        let read = move |conn: &rusqlite::Connection| -> motodex::db::DbResult<(i64, i64)> {
            let before = count(conn)?;
            let other = rusqlite::Connection::open(&path)?;
            other.execute("DELETE FROM bikes WHERE bike_id = ?1", [bike_id])?;
            Ok((before, count(conn)?))
        };
        let (before, after) = if quick {
            app.state.db.quick_read(read).await
        } else {
            app.state.db.read(read).await
        }
        .expect("the read runs");
        assert_eq!(before, after, "quick read: {quick}");
    }
    // The deletes did commit: the next read sees both.
    assert_eq!(app.count("SELECT COUNT(*) FROM bikes"), stored - 2);
}
