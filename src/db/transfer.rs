//! The SQL of the spreadsheet import and export (`crate::transfer`): every
//! bike in id order for the export; the makers and bikes an import checks
//! against and writes, with statements prepared once for the whole file.

use rusqlite::{Connection, Transaction, params};

use super::DbResult;
use super::bikes::{COLUMNS, from_row};
use super::images;
use crate::domain::records::{Bike, Maker, Photo, photo_url};

/// Calls `each` with every bike the site shows, in id order, from one
/// snapshot, until it returns false. Rows are read one at a time, so an
/// export of a million bikes holds one row in memory, not the catalogue.
pub fn each_bike(conn: &Connection, mut each: impl FnMut(Bike) -> bool) -> DbResult<()> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM bikes b JOIN makers m ON m.maker_id = b.maker_id ORDER BY b.bike_id"
    ))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        if !each(from_row(row)?) {
            break;
        }
    }
    Ok(())
}

/// Every maker (for an import's name look-ups).
pub fn makers(conn: &Connection) -> DbResult<Vec<Maker>> {
    super::makers::list(conn)
}

/// The bike with this id, as an import compares it.
pub fn bike(conn: &Connection, bike_id: i64) -> DbResult<Option<Bike>> {
    super::bikes::get(conn, bike_id)
}

/// Adds a maker whose name the import has already checked is free (inside
/// the same transaction).
pub fn add_maker(tx: &Transaction, name: &str) -> DbResult<i64> {
    tx.prepare_cached("INSERT INTO makers (name) VALUES (?1)")?
        .execute([name])?;
    Ok(tx.last_insert_rowid())
}

/// A bike's checked values, as the import writes them.
pub struct BikeValues<'a> {
    pub maker_id: i64,
    pub model: &'a str,
    pub year: i64,
    pub engine: &'a str,
    pub image_url: &'a str,
}

pub fn add_bike(tx: &Transaction, bike: &BikeValues) -> DbResult<i64> {
    tx.prepare_cached(
        "INSERT INTO bikes (maker_id, model, year, engine, image_url) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        bike.maker_id,
        bike.model,
        bike.year,
        bike.engine,
        bike.image_url
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Changes a bike; an uploaded photo its new `image_url` no longer shows
/// is deleted, as when the admin form changes the address.
pub fn update_bike(tx: &Transaction, bike_id: i64, bike: &BikeValues) -> DbResult<()> {
    tx.prepare_cached(
        "UPDATE bikes SET maker_id = ?1, model = ?2, year = ?3, engine = ?4, image_url = ?5 WHERE bike_id = ?6",
    )?
    .execute(params![
        bike.maker_id,
        bike.model,
        bike.year,
        bike.engine,
        bike.image_url,
        bike_id
    ])?;
    images::delete_unless_shown(tx, bike_id)
}

/// Stores `photo` as the bike's one photo and points its `image_url` at it
/// (the photo it replaces is kept for undo, as on the edit form).
pub fn set_photo(tx: &Transaction, bike_id: i64, photo: &Photo) -> DbResult<()> {
    let image_id = images::replace(tx, bike_id, photo)?;
    tx.prepare_cached("UPDATE bikes SET image_url = ?1 WHERE bike_id = ?2")?
        .execute(params![photo_url(image_id), bike_id])?;
    Ok(())
}
