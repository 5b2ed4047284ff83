//! Two-factor sign-in's codes (SPEC §11): TOTP of RFC 6238 (SHA-1, 6
//! digits, 30-second steps, one step of drift either way) by `totp-rs`, and
//! single-use recovery codes. Which step a code belongs to is returned, so
//! the caller can refuse a step that was used before (`db::two_factor`).

use rand::RngExt;
use totp_rs::{Builder, Secret, Totp};

/// The half-way login's cookie: a random token, signed; the database keeps
/// only its hash.
pub const HALFWAY_COOKIE: &str = "motodex_halfway";

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;

/// Shown in authenticator apps beside the account's name.
const ISSUER: &str = "motodex";

/// A new secret of 160 random bits (RFC 4226's recommendation), as base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    Secret::new(Box::new(bytes)).to_base32()
}

/// The generator for a stored secret; `None` for one that is not base32.
fn totp(secret: &str, username: &str) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_secret(bytes)
        .with_account_name(username)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The 30-second step the six-digit `code` is right for at `now` (this
/// step, the one before or the one after), if any.
pub fn matching_step(secret: &str, code: &str, now: i64) -> Option<i64> {
    let now = u64::try_from(now).ok()?;
    let step = totp(secret, "")?.check(code, now)?;
    i64::try_from(step).ok()
}

/// The code of `secret` at `at` (seconds since the epoch).
pub fn code_at(secret: &str, at: u64) -> Option<String> {
    Some(totp(secret, "")?.generate(at).to_string())
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &str, username: &str) -> Option<String> {
    totp(secret, username)?.to_url().ok()
}

/// The secret in groups of four, easier to type into an app.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ten new recovery codes, each ten letters and digits (50 bits), shown as
/// `abcde-fghjk`; letters and digits that look alike are left out.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let letters: String = (0..10)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &letters[..5], &letters[5..])
        })
        .collect()
}

/// What was typed in the `code` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// Six digits from the app.
    Totp(String),
    /// A recovery code, as it is hashed (lowercase, no dash or spaces).
    Recovery(String),
}

/// Reads a typed code; `None` when it is neither six digits nor a recovery
/// code's shape. Spaces and dashes are ignored.
pub fn read_code(typed: &str) -> Option<Code> {
    let plain: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if plain.len() == 6 && plain.bytes().all(|b| b.is_ascii_digit()) {
        Some(Code::Totp(plain))
    } else if plain.len() == 10 && plain.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Some(Code::Recovery(plain))
    } else {
        None
    }
}

/// A recovery code as it is hashed (see [`Code::Recovery`]).
pub fn recovery_form(code: &str) -> String {
    code.replace('-', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret, "12345678901234567890".
    fn rfc_secret() -> String {
        Secret::new(Box::from(*b"12345678901234567890")).to_base32()
    }

    #[test]
    fn codes_match_rfc_6238s_published_sha1_test_vectors() {
        // The published codes have 8 digits; a 6-digit code is the same
        // number modulo 10^6, its last six digits.
        for (time, published) in [
            (59u64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(
                code_at(&rfc_secret(), time).as_deref(),
                Some(&published[2..]),
                "T = {time}"
            );
        }
    }

    #[test]
    fn a_code_is_right_for_one_step_of_drift_either_way_and_no_more() {
        let secret = new_secret();
        let now = 1_700_000_015;
        let step = now / 30;
        for (at, expected) in [
            (now, Some(step)),
            (now - 30, Some(step - 1)),
            (now + 30, Some(step + 1)),
        ] {
            let code = code_at(&secret, at as u64).unwrap();
            assert_eq!(matching_step(&secret, &code, now), expected, "{at}");
        }
        let near: Vec<String> = [now - 30, now, now + 30]
            .iter()
            .map(|&at| code_at(&secret, at as u64).unwrap())
            .collect();
        for far in [now - 60, now + 60] {
            let code = code_at(&secret, far as u64).unwrap();
            // Unless a code two steps away equals a near one by chance.
            if !near.contains(&code) {
                assert_eq!(matching_step(&secret, &code, now), None, "{far}");
            }
        }
    }

    #[test]
    fn the_otpauth_address_names_the_account_and_uses_sha1_6_digits_30_seconds() {
        let secret = new_secret();
        let uri = otpauth_uri(&secret, "teacher").unwrap();
        assert!(uri.starts_with("otpauth://totp/motodex:teacher?"), "{uri}");
        assert!(uri.contains(&format!("secret={secret}")), "{uri}");
        assert!(!uri.contains("algorithm=SHA256") && !uri.contains("digits=8"));
    }

    #[test]
    fn typed_codes_are_read_as_six_digits_or_a_recovery_code() {
        assert_eq!(read_code(" 123 456 "), Some(Code::Totp("123456".into())));
        assert_eq!(
            read_code("ABCDE-fghjk"),
            Some(Code::Recovery("abcdefghjk".into()))
        );
        assert_eq!(read_code("12345"), None);
        assert_eq!(read_code("12345a"), None);
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        for code in &codes {
            assert_eq!(
                read_code(code),
                Some(Code::Recovery(recovery_form(code))),
                "{code}"
            );
        }
    }
}
