//! Cross-site request forgery defence: every POST form carries a token tied
//! to the visitor (the session's, or before login a signed cookie's), and a
//! request announcing another origin is refused outright.

use http::HeaderMap;
use rand::RngExt;
use subtle::ConstantTimeEq;

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// Constant-time comparison; an empty expected token never matches.
pub fn tokens_match(expected: &str, sent: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// True when the request comes from this site's own pages: `Origin` (or,
/// without it, `Referer`) must name the host the request was sent to.
/// `Origin: null` (sandboxed frames, some redirects) is refused. A request
/// with neither header (old browsers, curl) is left to the token check.
///
/// Only the host and port are compared, not the scheme: one host and port
/// speak one protocol, and behind a reverse proxy that adds HTTPS the page's
/// origin is `https://` while motodex itself is reached over plain HTTP.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let origin_matches = |value: &str| {
        ["https://", "http://"]
            .iter()
            .find_map(|scheme| value.strip_prefix(scheme))
            .is_some_and(|rest| rest.split('/').next() == Some(host))
    };
    if let Some(origin) = headers.get(http::header::ORIGIN) {
        return origin.to_str().map(origin_matches).unwrap_or(false);
    }
    if let Some(referer) = headers.get(http::header::REFERER) {
        return referer.to_str().map(origin_matches).unwrap_or(false);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_sites_own_origin_is_accepted() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:5000"),
            ("origin", "http://127.0.0.1:5000")
        ])));
        assert!(same_origin(&headers(&[
            ("host", "a:1"),
            ("referer", "http://a:1/admin/add")
        ])));
        assert!(same_origin(&headers(&[("host", "a:1")])));
    }

    #[test]
    fn an_https_page_in_front_of_plain_http_motodex_is_the_same_site() {
        assert!(same_origin(&headers(&[
            ("host", "bikes.school.example"),
            ("origin", "https://bikes.school.example")
        ])));
    }

    #[test]
    fn other_origins_and_null_are_refused() {
        for origin in [
            "http://evil.com",
            "null",
            "http://127.0.0.1:5000.evil.com",
            "ftp://127.0.0.1:5000",
        ] {
            assert!(
                !same_origin(&headers(&[("host", "127.0.0.1:5000"), ("origin", origin)])),
                "{origin}"
            );
        }
        assert!(!same_origin(&headers(&[
            ("host", "a:1"),
            ("referer", "http://evil.com/a:1")
        ])));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("", ""));
    }
}
