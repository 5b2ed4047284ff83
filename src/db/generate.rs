//! A synthetic catalogue of any size, for benchmarks (`motodex-bench-data`,
//! built with the `bench-data` feature). Deterministic: the same sizes
//! always give the same rows, so benchmark runs compare like with like.

use std::path::Path;

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rusqlite::{Connection, params};

use super::DbResult;
use super::bikes::{COLUMNS, from_row};
use crate::domain::records::Bike;

/// Consonant-vowel syllables: every generated word is a sequence of these
/// two-letter pieces, so words of different piece sequences never collide.
const SYLLABLES: &[&str] = &[
    "ka", "ro", "vi", "ta", "ne", "su", "mo", "le", "za", "ri", "do", "fa", "ku", "pe", "ha", "lo",
    "ve", "ti", "na", "go", "be", "si", "ra", "mu", "de", "zo", "pa", "ni", "to", "ga",
];

/// Words that make a model name sound like one.
const WORDS: &[&str] = &[
    "Ranger",
    "Tracer",
    "Scout",
    "Trail",
    "Street",
    "Sport",
    "Tour",
    "Nomad",
    "Raptor",
    "Falcon",
    "Viper",
    "Cobra",
    "Storm",
    "Thunder",
    "Comet",
    "Bolt",
    "Arrow",
    "Blade",
    "Fury",
    "Vector",
    "Apex",
    "Rally",
    "Enduro",
    "Cruiser",
    "Classic",
    "Scrambler",
    "Bandit",
    "Hornet",
    "Shadow",
    "Phantom",
    "Spirit",
    "Rebel",
    "Glide",
    "Drift",
    "Nova",
    "Orbit",
    "Pulse",
    "Quest",
    "Summit",
    "Vortex",
];

const SUFFIXES: &[&str] = &[
    "",
    "",
    "",
    " R",
    " RS",
    " S",
    " GT",
    " SP",
    " Adventure",
    " Pro",
    " X",
];

/// The `index`-th syllable word (at least `min_pieces` pieces), capitalised.
fn syllable_word(mut index: u64, min_pieces: usize) -> String {
    let base = SYLLABLES.len() as u64;
    let mut word = String::new();
    let mut pieces = 0;
    while pieces < min_pieces || index > 0 {
        word.push_str(SYLLABLES[(index % base) as usize]);
        index /= base;
        pieces += 1;
    }
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Creates the database at `path` (schema and all) and adds `makers` makers
/// and `bikes` bikes in one transaction. Durability is traded for speed:
/// this is for throw-away benchmark files only.
pub fn new_catalogue(path: &Path, bikes: u64, makers: u64) -> DbResult<()> {
    drop(super::Db::open(path, false)?);
    let mut conn = Connection::open(path)?;
    catalogue(&mut conn, bikes, makers)
}

/// Accounts the generated activity log is spread over (user ids 1 to 8;
/// the entries keep their names, as the log does for deleted accounts).
pub const EDITORS: i64 = 8;

/// Fills the activity log with `entries` year edits of random bikes by
/// [`EDITORS`] accounts, an hour apart back from now, as `db::bikes::save`
/// records them (the same description and before/after values).
pub fn activity(path: &Path, entries: u64) -> DbResult<()> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")?;
    let tx = conn.transaction()?;
    let bikes: Vec<Bike> = tx
        .prepare(&format!(
            "SELECT {COLUMNS} FROM bikes b JOIN makers m ON m.maker_id = b.maker_id"
        ))?
        .query_map([], from_row)?
        .collect::<Result<_, _>>()?;
    if bikes.is_empty() {
        return Ok(());
    }
    {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x0061_6374_6976 ^ entries);
        let mut insert = tx.prepare(
            "INSERT INTO activity (at, user_id, username, client_addr, user_agent, kind, action,
                                   record_id, description, changes)
             VALUES (?1, ?2, ?3, '192.0.2.7', 'bench', 'bike', 'edit', ?4, ?5, ?6)",
        )?;
        let mut touched = tx.prepare(
            "INSERT OR IGNORE INTO activity_records (record, record_id, entry_id) VALUES ('bike', ?1, ?2)",
        )?;
        let start = crate::clock::now() - entries as i64 * 3600;
        for i in 0..entries {
            let bike = bikes.choose(&mut rng).unwrap_or(&bikes[0]);
            let editor = 1 + (i as i64 % EDITORS);
            let before = 1950 + rng.random_range(0..76i64);
            let after = if before == 2025 { 1950 } else { before + 1 };
            let values = |year: i64| {
                serde_json::json!({
                    "maker_id": bike.maker_id,
                    "maker": bike.maker,
                    "model": bike.model,
                    "year": year.to_string(),
                    "engine": bike.engine,
                    "image_url": bike.image_url,
                })
            };
            let (before, after) = (values(before), values(after));
            let description = super::versions::describe_bike_edit(&before, &after)
                .map(|(_, words)| words)
                .unwrap_or_default();
            let changes = serde_json::json!([{
                "record": "bike",
                "id": bike.bike_id,
                "before": before,
                "after": after,
            }]);
            insert.execute(params![
                start + i as i64 * 3600,
                editor,
                format!("editor-{editor}"),
                bike.bike_id,
                description,
                changes.to_string(),
            ])?;
            touched.execute(params![bike.bike_id, tx.last_insert_rowid()])?;
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA optimize; PRAGMA synchronous = FULL;")?;
    Ok(())
}

fn catalogue(conn: &mut Connection, bikes: u64, makers: u64) -> DbResult<()> {
    let makers = makers.max(1);
    conn.execute_batch(
        "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
    )?;
    let tx = conn.transaction()?;
    // The triggers that keep the search index and the counts would work
    // row by row; rebuilding them once at the end is several times faster.
    let triggers: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'bikes'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER \"{name}\";"))?;
    }
    let first_maker: i64 = tx.query_row(
        "SELECT coalesce(max(maker_id), 0) + 1 FROM makers",
        [],
        |r| r.get(0),
    )?;
    {
        let mut insert = tx.prepare("INSERT INTO makers (maker_id, name) VALUES (?1, ?2)")?;
        for i in 0..makers {
            // Three pieces at least, so the names are distinct from any
            // two-piece model word.
            insert.execute(params![first_maker + i as i64, syllable_word(i, 3)])?;
        }
    }
    // The search's counts of three-character runs, as the models are made
    // (with the triggers gone, nothing logs them).
    let mut counts = super::catalogue::CountChanges::default();
    {
        // A generator rand promises to keep the same output in later
        // releases (StdRng may change): bench/run keeps generated files,
        // keyed by this file's text, and reuses them.
        let mut rng =
            Xoshiro256PlusPlus::seed_from_u64(0x006d_6f74_6f64_6578 ^ bikes ^ (makers << 32));
        let mut insert =
            tx.prepare("INSERT INTO bikes (maker_id, model, year, engine, image_url) VALUES (?1, ?2, ?3, ?4, '')")?;
        let mut model = String::with_capacity(40);
        let mut engine = String::with_capacity(12);
        for _ in 0..bikes {
            let maker = first_maker + rng.random_range(0..makers) as i64;
            model.clear();
            if rng.random_bool(0.5) {
                model.push_str(WORDS.choose(&mut rng).unwrap_or(&""));
            } else {
                model.push_str(&syllable_word(rng.random_range(0..900), 2));
            }
            let cc = 50 + rng.random_range(0..26u64) * 50;
            model.push(' ');
            model.push_str(&cc.to_string());
            model.push_str(SUFFIXES.choose(&mut rng).unwrap_or(&""));
            engine.clear();
            if rng.random_ratio(1, 30) {
                engine.push_str("Electric");
            } else {
                engine.push_str(&(cc - rng.random_range(0..3)).to_string());
                engine.push_str("cc");
            }
            let year = 1950 + rng.random_range(0..76i64);
            insert.execute(params![maker, model, year, engine])?;
            counts.add(maker, &model, 1);
        }
    }
    // A large in-memory buffer lets the index be written in few segments.
    tx.execute_batch(
        "INSERT INTO bikes_fts (bikes_fts, rank) VALUES ('hashsize', 268435456);
         INSERT INTO bikes_fts (bikes_fts) VALUES ('rebuild');
         INSERT INTO bikes_fts (bikes_fts, rank) VALUES ('hashsize', 1048576);
         DELETE FROM maker_bike_counts;
         INSERT INTO maker_bike_counts (maker_id, bikes) SELECT maker_id, count(*) FROM bikes GROUP BY maker_id;",
    )?;
    for (_, sql) in &triggers {
        tx.execute_batch(sql)?;
    }
    counts.write(&tx)?;
    tx.commit()?;
    conn.execute_batch("PRAGMA optimize; PRAGMA synchronous = FULL;")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(conn: &Connection) -> Vec<(String, i64, i64)> {
        conn.prepare("SELECT trigram, maker_id, bikes FROM maker_trigram_counts ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn the_generated_search_counts_are_those_of_every_bike_logged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("generated.db");
        new_catalogue(&path, 2000, 12).unwrap();
        let conn = Connection::open(&path).unwrap();
        let generated = counts(&conn);
        assert!(generated.len() > 100);
        conn.execute_batch(
            "DELETE FROM maker_trigram_counts;
             INSERT INTO maker_trigram_changes (maker_id, model, bikes) SELECT maker_id, model, 1 FROM bikes;",
        )
        .unwrap();
        super::super::catalogue::fold_in_changes(&conn).unwrap();
        assert_eq!(generated, counts(&conn));
    }
}
