//! The page cache: rendered public pages, kept for a moment so that a busy
//! catalogue is not rebuilt from SQL on every request.
//!
//! Correctness comes first: every write made through [`crate::db::Db`]
//! moves its generation on, which drops every entry made before it (an entry made
//! while a write was being committed carries the older generation, so it is
//! dropped too). Writes made by another program (the sqlite3 shell, the
//! course's Flask app) cannot be seen, so no entry lives longer than
//! [`LIFETIME`]: such a change shows within a second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// How long an entry may answer at most.
pub const LIFETIME: Duration = Duration::from_secs(1);
/// Bytes kept at most; when full, everything is dropped and refilled by use.
const CAPACITY: usize = 2 * 1024 * 1024;

pub struct PageCache {
    entries: Mutex<Entries>,
    off: bool,
}

impl PageCache {
    /// `off`: remember nothing (to measure what each request really costs).
    pub fn new(off: bool) -> PageCache {
        PageCache {
            entries: Mutex::default(),
            off,
        }
    }
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
}

struct Entry {
    generation: u64,
    made: Instant,
    value: Bytes,
}

impl PageCache {
    /// The value stored under `key`, if it was made at the database's
    /// current `generation` and is young enough.
    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        if self.off {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.map.get(key)?;
        (entry.generation == generation && entry.made.elapsed() < LIFETIME)
            .then(|| entry.value.clone())
    }

    /// Stores `value`, computed from a database read that started at
    /// generation `read_at`; ignored if a write has happened since (`now`).
    pub fn put(&self, key: String, read_at: u64, now: u64, value: Bytes) {
        if self.off || read_at != now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.bytes + value.len() > CAPACITY {
            entries.map.clear();
            entries.bytes = 0;
        }
        if value.len() > CAPACITY {
            return;
        }
        entries.bytes += value.len();
        if let Some(old) = entries.map.insert(
            key,
            Entry {
                generation: read_at,
                made: Instant::now(),
                value,
            },
        ) {
            entries.bytes -= old.value.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_drops_older_entries() {
        let cache = PageCache::new(false);
        cache.put("a".into(), 0, 0, Bytes::from_static(b"old"));
        assert_eq!(cache.get("a", 0).as_deref(), Some(&b"old"[..]));
        assert_eq!(cache.get("a", 1), None);
        // A value read before the write is not stored after it.
        cache.put("a".into(), 0, 1, Bytes::from_static(b"stale"));
        assert_eq!(cache.get("a", 1), None);
    }

    #[test]
    fn memory_is_bounded() {
        let cache = PageCache::new(false);
        let big = Bytes::from(vec![0u8; CAPACITY / 2 + 1]);
        cache.put("a".into(), 0, 0, big.clone());
        cache.put("b".into(), 0, 0, big);
        assert!(cache.get("a", 0).is_none() && cache.get("b", 0).is_some());
    }
}
