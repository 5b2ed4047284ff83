//! Makers: the catalogue's filter list and the admin's maker pages.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::activity::{self, Entry};
use super::{DbResult, trash, versions};
use crate::domain::MakerName;
use crate::domain::activity::{Actor, Change, Kind, Record};
use crate::domain::names::{self, Clash};
use crate::domain::records::{Maker, MakerUsage};

/// Every maker, alphabetically.
pub fn list(conn: &Connection) -> DbResult<Vec<Maker>> {
    let makers = conn
        .prepare_cached("SELECT maker_id, coalesce(name, '') FROM makers ORDER BY name COLLATE NOCASE, maker_id")?
        .query_map([], |r| Ok(Maker { maker_id: r.get(0)?, name: r.get(1)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(makers)
}

/// Every maker with its bike count, alphabetically.
pub fn list_with_usage(conn: &Connection) -> DbResult<Vec<MakerUsage>> {
    let makers = conn
        .prepare_cached(
            "SELECT m.maker_id, coalesce(m.name, ''),
                    (SELECT count(*) FROM bikes b WHERE b.maker_id = m.maker_id)
             FROM makers m ORDER BY m.name COLLATE NOCASE, m.maker_id",
        )?
        .query_map([], |r| {
            Ok(MakerUsage {
                maker_id: r.get(0)?,
                name: r.get(1)?,
                bikes: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(makers)
}

pub fn get(conn: &Connection, maker_id: i64) -> DbResult<Option<Maker>> {
    Ok(conn
        .prepare_cached("SELECT maker_id, coalesce(name, '') FROM makers WHERE maker_id = ?1")?
        .query_row([maker_id], |r| {
            Ok(Maker {
                maker_id: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .optional()?)
}

pub fn bike_count(conn: &Connection, maker_id: i64) -> DbResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM bikes WHERE maker_id = ?1")?
        .query_row([maker_id], |r| r.get(0))?)
}

/// Another maker whose name is the same as `name` (NFKC, full case
/// folding: "ŠKODA" and "Škoda", "ΣΊΣΥΦΟΣ" and "σίσυφος") or looks the same
/// (`domain::names`). Compared in Rust over the list, which is short.
pub(super) fn clash(conn: &Connection, name: &str, except: Option<i64>) -> DbResult<Option<Clash>> {
    Ok(clash_among(&list(conn)?, name, except))
}

/// The clash of `name` with a maker among `makers` (other than `except`),
/// as [`clash`] finds it: for a form to check a name against the list it
/// already has, before the write checks again.
pub fn clash_among(makers: &[Maker], name: &str, except: Option<i64>) -> Option<Clash> {
    let (key, skeleton) = (names::key(name), names::skeleton(name));
    let others = || makers.iter().filter(move |m| Some(m.maker_id) != except);
    if let Some(same) = others().find(|m| names::key(&m.name) == key) {
        return Some(Clash::Same(same.name.clone()));
    }
    others()
        .find(|m| names::skeleton(&m.name) == skeleton)
        .map(|m| Clash::LooksAlike(m.name.clone()))
}

/// Another maker already has the name, or one that looks the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken(pub Clash);

/// Adds a maker unless the name is taken. The check runs inside the write
/// transaction, so two admins adding "Honda" at once cannot both succeed.
/// Returns the maker's id and the activity entry.
pub fn insert(
    tx: &Transaction,
    actor: &Actor,
    name: &MakerName,
) -> DbResult<Result<(i64, i64), Taken>> {
    let maker_id = match add(tx, name)? {
        Ok(id) => id,
        Err(taken) => return Ok(Err(taken)),
    };
    let entry_id = activity::record(
        tx,
        actor,
        Entry::change(
            Kind::Maker,
            "add",
            format!("added the maker {}", name.as_str()),
            added(maker_id, name),
        ),
    )?;
    Ok(Ok((maker_id, entry_id)))
}

/// Adds a maker unless the name is taken, leaving the activity entry to
/// the caller: a bike form that adds its maker records both in one entry.
pub(super) fn add(tx: &Transaction, name: &MakerName) -> DbResult<Result<i64, Taken>> {
    if let Some(clash) = clash(tx, name.as_str(), None)? {
        return Ok(Err(Taken(clash)));
    }
    tx.execute("INSERT INTO makers (name) VALUES (?1)", [name.as_str()])?;
    Ok(Ok(tx.last_insert_rowid()))
}

/// The log's change of a maker just added.
pub(super) fn added(maker_id: i64, name: &MakerName) -> Change {
    Change {
        record: Record::Maker,
        id: maker_id,
        before: None,
        after: Some(versions::maker_json(name.as_str())),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renamed {
    /// Renamed; the name it had before, and the activity entry (none when
    /// the name is unchanged).
    Done {
        old: String,
        entry_id: Option<i64>,
    },
    Missing,
    Taken(Taken),
}

pub fn rename(
    tx: &Transaction,
    actor: &Actor,
    maker_id: i64,
    name: &MakerName,
) -> DbResult<Renamed> {
    let Some(maker) = get(tx, maker_id)? else {
        return Ok(Renamed::Missing);
    };
    if let Some(clash) = clash(tx, name.as_str(), Some(maker_id))? {
        return Ok(Renamed::Taken(Taken(clash)));
    }
    tx.execute(
        "UPDATE makers SET name = ?1 WHERE maker_id = ?2",
        params![name.as_str(), maker_id],
    )?;
    let entry_id = (maker.name != name.as_str())
        .then(|| {
            activity::record(
                tx,
                actor,
                Entry::change(
                    Kind::Maker,
                    "edit",
                    format!("renamed the maker {} to {}", maker.name, name.as_str()),
                    Change {
                        record: Record::Maker,
                        id: maker_id,
                        before: Some(versions::maker_json(&maker.name)),
                        after: Some(versions::maker_json(name.as_str())),
                    },
                ),
            )
        })
        .transpose()?;
    Ok(Renamed::Done {
        old: maker.name,
        entry_id,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// Moved to the trash; its name and the activity entry.
    Done(String, i64),
    Missing,
    /// Still used by this many bikes, so kept.
    InUse(i64),
}

/// Moves a maker that no bike uses to the trash, and records it.
pub fn delete(tx: &Transaction, actor: &Actor, maker_id: i64) -> DbResult<Deleted> {
    let Some(maker) = get(tx, maker_id)? else {
        return Ok(Deleted::Missing);
    };
    let bikes = bike_count(tx, maker_id)?;
    if bikes > 0 {
        return Ok(Deleted::InUse(bikes));
    }
    let values = versions::maker_json(&maker.name);
    trash::put_maker(tx, actor, maker_id, &maker.name, &values)?;
    let entry_id = activity::record(
        tx,
        actor,
        Entry::change(
            Kind::Maker,
            "delete",
            format!("deleted the maker {}", maker.name),
            Change {
                record: Record::Maker,
                id: maker_id,
                before: Some(values),
                after: None,
            },
        ),
    )?;
    Ok(Deleted::Done(maker.name, entry_id))
}
