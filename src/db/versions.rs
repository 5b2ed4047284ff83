//! A bike's or maker's values as the activity log keeps them (JSON), and
//! putting a record back to such values: what undo, "Restore this version"
//! and restoring from the trash share. Every way back goes through SPEC §5's
//! checks again, and is refused, changing nothing, when it cannot be done.

use rusqlite::{Connection, Transaction};
use serde_json::{Value, json};

use super::{DbResult, bikes, images, makers, trash};
use crate::domain::activity::{Actor, Change, Record};
use crate::domain::names::Clash;
use crate::domain::records::Bike;
use crate::domain::{Engine, ImageUrl, MakerName, Model, Year};

/// A bike's values in the log. `maker` is the maker's name then, for the
/// words of the log; comparisons leave it out (a maker renamed since does
/// not make the bike "changed").
pub fn bike_json(bike: &Bike) -> Value {
    json!({
        "maker_id": bike.maker_id,
        "maker": bike.maker,
        "model": bike.model,
        "year": bike.year,
        "engine": bike.engine,
        "image_url": bike.image_url,
    })
}

pub fn maker_json(name: &str) -> Value {
    json!({ "name": name })
}

/// The fields of a bike that are its values (all but the maker's name).
pub const BIKE_FIELDS: [&str; 5] = ["maker_id", "model", "year", "engine", "image_url"];

/// Whether two logged values of the same record are the same version.
pub fn same(record: Record, a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => match record {
            Record::Bike => BIKE_FIELDS.iter().all(|f| a.get(f) == b.get(f)),
            _ => a == b,
        },
        _ => false,
    }
}

/// Why a record could not be put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// Its values are not what the entry left (changed since).
    ChangedSince { record: Record, id: i64 },
    /// It was purged from the trash (or never existed).
    Gone { record: Record, id: i64 },
    /// Its maker is in use by bikes, so it cannot go to the trash.
    InUse { id: i64, bikes: i64 },
    /// Another maker has the name now.
    NameTaken { id: i64, name: String },
    /// The version fails SPEC §5's checks now (e.g. its maker is gone).
    Invalid {
        record: Record,
        id: i64,
        reason: String,
    },
}

impl Blocked {
    pub fn record(&self) -> (Record, i64) {
        match self {
            Blocked::ChangedSince { record, id }
            | Blocked::Gone { record, id }
            | Blocked::Invalid { record, id, .. } => (*record, *id),
            Blocked::InUse { id, .. } | Blocked::NameTaken { id, .. } => (Record::Maker, *id),
        }
    }

    /// The sentence a refusal page shows.
    pub fn reason(&self) -> String {
        match self {
            Blocked::ChangedSince { record, id } => {
                format!("{} {id} has been changed since.", title(*record))
            }
            Blocked::Gone { record, id } => format!(
                "{} {id} is no longer kept (it was deleted and the trash was emptied).",
                title(*record)
            ),
            Blocked::InUse { bikes, .. } => format!(
                "The maker is still used by {bikes} bike{}.",
                if *bikes == 1 { "" } else { "s" }
            ),
            Blocked::NameTaken { name, .. } => {
                format!("There is already a maker called “{name}”.")
            }
            Blocked::Invalid { reason, .. } => reason.clone(),
        }
    }
}

fn title(record: Record) -> &'static str {
    match record {
        Record::Bike => "Bike",
        Record::Maker => "Maker",
        Record::User => "Account",
    }
}

/// Where a record is now: live (its values), in the trash (its values), or
/// nowhere.
#[derive(Debug, Clone, PartialEq)]
pub enum Now {
    Live(Value),
    Trashed(Value),
    Gone,
}

impl Now {
    /// The live values, `None` when not live.
    pub fn live(&self) -> Option<&Value> {
        match self {
            Now::Live(v) => Some(v),
            _ => None,
        }
    }
}

pub fn now(conn: &Connection, record: Record, id: i64) -> DbResult<Now> {
    let live = match record {
        Record::Bike => bikes::get(conn, id)?.map(|b| bike_json(&b)),
        Record::Maker => makers::get(conn, id)?.map(|m| maker_json(&m.name)),
        Record::User => None,
    };
    if let Some(values) = live {
        return Ok(Now::Live(values));
    }
    Ok(match trash::find(conn, record, id)? {
        Some(values) => Now::Trashed(values),
        None => Now::Gone,
    })
}

/// Runs `work` so that a refusal undoes whatever it had already written,
/// while the caller's transaction goes on (a savepoint).
pub fn attempt<T>(
    tx: &Transaction,
    work: impl FnOnce() -> DbResult<Result<T, Blocked>>,
) -> DbResult<Result<T, Blocked>> {
    tx.execute_batch("SAVEPOINT attempt")?;
    let outcome = work();
    match &outcome {
        Ok(Ok(_)) => tx.execute_batch("RELEASE attempt")?,
        _ => tx.execute_batch("ROLLBACK TO attempt; RELEASE attempt")?,
    }
    outcome
}

/// Puts the record to `target` (`None`: into the trash), checking that it
/// is now `expected` (its values when the entry being undone was written).
/// Returns every change made, a maker brought back from the trash for its
/// bike included. Call inside [`attempt`].
pub fn set(
    tx: &Transaction,
    actor: &Actor,
    record: Record,
    id: i64,
    expected: Option<&Value>,
    target: Option<&Value>,
) -> DbResult<Result<Vec<Change>, Blocked>> {
    let current = now(tx, record, id)?;
    if !same(record, current.live(), expected) {
        if expected.is_none() && current == Now::Gone {
            return Ok(Err(Blocked::Gone { record, id }));
        }
        return Ok(Err(Blocked::ChangedSince { record, id }));
    }
    set_unchecked(tx, actor, record, id, current, target)
}

/// Puts the record to `target` from wherever it is now (a restore of an old
/// version from its history, or from the trash).
pub fn restore(
    tx: &Transaction,
    actor: &Actor,
    record: Record,
    id: i64,
    target: Option<&Value>,
) -> DbResult<Result<Vec<Change>, Blocked>> {
    let current = now(tx, record, id)?;
    set_unchecked(tx, actor, record, id, current, target)
}

fn set_unchecked(
    tx: &Transaction,
    actor: &Actor,
    record: Record,
    id: i64,
    current: Now,
    target: Option<&Value>,
) -> DbResult<Result<Vec<Change>, Blocked>> {
    let before = current.live().cloned();
    if same(record, before.as_ref(), target) {
        return Ok(Ok(Vec::new()));
    }
    let mut changes = Vec::new();
    match (record, target) {
        (Record::Bike, None) => {
            let name = bike_name(before.as_ref());
            if let Some(values) = &before {
                trash::put_bike(tx, actor, id, &name, values)?;
            }
        }
        (Record::Maker, None) => {
            let bikes = makers::bike_count(tx, id)?;
            if bikes > 0 {
                return Ok(Err(Blocked::InUse { id, bikes }));
            }
            if let Some(values) = &before {
                let name = text(values, "name");
                trash::put_maker(tx, actor, id, &name, values)?;
            }
        }
        (Record::Bike, Some(values)) => match put_bike(tx, id, &current, values)? {
            Ok(mut brought) => changes.append(&mut brought),
            Err(blocked) => return Ok(Err(blocked)),
        },
        (Record::Maker, Some(values)) => {
            if let Err(blocked) = put_maker(tx, id, &current, values)? {
                return Ok(Err(blocked));
            }
        }
        (Record::User, _) => {
            return Ok(Err(Blocked::Invalid {
                record,
                id,
                reason: "Accounts are not restored by undo.".to_string(),
            }));
        }
    }
    let after = match now(tx, record, id)? {
        Now::Live(v) => Some(v),
        _ => None,
    };
    changes.push(Change {
        record,
        id,
        before,
        after,
    });
    Ok(Ok(changes))
}

fn text(values: &Value, field: &str) -> String {
    match values.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// "Maker Model" from a bike's logged values.
pub fn bike_name(values: Option<&Value>) -> String {
    values
        .map(|v| format!("{} {}", text(v, "maker"), text(v, "model")))
        .unwrap_or_default()
}

fn put_bike(
    tx: &Transaction,
    id: i64,
    current: &Now,
    values: &Value,
) -> DbResult<Result<Vec<Change>, Blocked>> {
    let invalid = |reason: String| {
        Ok(Err(Blocked::Invalid {
            record: Record::Bike,
            id,
            reason,
        }))
    };
    let Some(maker_id) = values.get("maker_id").and_then(Value::as_i64) else {
        return invalid("This version has no maker.".to_string());
    };
    let checked = (
        Model::parse(&text(values, "model")),
        Year::parse(&text(values, "year"), crate::domain::current_year()),
        Engine::parse(&text(values, "engine")),
        ImageUrl::parse(&text(values, "image_url")),
    );
    let (model, year, engine, image_url) = match checked {
        (Ok(m), Ok(y), Ok(e), Ok(u)) => (m, y, e, u),
        (m, y, e, u) => {
            let reason = [m.err(), y.err(), e.err(), u.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            return invalid(reason);
        }
    };
    let mut changes = Vec::new();
    if makers::get(tx, maker_id)?.is_none() {
        // A bike restored from the trash brings back its maker from there
        // too (SPEC §8); a maker purged for good leaves the version invalid.
        let Now::Trashed(maker) = now(tx, Record::Maker, maker_id)? else {
            return invalid(format!(
                "The maker of this version ({}) no longer exists.",
                text(values, "maker")
            ));
        };
        match put_maker(tx, maker_id, &Now::Trashed(maker.clone()), &maker)? {
            Ok(()) => changes.push(Change {
                record: Record::Maker,
                id: maker_id,
                before: None,
                after: Some(maker),
            }),
            Err(blocked) => return Ok(Err(blocked)),
        }
    }
    let year = year.value();
    match current {
        Now::Live(_) => {
            tx.prepare_cached(
                "UPDATE bikes SET maker_id = ?1, model = ?2, year = ?3, engine = ?4, image_url = ?5 WHERE bike_id = ?6",
            )?
            .execute(rusqlite::params![maker_id, model.as_str(), year, engine.as_str(), image_url.as_str(), id])?;
        }
        Now::Trashed(_) => {
            trash::take(tx, Record::Bike, id)?;
            tx.prepare_cached(
                "INSERT INTO bikes (bike_id, maker_id, model, year, engine, image_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(rusqlite::params![id, maker_id, model.as_str(), year, engine.as_str(), image_url.as_str()])?;
        }
        Now::Gone => {
            return Ok(Err(Blocked::Gone {
                record: Record::Bike,
                id,
            }));
        }
    }
    if let Some(image_id) = image_url
        .as_str()
        .strip_prefix("/images/")
        .and_then(|n| n.parse::<i64>().ok())
        && !images::bring_back(tx, id, image_id)?
    {
        return invalid(
            "The photo of this version is no longer kept (the trash was emptied since)."
                .to_string(),
        );
    }
    images::delete_unless_shown(tx, id)?;
    Ok(Ok(changes))
}

fn put_maker(
    tx: &Transaction,
    id: i64,
    current: &Now,
    values: &Value,
) -> DbResult<Result<(), Blocked>> {
    let name = match MakerName::parse(&text(values, "name")) {
        Ok(name) => name,
        Err(reason) => {
            return Ok(Err(Blocked::Invalid {
                record: Record::Maker,
                id,
                reason,
            }));
        }
    };
    match makers::clash(tx, name.as_str(), Some(id))? {
        Some(Clash::Same(other)) => return Ok(Err(Blocked::NameTaken { id, name: other })),
        Some(Clash::LooksAlike(other)) => {
            return Ok(Err(Blocked::Invalid {
                record: Record::Maker,
                id,
                reason: Clash::looks_alike_message(&other, name.as_str()),
            }));
        }
        None => {}
    }
    match current {
        Now::Live(_) => {
            tx.prepare_cached("UPDATE makers SET name = ?1 WHERE maker_id = ?2")?
                .execute(rusqlite::params![name.as_str(), id])?;
        }
        Now::Trashed(_) => {
            trash::take(tx, Record::Maker, id)?;
            tx.prepare_cached("INSERT INTO makers (maker_id, name) VALUES (?1, ?2)")?
                .execute(rusqlite::params![id, name.as_str()])?;
        }
        Now::Gone => {
            return Ok(Err(Blocked::Gone {
                record: Record::Maker,
                id,
            }));
        }
    }
    Ok(Ok(()))
}

/// What an edit of a bike did, in words ("changed the year of Ducati Monster
/// from 2020 to 2021"), and whether it changed only the photo. `None` when
/// nothing changed.
pub fn describe_bike_edit(before: &Value, after: &Value) -> Option<(bool, String)> {
    let name = bike_name(Some(before));
    let changed: Vec<&str> = BIKE_FIELDS
        .into_iter()
        .filter(|f| before.get(f) != after.get(f))
        .collect();
    let photo = |v: &Value| text(v, "image_url").starts_with("/images/");
    match changed.as_slice() {
        [] => None,
        ["image_url"] if photo(before) || photo(after) => {
            let words = match (photo(before), photo(after)) {
                (false, _) => format!("added a photo to {name}"),
                (true, false) => format!("removed the photo of {name}"),
                (true, true) => format!("changed the photo of {name}"),
            };
            Some((true, words))
        }
        fields => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| {
                    let (label, old, new) = match *f {
                        "maker_id" => ("maker", text(before, "maker"), text(after, "maker")),
                        "image_url" => ("image address", text(before, f), text(after, f)),
                        other => (other, text(before, other), text(after, other)),
                    };
                    let shown = |v: String| {
                        if v.is_empty() {
                            "(none)".to_string()
                        } else {
                            v
                        }
                    };
                    format!("the {label} from {} to {}", shown(old), shown(new))
                })
                .collect();
            let list = match parts.as_slice() {
                [one] => one.clone(),
                [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
                [] => String::new(),
            };
            Some((false, single_or_many(fields.len(), &list, &name)))
        }
    }
}

/// "changed the year of X from A to B" for one field; "changed X: the year
/// from A to B and the engine from C to D" for several.
fn single_or_many(count: usize, list: &str, name: &str) -> String {
    if count == 1 {
        // "the year from A to B" → "the year of NAME from A to B"
        match list.split_once(" from ") {
            Some((label, rest)) => format!("changed {label} of {name} from {rest}"),
            None => format!("changed {list} of {name}"),
        }
    } else {
        format!("changed {name}: {list}")
    }
}
