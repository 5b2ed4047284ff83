//! The catalogue list and its search, built to stay fast at a million bikes
//! while answering exactly what SPEC §4 promises: the bikes whose model or
//! maker name contains the search text, ignoring case, ordered by maker
//! name, maker, model and id.
//!
//! "Ignoring case" means [`fold`]: every character is compared by its Unicode
//! lowercase form (so `Ä` finds `ä`, not only ASCII as SQLite's `LIKE`
//! would; details in [`fold_char`]). Every path below is exact under that rule; the
//! equivalence test (`tests/api/search_equivalence.rs`) compares each with a
//! plain scan written in Rust.
//!
//! What makes it fast (schema version 2, `migrations/0002-search-index.sql`,
//! and version 10, `migrations/0010-search-counts.sql`):
//! - `maker_bike_counts`, kept by triggers: totals and deep pages of the
//!   plain list cost one small query per maker instead of counting or
//!   skipping a million rows;
//! - `maker_trigram_counts` ([`pieces`]): for each maker, how many of its
//!   bikes' models hold each run of three ASCII characters. A search of
//!   exactly three such characters is one run, so its total and every
//!   maker's share of it come from one small query, and its pages skip
//!   whole makers by those shares, as the plain list does;
//! - `bikes_fts`, a trigram index over models: longer ASCII searches are
//!   counted from the index, and sparse searches fetched from it;
//! - the indexes `makers_by_name` and `bikes_by_maker`, which walk the bikes
//!   in display order, so page 1 of a common search stops after a few rows.
//!
//! Searches the trigram index cannot answer exactly (1–2 characters, or any
//! non-ASCII character) are answered by walking `bikes_by_maker` with
//! [`contains_folded`]: exact, and linear in the catalogue size.

use std::collections::HashMap;
use std::fmt::Write as _;

use rusqlite::{Connection, params};

mod fold;
mod pieces;

pub use fold::{contains_folded, fold, fold_char, register_functions};
/// For the benchmark catalogue's generator, which counts as it makes bikes.
#[cfg(feature = "bench-data")]
pub(crate) use pieces::CountChanges;
pub(crate) use pieces::{fold_in_changes, has_changes};

use super::DbResult;
use super::bikes::{bike_columns, from_row};
use crate::domain::records::{Bike, Filter, Maker, Page};

/// How a search finds its page; [`Plan::Auto`] chooses by cost. The others
/// exist so that tests can check every path against a plain scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The cheapest path for this query.
    Auto,
    /// Walk the bikes in display order, stopping after the page (skipping
    /// whole makers by their counts when a three-character search has them).
    Walk,
    /// Fetch every match through the trigram index and sort them (falls
    /// back to `Walk` when the index cannot answer the search).
    Sort,
    /// Never use the trigram index or the counts of three-character pieces:
    /// count and walk by scanning.
    NoIndex,
}

/// Rough costs, in the same unit (about 0.1 µs), measured at a million
/// bikes: stepping one entry of `bikes_by_maker` and testing its model;
/// reading one row by id to sort it; and keeping one row in the sorter
/// (every row before the page is kept when the page is deep).
const STEP_COST: u64 = 1;
const FETCH_COST: u64 = 12;
const SORTED_ROW_COST: u64 = 30;

/// A maker in display order, with its bike count.
struct MakerRow {
    maker_id: i64,
    bikes: u64,
    name: String,
}

/// One page of the bikes matching `filter`; see the module documentation.
pub fn search(
    conn: &Connection,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> DbResult<Page<Bike>> {
    search_with(conn, filter, page, per_page, Plan::Auto)
}

/// [`search`] along a chosen path.
pub fn search_with(
    conn: &Connection,
    filter: &Filter,
    page: u64,
    per_page: u64,
    plan: Plan,
) -> DbResult<Page<Bike>> {
    // One snapshot for the counts and the rows, so they agree even while
    // an admin writes (a read has one already; a write's caller may not).
    super::snapshot::snapshot(conn, |conn| {
        search_in_snapshot(conn, &maker_rows(conn)?, filter, page, per_page, plan)
    })
}

/// [`search`], and every maker in display order (for the catalogue's maker
/// list): the search reads them anyway, so the page needs no second query.
pub fn search_and_makers(
    conn: &Connection,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> DbResult<(Page<Bike>, Vec<Maker>)> {
    super::snapshot::snapshot(conn, |conn| {
        let makers = maker_rows(conn)?;
        let found = search_in_snapshot(conn, &makers, filter, page, per_page, Plan::Auto)?;
        let makers = makers
            .into_iter()
            .map(|m| Maker {
                maker_id: m.maker_id,
                name: m.name,
            })
            .collect();
        Ok((found, makers))
    })
}

fn search_in_snapshot(
    conn: &Connection,
    makers: &[MakerRow],
    filter: &Filter,
    page: u64,
    per_page: u64,
    plan: Plan,
) -> DbResult<Page<Bike>> {
    let per_page = per_page.max(1);
    let scope: Vec<&MakerRow> = makers
        .iter()
        .filter(|m| filter.maker_id.is_none_or(|id| id == m.maker_id))
        .collect();
    let needle = fold(&filter.search);

    if needle.is_empty() {
        let shares: Vec<Share> = scope.iter().map(|m| Share::whole(m)).collect();
        let total = shares.iter().map(|s| s.matches).sum();
        let (page, offset) = clamp(page, total, per_page);
        let pieces = pieces(&shares, offset, per_page);
        // One statement when the page spans makers, sought from the first
        // by its name; a maker read as "" may have none (NULL, which sorts
        // before every name and no range can start from), so its page is
        // read a maker at a time.
        let items = match pieces.as_slice() {
            [first, _, ..] if plan == Plan::Auto && !first.share.maker.name.is_empty() => {
                walk_from(conn, first, per_page)?
            }
            _ => walk_shares(conn, &pieces, &needle)?,
        };
        return Ok(Page {
            items,
            total,
            page,
            per_page,
        });
    }

    // Makers whose name matches: all their bikes match.
    let named: Vec<&MakerRow> = scope
        .iter()
        .copied()
        .filter(|m| contains_folded(&m.name, &needle))
        .collect();
    let named_ids = json_ids(named.iter().map(|m| m.maker_id));
    let named_bikes: u64 = named.iter().map(|m| m.bikes).sum();
    let scope_bikes: u64 = scope.iter().map(|m| m.bikes).sum();
    let single = filter.maker_id.map(|_| scope.first().copied());

    if let Some(maker) = single {
        // One maker: nothing, all of it, or its bikes whose model matches.
        let Some(maker) = maker else {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
                page: 1,
                per_page,
            });
        };
        if !named.is_empty() {
            let (page, offset) = clamp(page, maker.bikes, per_page);
            let shares = [Share::whole(maker)];
            let items = walk_shares(conn, &pieces(&shares, offset, per_page), &needle)?;
            return Ok(Page {
                items,
                total: maker.bikes,
                page,
                per_page,
            });
        }
    }

    if plan != Plan::NoIndex && pieces::counted(&needle) {
        let counts = pieces::counts(conn, &needle)?;
        return search_by_counts(
            conn,
            &needle,
            &scope,
            filter.maker_id,
            &counts,
            (page, per_page),
            plan,
        );
    }

    let index = (plan != Plan::NoIndex)
        .then(|| fts_query(&needle))
        .flatten();
    let (total, index_hits) = match &index {
        Some(query) => count_with_index(
            conn,
            query,
            &needle,
            single.flatten(),
            &named_ids,
            named_bikes,
        )?,
        None => (
            count_by_scan(conn, &needle, single.flatten(), &named_ids, named_bikes)?,
            0,
        ),
    };
    let (page, offset) = clamp(page, total, per_page);
    if total == 0 {
        return Ok(Page {
            items: Vec::new(),
            total,
            page,
            per_page,
        });
    }

    let sort = match (&index, plan) {
        (None, _) | (_, Plan::Walk | Plan::NoIndex) => false,
        (Some(_), Plan::Sort) => true,
        (Some(_), Plan::Auto) => {
            let sort = (index_hits + named_bikes)
                .saturating_mul(FETCH_COST)
                .saturating_add((offset + per_page).saturating_mul(SORTED_ROW_COST));
            let walk = (offset + per_page).saturating_mul(scope_bikes) / total * STEP_COST;
            sort < walk
        }
    };
    let items = match (&index, sort) {
        (Some(query), true) => {
            sorted_page(conn, query, &named_ids, filter.maker_id, per_page, offset)?
        }
        _ => match single.flatten() {
            Some(maker) => conn
                .prepare_cached(WALK_MAKER_SQL)?
                .query_map(
                    params![maker.maker_id, needle, per_page as i64, offset as i64],
                    from_row,
                )?
                .collect::<Result<Vec<_>, _>>()?,
            None => conn
                .prepare_cached(WALK_ALL_SQL)?
                .query_map(
                    params![named_ids, needle, per_page as i64, offset as i64],
                    from_row,
                )?
                .collect::<Result<Vec<_>, _>>()?,
        },
    };
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// One maker's bikes in display order (a range of `bikes_by_maker`).
const WHOLE_MAKER_SQL: &str = concat!(
    "SELECT ",
    bike_columns!(),
    " FROM bikes b INDEXED BY bikes_by_maker JOIN makers m ON m.maker_id = b.maker_id
         WHERE b.maker_id = ?1 ORDER BY b.model COLLATE NOCASE, b.bike_id LIMIT ?2 OFFSET ?3"
);

/// One maker's bikes whose model matches, in display order.
const WALK_MAKER_SQL: &str = concat!(
    "SELECT ",
    bike_columns!(),
    " FROM bikes b INDEXED BY bikes_by_maker JOIN makers m ON m.maker_id = b.maker_id
         WHERE b.maker_id = ?1 AND motodex_contains(b.model, ?2)
         ORDER BY b.model COLLATE NOCASE, b.bike_id LIMIT ?3 OFFSET ?4"
);

/// Every matching bike in display order: `makers_by_name`, then each
/// maker's range of `bikes_by_maker`, so it stops after the page. The
/// indexes are named, not left to the planner: without statistics (a
/// catalogue grown by hand is never analysed) it may prefer sorting.
const WALK_ALL_SQL: &str = concat!(
    "SELECT ",
    bike_columns!(),
    " FROM makers m INDEXED BY makers_by_name
             CROSS JOIN bikes b INDEXED BY bikes_by_maker ON b.maker_id = m.maker_id
         WHERE m.maker_id IN (SELECT value FROM json_each(?1)) OR motodex_contains(b.model, ?2)
         ORDER BY m.name COLLATE NOCASE, m.maker_id, b.model COLLATE NOCASE, b.bike_id
         LIMIT ?3 OFFSET ?4"
);

/// Every bike in display order from the maker named `?1` with id `?2`
/// (its range of `makers_by_name` is sought, not walked).
const WALK_FROM_SQL: &str = concat!(
    "SELECT ",
    bike_columns!(),
    " FROM makers m INDEXED BY makers_by_name
             CROSS JOIN bikes b INDEXED BY bikes_by_maker ON b.maker_id = m.maker_id
         WHERE m.name COLLATE NOCASE >= ?1 AND (m.name COLLATE NOCASE > ?1 OR m.maker_id >= ?2)
         ORDER BY m.name COLLATE NOCASE, m.maker_id, b.model COLLATE NOCASE, b.bike_id
         LIMIT ?3 OFFSET ?4"
);

/// The trigram index's matches and the named makers' bikes, read by id and
/// sorted.
const SORT_SQL: &str = concat!(
    "WITH hits (bike_id) AS (
             SELECT rowid FROM bikes_fts WHERE bikes_fts MATCH ?1
             UNION
             SELECT bike_id FROM bikes WHERE maker_id IN (SELECT value FROM json_each(?2))
         )
         SELECT ",
    bike_columns!(),
    " FROM hits h CROSS JOIN bikes b ON b.bike_id = h.bike_id
             CROSS JOIN makers m ON m.maker_id = b.maker_id
         WHERE ?3 IS NULL OR b.maker_id = ?3
         ORDER BY m.name COLLATE NOCASE, m.maker_id, b.model COLLATE NOCASE, b.bike_id
         LIMIT ?4 OFFSET ?5"
);

/// `per_page` rows after `offset` of [`SORT_SQL`].
fn sorted_page(
    conn: &Connection,
    query: &str,
    named_ids: &str,
    maker_id: Option<i64>,
    per_page: u64,
    offset: u64,
) -> DbResult<Vec<Bike>> {
    Ok(conn
        .prepare_cached(SORT_SQL)?
        .query_map(
            params![query, named_ids, maker_id, per_page as i64, offset as i64],
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every maker in display order with its number of bikes.
fn maker_rows(conn: &Connection) -> DbResult<Vec<MakerRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.maker_id, coalesce(c.bikes, 0), coalesce(m.name, '')
             FROM makers m LEFT JOIN maker_bike_counts c ON c.maker_id = m.maker_id
             ORDER BY m.name COLLATE NOCASE, m.maker_id",
        )?
        .query_map([], |r| {
            Ok(MakerRow {
                maker_id: r.get(0)?,
                bikes: r.get::<_, i64>(1)?.max(0) as u64,
                name: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// The page number within range, and the rows before it.
fn clamp(page: u64, total: u64, per_page: u64) -> (u64, u64) {
    let page = page.clamp(1, total.div_ceil(per_page).max(1));
    (page, (page - 1).saturating_mul(per_page))
}

/// One maker's matches for a search: all its bikes when its name matches
/// (`whole`), else the bikes whose model matches.
struct Share<'a> {
    maker: &'a MakerRow,
    matches: u64,
    whole: bool,
}

impl<'a> Share<'a> {
    fn whole(maker: &'a MakerRow) -> Share<'a> {
        Share {
            maker,
            matches: maker.bikes,
            whole: true,
        }
    }
}

/// A run of one maker's matches on the page: `limit` of them after the
/// first `offset`.
struct Piece<'a> {
    share: &'a Share<'a>,
    offset: u64,
    limit: u64,
}

/// The runs that make up `per_page` matches after `offset`, in display
/// order: makers before the page are skipped by their counts, not row by row.
fn pieces<'a>(shares: &'a [Share<'a>], mut offset: u64, per_page: u64) -> Vec<Piece<'a>> {
    let mut pieces = Vec::new();
    let mut wanted = per_page;
    for share in shares {
        if wanted == 0 {
            break;
        }
        if offset >= share.matches {
            offset -= share.matches;
            continue;
        }
        let limit = wanted.min(share.matches - offset);
        pieces.push(Piece {
            share,
            offset,
            limit,
        });
        wanted -= limit;
        offset = 0;
    }
    pieces
}

/// Rows a walk of `pieces` steps through: a maker's whole list is a range
/// of its index; its model matches are about one in `bikes / matches`.
fn walk_cost(pieces: &[Piece]) -> u64 {
    pieces
        .iter()
        .map(|p| {
            let rows = p.offset + p.limit;
            if p.share.whole {
                rows
            } else {
                rows.saturating_mul(p.share.maker.bikes) / p.share.matches.max(1)
            }
        })
        .sum::<u64>()
        .saturating_mul(STEP_COST)
}

/// The bikes of `pieces`, in order.
fn walk_shares(conn: &Connection, pieces: &[Piece], needle: &str) -> DbResult<Vec<Bike>> {
    let mut items = Vec::new();
    for piece in pieces {
        let maker_id = piece.share.maker.maker_id;
        let (limit, offset) = (piece.limit as i64, piece.offset as i64);
        let rows = if piece.share.whole {
            conn.prepare_cached(WHOLE_MAKER_SQL)?
                .query_map(params![maker_id, limit, offset], from_row)?
                .collect::<Result<Vec<_>, _>>()?
        } else {
            conn.prepare_cached(WALK_MAKER_SQL)?
                .query_map(params![maker_id, needle, limit, offset], from_row)?
                .collect::<Result<Vec<_>, _>>()?
        };
        items.extend(rows);
    }
    Ok(items)
}

/// A page of the plain list that spans several makers, `first` the run of
/// the first, in one statement rather than one per maker.
fn walk_from(conn: &Connection, first: &Piece, per_page: u64) -> DbResult<Vec<Bike>> {
    let maker = first.share.maker;
    Ok(conn
        .prepare_cached(WALK_FROM_SQL)?
        .query_map(
            params![
                maker.name,
                maker.maker_id,
                per_page as i64,
                first.offset as i64
            ],
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A search whose every maker's share is known (see [`pieces::counts`]):
/// the total is their sum, and the page either walks the makers it falls
/// in or, when fewer rows are read that way, sorts the index's matches.
fn search_by_counts(
    conn: &Connection,
    needle: &str,
    scope: &[&MakerRow],
    maker_id: Option<i64>,
    counts: &HashMap<i64, u64>,
    (page, per_page): (u64, u64),
    plan: Plan,
) -> DbResult<Page<Bike>> {
    let shares: Vec<Share> = scope
        .iter()
        .map(|&maker| {
            if contains_folded(&maker.name, needle) {
                Share::whole(maker)
            } else {
                Share {
                    maker,
                    matches: counts.get(&maker.maker_id).copied().unwrap_or(0),
                    whole: false,
                }
            }
        })
        .collect();
    let total: u64 = shares.iter().map(|s| s.matches).sum();
    let (page, offset) = clamp(page, total, per_page);
    let pieces = pieces(&shares, offset, per_page);
    let sort = match plan {
        Plan::Sort => true,
        Plan::Walk | Plan::NoIndex => false,
        Plan::Auto => {
            // The sort reads every match of the index (any maker's) and
            // every bike of the makers whose name matches.
            let fetched = counts.values().sum::<u64>()
                + shares
                    .iter()
                    .filter(|s| s.whole)
                    .map(|s| s.matches)
                    .sum::<u64>();
            let sort = fetched
                .saturating_mul(FETCH_COST)
                .saturating_add((offset + per_page).saturating_mul(SORTED_ROW_COST));
            sort < walk_cost(&pieces)
        }
    };
    let items = match fts_query(needle) {
        Some(query) if sort && total > 0 => {
            let named = json_ids(shares.iter().filter(|s| s.whole).map(|s| s.maker.maker_id));
            sorted_page(conn, &query, &named, maker_id, per_page, offset)?
        }
        _ => walk_shares(conn, &pieces, needle)?,
    };
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// The FTS5 query for a folded needle, when the trigram index answers it
/// exactly: at least 3 characters (one trigram), all ASCII, no NUL (FTS5
/// reads a query only up to one, and refuses the unclosed quote it then
/// sees). For ASCII, SQLite's folding and [`fold`] agree character by
/// character (checked by a test over every Unicode scalar value), so the
/// phrase of trigrams matches exactly the models that contain the needle.
fn fts_query(needle: &str) -> Option<String> {
    (needle.len() >= 3 && needle.is_ascii() && !needle.contains('\0'))
        .then(|| format!("\"{}\"", needle.replace('"', "\"\"")))
}

/// The number of matches, using the trigram index, and how many bikes the
/// index matched (for choosing a plan). `maker`: the one maker in scope
/// (whose name does not match), or none for all makers.
fn count_with_index(
    conn: &Connection,
    query: &str,
    needle: &str,
    maker: Option<&MakerRow>,
    named_ids: &str,
    named_bikes: u64,
) -> DbResult<(u64, u64)> {
    let hits: i64 = conn
        .prepare_cached("SELECT count(*) FROM bikes_fts WHERE bikes_fts MATCH ?1")?
        .query_row([query], |r| r.get(0))?;
    let hits = hits.max(0) as u64;
    if let Some(maker) = maker {
        let in_maker: i64 = if maker.bikes <= hits.saturating_mul(FETCH_COST) {
            conn.prepare_cached(
                "SELECT count(*) FROM bikes WHERE maker_id = ?1 AND motodex_contains(model, ?2)",
            )?
            .query_row(params![maker.maker_id, needle], |r| r.get(0))?
        } else {
            conn.prepare_cached(
                "SELECT count(*) FROM bikes_fts f CROSS JOIN bikes b ON b.bike_id = f.rowid
                 WHERE bikes_fts MATCH ?1 AND b.maker_id = ?2",
            )?
            .query_row(params![query, maker.maker_id], |r| r.get(0))?
        };
        return Ok((in_maker.max(0) as u64, hits));
    }
    // All makers: the index's matches, less those of makers whose name
    // matches (counted whole instead) and those of bikes without a maker.
    let named_hits: i64 = if named_bikes == 0 {
        0
    } else if named_bikes <= hits.saturating_mul(FETCH_COST) {
        conn.prepare_cached(
            "SELECT count(*) FROM bikes
             WHERE maker_id IN (SELECT value FROM json_each(?1)) AND motodex_contains(model, ?2)",
        )?
        .query_row(params![named_ids, needle], |r| r.get(0))?
    } else {
        conn.prepare_cached(
            "SELECT count(*) FROM bikes_fts f CROSS JOIN bikes b ON b.bike_id = f.rowid
             WHERE bikes_fts MATCH ?1 AND b.maker_id IN (SELECT value FROM json_each(?2))",
        )?
        .query_row(params![query, named_ids], |r| r.get(0))?
    };
    let orphans: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM maker_bike_counts c
             WHERE c.bikes > 0 AND NOT EXISTS (SELECT 1 FROM makers m WHERE m.maker_id = c.maker_id)",
        )?
        .query_row([], |r| r.get(0))?;
    let orphan_hits: i64 = if orphans == 0 {
        0
    } else {
        conn.prepare_cached(
            "SELECT count(*) FROM bikes_fts f CROSS JOIN bikes b ON b.bike_id = f.rowid
             WHERE bikes_fts MATCH ?1 AND NOT EXISTS (SELECT 1 FROM makers m WHERE m.maker_id = b.maker_id)",
        )?
        .query_row([query], |r| r.get(0))?
    };
    let total =
        (named_bikes + hits).saturating_sub(named_hits.max(0) as u64 + orphan_hits.max(0) as u64);
    Ok((total, hits))
}

/// The number of matches by scanning `bikes_by_maker` (no index can help).
fn count_by_scan(
    conn: &Connection,
    needle: &str,
    maker: Option<&MakerRow>,
    named_ids: &str,
    named_bikes: u64,
) -> DbResult<u64> {
    let count: i64 = match maker {
        Some(maker) => conn
            .prepare_cached(
                "SELECT count(*) FROM bikes WHERE maker_id = ?1 AND motodex_contains(model, ?2)",
            )?
            .query_row(params![maker.maker_id, needle], |r| r.get(0))?,
        None => {
            let by_model: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM makers m JOIN bikes b ON b.maker_id = m.maker_id
                     WHERE m.maker_id NOT IN (SELECT value FROM json_each(?1)) AND motodex_contains(b.model, ?2)",
                )?
                .query_row(params![named_ids, needle], |r| r.get(0))?;
            by_model + named_bikes as i64
        }
    };
    Ok(count.max(0) as u64)
}

/// Ids as a JSON array, for `json_each` (one cached statement for any number).
pub(super) fn json_ids(ids: impl Iterator<Item = i64>) -> String {
    let mut json = String::from("[");
    for (i, id) in ids.enumerate() {
        if i > 0 {
            json.push(',');
        }
        // Writing into a String cannot fail.
        let _ = write!(json, "{id}");
    }
    json.push(']');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_length_and_ignores_case() {
        assert_eq!(fold("ÄbC İ \u{212A} ſΣς"), "äbc İ k sσσ");
        assert!(contains_folded("Ducati PANIGALE", "panig"));
        assert!(contains_folded("ÖHLINS", "öhl"));
        assert!(!contains_folded("Honda", "hondas"));
        assert!(!contains_folded("Honda", "ö"));
        assert!(contains_folded("anything", ""));
    }

    /// The walks must follow the indexes in display order, so that a page
    /// stops early: no sorting of the whole catalogue.
    #[test]
    fn walks_need_no_sort() {
        let mut conn = Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        super::super::schema::migrate(&mut conn, true).unwrap();
        for sql in [WHOLE_MAKER_SQL, WALK_MAKER_SQL, WALK_ALL_SQL] {
            let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let mut rows = plan.raw_query();
            let mut steps = Vec::new();
            while let Some(row) = rows.next().unwrap() {
                steps.push(row.get::<_, String>(3).unwrap());
            }
            assert!(
                steps.iter().all(|s| !s.contains("TEMP B-TREE")),
                "{sql}: {steps:?}"
            );
            assert!(
                steps.iter().any(|s| s.contains("bikes_by_maker")),
                "{sql}: {steps:?}"
            );
        }
    }

    #[test]
    fn fts_query_only_for_exact_cases() {
        assert_eq!(fts_query("ab"), None);
        assert_eq!(fts_query("äbc"), None);
        assert_eq!(fts_query("ab\0c"), None);
        assert_eq!(fts_query("a\"b"), Some("\"a\"\"b\"".to_string()));
    }
}
