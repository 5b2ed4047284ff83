//! Makers: the catalogue's filter list and the admin's maker pages.

use rusqlite::Connection;

use super::DbResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maker {
    pub maker_id: i64,
    pub name: String,
}

/// Every maker, alphabetically.
pub fn list(conn: &Connection) -> DbResult<Vec<Maker>> {
    let makers = conn
        .prepare_cached("SELECT maker_id, coalesce(name, '') FROM makers ORDER BY name COLLATE NOCASE, maker_id")?
        .query_map([], |r| Ok(Maker { maker_id: r.get(0)?, name: r.get(1)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(makers)
}
