//! The trash (SPEC §8): deleted bikes and makers leave the course's tables
//! (so the public site and the Flask app see only live rows) and wait here,
//! a bike's photo in `kept_photos`, until restored or purged.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;

use super::{DbResult, images};
use crate::domain::activity::{Actor, Record, TrashItem};

/// Moves a live bike (its row as JSON `data`) to the trash, its photo with it.
pub fn put_bike(
    tx: &Transaction,
    actor: &Actor,
    bike_id: i64,
    name: &str,
    data: &Value,
) -> DbResult<()> {
    images::keep(tx, bike_id, None)?;
    tx.prepare_cached("DELETE FROM bikes WHERE bike_id = ?1")?
        .execute([bike_id])?;
    put(tx, actor, Record::Bike, bike_id, name, data)
}

/// Moves a maker that no bike uses to the trash.
pub fn put_maker(
    tx: &Transaction,
    actor: &Actor,
    maker_id: i64,
    name: &str,
    data: &Value,
) -> DbResult<()> {
    tx.prepare_cached("DELETE FROM makers WHERE maker_id = ?1")?
        .execute([maker_id])?;
    put(tx, actor, Record::Maker, maker_id, name, data)
}

fn put(
    tx: &Transaction,
    actor: &Actor,
    record: Record,
    record_id: i64,
    name: &str,
    data: &Value,
) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO trash (record, record_id, name, data, deleted_at, deleted_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        record.as_str(),
        record_id,
        name,
        data.to_string(),
        crate::clock::now(),
        actor.username
    ])?;
    Ok(())
}

/// The trashed record's data, if it is in the trash.
pub fn find(conn: &Connection, record: Record, record_id: i64) -> DbResult<Option<Value>> {
    let data: Option<String> = conn
        .prepare_cached("SELECT data FROM trash WHERE record = ?1 AND record_id = ?2")?
        .query_row(params![record.as_str(), record_id], |r| r.get(0))
        .optional()?;
    Ok(data.and_then(|d| serde_json::from_str(&d).ok()))
}

/// Takes the record out of the trash (its caller puts it back in its table).
pub fn take(tx: &Transaction, record: Record, record_id: i64) -> DbResult<Option<Value>> {
    let data = find(tx, record, record_id)?;
    tx.prepare_cached("DELETE FROM trash WHERE record = ?1 AND record_id = ?2")?
        .execute(params![record.as_str(), record_id])?;
    Ok(data)
}

pub fn get(conn: &Connection, trash_id: i64) -> DbResult<Option<TrashItem>> {
    Ok(conn
        .prepare_cached(
            "SELECT trash_id, record, record_id, name, deleted_at, deleted_by FROM trash WHERE trash_id = ?1",
        )?
        .query_row([trash_id], item)
        .optional()?
        .flatten())
}

/// Everything in the trash, newest first.
pub fn list(conn: &Connection) -> DbResult<Vec<TrashItem>> {
    let items = conn
        .prepare_cached(
            "SELECT trash_id, record, record_id, name, deleted_at, deleted_by FROM trash
             ORDER BY deleted_at DESC, trash_id DESC",
        )?
        .query_map([], item)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(items.into_iter().flatten().collect())
}

fn item(r: &rusqlite::Row) -> rusqlite::Result<Option<TrashItem>> {
    let record: String = r.get(1)?;
    let Some(record) = Record::parse(&record) else {
        return Ok(None);
    };
    Ok(Some(TrashItem {
        trash_id: r.get(0)?,
        record,
        record_id: r.get(2)?,
        name: r.get(3)?,
        deleted_at: r.get(4)?,
        deleted_by: r.get(5)?,
    }))
}

/// Deletes for good what was trashed (and photos kept) before `cutoff`
/// (UTC seconds); returns how many trash items went.
pub fn purge(tx: &Transaction, cutoff: i64) -> DbResult<usize> {
    super::authors::forget_purged(tx, cutoff)?;
    let items = tx
        .prepare_cached("DELETE FROM trash WHERE deleted_at < ?1")?
        .execute([cutoff])?;
    tx.prepare_cached("DELETE FROM kept_photos WHERE kept_at < ?1")?
        .execute([cutoff])?;
    Ok(items)
}

/// How many items the trash holds.
pub fn count(conn: &Connection) -> DbResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM trash")?
        .query_row([], |r| r.get(0))?)
}
