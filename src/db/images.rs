//! Uploaded bike photos, stored in the database.

use rusqlite::{Connection, OptionalExtension};

use super::DbResult;

pub struct Image {
    pub content_type: String,
    pub data: Vec<u8>,
}

pub fn get(conn: &Connection, image_id: i64) -> DbResult<Option<Image>> {
    Ok(conn
        .prepare_cached("SELECT content_type, data FROM images WHERE image_id = ?1")?
        .query_row([image_id], |r| {
            Ok(Image {
                content_type: r.get(0)?,
                data: r.get(1)?,
            })
        })
        .optional()?)
}
