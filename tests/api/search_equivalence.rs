//! The catalogue's fast search paths (trigram index, counts kept by
//! triggers, ordered walks) must answer exactly what a plain scan answers:
//! SPEC §4, "case-insensitive substring of the model or maker name". This
//! file builds random catalogues full of awkward text (mixed case, non-ASCII
//! letters, `%`, `_`, `\`, quotes), changes them through inserts, updates
//! and deletes (so the triggers are exercised), and compares every page of
//! every path with a scan written here, in plain Rust, over all rows.

use std::cmp::Ordering;

use motodex::db::Db;
use motodex::db::catalogue::{Plan, fold_char, search_with};
use motodex::domain::records::Filter;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rusqlite::{Connection, params};

/// A seeded generator, so a failure can be reproduced from its seed. Named
/// by its algorithm: rand's `StdRng` may change algorithm between versions.
type Rng = Xoshiro256PlusPlus;

/// Between `min` and `max` characters of `alphabet`.
fn random_text(rng: &mut Rng, alphabet: &[char], min: usize, max: usize) -> String {
    let len = rng.random_range(min..=max);
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())])
        .collect()
}

/// Few letters, so that random searches often match; upper and lower case,
/// letters whose lowercase is not ASCII or is more than one character (İ),
/// the Kelvin sign (lowercase: ASCII k), LIKE's wildcards and escape, FTS5
/// quoting and operators.
const ALPHABET: &[char] = &[
    'a', 'A', 'b', 'B', 'k', 'K', 'i', 'I', 'r', 'R', ' ', '1', '%', '_', '\\', '"', '*', 'Ä', 'ä',
    'Ö', 'ö', 'İ', '\u{212A}', 'ß', 'Σ', 'σ', 'ς', 'ſ', 's', 'S', '-',
];

/// The reference: SPEC §4 by hand. Case-insensitive = both sides lowercased
/// character by character; a character whose lowercase is longer than one
/// (İ) stays as it is; ſ is an s and ς a σ (Unicode case folding).
fn lower(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ſ' => 's',
            'ς' => 'σ',
            _ => {
                let lower: Vec<char> = c.to_lowercase().collect();
                if lower.len() == 1 { lower[0] } else { c }
            }
        })
        .collect()
}

/// SQLite's NOCASE: ASCII letters folded, then byte order.
fn nocase(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

struct Row {
    bike_id: i64,
    maker_id: i64,
    maker: String,
    model: String,
}

fn reference(conn: &Connection, maker_id: Option<i64>, search: &str) -> Vec<i64> {
    let mut statement = conn
        .prepare("SELECT b.bike_id, b.maker_id, m.name, b.model FROM bikes b JOIN makers m ON m.maker_id = b.maker_id")
        .unwrap();
    let mut rows: Vec<Row> = statement
        .query_map([], |r| {
            Ok(Row {
                bike_id: r.get(0)?,
                maker_id: r.get(1)?,
                maker: r.get(2)?,
                model: r.get(3)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let needle = lower(search);
    rows.retain(|row| {
        maker_id.is_none_or(|id| id == row.maker_id)
            && (lower(&row.model).contains(&needle) || lower(&row.maker).contains(&needle))
    });
    rows.sort_by(|a, b| {
        nocase(&a.maker, &b.maker)
            .then(a.maker_id.cmp(&b.maker_id))
            .then(nocase(&a.model, &b.model))
            .then(a.bike_id.cmp(&b.bike_id))
    });
    rows.into_iter().map(|row| row.bike_id).collect()
}

/// The first column of every row of `sql`.
fn column<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> Vec<T> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A database made through motodex (schema, triggers, functions), filled
/// with a random catalogue through a plain connection while it is open,
/// then changed, as another program would (the Flask app): what its
/// triggers logged for the search's counts is not folded in yet.
fn random_catalogue(seed: u64, makers: usize, bikes: usize) -> (tempfile::TempDir, Db, Vec<i64>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search.db");
    let db = Db::open(&path, false).unwrap();
    let mut rng = Rng::seed_from_u64(seed);
    let mut conn = Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    let tx = conn.transaction().unwrap();
    let mut maker_ids = Vec::new();
    for i in 0..makers {
        // Unique names; some share letters with models so that maker-name
        // matches and model matches overlap.
        let name = format!("{}{}", random_text(&mut rng, ALPHABET, 1, 6), i);
        tx.execute("INSERT INTO makers (name) VALUES (?1)", [&name])
            .unwrap();
        maker_ids.push(tx.last_insert_rowid());
    }
    let insert_bike = |tx: &rusqlite::Transaction, rng: &mut Rng, maker: i64| {
        let model = random_text(rng, ALPHABET, 1, 12);
        tx.execute(
            "INSERT INTO bikes (maker_id, model, year, engine, image_url) VALUES (?1, ?2, 2000, '500cc', '')",
            params![maker, model],
        )
        .unwrap();
    };
    for _ in 0..bikes {
        // Uneven makers: the first few get most of the bikes.
        let maker = maker_ids[rng
            .random_range(0..maker_ids.len())
            .min(rng.random_range(0..maker_ids.len()))];
        insert_bike(&tx, &mut rng, maker);
    }
    // Changes after the index was built: renamed models, bikes moved to
    // another maker, deletions, and bikes without a maker (as an old
    // Flask-course database may hold; foreign keys are off here).
    let ids: Vec<i64> = column(&tx, "SELECT bike_id FROM bikes");
    for _ in 0..bikes / 10 {
        let id = ids[rng.random_range(0..ids.len())];
        match rng.random_range(0..3) {
            0 => {
                tx.execute(
                    "UPDATE bikes SET model = ?2 WHERE bike_id = ?1",
                    params![id, random_text(&mut rng, ALPHABET, 1, 12)],
                )
                .unwrap();
            }
            1 => {
                let maker = maker_ids[rng.random_range(0..maker_ids.len())];
                tx.execute(
                    "UPDATE bikes SET maker_id = ?2 WHERE bike_id = ?1",
                    params![id, maker],
                )
                .unwrap();
            }
            _ => {
                tx.execute("DELETE FROM bikes WHERE bike_id = ?1", [id])
                    .unwrap();
            }
        }
    }
    for _ in 0..bikes / 20 {
        insert_bike(&tx, &mut rng, 999_999);
    }
    tx.execute("INSERT INTO makers (name) VALUES ('No bikes at all')", [])
        .unwrap();
    maker_ids.push(tx.last_insert_rowid());
    tx.commit().unwrap();
    (dir, db, maker_ids)
}

/// Whether changes wait to be folded into the search's counts.
fn changes_logged(conn: &Connection) -> bool {
    conn.query_row("SELECT count(*) FROM maker_trigram_changes", [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap()
        > 0
}

fn searches(rng: &mut Rng, conn: &Connection) -> Vec<String> {
    let mut searches: Vec<String> = [
        "", "a", "K", "ab", "%", "_", "\\", "\"", "a%", "b_", "ä", "Ä", "İ", "i", "k", "σ", "ς",
        "1", "ab ", "abk", "ABK", "Rb1", "\"*\"", "a\"b", "1 a", "\\%_", "kİa", "xyz", "aaaa",
        "ßä", "a\0b", "ab\0c",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for _ in 0..15 {
        let len = 1 + rng.random_range(0..4);
        searches.push(random_text(rng, ALPHABET, len, len));
    }
    // Pieces of real models and maker names (many matches, and maker hits).
    let models: Vec<String> = column(
        conn,
        "SELECT model FROM bikes UNION ALL SELECT name FROM makers",
    );
    for _ in 0..15 {
        let chars: Vec<char> = models[rng.random_range(0..models.len())].chars().collect();
        let start = rng.random_range(0..chars.len());
        let len = 1 + rng.random_range(0..(chars.len() - start).min(5));
        searches.push(chars[start..start + len].iter().collect());
    }
    // Three characters of maker names: whole makers match, beside the
    // model matches of the others (the counts of three-character pieces).
    let names: Vec<String> = column(conn, "SELECT name FROM makers");
    for _ in 0..8 {
        let chars: Vec<char> = names[rng.random_range(0..names.len())].chars().collect();
        if chars.len() >= 3 {
            let start = rng.random_range(0..=chars.len() - 3);
            searches.push(chars[start..start + 3].iter().collect());
        }
    }
    searches
}

fn check_catalogue(seed: u64, makers: usize, bikes: usize, per_page: u64) {
    let (dir, db, maker_ids) = random_catalogue(seed, makers, bikes);
    let conn = Connection::open(dir.path().join("search.db")).unwrap();
    let mut rng = Rng::seed_from_u64(seed ^ 0xfeed);
    let mut filters: Vec<Option<i64>> = vec![
        None,
        Some(maker_ids[0]),
        Some(*maker_ids.last().unwrap()),
        Some(123_456),
    ];
    filters.push(Some(maker_ids[rng.random_range(0..maker_ids.len())]));
    let searches = searches(&mut rng, &conn);
    // First with the bikes' changes only logged (read-only connections),
    // then folded into the counts (by any write; the searches run inside one).
    assert_eq!(changes_logged(&conn), bikes > 0);
    for folded in [false, true] {
        if folded {
            db.write_now(|_| Ok(())).unwrap();
            assert!(!changes_logged(&conn));
        }
        check_searches(&db, &conn, &searches, &filters, per_page, folded, seed);
    }
}

fn check_searches(
    db: &Db,
    conn: &Connection,
    searches: &[String],
    filters: &[Option<i64>],
    per_page: u64,
    in_writes: bool,
    seed: u64,
) {
    let search_page = |filter: &Filter, page, plan| {
        if in_writes {
            db.write_now(|tx| Ok(search_with(tx, filter, page, per_page, plan)))
                .unwrap()
                .unwrap()
        } else {
            db.read_now(|conn| search_with(conn, filter, page, per_page, plan))
                .unwrap()
        }
    };
    let mut checked = 0;
    for search in searches {
        for &maker_id in filters {
            let expected = reference(conn, maker_id, search);
            for plan in [Plan::Auto, Plan::Walk, Plan::Sort, Plan::NoIndex] {
                let filter = Filter {
                    maker_id,
                    search: search.clone(),
                };
                let mut got = Vec::new();
                let mut page = 1;
                loop {
                    let result = search_page(&filter, page, plan);
                    let context = format!(
                        "seed {seed}, search {search:?}, maker {maker_id:?}, plan {plan:?}, page {page}, in writes {in_writes}"
                    );
                    assert_eq!(result.total, expected.len() as u64, "total: {context}");
                    assert_eq!(
                        result.page,
                        page.min(result.page_count()),
                        "page number: {context}"
                    );
                    got.extend(result.items.iter().map(|bike| bike.bike_id));
                    if page >= result.page_count() {
                        // A page past the end shows the last page.
                        let past = search_page(&filter, page + 5, plan);
                        assert_eq!(past.page, result.page, "past the end: {context}");
                        assert_eq!(
                            past.items.iter().map(|b| b.bike_id).collect::<Vec<_>>(),
                            result.items.iter().map(|b| b.bike_id).collect::<Vec<_>>(),
                            "past the end: {context}"
                        );
                        break;
                    }
                    page += 1;
                }
                assert_eq!(
                    got, expected,
                    "rows: seed {seed}, search {search:?}, maker {maker_id:?}, plan {plan:?}, in writes {in_writes}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
}

#[test]
fn fast_paths_equal_a_plain_scan_on_random_catalogues() {
    check_catalogue(1, 12, 500, 25);
    check_catalogue(2, 40, 300, 9);
}

#[test]
fn fast_paths_equal_a_plain_scan_with_few_bikes() {
    check_catalogue(3, 3, 30, 12);
    check_catalogue(4, 1, 0, 12);
}

/// `maker_trigram_counts` by hand: for each maker, how many of its bikes'
/// lowercased models hold each run of three ASCII characters (a NUL is
/// never one of them).
fn trigram_counts_by_hand(conn: &Connection) -> Vec<(String, i64, i64)> {
    let mut counts: std::collections::BTreeMap<(String, i64), i64> = Default::default();
    let bikes: Vec<(i64, String)> = conn
        .prepare("SELECT maker_id, model FROM bikes WHERE maker_id IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (maker_id, model) in bikes {
        let chars: Vec<char> = lower(&model).chars().collect();
        let mut pieces: Vec<String> = chars
            .windows(3)
            .filter(|w| w.iter().all(|c| c.is_ascii() && *c != '\0'))
            .map(|w| w.iter().collect())
            .collect();
        pieces.sort();
        pieces.dedup();
        for piece in pieces {
            *counts.entry((piece, maker_id)).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((piece, maker_id), bikes)| (piece, maker_id, bikes))
        .collect()
}

fn trigram_counts_kept(conn: &Connection) -> Vec<(String, i64, i64)> {
    conn.prepare(
        "SELECT trigram, maker_id, bikes FROM maker_trigram_counts WHERE bikes != 0
         ORDER BY trigram, maker_id",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The counts of three-character runs, folded in from what the triggers
/// logged through inserts, updates and deletes by another program, and
/// made from scratch by the upgrade to schema version 10, both equal a
/// count by hand; models hold NULs, the Kelvin sign and long s (which fold
/// to ASCII), İ and other letters that do not.
#[test]
fn the_search_counts_by_the_log_and_by_the_upgrade_equal_a_count_by_hand() {
    let (dir, db, maker_ids) = random_catalogue(7, 15, 600);
    let conn = Connection::open(dir.path().join("search.db")).unwrap();
    let awkward = [
        "ab\0cde",
        "\0\0\0",
        "x\0\u{212A}ab\u{212A}AB",
        "ſab SAB \u{212A}İab",
        "İİİ ßab Ärr",
        "TorTOR tor",
        "ab",
        "",
    ];
    for (i, model) in awkward.iter().enumerate() {
        conn.execute(
            "INSERT INTO bikes (maker_id, model, year, engine) VALUES (?1, ?2, 2000, '')",
            params![maker_ids[i % 3], model],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE bikes SET model = ?1 WHERE model = 'TorTOR tor'",
        ["a\0bcd\u{212A}ſk"],
    )
    .unwrap();
    conn.execute("DELETE FROM bikes WHERE model = ?1", ["ab\0cde"])
        .unwrap();
    let expected = trigram_counts_by_hand(&conn);
    assert!(expected.iter().any(|(piece, _, _)| piece == "kab"));
    db.write_now(|_| Ok(())).unwrap();
    assert!(!changes_logged(&conn));
    assert_eq!(
        trigram_counts_kept(&conn),
        expected,
        "folded in from the log"
    );
    drop(db);

    conn.execute_batch(
        "DROP TABLE maker_trigram_counts; DROP TABLE maker_trigram_changes;
         DROP TRIGGER maker_trigram_changes_insert; DROP TRIGGER maker_trigram_changes_delete;
         DROP TRIGGER maker_trigram_changes_update; PRAGMA user_version = 9;",
    )
    .unwrap();
    drop(Db::open(&dir.path().join("search.db"), false).unwrap());
    assert!(!changes_logged(&conn));
    assert_eq!(trigram_counts_kept(&conn), expected, "made by the upgrade");
}

/// The trigram index is trusted to be exact only for ASCII needles. That
/// holds when SQLite's case folding (trigram, case_sensitive 0) maps to
/// each ASCII character exactly the characters that motodex's `fold_char`
/// maps to it. Checked over every Unicode scalar value, against the SQLite
/// that is linked in.
#[test]
fn trigram_folding_agrees_with_fold_for_ascii() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE VIRTUAL TABLE chunks USING fts5 (text, tokenize = 'trigram case_sensitive 0');
         CREATE VIRTUAL TABLE singles USING fts5 (text, tokenize = 'trigram case_sensitive 0');",
    )
    .unwrap();
    let scalars: Vec<char> = (1..=0x10FFFFu32).filter_map(char::from_u32).collect();
    let chunks: Vec<&[char]> = scalars.chunks(1024).collect();
    {
        let mut insert = conn
            .prepare("INSERT INTO chunks (rowid, text) VALUES (?1, ?2)")
            .unwrap();
        for (i, chunk) in chunks.iter().enumerate() {
            let mut text = String::with_capacity(chunk.len() * 6);
            for c in *chunk {
                text.push('#');
                text.push(*c);
                text.push('#');
            }
            insert.execute(params![i as i64, text]).unwrap();
        }
    }
    // "#x#" for each ASCII x; first the chunks that hold a match, then
    // each character of those chunks on its own.
    let queries: Vec<(char, String)> = (1u8..0x80)
        .map(char::from)
        .map(|ascii| {
            (
                ascii,
                format!(
                    "\"#{}#\"",
                    if ascii == '"' {
                        "\"\"".to_string()
                    } else {
                        ascii.to_string()
                    }
                ),
            )
        })
        .collect();
    let mut candidate_chunks: Vec<i64> = Vec::new();
    for (_, query) in &queries {
        let mut statement = conn
            .prepare_cached("SELECT rowid FROM chunks WHERE chunks MATCH ?1")
            .unwrap();
        candidate_chunks.extend(
            statement
                .query_map([query], |r| r.get::<_, i64>(0))
                .unwrap()
                .map(Result::unwrap),
        );
    }
    candidate_chunks.sort_unstable();
    candidate_chunks.dedup();
    assert!(
        candidate_chunks.len() < 20,
        "few chunks hold characters that fold to ASCII"
    );
    {
        let mut insert = conn
            .prepare("INSERT INTO singles (rowid, text) VALUES (?1, ?2)")
            .unwrap();
        for id in &candidate_chunks {
            for c in chunks[*id as usize] {
                insert
                    .execute(params![*c as i64, format!("#{c}#")])
                    .unwrap();
            }
        }
    }
    let mut ours: std::collections::HashMap<char, Vec<u32>> = std::collections::HashMap::new();
    for c in &scalars {
        let folded = fold_char(*c);
        if folded.is_ascii() {
            ours.entry(folded).or_default().push(*c as u32);
        }
    }
    let mut mismatches = Vec::new();
    for (ascii, query) in &queries {
        let sqlite: Vec<u32> = conn
            .prepare_cached("SELECT rowid FROM singles WHERE singles MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([query], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|id| id.unwrap() as u32)
            .collect();
        let ours = ours.get(&fold_char(*ascii)).cloned().unwrap_or_default();
        if sqlite != ours {
            mismatches.push(format!(
                "{ascii:?}: SQLite {sqlite:x?}, fold_char {ours:x?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "characters folding to ASCII differ:\n{}",
        mismatches.join("\n")
    );
}
