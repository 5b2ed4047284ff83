//! Creates and upgrades the schema. `schema.sql` is version 1 and idempotent,
//! so it both creates a new file and completes a Flask-course database; later
//! versions are additive steps in `migrations/`, applied in order. Everything
//! a start needs to write — the pending steps with the new `PRAGMA
//! user_version`, a new secret key, the sample catalogue of a new file, the
//! search's counts of the bikes they logged — is one transaction: all or
//! nothing, and a single sync to disk, which keeps the first start fast
//! (`bench/run`: cold start).

use include_dir::{Dir, include_dir};
use rand::RngExt;
use rusqlite::Connection;

use super::{DbResult, settings};

const BASE_SCHEMA: &str = include_str!("../../schema.sql");
/// include_dir earns its place here: every `NNNN-name.sql` file dropped into
/// `migrations/` becomes an upgrade step without touching Rust code.
static MIGRATIONS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// Brings the schema up to date; a new file (no tables at all) also gets
/// the sample catalogue when `sample_data` is set. Returns whether the file
/// was new. A file that is already up to date is only read, so a read-only
/// one can still be opened.
pub fn migrate(conn: &mut Connection, sample_data: bool) -> DbResult<bool> {
    let (created, version, has_secret) = state(conn)?;
    if version >= latest_version() && has_secret {
        return Ok(created);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Again under the write lock: another process may have just done it.
    let (created, mut version, has_secret) = state(&tx)?;
    if version < 1 {
        tx.execute_batch(BASE_SCHEMA)?;
        version = 1;
    }
    for (step, sql) in migration_steps() {
        if step > version {
            tx.execute_batch(sql)?;
            version = step;
        }
    }
    tx.execute_batch(&format!("PRAGMA user_version = {version};"))?;
    if !has_secret {
        let mut key = [0u8; 64];
        rand::rng().fill(&mut key);
        settings::set(&tx, settings::SECRET_KEY, &hex::encode(key))?;
    }
    if created && sample_data {
        super::sample::insert(&tx)?;
    }
    super::catalogue::fold_in_changes(&tx)?;
    tx.commit()?;
    Ok(created)
}

/// Whether the file has no tables yet, its schema version, and whether it
/// holds a secret key.
fn state(conn: &Connection) -> DbResult<(bool, i64, bool)> {
    let table_count: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let has_secret = version >= 1 && settings::get(conn, settings::SECRET_KEY)?.is_some();
    Ok((table_count == 0, version, has_secret))
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
