//! Hashes inherited from the Flask course: Werkzeug's `pbkdf2:sha256` and `scrypt`.
//! They still verify (so a course database's admins can log in) and are
//! replaced by Argon2id at the next login.

use sha2::Sha256;
use subtle::ConstantTimeEq;

const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
pub(super) const WERKZEUG_PBKDF2_LEN: usize = 32; // hashlib's default dklen for SHA-256
pub(super) const WERKZEUG_SCRYPT_LEN: usize = 64; // hashlib.scrypt's default dklen
const MAX_SCRYPT_N: u64 = 1 << 20;
// Memory is 128·N·r bytes; time grows with N·r·p. Werkzeug's default (2^15, 8, 1) uses
// 32 MiB and 2^18 units, so these caps allow 8× its memory and 16× its time.
const MAX_SCRYPT_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
const MAX_SCRYPT_WORK: u64 = 1 << 22;

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

/// True when `password` gives `legacy`'s hash, compared in constant time.
/// Absurd parameters (which would let a crafted row hang or exhaust the
/// server) never match.
pub(super) fn matches(legacy: &Legacy, password: &str) -> bool {
    match legacy {
        Legacy::Pbkdf2Sha256 {
            iterations,
            salt,
            hash,
        } => {
            if *iterations > MAX_PBKDF2_ITERATIONS {
                return false;
            }
            let mut computed = [0u8; WERKZEUG_PBKDF2_LEN];
            pbkdf2::pbkdf2_hmac::<Sha256>(
                password.as_bytes(),
                salt.as_bytes(),
                *iterations,
                &mut computed,
            );
            bool::from(computed.ct_eq(hash.as_slice()))
        }
        Legacy::Scrypt {
            n,
            r,
            p,
            salt,
            hash,
        } => {
            let (n, r, p) = (*n, *r, *p);
            let (r64, p64) = (u64::from(r), u64::from(p));
            let memory = n.saturating_mul(128).saturating_mul(r64);
            let work = n.saturating_mul(r64).saturating_mul(p64);
            if n > MAX_SCRYPT_N || memory > MAX_SCRYPT_MEMORY_BYTES || work > MAX_SCRYPT_WORK {
                return false;
            }
            let Ok(log_n) = u8::try_from(n.trailing_zeros()) else {
                return false;
            };
            let Ok(params) = scrypt::Params::new(log_n, r, p) else {
                return false;
            };
            let mut computed = [0u8; WERKZEUG_SCRYPT_LEN];
            if scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut computed).is_err()
            {
                return false;
            }
            bool::from(computed.ct_eq(hash.as_slice()))
        }
    }
}

/// Parses what Werkzeug's `generate_password_hash` can produce; anything else is None.
/// Resource caps are not applied here but in [`matches`], so the parser stays a faithful
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
