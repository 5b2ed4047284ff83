//! The OWASP guard against spreadsheet formulas ("CSV injection"): a cell
//! that starts with `=`, `+`, `-`, `@`, tab or carriage return is run by
//! Excel or LibreOffice as a formula, so the export writes it with a `'`
//! in front, which spreadsheets read as "this is text".
//!
//! The import takes that `'` off again, so an exported file imported
//! unchanged changes nothing. To keep the two exact inverses, a value that
//! already starts with apostrophes before such a character (`'=x`) gets one
//! more on export (`''=x`) and loses one on import: [`unguard`] of
//! [`guard`] is the value itself for every text.

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True when `value`, after any leading apostrophes, starts with a formula
/// character.
fn starts_like_formula(value: &str) -> bool {
    value
        .trim_start_matches('\'')
        .starts_with(|c| TRIGGERS.contains(&c))
}

/// The cell to write for `value`.
pub fn guard(value: &str) -> std::borrow::Cow<'_, str> {
    if starts_like_formula(value) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// The value a guarded cell stands for.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_like_formula(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_characters_get_an_apostrophe_and_lose_it_again() {
        for (value, cell) in [
            ("=1+1", "'=1+1"),
            ("+44 20", "'+44 20"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("MT-07", "MT-07"),
            ("'quoted'", "'quoted'"),
            ("", ""),
            ("'", "'"),
        ] {
            assert_eq!(guard(value), cell, "{value:?}");
            assert_eq!(unguard(cell), value, "{cell:?}");
        }
    }

    #[test]
    fn unguard_undoes_guard_for_any_text() {
        let pieces = ["'", "=", "-", "a", " ", "\t", "é", "''", "@"];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let value = format!("{a}{b}{c}");
                    assert_eq!(unguard(&guard(&value)), value, "{value:?}");
                }
            }
        }
    }
}
