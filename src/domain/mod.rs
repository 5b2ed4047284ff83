//! Validated values. Input is parsed into these types once, at the edge;
//! everything past a handler can rely on them. Each `parse` returns the
//! sentence shown beside the form field when the value is refused.

pub mod activity;
pub mod names;
pub mod records;
pub mod roles;
pub mod site;

use std::fmt;
use std::str::FromStr;

/// A row id taken from a URL: decimal digits only, 1 ..= i64::MAX. Anything
/// else (`-1`, `1.5`, `0x10`, 20 digits) is simply not a page: 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Id(pub i64);

impl FromStr for Id {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        match s.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Id(n)),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn trimmed_length(value: &str, field: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    let len = value.chars().count();
    if len == 0 {
        Err(format!("Enter the {field}."))
    } else if len > max {
        Err(format!(
            "The {field} can be at most {max} characters (this one has {len})."
        ))
    } else {
        Ok(value.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model(String);
impl Model {
    pub fn parse(value: &str) -> Result<Model, String> {
        trimmed_length(value, "model", 100).map(Model)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine(String);
impl Engine {
    pub fn parse(value: &str) -> Result<Engine, String> {
        trimmed_length(value, "engine", 50).map(Engine)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakerName(String);
impl MakerName {
    pub fn parse(value: &str) -> Result<MakerName, String> {
        if let Some(c) = names::invisible(value.trim()) {
            return Err(names::invisible_message("maker name", c));
        }
        trimmed_length(value, "maker name", 60).map(MakerName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The first motorbike (Daimler Reitwagen) is from 1885; next year's models
/// are already announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year(i64);
impl Year {
    pub const FIRST: i64 = 1885;

    pub fn parse(value: &str, current_year: i64) -> Result<Year, String> {
        let value = value.trim();
        let last = current_year + 1;
        let message = || format!("Enter a year from {} to {last}, in digits.", Year::FIRST);
        if value.is_empty() || value.len() > 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(message());
        }
        match value.parse::<i64>() {
            Ok(year) if (Year::FIRST..=last).contains(&year) => Ok(Year(year)),
            _ => Err(message()),
        }
    }
    pub fn value(self) -> i64 {
        self.0
    }
}

/// The current calendar year (UTC), for the upper bound of [`Year`].
pub fn current_year() -> i64 {
    time::OffsetDateTime::now_utc().year() as i64
}

/// Empty, an http(s) URL, or a local path starting with exactly one `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUrl(String);
impl ImageUrl {
    pub fn parse(value: &str) -> Result<ImageUrl, String> {
        let value = value.trim();
        if value.chars().count() > 500 {
            return Err("The image address can be at most 500 characters.".into());
        }
        let lower = value.to_ascii_lowercase();
        let web = ["http://", "https://"]
            .iter()
            .any(|scheme| lower.starts_with(scheme) && value.len() > scheme.len());
        let local = value.starts_with('/') && !value.starts_with("//") && !value.starts_with("/\\");
        let plain = !value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
        if value.is_empty() || ((web || local) && plain) {
            Ok(ImageUrl(value.to_string()))
        } else {
            Err("Enter an address starting with http:// or https://, a path starting with /, or leave it empty.".into())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 1–40 of letters, digits, `.`, `_`, `-`, nothing invisible, and the
/// letters of one script (so no Latin name can hide a Cyrillic letter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);
impl Username {
    pub fn parse(value: &str) -> Result<Username, String> {
        let composed = names::composed(value.trim());
        let value = composed.as_str();
        let len = value.chars().count();
        if len == 0 {
            return Err("Enter a username.".into());
        }
        if len > 40 {
            return Err("A username can be at most 40 characters.".into());
        }
        if let Some(c) = names::invisible(value) {
            return Err(names::invisible_message("username", c));
        }
        if !value
            .chars()
            .all(|c| c.is_alphanumeric() || names::is_mark(c) || matches!(c, '.' | '_' | '-'))
        {
            return Err(
                "A username can only use letters, digits, dots, underscores and hyphens.".into(),
            );
        }
        if !names::single_script(value) {
            return Err(
                "A username cannot mix letters of different scripts (such as Latin and Cyrillic)."
                    .into(),
            );
        }
        Ok(Username(value.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where to go after logging in: a path on this site and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPath(String);
impl NextPath {
    pub const DEFAULT: &'static str = "/admin";

    /// Accepts `/path?query` made of printable ASCII; refuses anything a
    /// browser could read as another host (`//x`, `/\x`), schemes, control
    /// characters, and encoded slashes or backslashes that a later decode
    /// could turn into those.
    pub fn parse(value: &str) -> Option<NextPath> {
        let bytes = value.as_bytes();
        let local = bytes.first() == Some(&b'/')
            && !matches!(bytes.get(1), Some(b'/' | b'\\'))
            && value.len() <= 2000
            && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\');
        let encoded_trick = bytes.windows(3).any(|w| {
            w[0] == b'%'
                && std::str::from_utf8(&w[1..])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .is_some_and(|b| b < 0x20 || b == 0x7f || b == b'/' || b == b'\\')
        });
        (local && !encoded_trick).then(|| NextPath(value.to_string()))
    }

    pub fn or_default(value: Option<&str>) -> NextPath {
        value
            .and_then(NextPath::parse)
            .unwrap_or_else(|| NextPath(Self::DEFAULT.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_decimal_numbers_only() {
        assert_eq!("42".parse::<Id>(), Ok(Id(42)));
        for bad in [
            "0",
            "-1",
            "1.5",
            "0x10",
            "+1",
            "",
            "99999999999999999999",
            "9223372036854775808",
            " 1",
        ] {
            assert!(bad.parse::<Id>().is_err(), "{bad}");
        }
        assert_eq!("9223372036854775807".parse::<Id>(), Ok(Id(i64::MAX)));
    }

    #[test]
    fn years_run_from_1885_to_next_year() {
        assert!(Year::parse("1885", 2026).is_ok());
        assert!(Year::parse("2027", 2026).is_ok());
        for bad in ["1884", "2028", "abc", "2e3", "", "20.5", "-2000", "99999"] {
            assert!(Year::parse(bad, 2026).is_err(), "{bad}");
        }
    }

    #[test]
    fn model_is_trimmed_and_limited_to_100_characters() {
        assert_eq!(Model::parse("  MT-07 ").unwrap().as_str(), "MT-07");
        assert!(Model::parse("   ").is_err());
        assert!(Model::parse(&"é".repeat(100)).is_ok());
        assert!(Model::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn image_urls_are_web_addresses_or_local_paths() {
        for good in [
            "",
            "https://example.com/a.jpg",
            "http://x.org/b.png",
            "/static/placeholder.svg",
            "/images/3",
        ] {
            assert!(ImageUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "//evil.com/x.png",
            "/\\evil.com",
            "ftp://x",
            "data:image/png;base64,AA",
            "https://",
            "x.png",
            "https://a b",
        ] {
            assert!(ImageUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(ImageUrl::parse(&format!("https://e.com/{}", "a".repeat(490))).is_err());
    }

    #[test]
    fn usernames_use_letters_digits_dots_underscores_and_hyphens() {
        assert!(Username::parse("ms.smith_2-b").is_ok());
        for bad in ["", "a b", "x@y", "<script>", &"a".repeat(41)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_accepts_only_local_paths() {
        assert_eq!(
            NextPath::parse("/admin/edit/3?x=1").unwrap().as_str(),
            "/admin/edit/3?x=1"
        );
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "https:evil.com",
            "https://evil.com",
            "evil.com",
            "/%2f%2fevil.com",
            "/%5cevil.com",
            "/\tevil",
            "/a\nb",
            "/%0d%0aLocation:x",
            "",
            "javascript:alert(1)",
            "/ /evil",
        ] {
            assert!(NextPath::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(NextPath::or_default(Some("//evil.com")).as_str(), "/admin");
    }
}
