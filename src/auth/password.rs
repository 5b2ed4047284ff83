//! Password policy, hashing and verification for admin accounts.
//! New hashes are Argon2id PHC strings; hashes inherited from the Flask site (Werkzeug
//! `pbkdf2:sha256` and `scrypt`) still verify, and are flagged for re-hashing at next login.

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use sha2::Sha256;
use zxcvbn::Score;

const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 128;

const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;

// Evaluated at compile time, so a bad constant fails the build instead of the first login.
const PARAMS: Params = match Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)) {
    Ok(params) => params,
    Err(_) => panic!("invalid Argon2 parameters"),
};

// Stored hashes choose their own cost, so a tampered row could otherwise make one login
// allocate gigabytes or spin for minutes. The caps leave ample room for stronger settings.
const MAX_ARGON2_M_COST_KIB: u32 = 256 * 1024;
const MAX_ARGON2_WORK_KIB: u64 = 1024 * 1024; // m_cost × t_cost
const MAX_ARGON2_P_COST: u32 = 16;

const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
const WERKZEUG_PBKDF2_LEN: usize = 32; // hashlib's default dklen for SHA-256
const WERKZEUG_SCRYPT_LEN: usize = 64; // hashlib.scrypt's default dklen
const MAX_SCRYPT_N: u64 = 1 << 20;
// Memory is 128·N·r bytes; time grows with N·r·p. Werkzeug's default (2^15, 8, 1) uses
// 32 MiB and 2^18 units, so these caps allow 8× its memory and 16× its time.
const MAX_SCRYPT_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
const MAX_SCRYPT_WORK: u64 = 1 << 22;

/// Checks the password policy of SPEC §5. Err carries one plain-English sentence for the user,
/// e.g. "Use at least 12 characters." / "Use at most 128 characters." /
/// "The password must not contain the username." / "This password is too easy to guess: <zxcvbn feedback warning or suggestion>."
pub fn check_policy(username: &str, password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!("Use at least {MIN_CHARS} characters."));
    }
    if chars > MAX_CHARS {
        return Err(format!("Use at most {MAX_CHARS} characters."));
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err("The password must not contain the username.".to_owned());
    }

    // Runs last because it is by far the slowest check; the length cap above bounds it.
    // Passing the username lets zxcvbn also catch it reversed or in l33t spelling.
    let user_inputs: &[&str] = if username.is_empty() {
        &[]
    } else {
        &[username]
    };
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if estimate.score() >= Score::Three {
        return Ok(());
    }
    let advice = estimate
        .feedback()
        .and_then(|feedback| {
            feedback
                .warning()
                .map(|warning| warning.to_string())
                .or_else(|| feedback.suggestions().first().map(ToString::to_string))
        })
        .unwrap_or_else(|| "Add another word or two.".to_owned());
    // zxcvbn's sentences end with a full stop; ours adds its own.
    let advice = advice.trim_end().trim_end_matches('.');
    Err(format!("This password is too easy to guess: {advice}."))
}

/// Argon2id, m=19456 KiB, t=2, p=1, PHC string ("$argon2id$v=19$m=19456,t=2,p=1$...").
pub fn hash(password: &str) -> String {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
        .hash_password(password.as_bytes())
        // Only the OS random generator can fail here; without it no salt is safe, and
        // carrying on would be worse than stopping.
        .expect("the OS random number generator failed while salting a password")
        .to_string()
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Right { needs_rehash: bool },
}

/// Verifies against an Argon2 PHC string, or a legacy Werkzeug hash:
/// `pbkdf2:sha256:ITERATIONS$SALT$HEX` (salt used as its UTF-8 bytes, key length = 32, hex lowercase) and
/// `scrypt:N:r:p$SALT$HEX` (Python hashlib.scrypt(password, salt=salt.encode(), n=N, r=r, p=p, dklen=64)).
/// Right{needs_rehash:true} for legacy hashes or argon2 params weaker than ours. Malformed/unknown stored strings → Wrong, never panic.
/// Comparison in constant time. Absurd parameters (which would let a crafted row hang or
/// exhaust the server) are Wrong.
pub fn verify(stored: &str, password: &str) -> Verdict {
    if stored.starts_with("$argon2") {
        return verify_argon2(stored, password);
    }
    let Some(legacy) = parse_werkzeug(stored) else {
        return Verdict::Wrong;
    };
    let matches = match legacy {
        Legacy::Pbkdf2Sha256 {
            iterations,
            salt,
            hash,
        } => {
            if iterations > MAX_PBKDF2_ITERATIONS {
                return Verdict::Wrong;
            }
            let mut computed = [0u8; WERKZEUG_PBKDF2_LEN];
            pbkdf2::pbkdf2_hmac::<Sha256>(
                password.as_bytes(),
                salt.as_bytes(),
                iterations,
                &mut computed,
            );
            constant_time_eq(&computed, &hash)
        }
        Legacy::Scrypt {
            n,
            r,
            p,
            salt,
            hash,
        } => {
            let (r64, p64) = (u64::from(r), u64::from(p));
            let memory = n.saturating_mul(128).saturating_mul(r64);
            let work = n.saturating_mul(r64).saturating_mul(p64);
            if n > MAX_SCRYPT_N || memory > MAX_SCRYPT_MEMORY_BYTES || work > MAX_SCRYPT_WORK {
                return Verdict::Wrong;
            }
            let Ok(log_n) = u8::try_from(n.trailing_zeros()) else {
                return Verdict::Wrong;
            };
            let Ok(params) = scrypt::Params::new(log_n, r, p) else {
                return Verdict::Wrong;
            };
            let mut computed = [0u8; WERKZEUG_SCRYPT_LEN];
            if scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut computed).is_err()
            {
                return Verdict::Wrong;
            }
            constant_time_eq(&computed, &hash)
        }
    };
    if matches {
        Verdict::Right { needs_rehash: true }
    } else {
        Verdict::Wrong
    }
}

fn verify_argon2(stored: &str, password: &str) -> Verdict {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Wrong;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return Verdict::Wrong;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return Verdict::Wrong;
    };
    let work = u64::from(params.m_cost()) * u64::from(params.t_cost());
    if params.m_cost() > MAX_ARGON2_M_COST_KIB
        || work > MAX_ARGON2_WORK_KIB
        || params.p_cost() > MAX_ARGON2_P_COST
    {
        return Verdict::Wrong;
    }
    // The verifier takes algorithm, version and costs from the stored string, and compares
    // the outputs in constant time (phc::Output's PartialEq).
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verdict::Wrong;
    }
    let needs_rehash = algorithm != Algorithm::Argon2id
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() < M_COST_KIB
        || params.t_cost() < T_COST
        || params.p_cost() < P_COST
        || params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN) < OUTPUT_LEN;
    Verdict::Right { needs_rehash }
}

/// A fixed valid Argon2id hash (computed once, e.g. std::sync::LazyLock) to verify against when the username is unknown, so both paths take the same time.
pub fn dummy_hash() -> &'static str {
    // Hashed with our own parameters so that verifying against it costs exactly what a
    // real account costs; the password itself is irrelevant, nobody can log in with it.
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("no account has this password"));
    &DUMMY
}

/// Parsed legacy Werkzeug hash (public so property tests can exercise the parser).
#[derive(Debug, PartialEq, Eq)]
pub enum Legacy<'a> {
    Pbkdf2Sha256 {
        iterations: u32,
        salt: &'a str,
        hash: Vec<u8>,
    },
    Scrypt {
        n: u64,
        r: u32,
        p: u32,
        salt: &'a str,
        hash: Vec<u8>,
    },
}

/// Parses what Werkzeug's `generate_password_hash` can produce; anything else is None.
/// Resource caps are not applied here but in [`verify`], so the parser stays a faithful
/// description of the format.
pub fn parse_werkzeug(stored: &str) -> Option<Legacy<'_>> {
    // Werkzeug itself splits with `split("$", 2)`, so a `$` in the last part belongs to it
    // (and then fails the hex check).
    let mut parts = stored.splitn(3, '$');
    let method = parts.next()?;
    let salt = parts.next()?;
    let hex_hash = parts.next()?;
    if salt.is_empty() {
        return None;
    }
    let mut args = method.split(':');
    let legacy = match args.next()? {
        "pbkdf2" => {
            if args.next()? != "sha256" {
                return None;
            }
            // hashlib refuses zero iterations, so no genuine hash has it.
            let iterations = parse_decimal::<u32>(args.next()?).filter(|&i| i > 0)?;
            Legacy::Pbkdf2Sha256 {
                iterations,
                salt,
                hash: decode_lower_hex(hex_hash, WERKZEUG_PBKDF2_LEN)?,
            }
        }
        "scrypt" => {
            // hashlib requires N to be a power of two above 1, and r, p to be positive.
            let n = parse_decimal::<u64>(args.next()?).filter(|&n| n > 1 && n.is_power_of_two())?;
            let r = parse_decimal::<u32>(args.next()?).filter(|&r| r > 0)?;
            let p = parse_decimal::<u32>(args.next()?).filter(|&p| p > 0)?;
            Legacy::Scrypt {
                n,
                r,
                p,
                salt,
                hash: decode_lower_hex(hex_hash, WERKZEUG_SCRYPT_LEN)?,
            }
        }
        _ => return None,
    };
    if args.next().is_some() {
        return None;
    }
    Some(legacy)
}

/// Plain ASCII digits only: Rust's `parse` would also take a leading `+`, which Werkzeug
/// never writes.
fn parse_decimal<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Werkzeug compares the hex text itself, so upper-case digits never matched there and must
/// not match here either.
fn decode_lower_hex(text: &str, expected_len: usize) -> Option<Vec<u8>> {
    if text.len() != expected_len * 2 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(text).ok()
}

/// Both slices have a length fixed by the format, so only their contents are secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // black_box keeps the optimiser from turning the fold into an early-exit comparison.
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)));
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";

    // Generated with Werkzeug 3.1.9:
    // generate_password_hash(PASSWORD, method='pbkdf2:sha256:1000')
    const WERKZEUG_PBKDF2: &str = "pbkdf2:sha256:1000$Sw0fEliY9yumm54e$0133032ce9b41c23d123e8ab30b77df6766f56da325b0bf47d421b47b98cb7eb";
    // generate_password_hash(PASSWORD, method='scrypt:16384:8:1')
    const WERKZEUG_SCRYPT: &str = "scrypt:16384:8:1$uJYcD7t9jqzAHiWg$c937900e532fc860e94b320e18638c691c13c6ed3ac336282c47016df8896d4a7407cf44a5908a58e297b6b509a58f132132e3f5675f288d4b8c77fff4129461";

    fn argon2_hash_with(algorithm: Algorithm, m: u32, t: u32, p: u32) -> String {
        let params = Params::new(m, t, p, None).expect("test parameters are valid");
        Argon2::new(algorithm, Version::V0x13, params)
            .hash_password(PASSWORD.as_bytes())
            .expect("hashing succeeds")
            .to_string()
    }

    fn hex64() -> String {
        "ab".repeat(WERKZEUG_PBKDF2_LEN)
    }

    fn hex128() -> String {
        "ab".repeat(WERKZEUG_SCRYPT_LEN)
    }

    #[test]
    fn a_new_hash_is_argon2id_with_the_required_parameters() {
        assert!(hash(PASSWORD).starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        assert_ne!(hash(PASSWORD), hash(PASSWORD));
    }

    #[test]
    fn an_argon2_hash_verifies_its_password_without_rehash() {
        assert_eq!(
            verify(&hash(PASSWORD), PASSWORD),
            Verdict::Right {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn an_argon2_hash_rejects_a_wrong_password() {
        let stored = hash(PASSWORD);
        assert_eq!(
            verify(&stored, "correct horse battery stapl"),
            Verdict::Wrong
        );
        assert_eq!(verify(&stored, ""), Verdict::Wrong);
    }

    #[test]
    fn a_weaker_argon2_hash_verifies_and_asks_for_rehash() {
        let stored = argon2_hash_with(Algorithm::Argon2id, 8192, 1, 1);
        assert_eq!(
            verify(&stored, PASSWORD),
            Verdict::Right { needs_rehash: true }
        );
    }

    #[test]
    fn an_argon2i_hash_verifies_and_asks_for_rehash() {
        let stored = argon2_hash_with(Algorithm::Argon2i, M_COST_KIB, T_COST, P_COST);
        assert_eq!(
            verify(&stored, PASSWORD),
            Verdict::Right { needs_rehash: true }
        );
    }

    #[test]
    fn a_stronger_argon2_hash_verifies_without_rehash() {
        let stored = argon2_hash_with(Algorithm::Argon2id, 2 * M_COST_KIB, 3, 1);
        assert_eq!(
            verify(&stored, PASSWORD),
            Verdict::Right {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn an_argon2_hash_with_absurd_costs_is_wrong_without_computing() {
        let stored = hash(PASSWORD);
        for costs in [
            "m=4194304,t=2,p=1",
            "m=19456,t=1000000,p=1",
            "m=19456,t=2,p=255",
        ] {
            let crafted = stored.replace("m=19456,t=2,p=1", costs);
            assert_eq!(verify(&crafted, PASSWORD), Verdict::Wrong, "{crafted}");
        }
    }

    #[test]
    fn a_werkzeug_pbkdf2_hash_verifies_and_asks_for_rehash() {
        assert_eq!(
            verify(WERKZEUG_PBKDF2, PASSWORD),
            Verdict::Right { needs_rehash: true }
        );
    }

    #[test]
    fn a_werkzeug_pbkdf2_hash_rejects_a_wrong_password() {
        assert_eq!(
            verify(WERKZEUG_PBKDF2, "Correct horse battery staple"),
            Verdict::Wrong
        );
    }

    #[test]
    fn a_werkzeug_scrypt_hash_verifies_and_asks_for_rehash() {
        assert_eq!(
            verify(WERKZEUG_SCRYPT, PASSWORD),
            Verdict::Right { needs_rehash: true }
        );
    }

    #[test]
    fn a_werkzeug_scrypt_hash_rejects_a_wrong_password() {
        assert_eq!(
            verify(WERKZEUG_SCRYPT, "correct horse battery staple "),
            Verdict::Wrong
        );
    }

    #[test]
    fn the_werkzeug_parser_reads_every_field() {
        match parse_werkzeug(WERKZEUG_PBKDF2) {
            Some(Legacy::Pbkdf2Sha256 {
                iterations,
                salt,
                hash,
            }) => {
                assert_eq!(iterations, 1000);
                assert_eq!(salt, "Sw0fEliY9yumm54e");
                assert_eq!(hash.len(), 32);
                assert_eq!(hash[0], 0x01);
            }
            other => panic!("unexpected parse: {other:?}"),
        }
        match parse_werkzeug(WERKZEUG_SCRYPT) {
            Some(Legacy::Scrypt {
                n,
                r,
                p,
                salt,
                hash,
            }) => {
                assert_eq!((n, r, p), (16384, 8, 1));
                assert_eq!(salt, "uJYcD7t9jqzAHiWg");
                assert_eq!(hash.len(), 64);
                assert_eq!(hash[0], 0xc9);
            }
            other => panic!("unexpected parse: {other:?}"),
        }
    }

    #[test]
    fn malformed_stored_strings_are_wrong_without_panicking() {
        let h64 = hex64();
        let h128 = hex128();
        let cases = [
            String::new(),
            "$".to_owned(),
            "$$".to_owned(),
            "pbkdf2:sha256:abc$x$y".to_owned(),
            format!("pbkdf2:sha256:1000$salt${}", &h64[1..]), // odd hex
            format!("pbkdf2:sha256:1000$salt${h64}0"),        // odd hex
            format!("pbkdf2:sha256:1000$salt${}", &h64[2..]), // short key
            format!("pbkdf2:sha256:1000$salt${}", "zz".repeat(32)),
            format!("pbkdf2:sha256:1000$salt${}", h64.to_uppercase()),
            format!("pbkdf2:sha256:1000$salt${h64}$"),
            format!("pbkdf2:sha256:1000$${h64}"),
            format!("pbkdf2:sha256$salt${h64}"),
            format!("pbkdf2:sha256:+1000$salt${h64}"),
            format!("pbkdf2:sha256:1000:7$salt${h64}"),
            format!("pbkdf2:sha512:1000$salt${h64}"),
            format!("pbkdf2:sha256:99999999999999999999$salt${h64}"),
            format!("md5:1$salt${h64}"),
            format!("sha1$salt${h64}"),
            format!("plain$$${PASSWORD}"),
            format!("scrypt:16384:8$salt${h128}"),
            format!("scrypt:16384:8:1:1$salt${h128}"),
            format!("scrypt:-16384:8:1$salt${h128}"),
            format!("scrypt:16384:8:1$salt${h64}"),
            "scrypt:16384:8:1$salt$".to_owned(),
            "$argon2id$".to_owned(),
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$".to_owned(),
            "$argon2id$v=19$m=19456,t=2,p=1$$$$".to_owned(),
            "$argon2x$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaA"
                .to_owned(),
            "$scrypt$ln=14,r=8,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
            "pbkdf2:sha256:1000$sält€$ü".to_owned(),
            "\u{0}\u{10FFFF}$".to_owned(),
        ];
        for stored in &cases {
            assert_eq!(verify(stored, PASSWORD), Verdict::Wrong, "{stored:?}");
        }
    }

    #[test]
    fn absurd_legacy_parameters_are_wrong_without_computing() {
        let h64 = hex64();
        let h128 = hex128();
        let cases = [
            format!("pbkdf2:sha256:4294967295$salt${h64}"),
            format!("pbkdf2:sha256:10000001$salt${h64}"),
            format!("pbkdf2:sha256:0$salt${h64}"),
            format!("scrypt:16383:8:1$salt${h128}"), // not a power of two
            format!("scrypt:1:8:1$salt${h128}"),     // N too small for hashlib
            format!("scrypt:2097152:1:1$salt${h128}"), // N > 2^20
            format!("scrypt:9223372036854775808:8:1$salt${h128}"),
            format!("scrypt:16384:8:4294967295$salt${h128}"),
            format!("scrypt:16384:4294967295:1$salt${h128}"),
            format!("scrypt:16384:0:1$salt${h128}"),
            format!("scrypt:16384:8:0$salt${h128}"),
            format!("scrypt:1048576:8:1$salt${h128}"), // 1 GiB of memory
            format!("scrypt:16384:64:64$salt${h128}"), // r·p far too much work
        ];
        for stored in &cases {
            assert_eq!(verify(stored, PASSWORD), Verdict::Wrong, "{stored}");
        }
    }

    #[test]
    fn every_truncation_of_a_valid_hash_is_handled_without_panicking() {
        let argon2 = hash(PASSWORD);
        for stored in [WERKZEUG_PBKDF2, WERKZEUG_SCRYPT, argon2.as_str()] {
            for end in 0..stored.len() {
                let truncated = &stored[..end];
                // Only the complete string may match; some argon2 prefixes still parse as
                // a shorter output, which must then simply not match.
                assert_eq!(verify(truncated, PASSWORD), Verdict::Wrong, "{truncated}");
            }
        }
    }

    #[test]
    fn the_dummy_hash_is_a_stable_argon2id_hash_with_our_parameters() {
        let first = dummy_hash();
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(first, dummy_hash());
        assert_eq!(verify(first, PASSWORD), Verdict::Wrong);
    }

    #[test]
    fn a_short_password_is_refused() {
        assert_eq!(
            check_policy("alice", "Tr0ub4dor&3"),
            Err("Use at least 12 characters.".to_owned())
        );
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // 11 characters but 22 bytes: still too short.
        assert!(check_policy("alice", &"é".repeat(11)).is_err_and(|e| e.contains("at least")));
        // 128 characters but 256 bytes: not too long.
        let long = "ñandú pingüino cigüeña ".repeat(6);
        let long: String = long.chars().take(128).collect();
        assert_eq!(check_policy("alice", &long), Ok(()));
    }

    #[test]
    fn a_long_password_is_refused() {
        let password = "x".repeat(129);
        assert_eq!(
            check_policy("alice", &password),
            Err("Use at most 128 characters.".to_owned())
        );
    }

    #[test]
    fn a_password_containing_the_username_in_any_case_is_refused() {
        let expected = Err("The password must not contain the username.".to_owned());
        assert_eq!(
            check_policy("Rider_7", "quiet rider_7 lantern orbit"),
            expected
        );
        assert_eq!(
            check_policy("rider_7", "quiet RIDER_7 lantern orbit"),
            expected
        );
    }

    #[test]
    fn an_empty_username_skips_the_containment_check() {
        assert_eq!(check_policy("", "quiet violet lantern orbit"), Ok(()));
    }

    #[test]
    fn a_common_password_is_refused_as_too_easy_to_guess() {
        let err = check_policy("alice", "password1234").expect_err("must be weak");
        assert!(
            err.starts_with("This password is too easy to guess: "),
            "{err}"
        );
        assert!(err.ends_with('.') && !err.ends_with(".."), "{err}");
    }

    #[test]
    fn a_strong_passphrase_is_accepted() {
        assert_eq!(check_policy("alice", "quiet violet lantern orbit"), Ok(()));
        assert_eq!(check_policy("alice", PASSWORD), Ok(()));
    }
}
