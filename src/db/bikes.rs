//! Bikes: the public catalogue queries and the admin writes.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{DbResult, images, makers};
use crate::domain::{Engine, ImageUrl, Model, Year};
use crate::upload::Photo;

/// A bike with its maker's name, as every page shows it. Text columns are
/// read leniently (a Flask-course database may hold NULLs or a year typed as
/// text), so an old row is shown rather than breaking the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bike {
    pub bike_id: i64,
    pub maker_id: i64,
    pub maker: String,
    pub model: String,
    pub year: String,
    pub engine: String,
    pub image_url: String,
}

/// What the catalogue is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub maker_id: Option<i64>,
    /// Case-insensitive substring of model or maker name; empty = everything.
    pub search: String,
}

/// One page of results and the total, for page links.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

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

/// The bikes matching `filter`, ordered by maker then model, one page at a
/// time. The work (and how it stays fast at a million bikes) is in
/// [`super::catalogue`].
pub fn search(
    conn: &Connection,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> DbResult<Page<Bike>> {
    super::catalogue::search(conn, filter, page, per_page)
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
                params![images::url(image_id), bike_id],
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
