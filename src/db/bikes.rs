//! Bikes: one bike read, and the admin writes. Walking the catalogue is
//! [`super::catalogue`].

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::activity::{self, Entry};
use super::{DbResult, images, makers, versions};
use crate::domain::activity::{Actor, Change, Kind, Record};
use crate::domain::records::{Bike, Photo, photo_url};
use crate::domain::{Engine, ImageUrl, MakerName, Model, Year};

/// The columns [`from_row`] reads, as a macro so that queries can be joined
/// to them when compiled (`concat!`): formatting the SQL on every call cost
/// more than the statement cache's lookup.
macro_rules! bike_columns {
    () => {
        "b.bike_id, b.maker_id, m.name, coalesce(b.model, ''), coalesce(CAST(b.year AS TEXT), ''),
     coalesce(b.engine, ''), coalesce(b.image_url, '')"
    };
}
pub(super) use bike_columns;
pub(super) const COLUMNS: &str = bike_columns!();

pub(super) fn from_row(row: &Row) -> rusqlite::Result<Bike> {
    Ok(Bike {
        bike_id: row.get(0)?,
        maker_id: row.get(1)?,
        maker: row.get(2)?,
        model: row.get(3)?,
        year: row.get(4)?,
        engine: row.get(5)?,
        image_url: row.get(6)?,
    })
}

pub fn get(conn: &Connection, bike_id: i64) -> DbResult<Option<Bike>> {
    Ok(conn
        .prepare_cached(concat!(
            "SELECT ",
            bike_columns!(),
            " FROM bikes b JOIN makers m ON m.maker_id = b.maker_id WHERE b.bike_id = ?1"
        ))?
        .query_row([bike_id], from_row)
        .optional()?)
}

/// A bike's maker: one from the list, or a new one the bike form adds
/// together with the bike.
#[derive(Debug, Clone)]
pub enum MakerChoice {
    Existing(i64),
    New(MakerName),
}

/// A bike's validated fields, as the admin form gives them.
#[derive(Debug, Clone)]
pub struct BikeInput {
    pub maker: MakerChoice,
    pub model: Model,
    pub year: Year,
    pub engine: Engine,
    pub image_url: ImageUrl,
}

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Written; the bike's id, "Maker Model" for the confirmation, and the
    /// activity entry (none when the form changed nothing).
    Done {
        bike_id: i64,
        name: String,
        entry_id: Option<i64>,
    },
    NoSuchBike,
    NoSuchMaker,
    /// The new maker's name is taken (checked inside the transaction).
    MakerTaken(makers::Taken),
}

/// Adds a bike (`bike_id` None) or updates one, with its uploaded photo
/// when there is one, inside the caller's transaction: the photo row, the
/// bike's `image_url` pointing at it and the removal of any photo no longer
/// shown are one change, so no orphan photo and no broken link can remain.
/// The activity entry is written here too, in the same transaction.
pub fn save(
    tx: &Transaction,
    actor: &Actor,
    bike_id: Option<i64>,
    bike: &BikeInput,
    photo: Option<&Photo>,
) -> DbResult<Saved> {
    let before = match bike_id {
        Some(id) => match get(tx, id)? {
            Some(bike) => Some(versions::bike_json(&bike)),
            None => return Ok(Saved::NoSuchBike),
        },
        None => None,
    };
    let adding = before.is_none();
    let (maker_id, new_maker) = match &bike.maker {
        MakerChoice::Existing(id) => (*id, None),
        MakerChoice::New(name) => match makers::add(tx, name)? {
            Ok(id) => (id, Some((name.as_str(), makers::added(id, name)))),
            Err(taken) => return Ok(Saved::MakerTaken(taken)),
        },
    };
    let Some(maker) = makers::get(tx, maker_id)? else {
        return Ok(Saved::NoSuchMaker);
    };
    let (model, year, engine, image_url) = (
        bike.model.as_str(),
        bike.year.value(),
        bike.engine.as_str(),
        bike.image_url.as_str(),
    );
    let bike_id = match bike_id {
        Some(id) => {
            tx.execute(
                "UPDATE bikes SET maker_id = ?1, model = ?2, year = ?3, engine = ?4, image_url = ?5 WHERE bike_id = ?6",
                params![maker_id, model, year, engine, image_url, id],
            )?;
            id
        }
        None => {
            tx.execute(
                "INSERT INTO bikes (maker_id, model, year, engine, image_url) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![maker_id, model, year, engine, image_url],
            )?;
            tx.last_insert_rowid()
        }
    };
    match photo {
        Some(photo) => {
            let image_id = images::replace(tx, bike_id, photo)?;
            tx.execute(
                "UPDATE bikes SET image_url = ?1 WHERE bike_id = ?2",
                params![photo_url(image_id), bike_id],
            )?;
        }
        None => images::delete_unless_shown(tx, bike_id)?,
    }
    let after = get(tx, bike_id)?.map(|b| versions::bike_json(&b));
    let name = format!("{} {}", maker.name, bike.model.as_str());
    let entry = match (&before, &after) {
        (None, _) => Some(Entry::change(
            Kind::Bike,
            "add",
            format!("added {name}"),
            Change {
                record: Record::Bike,
                id: bike_id,
                before: None,
                after,
            },
        )),
        (Some(old), Some(new)) => {
            versions::describe_bike_edit(old, new).map(|(photo_only, words)| {
                Entry::change(
                    if photo_only { Kind::Photo } else { Kind::Bike },
                    "edit",
                    words,
                    Change {
                        record: Record::Bike,
                        id: bike_id,
                        before,
                        after,
                    },
                )
            })
        }
        (Some(_), None) => None,
    };
    // A maker added by the form is part of the same entry, before the bike:
    // undo takes the bike back first, then the maker it no longer uses.
    let entry = match (entry, new_maker) {
        (Some(mut entry), Some((maker_name, maker))) => {
            entry.description = if adding {
                format!("{} with the new maker {maker_name}", entry.description)
            } else {
                format!("added the maker {maker_name} and {}", entry.description)
            };
            entry.kind = Kind::Bike;
            entry.changes.insert(0, maker);
            Some(entry)
        }
        (entry, _) => entry,
    };
    let entry_id = entry.map(|e| activity::record(tx, actor, e)).transpose()?;
    Ok(Saved::Done {
        bike_id,
        name,
        entry_id,
    })
}

/// Moves a bike to the trash, its photo with it, and records it; returns
/// what was deleted and the entry, or `None` when there was no such bike.
pub fn delete(tx: &Transaction, actor: &Actor, bike_id: i64) -> DbResult<Option<(Bike, i64)>> {
    let Some(bike) = get(tx, bike_id)? else {
        return Ok(None);
    };
    let values = versions::bike_json(&bike);
    let name = format!("{} {}", bike.maker, bike.model);
    super::trash::put_bike(tx, actor, bike_id, &name, &values)?;
    let entry_id = activity::record(
        tx,
        actor,
        Entry::change(
            Kind::Bike,
            "delete",
            format!("deleted {name}"),
            Change {
                record: Record::Bike,
                id: bike_id,
                before: Some(values),
                after: None,
            },
        ),
    )?;
    Ok(Some((bike, entry_id)))
}
