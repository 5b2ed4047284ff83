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

/// Calls `each` with the bikes whose ids are `first..=last`, in id order
/// (an import reads back the bikes it has just added in one pass).
pub fn each_bike_between(
    conn: &Connection,
    first: i64,
    last: i64,
    mut each: impl FnMut(Bike),
) -> DbResult<()> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM bikes b JOIN makers m ON m.maker_id = b.maker_id
         WHERE b.bike_id BETWEEN ?1 AND ?2 ORDER BY b.bike_id"
    ))?;
    let mut rows = statement.query([first, last])?;
    while let Some(row) = rows.next()? {
        each(from_row(row)?);
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

/// The rows of a bulk write as one JSON array of arrays (`bike_id,
/// maker_id, model, year, engine, image_url`), which `json_each` reads back.
fn json_rows<'a>(rows: impl Iterator<Item = (i64, &'a BikeValues<'a>)>) -> String {
    let rows: Vec<serde_json::Value> = rows
        .map(|(bike_id, bike)| {
            serde_json::json!([
                bike_id,
                bike.maker_id,
                bike.model,
                bike.year,
                bike.engine,
                bike.image_url
            ])
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// Adds the bikes, in order, with one statement; returns their ids.
///
/// One statement, not one per bike: in a transaction that has written to
/// the search index (`bikes_fts`, kept by a trigger), SQLite opens a
/// savepoint for every statement whose trigger writes, and FTS5 answers
/// each savepoint by flushing its pending terms to disk as a new segment.
/// Per bike, that was a segment per row and endless merging of them: three
/// quarters of a 100,000-row import. The ids are given rather than left to
/// SQLite, so that which bike got which id does not depend on the order
/// SQLite inserts or returns rows in; they are the ones AUTOINCREMENT would
/// give (past every id the table has ever had).
pub fn add_bikes(tx: &Transaction, bikes: &[BikeValues]) -> DbResult<Vec<i64>> {
    if bikes.is_empty() {
        return Ok(Vec::new());
    }
    let first: i64 = tx.query_row(
        "SELECT max(coalesce((SELECT max(bike_id) FROM bikes), 0),
                    coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'bikes'), 0)) + 1",
        [],
        |row| row.get(0),
    )?;
    let ids: Vec<i64> = (first..).take(bikes.len()).collect();
    tx.prepare_cached(
        "INSERT INTO bikes (bike_id, maker_id, model, year, engine, image_url)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
         FROM json_each(?1) ORDER BY key",
    )?
    .execute([json_rows(ids.iter().copied().zip(bikes))])?;
    Ok(ids)
}

/// Changes the bikes with one statement (why one: see [`add_bikes`]); an
/// uploaded photo a bike's new `image_url` no longer shows is deleted, as
/// when the admin form changes the address.
pub fn update_bikes(tx: &Transaction, bikes: &[(i64, BikeValues)]) -> DbResult<()> {
    if bikes.is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "UPDATE bikes SET maker_id = j.value ->> 1, model = j.value ->> 2, year = j.value ->> 3,
                          engine = j.value ->> 4, image_url = j.value ->> 5
         FROM json_each(?1) AS j WHERE bikes.bike_id = j.value ->> 0",
    )?
    .execute([json_rows(bikes.iter().map(|(id, bike)| (*id, bike)))])?;
    for (bike_id, _) in bikes {
        images::delete_unless_shown(tx, *bike_id)?;
    }
    Ok(())
}

/// Stores `photo` as the bike's one photo and points its `image_url` at it
/// (the photo it replaces is kept for undo, as on the edit form).
pub fn set_photo(tx: &Transaction, bike_id: i64, photo: &Photo) -> DbResult<()> {
    let image_id = images::replace(tx, bike_id, photo)?;
    tx.prepare_cached("UPDATE bikes SET image_url = ?1 WHERE bike_id = ?2")?
        .execute(params![photo_url(image_id), bike_id])?;
    Ok(())
}
