//! Argon2id: how motodex hashes every new password, and how it checks its own hashes.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use super::Verdict;

pub(super) const M_COST_KIB: u32 = 19_456;
pub(super) const T_COST: u32 = 2;
pub(super) const P_COST: u32 = 1;
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

/// Argon2id, m=19456 KiB, t=2, p=1, PHC string ("$argon2id$v=19$m=19456,t=2,p=1$...").
pub fn hash(password: &str) -> String {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
        .hash_password(password.as_bytes())
        // Only the OS random generator can fail here; without it no salt is safe, and
        // carrying on would be worse than stopping.
        .expect("the OS random number generator failed while salting a password")
        .to_string()
}

pub(super) fn verify(stored: &str, password: &str) -> Verdict {
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
