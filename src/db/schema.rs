//! Creates and upgrades the schema. `schema.sql` is version 1 and idempotent,
//! so it both creates a new file and completes a Flask-course database; later
//! versions are additive steps in `migrations/`, applied in order, each in its
//! own transaction together with the new `PRAGMA user_version`.

use include_dir::{Dir, include_dir};
use rand::RngExt;
use rusqlite::Connection;

use super::{DbResult, settings};

const BASE_SCHEMA: &str = include_str!("../../schema.sql");
/// include_dir earns its place here: every `NNNN-name.sql` file dropped into
/// `migrations/` becomes an upgrade step without touching Rust code.
static MIGRATIONS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// Brings the schema up to date. Returns true when the file was new (had no
/// tables at all), so the caller can add the sample catalogue.
pub fn migrate(conn: &mut Connection) -> DbResult<bool> {
    let table_count: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    let created = table_count == 0;
    let mut version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;

    if version < 1 {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(BASE_SCHEMA)?;
        tx.execute_batch("PRAGMA user_version = 1;")?;
        tx.commit()?;
        version = 1;
    }
    for (step, sql) in migration_steps() {
        if step > version {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {step};"))?;
            tx.commit()?;
            version = step;
        }
    }

    if settings::get(conn, settings::SECRET_KEY)?.is_none() {
        let mut key = [0u8; 64];
        rand::rng().fill(&mut key);
        settings::set(conn, settings::SECRET_KEY, &hex::encode(key))?;
    }
    Ok(created)
}

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    migration_steps().last().map_or(1, |(step, _)| *step)
}

fn migration_steps() -> Vec<(i64, &'static str)> {
    let mut steps: Vec<(i64, &'static str)> = MIGRATIONS
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            let step = name.split('-').next()?.parse().ok()?;
            Some((step, file.contents_utf8()?))
        })
        .collect();
    steps.sort_by_key(|(step, _)| *step);
    steps
}
