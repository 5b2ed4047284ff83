//! Uploaded bike photos, stored in the database so that one backup file
//! holds the whole catalogue. A bike has at most one.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::DbResult;
use crate::domain::records::Photo;

/// The sample catalogue's drawings (uploads are never SVG: only JPEG,
/// PNG, GIF and WebP photos are accepted).
pub const SVG: &str = "image/svg+xml";

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

/// Stores `photo` as the bike's one photo; the one it replaces is kept
/// (see [`keep`]) so that an undo can bring it back. The new row gets a new
/// id, so a cached copy of the old photo is never shown in its place.
pub fn replace(tx: &Transaction, bike_id: i64, photo: &Photo) -> DbResult<i64> {
    keep(tx, bike_id, None)?;
    tx.execute(
        "INSERT INTO images (bike_id, content_type, data, thumbnail) VALUES (?1, ?2, ?3, ?4)",
        params![bike_id, photo.content_type, photo.data, photo.thumbnail],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Moves the bike's uploaded photo out of the live table when its
/// `image_url` no longer points at it (the admin typed another address or
/// cleared the field); it is kept for undo until the trash is purged.
pub fn delete_unless_shown(tx: &Transaction, bike_id: i64) -> DbResult<()> {
    let shown: Option<String> = tx
        .prepare_cached("SELECT image_url FROM bikes WHERE bike_id = ?1")?
        .query_row([bike_id], |r| r.get(0))
        .optional()?;
    let keep_id = shown
        .as_deref()
        .and_then(|url| url.strip_prefix("/images/"))
        .and_then(|id| id.parse::<i64>().ok());
    keep(tx, bike_id, keep_id)
}

/// Moves the bike's photos, except `except`, into `kept_photos` under their
/// own ids: out of every page, but restorable by [`bring_back`].
pub fn keep(tx: &Transaction, bike_id: i64, except: Option<i64>) -> DbResult<()> {
    let except = except.unwrap_or(0);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO kept_photos (image_id, bike_id, content_type, data, thumbnail, kept_at)
         SELECT image_id, bike_id, content_type, data, thumbnail, ?3 FROM images
         WHERE bike_id = ?1 AND image_id IS NOT ?2",
    )?
    .execute(params![bike_id, except, crate::clock::now()])?;
    tx.prepare_cached("DELETE FROM images WHERE bike_id = ?1 AND image_id IS NOT ?2")?
        .execute(params![bike_id, except])?;
    Ok(())
}

/// Makes `image_id` the bike's live photo again (keeping whatever photo it
/// has now). False when that photo is neither live nor kept any more.
pub fn bring_back(tx: &Transaction, bike_id: i64, image_id: i64) -> DbResult<bool> {
    let live: Option<i64> = tx
        .prepare_cached("SELECT bike_id FROM images WHERE image_id = ?1")?
        .query_row([image_id], |r| r.get(0))
        .optional()?;
    if let Some(owner) = live {
        return Ok(owner == bike_id);
    }
    let kept: bool = tx
        .prepare_cached("SELECT count(*) FROM kept_photos WHERE image_id = ?1 AND bike_id = ?2")?
        .query_row(params![image_id, bike_id], |r| r.get::<_, i64>(0))?
        > 0;
    if !kept {
        return Ok(false);
    }
    keep(tx, bike_id, None)?;
    tx.prepare_cached(
        "INSERT INTO images (image_id, bike_id, content_type, data, thumbnail)
         SELECT image_id, bike_id, content_type, data, thumbnail FROM kept_photos WHERE image_id = ?1",
    )?
    .execute([image_id])?;
    tx.prepare_cached("DELETE FROM kept_photos WHERE image_id = ?1")?
        .execute([image_id])?;
    Ok(true)
}

/// Kept photos: (image id, bike id) of those still restorable, for history pages.
pub fn is_kept_or_live(conn: &Connection, image_id: i64) -> DbResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM images WHERE image_id = ?1)
                  + (SELECT count(*) FROM kept_photos WHERE image_id = ?1)",
        )?
        .query_row([image_id], |r| r.get::<_, i64>(0))?
        > 0)
}

/// A kept photo's thumbnail, for the history pages of admins.
pub fn get_kept_thumbnail(conn: &Connection, image_id: i64) -> DbResult<Option<Image>> {
    Ok(conn
        .prepare_cached(
            "SELECT content_type, coalesce(thumbnail, data) FROM kept_photos WHERE image_id = ?1",
        )?
        .query_row([image_id], image)
        .optional()?)
}
