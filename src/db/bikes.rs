//! Bikes: the public catalogue queries and the admin writes.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::DbResult;

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

const COLUMNS: &str =
    "b.bike_id, b.maker_id, m.name, coalesce(b.model, ''), coalesce(CAST(b.year AS TEXT), ''),
     coalesce(b.engine, ''), coalesce(b.image_url, '')";

const MATCHES: &str = "(?1 IS NULL OR b.maker_id = ?1)
     AND (?2 = '' OR b.model LIKE ?2 ESCAPE '\\' OR m.name LIKE ?2 ESCAPE '\\')";

fn from_row(row: &Row) -> rusqlite::Result<Bike> {
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

/// `%term%` for LIKE, with LIKE's own wildcards escaped so a search for
/// `50%` or `R_1` means those characters.
fn like_pattern(search: &str) -> String {
    if search.is_empty() {
        return String::new();
    }
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The bikes matching `filter`, ordered by maker then model, one page at a time.
pub fn search(
    conn: &Connection,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> DbResult<Page<Bike>> {
    let pattern = like_pattern(&filter.search);
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM bikes b JOIN makers m ON m.maker_id = b.maker_id WHERE {MATCHES}"
        ))?
        .query_row(params![filter.maker_id, pattern], |r| r.get(0))?;
    let total = total.max(0) as u64;
    let page = page.clamp(1, total.div_ceil(per_page).max(1));
    let offset = (page - 1).saturating_mul(per_page);
    let items = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bikes b JOIN makers m ON m.maker_id = b.maker_id
             WHERE {MATCHES}
             ORDER BY m.name COLLATE NOCASE, m.maker_id, b.model COLLATE NOCASE, b.bike_id
             LIMIT ?3 OFFSET ?4"
        ))?
        .query_map(
            params![filter.maker_id, pattern, per_page as i64, offset as i64],
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
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
