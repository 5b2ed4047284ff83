//! `maker_trigram_counts` (schema version 10): for each maker, how many of
//! its bikes' models hold each run of three ASCII characters, folded as the
//! search folds. Triggers only log which bikes came and went
//! (`maker_trigram_changes`); motodex folds that log into the counts in its
//! writes, and a search counts what is still logged by itself, so a count
//! is exact whoever wrote the bikes and whenever.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::fold::{contains_folded, fold_char, value_text};
use crate::db::DbResult;

/// The runs of three characters of `text` that [`fold_char`] makes ASCII,
/// NUL excepted, each once. A needle of three such characters is in `text`
/// (as [`contains_folded`] has it) exactly when it is one of them.
fn pieces(text: &str, pieces: &mut Vec<[u8; 3]>) {
    pieces.clear();
    let mut run = [0u8; 3];
    let mut length = 0;
    for c in text.chars().map(fold_char) {
        if c.is_ascii() && c != '\0' {
            run = [run[1], run[2], c as u8];
            length += 1;
            if length >= 3 {
                pieces.push(run);
            }
        } else {
            length = 0;
        }
    }
    pieces.sort_unstable();
    pieces.dedup();
}

/// Whether `needle` (folded) is a needle the counts answer.
pub(super) fn counted(needle: &str) -> bool {
    needle.len() == 3 && needle.bytes().all(|b| (1..0x80).contains(&b))
}

/// How many bikes of each maker hold `needle` (see [`counted`]) in their
/// model: the counts, and the changes not folded into them yet.
pub(super) fn counts(conn: &Connection, needle: &str) -> DbResult<HashMap<i64, u64>> {
    let mut counts: HashMap<i64, i64> = conn
        .prepare_cached("SELECT maker_id, bikes FROM maker_trigram_counts WHERE trigram = ?1")?
        .query_map([needle], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut changes =
        conn.prepare_cached("SELECT maker_id, model, bikes FROM maker_trigram_changes")?;
    let mut rows = changes.query([])?;
    while let Some(row) = rows.next()? {
        if value_text(row.get_ref(1)?).is_some_and(|model| contains_folded(&model, needle)) {
            *counts.entry(row.get(0)?).or_default() += row.get::<_, i64>(2)?;
        }
    }
    Ok(counts
        .into_iter()
        .map(|(maker, bikes)| (maker, bikes.max(0) as u64))
        .collect())
}

/// Whether any change is waiting to be folded in.
pub(crate) fn has_changes(conn: &Connection) -> DbResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM maker_trigram_changes)")?
        .query_row([], |r| r.get(0))?)
}

/// Changes to the counts, added up before they are written, so that a
/// hundred thousand imported bikes under a few makers write a few rows each.
#[derive(Default)]
pub(crate) struct CountChanges {
    sums: HashMap<([u8; 3], i64), i64>,
    found: Vec<[u8; 3]>,
}

impl CountChanges {
    /// `bikes` more (or, negative, fewer) bikes of `maker` with `model`.
    pub(crate) fn add(&mut self, maker: i64, model: &str, bikes: i64) {
        pieces(model, &mut self.found);
        for piece in &self.found {
            *self.sums.entry((*piece, maker)).or_default() += bikes;
        }
    }

    pub(crate) fn write(self, conn: &Connection) -> DbResult<()> {
        // In key order, so the table is written front to back.
        let mut sums: Vec<_> = self
            .sums
            .into_iter()
            .filter(|(_, bikes)| *bikes != 0)
            .collect();
        sums.sort_unstable();
        let mut add = conn.prepare_cached(
            "INSERT INTO maker_trigram_counts (trigram, maker_id, bikes) VALUES (?1, ?2, ?3)
             ON CONFLICT (trigram, maker_id) DO UPDATE SET bikes = bikes + excluded.bikes",
        )?;
        for ((piece, maker), bikes) in sums {
            // ASCII, so the conversion never replaces anything.
            add.execute(params![String::from_utf8_lossy(&piece), maker, bikes])?;
        }
        Ok(())
    }
}

/// Folds the logged changes into the counts and empties the log; `conn` is
/// in a write transaction.
pub(crate) fn fold_in_changes(conn: &Connection) -> DbResult<()> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT max(change_id) FROM maker_trigram_changes")?
        .query_row([], |r| r.get(0))?;
    let Some(last) = last else {
        return Ok(());
    };
    let mut changes = CountChanges::default();
    {
        let mut logged = conn.prepare_cached(
            "SELECT maker_id, model, bikes FROM maker_trigram_changes WHERE change_id <= ?1",
        )?;
        let mut rows = logged.query([last])?;
        while let Some(row) = rows.next()? {
            if let Some(model) = value_text(row.get_ref(1)?) {
                changes.add(row.get(0)?, &model, row.get(2)?);
            }
        }
    }
    changes.write(conn)?;
    conn.prepare_cached("DELETE FROM maker_trigram_changes WHERE change_id <= ?1")?
        .execute([last])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_folded_ascii_runs_each_once() {
        let mut found = Vec::new();
        pieces("TorTOR\0ab\u{212A}ä ſAB", &mut found);
        assert_eq!(
            found,
            [*b" sa", *b"abk", *b"ort", *b"rto", *b"sab", *b"tor"]
        );
        pieces("ab", &mut found);
        assert!(found.is_empty());
    }

    #[test]
    fn only_needles_of_three_ascii_characters_are_counted() {
        assert!(counted("a%\""));
        assert!(!counted("ab"));
        assert!(!counted("abcd"));
        assert!(!counted("äb"));
        assert!(!counted("a\0b"));
    }
}
