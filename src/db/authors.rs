//! Who added each bike and who last changed it (`bike_authors`, schema
//! version 8). [`note`] is called by the activity log's `record` for every
//! bike an entry touches, so each way of changing a bike (the form, an
//! import, an undo, a restore) keeps it in the same transaction without
//! having to remember to.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::DbResult;
use crate::domain::activity::{Actor, Change, Record};
use crate::domain::records::{Authorship, Signature};

/// Records the actor on the bike a change touched: as who added it when the
/// change created it (`creates`: an add or an import, not an undo bringing
/// a bike back), otherwise as who last changed it.
pub(super) fn note(
    tx: &Transaction,
    actor: &Actor,
    at: i64,
    change: &Change,
    creates: bool,
) -> DbResult<()> {
    if change.record != Record::Bike {
        return Ok(());
    }
    if creates && change.before.is_none() && change.after.is_some() {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO bike_authors (bike_id, added_by_id, added_by, added_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![change.id, actor.user_id, actor.username, at])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO bike_authors (bike_id, changed_by_id, changed_by, changed_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (bike_id) DO UPDATE SET changed_by_id = excluded.changed_by_id,
                 changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        )?
        .execute(params![change.id, actor.user_id, actor.username, at])?;
    }
    Ok(())
}

/// Credits a published draft's bike to the contributor who wrote it (the
/// publish's entry names the editor).
pub(super) fn credit_author(
    tx: &Transaction,
    bike_id: i64,
    author_id: i64,
    author: &str,
) -> DbResult<()> {
    tx.prepare_cached(
        "UPDATE bike_authors SET added_by_id = ?1, added_by = ?2 WHERE bike_id = ?3",
    )?
    .execute(params![author_id, author, bike_id])?;
    Ok(())
}

/// Forgets the bikes the trash is about to purge for good (those deleted
/// before `cutoff`); called by the purge before it deletes them.
pub(super) fn forget_purged(tx: &Transaction, cutoff: i64) -> DbResult<()> {
    tx.prepare_cached(
        "DELETE FROM bike_authors WHERE bike_id IN
             (SELECT record_id FROM trash WHERE record = 'bike' AND deleted_at < ?1)",
    )?
    .execute([cutoff])?;
    Ok(())
}

fn signature(name: Option<String>, at: Option<i64>) -> Option<Signature> {
    Some(Signature {
        username: name?,
        at: at?,
    })
}

/// The columns [`from_row`] reads; a macro, to be joined to each query when
/// compiled rather than formatted on every call.
macro_rules! columns {
    () => {
        "a.bike_id, a.added_by, a.added_at, a.changed_by, a.changed_at"
    };
}

fn from_row(row: &rusqlite::Row) -> rusqlite::Result<(i64, Authorship)> {
    Ok((
        row.get(0)?,
        Authorship {
            added: signature(row.get(1)?, row.get(2)?),
            changed: signature(row.get(3)?, row.get(4)?),
        },
    ))
}

/// One bike's authorship (both parts unknown when nothing is recorded).
pub fn of_bike(conn: &Connection, bike_id: i64) -> DbResult<Authorship> {
    Ok(conn
        .prepare_cached(concat!(
            "SELECT ",
            columns!(),
            " FROM bike_authors a WHERE a.bike_id = ?1"
        ))?
        .query_row([bike_id], from_row)
        .optional()?
        .map(|(_, a)| a)
        .unwrap_or_default())
}

/// The authorship of the bikes of one admin page, by bike id.
pub fn of_bikes(conn: &Connection, bike_ids: &[i64]) -> DbResult<HashMap<i64, Authorship>> {
    // One statement for the whole page (the ids as a JSON array), not one
    // per row: the admin table lists 50.
    let found = conn
        .prepare_cached(concat!(
            "SELECT ",
            columns!(),
            // Each id looked up by key, not collected into a temporary
            // index for `IN` first.
            " FROM json_each(?1) j CROSS JOIN bike_authors a ON a.bike_id = j.value"
        ))?
        .query_map(
            [super::catalogue::json_ids(bike_ids.iter().copied())],
            from_row,
        )?
        .collect::<Result<HashMap<_, _>, _>>()?;
    Ok(found)
}
