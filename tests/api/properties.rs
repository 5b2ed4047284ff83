//! Property tests for every parser and validator: none panics, each accepts
//! exactly what SPEC §5 allows, and a redirect target is always local.

use cookie::Key;
use motodex::auth::password;
use motodex::auth::session::SESSION;
use motodex::cookies::CookieSettings;
use motodex::domain::{Engine, Id, ImageUrl, MakerName, Model, NextPath, Username, Year, names};
use motodex::forms::Fields;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Cases that once failed are kept next to this file, in
/// `properties.proptest-regressions`, and tried first on every run. (By
/// default proptest would look for them in `tests/proptest-regressions/`,
/// since this folder has a `main.rs`.)
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn form_decoding_never_panics(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Fields::parse(&input);
    }

    #[test]
    fn form_decoding_returns_what_was_encoded(pairs in proptest::collection::vec(("[a-z_]{1,12}", "\\PC{0,40}"), 0..20)) {
        let body = pairs.iter().map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v))).collect::<Vec<_>>().join("&");
        let fields = Fields::parse(body.as_bytes()).unwrap();
        for (name, value) in &pairs {
            prop_assert!(fields.first(name).is_some());
            if pairs.iter().filter(|(n, _)| n == name).count() == 1 {
                prop_assert_eq!(fields.required(name).unwrap(), value.as_str());
            } else {
                prop_assert!(fields.optional(name).is_err(), "duplicates are refused");
            }
        }
    }

    #[test]
    fn control_characters_other_than_whitespace_are_refused(prefix in "[a-z]{0,5}", c in any::<char>().prop_filter("control", |c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))) {
        let body = format!("model={}", percent_encode(&format!("{prefix}{c}")));
        prop_assert!(Fields::parse(body.as_bytes()).is_err());
    }

    #[test]
    fn ids_are_exactly_positive_decimal_numbers(s in "\\PC{0,24}|[0-9]{1,21}|-[0-9]{1,5}") {
        let expected = !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<i64>().map(|n| n > 0).unwrap_or(false);
        prop_assert_eq!(s.parse::<Id>().is_ok(), expected);
        if let Ok(id) = s.parse::<Id>() {
            prop_assert_eq!(id.0, s.parse::<i64>().unwrap());
        }
    }

    #[test]
    fn years_are_exactly_whole_numbers_from_1885_to_next_year(s in "\\PC{0,8}|[0-9]{1,5}|[ ]?[0-9]{4}[ ]?", current in 2000i64..2100) {
        let trimmed = s.trim();
        let expected = !trimmed.is_empty() && trimmed.len() <= 4 && trimmed.bytes().all(|b| b.is_ascii_digit())
            && trimmed.parse::<i64>().map(|y| (1885..=current + 1).contains(&y)).unwrap_or(false);
        prop_assert_eq!(Year::parse(&s, current).is_ok(), expected);
    }

    #[test]
    fn text_fields_are_trimmed_and_length_limited(s in "\\PC{0,120}") {
        let n = s.trim().chars().count();
        prop_assert_eq!(Model::parse(&s).is_ok(), (1..=100).contains(&n));
        prop_assert_eq!(Engine::parse(&s).is_ok(), (1..=50).contains(&n));
        let visible = names::invisible(s.trim()).is_none();
        prop_assert_eq!(MakerName::parse(&s).is_ok(), (1..=60).contains(&n) && visible);
        if let Ok(model) = Model::parse(&s) {
            prop_assert_eq!(model.as_str(), s.trim());
        }
    }

    #[test]
    fn image_urls_are_empty_web_addresses_or_local_paths(s in "\\PC{0,60}|(https?:|/|//|javascript:)[^ ]{0,40}") {
        if let Ok(url) = ImageUrl::parse(&s) {
            let u = url.as_str();
            let lower = u.to_ascii_lowercase();
            prop_assert!(u.is_empty() || lower.starts_with("http://") || lower.starts_with("https://")
                || (u.starts_with('/') && !u.starts_with("//") && !u.starts_with("/\\")), "{u:?}");
            prop_assert!(!u.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<'));
            prop_assert!(u.chars().count() <= 500);
        }
    }

    #[test]
    fn usernames_are_exactly_1_to_40_allowed_characters(s in "\\PC{0,45}|[A-Za-z0-9._-]{0,45}") {
        // Checked in composed form (NFC): letters (with their combining
        // marks), digits, `.`, `_`, `-`; nothing invisible; one script.
        let t = names::composed(s.trim());
        let n = t.chars().count();
        let expected = (1..=40).contains(&n)
            && names::invisible(&t).is_none()
            && t.chars().all(|c| c.is_alphanumeric() || names::is_mark(c) || matches!(c, '.' | '_' | '-'))
            && names::single_script(&t);
        prop_assert_eq!(Username::parse(&s).is_ok(), expected);
    }

    #[test]
    fn a_redirect_target_is_always_a_local_path(s in "\\PC{0,40}|/[/\\\\]?\\PC{0,20}|[a-z]+:\\PC{0,20}|/%[0-9a-fA-F]{2}\\PC{0,10}") {
        let next = NextPath::or_default(Some(&s));
        let target = next.as_str();
        prop_assert!(target.starts_with('/'));
        prop_assert!(!target.starts_with("//") && !target.contains('\\'));
        prop_assert!(target.bytes().all(|b| b.is_ascii_graphic()));
        for window in target.as_bytes().windows(3).filter(|w| w[0] == b'%') {
            if let Some(byte) = std::str::from_utf8(&window[1..]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                prop_assert!(byte >= 0x20 && byte != 0x7f && byte != b'/' && byte != b'\\', "{target:?} hides {byte:#x}");
            }
        }
    }

    #[test]
    fn cookie_values_never_panic_and_forgeries_never_verify(header in "\\PC{0,200}", value in "[ -~]{0,80}") {
        let settings = CookieSettings { key: Key::derive_from(&[3u8; 32]), secure: false };
        let _ = settings.read(Some(&header), SESSION);
        let forged = format!("{SESSION}={value}");
        prop_assert_eq!(settings.read(Some(&forged), SESSION), None);
    }

    #[test]
    fn the_werkzeug_parser_never_panics_and_verify_rejects_garbage(s in "\\PC{0,80}|(pbkdf2:sha256|scrypt):[0-9:]{0,12}\\$[a-z]{0,8}\\$[0-9a-f]{0,20}") {
        let _ = password::parse_werkzeug(&s);
        prop_assert_eq!(password::verify(&s, "anything"), password::Verdict::Wrong);
    }
}
