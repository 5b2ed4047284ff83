//! Strict decoding of `application/x-www-form-urlencoded` bodies and query
//! strings. Unlike lossy decoders it refuses what a browser never sends
//! (invalid UTF-8, NUL and other control characters) so such input is
//! answered with a clear 400 instead of being stored.

use std::borrow::Cow;

/// Enough for every form motodex has, with room to spare.
const MAX_FIELDS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    #[error("The request is not valid UTF-8 text.")]
    Encoding,
    #[error("The field “{0}” contains a control character such as NUL.")]
    ControlCharacter(String),
    #[error("The field “{0}” was sent more than once.")]
    Duplicate(String),
    #[error("The field “{0}” is missing.")]
    Missing(String),
    #[error("The form has too many fields.")]
    TooManyFields,
    #[error("The form must be sent as {0}.")]
    ContentType(&'static str),
    #[error("The form could not be read completely.")]
    Multipart,
}

/// A form that may carry an uploaded photo (`multipart/form-data`): its
/// text fields, and the bytes of the file field `image` when a file was chosen.
#[derive(Debug, Default)]
pub struct PhotoForm {
    pub fields: Fields,
    pub image: Option<bytes::Bytes>,
    /// The chosen file's name as the browser sent it, when there was one.
    pub image_name: Option<String>,
}

/// A form with one uploaded file (`multipart/form-data`), such as a
/// spreadsheet to import: its text fields, and the file's name and bytes
/// when one was chosen.
#[derive(Debug, Default)]
pub struct FileForm {
    pub fields: Fields,
    pub file: Option<bytes::Bytes>,
    pub file_name: Option<String>,
}

/// A form with one uploaded file, written to a temporary file as it
/// arrives (never held in memory) and deleted when this is dropped.
#[derive(Debug, Default)]
pub struct SpooledFile {
    pub fields: Fields,
    /// `None` when no file was chosen.
    pub file: Option<tempfile::TempPath>,
}

/// Decoded name/value pairs in the order they were sent.
#[derive(Debug, Default, Clone)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(input: &[u8]) -> Result<Fields, BadRequest> {
        Fields::parse_lenient(input, &[])
    }

    /// As [`Fields::parse`], except that a field named in `lenient` whose
    /// value cannot be decoded is left out instead of refusing the whole
    /// input: for values the page ignores when malformed (SPEC §4).
    pub fn parse_lenient(input: &[u8], lenient: &[&str]) -> Result<Fields, BadRequest> {
        let mut fields = Vec::new();
        for pair in input.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            if fields.len() == MAX_FIELDS {
                return Err(BadRequest::TooManyFields);
            }
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let name = decode(name)?;
            let value = match decode(value) {
                Ok(value) if !has_forbidden_control(&value) => value,
                _ if lenient.contains(&name.as_str()) => continue,
                Ok(_) => return Err(BadRequest::ControlCharacter(name)),
                Err(err) => return Err(err),
            };
            if has_forbidden_control(&name) {
                return Err(BadRequest::ControlCharacter(name));
            }
            fields.push((name, value));
        }
        Ok(Fields(fields))
    }

    pub fn push(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), BadRequest> {
        if self.0.len() == MAX_FIELDS {
            return Err(BadRequest::TooManyFields);
        }
        let (name, value) = (name.into(), value.into());
        if has_forbidden_control(&name) || has_forbidden_control(&value) {
            return Err(BadRequest::ControlCharacter(name));
        }
        self.0.push((name, value));
        Ok(())
    }

    /// The value of a field that may be absent; sending it twice is an error,
    /// so `maker_id=1&maker_id=2` can never be read two ways.
    pub fn optional(&self, name: &str) -> Result<Option<&str>, BadRequest> {
        let mut values = self.0.iter().filter(|(n, _)| n == name);
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            return Err(BadRequest::Duplicate(name.to_string()));
        }
        Ok(first)
    }

    pub fn required(&self, name: &str) -> Result<&str, BadRequest> {
        self.optional(name)?
            .ok_or_else(|| BadRequest::Missing(name.to_string()))
    }

    /// For query strings, where a repeated parameter is not worth an error
    /// page: the first value wins.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn decode(raw: &[u8]) -> Result<String, BadRequest> {
    let plus_as_space: Cow<[u8]> = if raw.contains(&b'+') {
        Cow::Owned(
            raw.iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect(),
        )
    } else {
        Cow::Borrowed(raw)
    };
    let bytes: Vec<u8> = percent_decode(&plus_as_space);
    String::from_utf8(bytes).map_err(|_| BadRequest::Encoding)
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && i + 2 < input.len()
            && let (Some(h), Some(l)) = (hex_value(input[i + 1]), hex_value(input[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Tabs and line breaks are legitimate in text; every other control
/// character (NUL above all) is not something a person typed.
fn has_forbidden_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_and_percent_escapes_decode() {
        let f = Fields::parse(b"model=Street+Triple%20RS&year=2023").unwrap();
        assert_eq!(f.required("model").unwrap(), "Street Triple RS");
        assert_eq!(f.required("year").unwrap(), "2023");
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert_eq!(
            Fields::parse(b"model=%FF%FE").unwrap_err(),
            BadRequest::Encoding
        );
    }

    #[test]
    fn nul_bytes_are_refused() {
        assert!(matches!(
            Fields::parse(b"model=a%00b"),
            Err(BadRequest::ControlCharacter(_))
        ));
    }

    #[test]
    fn duplicate_fields_are_refused_when_read() {
        let f = Fields::parse(b"maker_id=1&maker_id=2").unwrap();
        assert_eq!(
            f.optional("maker_id").unwrap_err(),
            BadRequest::Duplicate("maker_id".into())
        );
        assert_eq!(f.first("maker_id"), Some("1"));
    }

    #[test]
    fn a_truncated_escape_is_kept_literally() {
        let f = Fields::parse(b"q=100%&r=%4").unwrap();
        assert_eq!(f.required("q").unwrap(), "100%");
        assert_eq!(f.required("r").unwrap(), "%4");
    }

    #[test]
    fn too_many_fields_are_refused() {
        let body = "a=1&".repeat(MAX_FIELDS + 1);
        assert_eq!(
            Fields::parse(body.as_bytes()).unwrap_err(),
            BadRequest::TooManyFields
        );
    }
}
