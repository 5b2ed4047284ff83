//! Bikes: one bike read, and the admin writes. Walking the catalogue is
//! [`super::catalogue`].

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{DbResult, images, makers};
use crate::domain::records::{Bike, Photo, photo_url};
use crate::domain::{Engine, ImageUrl, Model, Year};

pub(super) const COLUMNS: &str =
    "b.bike_id, b.maker_id, m.name, coalesce(b.model, ''), coalesce(CAST(b.year AS TEXT), ''),
     coalesce(b.engine, ''), coalesce(b.image_url, '')";

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
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bikes b JOIN makers m ON m.maker_id = b.maker_id WHERE b.bike_id = ?1"
        ))?
        .query_row([bike_id], from_row)
        .optional()?)
}

/// A bike's validated fields, as the admin form gives them.
#[derive(Debug, Clone)]
pub struct BikeInput {
    pub maker_id: i64,
    pub model: Model,
    pub year: Year,
    pub engine: Engine,
    pub image_url: ImageUrl,
}

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Written; the bike's id and "Maker Model" for the confirmation.
    Done {
        bike_id: i64,
        name: String,
    },
    NoSuchBike,
    NoSuchMaker,
}

/// Adds a bike (`bike_id` None) or updates one, with its uploaded photo
/// when there is one, inside the caller's transaction: the photo row, the
/// bike's `image_url` pointing at it and the removal of any photo no longer
/// shown are one change, so no orphan photo and no broken link can remain.
pub fn save(
    tx: &Transaction,
    bike_id: Option<i64>,
    bike: &BikeInput,
    photo: Option<&Photo>,
) -> DbResult<Saved> {
    if let Some(id) = bike_id
        && get(tx, id)?.is_none()
    {
        return Ok(Saved::NoSuchBike);
    }
    let Some(maker) = makers::get(tx, bike.maker_id)? else {
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
                params![bike.maker_id, model, year, engine, image_url, id],
            )?;
            id
        }
        None => {
            tx.execute(
                "INSERT INTO bikes (maker_id, model, year, engine, image_url) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![bike.maker_id, model, year, engine, image_url],
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
    Ok(Saved::Done {
        bike_id,
        name: format!("{} {}", maker.name, bike.model.as_str()),
    })
}

/// Deletes a bike (its photo goes with it: `ON DELETE CASCADE`); returns
/// what was deleted, or `None` when there was no such bike.
pub fn delete(tx: &Transaction, bike_id: i64) -> DbResult<Option<Bike>> {
    let Some(bike) = get(tx, bike_id)? else {
        return Ok(None);
    };
    tx.execute("DELETE FROM bikes WHERE bike_id = ?1", [bike_id])?;
    Ok(Some(bike))
}
