//! How usernames and maker names are compared (SPEC §6, issue 18 item 3).
//!
//! Two names are *the same* when their [`key`]s are equal: NFKC
//! normalisation and full Unicode case folding, so `ａdmin` (fullwidth) is
//! `admin`, and `ΣΊΣΥΦΟΣ` is `σίσυφος`. Two names *look the same* when their
//! [`skeleton`]s are equal: the confusables skeleton of Unicode's UTS #39,
//! so `аdmin` (with a Cyrillic а) or `admın` (dotless ı) looks like
//! `admin`. Invisible characters (default-ignorable code points such as the
//! Hangul filler U+3164, bidirectional controls, other format and control
//! characters) are refused outright by [`invisible`].

use icu_casemap::CaseMapper;
use icu_properties::props::{
    BidiControl, DefaultIgnorableCodePoint, GeneralCategory, GeneralCategoryGroup,
};
use icu_properties::{CodePointMapData, CodePointSetData};
use unicode_normalization::UnicodeNormalization;
use unicode_security::MixedScript;

/// The key two names are the same under: NFKC(fold(NFKC(name))), the
/// caseless identifier match of Unicode (§3.13), trimmed.
pub fn key(name: &str) -> String {
    let normalised: String = name.trim().nfkc().collect();
    CaseMapper::new().fold_string(&normalised).nfkc().collect()
}

/// The key two names look the same under: the UTS #39 skeleton of the
/// name's [`key`].
pub fn skeleton(name: &str) -> String {
    unicode_security::skeleton(&key(name)).collect()
}

/// The first character of `name` that cannot be seen (or reorders what can),
/// if any.
pub fn invisible(name: &str) -> Option<char> {
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let bidi = CodePointSetData::new::<BidiControl>();
    name.chars().find(|&c| {
        ignorable.contains(c)
            || bidi.contains(c)
            || c.is_control()
            // Braille's blank pattern is a visible-width nothing that is not
            // default-ignorable.
            || c == '\u{2800}'
    })
}

/// The sentence refusing a name with an invisible character: `what` is
/// "username" or "maker name".
pub fn invisible_message(what: &str, c: char) -> String {
    format!(
        "A {what} cannot contain invisible characters (this one has U+{:04X}).",
        u32::from(c)
    )
}

/// Whether `c` is a combining mark (the accent of a decomposed `é`, a
/// Devanagari vowel sign): part of the letter before it.
pub fn is_mark(c: char) -> bool {
    GeneralCategoryGroup::Mark.contains(CodePointMapData::<GeneralCategory>::new().get(c))
}

/// `name` in Unicode's canonical composed form (NFC), as it is stored: a
/// name typed on a keyboard that sends `e` + accent is kept as `é`.
pub fn composed(name: &str) -> String {
    name.nfc().collect()
}

/// Whether the letters of `name` all come from one script (Japanese's
/// mix of kana and kanji counts as one, as UTS #39 has it).
pub fn single_script(name: &str) -> bool {
    name.is_single_script()
}

/// The existing name a new one clashes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clash {
    /// The same name under [`key`] (another case or character form).
    Same(String),
    /// A different name that looks the same (equal [`skeleton`]s).
    LooksAlike(String),
}

impl Clash {
    /// The sentence refusing `typed` when it looks like an existing name
    /// (the same name is refused in each page's own words).
    pub fn looks_alike_message(existing: &str, typed: &str) -> String {
        format!(
            "“{}” looks the same as an existing name, “{existing}”: choose one that looks different.",
            typed.trim()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_and_case_are_the_same_name() {
        assert_eq!(key("ａdmin"), "admin");
        assert_eq!(key(" Admin "), "admin");
        assert_eq!(key("admin²"), "admin2");
        assert_eq!(key("Émile"), key("émile"));
        assert_eq!(key("E\u{301}mile"), key("Émile"), "decomposed é");
        assert_eq!(key("ΣΊΣΥΦΟΣ"), key("σίσυφος"));
        assert_eq!(key("Straße"), key("STRASSE"), "full folding: ß is ss");
        assert_eq!(key("ÑANDÚ"), key("ñandú"));
        assert_ne!(key("Emile"), key("Émile"));
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        assert_eq!(skeleton("\u{430}dmin"), skeleton("admin"), "Cyrillic а");
        assert_eq!(skeleton("adm\u{131}n"), skeleton("admin"), "dotless ı");
        assert_eq!(skeleton("ADMIN"), skeleton("admin"));
        assert_ne!(skeleton("admin"), skeleton("adwin"));
    }

    #[test]
    fn invisible_characters_are_found() {
        assert_eq!(invisible("admin\u{3164}"), Some('\u{3164}'));
        assert_eq!(invisible("ad\u{200b}min"), Some('\u{200b}'));
        assert_eq!(invisible("admin\u{202e}"), Some('\u{202e}'));
        assert_eq!(invisible("ad\u{ad}min"), Some('\u{ad}'), "soft hyphen");
        assert_eq!(invisible("émile.ñandú-σίσυφος"), None);
    }

    #[test]
    fn mixed_scripts_are_told_apart_from_one_script() {
        assert!(single_script("admin_2"));
        assert!(single_script("σίσυφος"));
        assert!(single_script("やまだ太郎"));
        assert!(!single_script("\u{430}dmin"));
    }
}
