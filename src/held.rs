//! Uploads held in memory for a few minutes under a random token, so that
//! the next form does not need the file sent again: an import waiting for
//! its confirmation, a photo of a bike form that was rejected for another
//! field. Bounded in number and in bytes over all accounts (the oldest goes
//! first), and each token works only for the account that uploaded.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngExt;

/// How long, how many and how many bytes a store holds at most.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub lifetime: Duration,
    pub max_held: usize,
    pub max_bytes: usize,
}

struct Entry<T> {
    token: String,
    owner: i64,
    made: Instant,
    size: usize,
    value: T,
}

pub struct HeldUploads<T> {
    limits: Limits,
    entries: Mutex<Vec<Entry<T>>>,
}

impl<T: Clone> HeldUploads<T> {
    pub fn new(limits: Limits) -> HeldUploads<T> {
        HeldUploads {
            limits,
            entries: Mutex::new(Vec::new()),
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.limits.lifetime
    }

    /// Holds `value` (`size` bytes) for `owner`; returns its token (64 hex
    /// digits, 256 random bits).
    pub fn hold(&self, owner: i64, value: T, size: usize) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill(&mut bytes);
        let token = hex::encode(bytes);
        let mut entries = self.lock();
        entries.retain(|e| e.made.elapsed() < self.limits.lifetime);
        while !entries.is_empty()
            && (entries.len() >= self.limits.max_held
                || entries.iter().map(|e| e.size).sum::<usize>() + size > self.limits.max_bytes)
        {
            entries.remove(0);
        }
        entries.push(Entry {
            token: token.clone(),
            owner,
            made: Instant::now(),
            size,
            value,
        });
        token
    }

    /// What is held under `token` for `owner`, if it has not expired.
    pub fn get(&self, token: &str, owner: i64) -> Option<T> {
        let mut entries = self.lock();
        entries.retain(|e| e.made.elapsed() < self.limits.lifetime);
        entries
            .iter()
            .find(|e| e.owner == owner && constant_time_eq(&e.token, token))
            .map(|e| e.value.clone())
    }

    /// Forgets what is held under `token` (used, or dropped).
    pub fn remove(&self, token: &str) {
        self.lock().retain(|e| e.token != token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry<T>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(max_held: usize, max_bytes: usize) -> HeldUploads<&'static str> {
        HeldUploads::new(Limits {
            lifetime: Duration::from_secs(60),
            max_held,
            max_bytes,
        })
    }

    #[test]
    fn a_token_works_only_for_its_owner() {
        let held = store(4, 100);
        let token = held.hold(1, "photo", 10);
        assert_eq!(token.len(), 64);
        assert_eq!(held.get(&token, 1), Some("photo"));
        assert_eq!(held.get(&token, 2), None);
        assert_eq!(held.get("0".repeat(64).as_str(), 1), None);
        held.remove(&token);
        assert_eq!(held.get(&token, 1), None);
    }

    #[test]
    fn the_number_held_is_bounded_and_the_oldest_goes_first() {
        let held = store(3, 100);
        let first = held.hold(1, "a", 1);
        let rest: Vec<String> = (0..3).map(|_| held.hold(1, "b", 1)).collect();
        assert_eq!(held.get(&first, 1), None);
        assert!(rest.iter().all(|t| held.get(t, 1).is_some()));
    }

    #[test]
    fn the_bytes_held_are_bounded_and_the_oldest_goes_first() {
        let held = store(10, 100);
        let first = held.hold(1, "a", 60);
        let second = held.hold(2, "b", 60);
        assert_eq!(held.get(&first, 1), None);
        assert_eq!(held.get(&second, 2), Some("b"));
    }

    #[test]
    fn what_is_held_expires() {
        let held = HeldUploads::new(Limits {
            lifetime: Duration::ZERO,
            max_held: 4,
            max_bytes: 100,
        });
        let token = held.hold(1, "photo", 1);
        assert_eq!(held.get(&token, 1), None);
    }
}
