//! Case folding for search, in Rust and as SQL's `motodex_contains`.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

/// Folds one character for case-insensitive comparison: its lowercase
/// form, one character for one, so text keeps its length. Characters whose
/// lowercase is several characters (only `İ`, "i" + a combining dot) stay
/// themselves; long s `ſ` and final sigma `ς` fold like `s` and `σ`, as
/// Unicode case folding (and SQLite's trigram index) has them.
pub fn fold_char(c: char) -> char {
    match c {
        _ if c.is_ascii() => c.to_ascii_lowercase(),
        'ſ' => 's',
        'ς' => 'σ',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(single), None) => single,
                _ => c,
            }
        }
    }
}

/// `text` with every character folded (see [`fold_char`]).
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Whether `haystack`, folded, contains `needle`, which must be folded already.
pub fn contains_folded(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() {
        // An ASCII character folds to an ASCII one, so a needle with any
        // other character cannot match.
        let needle = needle.as_bytes();
        return needle.is_ascii()
            && haystack.as_bytes().windows(needle.len()).any(|window| {
                window
                    .iter()
                    .zip(needle)
                    .all(|(h, n)| h.to_ascii_lowercase() == *n)
            });
    }
    let haystack: Vec<char> = haystack.chars().map(fold_char).collect();
    let needle: Vec<char> = needle.chars().collect();
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_slice())
}

/// Registers `motodex_contains(haystack, needle)`, SQL's view of
/// [`contains_folded`] (the needle is folded once per statement). NULL
/// never matches; numbers are compared as their text.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "motodex_contains",
        2,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let needle = ctx.get_or_create_aux(1, |value| -> Result<String, rusqlite::Error> {
                Ok(value_text(value)
                    .map(|text| fold(&text))
                    .unwrap_or_default())
            })?;
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
                    Ok(text) => contains_folded(text, &needle),
                    Err(_) => contains_folded(&String::from_utf8_lossy(bytes), &needle),
                },
                ValueRef::Null => false,
                other => value_text(other).is_some_and(|text| contains_folded(&text, &needle)),
            })
        },
    )
}

/// A value as `motodex_contains` reads it: text, or a number as its text.
pub(super) fn value_text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
    }
}
