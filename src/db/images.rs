//! Uploaded bike photos, stored in the database so that one backup file
//! holds the whole catalogue. A bike has at most one.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::DbResult;
use crate::domain::records::Photo;

pub struct Image {
    pub content_type: String,
    pub data: Vec<u8>,
}

pub fn get(conn: &Connection, image_id: i64) -> DbResult<Option<Image>> {
    Ok(conn
        .prepare_cached("SELECT content_type, data FROM images WHERE image_id = ?1")?
        .query_row([image_id], image)
        .optional()?)
}

/// The photo's thumbnail; the photo itself when it was stored before
/// thumbnails were made.
pub fn get_thumbnail(conn: &Connection, image_id: i64) -> DbResult<Option<Image>> {
    Ok(conn
        .prepare_cached(
            "SELECT content_type, coalesce(thumbnail, data) FROM images WHERE image_id = ?1",
        )?
        .query_row([image_id], image)
        .optional()?)
}

fn image(row: &rusqlite::Row) -> rusqlite::Result<Image> {
    Ok(Image {
        content_type: row.get(0)?,
        data: row.get(1)?,
    })
}

/// Whether the bike has an uploaded photo that its page shows.
pub fn bike_has_photo(conn: &Connection, bike_id: i64) -> DbResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM images i JOIN bikes b ON b.bike_id = i.bike_id
             WHERE i.bike_id = ?1 AND b.image_url = '/images/' || i.image_id",
        )?
        .query_row([bike_id], |r| r.get::<_, i64>(0))?
        > 0)
}

/// Stores `photo` as the bike's one photo, deleting the one it replaces.
/// The new row gets a new id, so a cached copy of the old photo is never
/// shown in its place.
pub fn replace(tx: &Transaction, bike_id: i64, photo: &Photo) -> DbResult<i64> {
    tx.execute("DELETE FROM images WHERE bike_id = ?1", [bike_id])?;
    tx.execute(
        "INSERT INTO images (bike_id, content_type, data, thumbnail) VALUES (?1, ?2, ?3, ?4)",
        params![bike_id, photo.content_type, photo.data, photo.thumbnail],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Deletes the bike's uploaded photo when its `image_url` no longer points
/// at it (the admin typed another address or cleared the field).
pub fn delete_unless_shown(tx: &Transaction, bike_id: i64) -> DbResult<()> {
    tx.execute(
        "DELETE FROM images WHERE bike_id = ?1
         AND '/images/' || image_id IS NOT (SELECT image_url FROM bikes WHERE bike_id = ?1)",
        [bike_id],
    )?;
    Ok(())
}
