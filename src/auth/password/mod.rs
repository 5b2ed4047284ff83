//! Passwords of admin accounts: the policy for new ones, Argon2id for every
//! new hash, the Flask course's Werkzeug hashes still accepted, and the
//! worker threads that do the slow hashing off the async executor.

mod argon2;
mod policy;
mod temporary;
mod werkzeug;
mod workers;

use std::sync::LazyLock;

pub use argon2::hash;
pub use policy::{check_new_password, check_policy};
pub use temporary::temporary_password;
pub use werkzeug::{Legacy, parse_werkzeug};
pub use workers::Passwords;

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
        return argon2::verify(stored, password);
    }
    match parse_werkzeug(stored) {
        Some(legacy) if werkzeug::matches(&legacy, password) => {
            Verdict::Right { needs_rehash: true }
        }
        _ => Verdict::Wrong,
    }
}

/// A valid Argon2id hash, made once, to verify against when the username is
/// unknown, so both answers take the same time.
pub fn dummy_hash() -> &'static str {
    // Hashed with our own parameters so that verifying against it costs exactly what a
    // real account costs; the password itself is irrelevant, nobody can log in with it.
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("no account has this password"));
    &DUMMY
}

#[cfg(test)]
mod tests {
    use ::argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};

    use super::argon2::{M_COST_KIB, P_COST, T_COST};
    use super::werkzeug::{WERKZEUG_PBKDF2_LEN, WERKZEUG_SCRYPT_LEN};
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
