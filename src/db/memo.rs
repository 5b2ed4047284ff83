//! A small memory of answers derived from the database — the rendered
//! public pages — so that a busy catalogue is not rebuilt from SQL on every
//! request.
//!
//! Correctness comes first: every write made through [`super::Db`] moves
//! the generation on, which drops every entry made before it (an entry made
//! while a write was being committed carries the older generation, so it is
//! dropped too). Writes made by another program (the sqlite3 shell, the
//! course's Flask app) cannot be seen, so no entry lives longer than
//! [`LIFETIME`]: such a change shows within a second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// How long an entry may answer at most.
pub const LIFETIME: Duration = Duration::from_secs(1);
/// Bytes kept at most; when full, everything is dropped and refilled by use.
const CAPACITY: usize = 2 * 1024 * 1024;

pub struct Memo {
    generation: AtomicU64,
    entries: Mutex<Entries>,
    off: bool,
}

impl Memo {
    /// Off, it answers nothing (`--no-page-cache`): what the database
    /// alone can do, for measurements.
    pub fn new(on: bool) -> Memo {
        Memo {
            generation: AtomicU64::new(0),
            entries: Mutex::default(),
            off: !on,
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

impl Memo {
    /// Read this before reading the database for a value to [`Memo::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The value stored under `key`, if it is still current.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        if self.off {
            return None;
        }
        let generation = self.generation();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.map.get(key)?;
        (entry.generation == generation && entry.made.elapsed() < LIFETIME)
            .then(|| entry.value.clone())
    }

    /// Stores `value`, computed from a database read that started at
    /// `generation`; ignored if a write has happened since.
    pub fn put(&self, key: String, generation: u64, value: Bytes) {
        if self.off {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if generation != self.generation() {
            return;
        }
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
                generation,
                made: Instant::now(),
                value,
            },
        ) {
            entries.bytes -= old.value.len();
        }
    }

    /// Called after every committed write.
    pub(super) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_drops_older_entries() {
        let memo = Memo::new(true);
        let before = memo.generation();
        memo.put("a".into(), before, Bytes::from_static(b"old"));
        assert_eq!(memo.get("a").as_deref(), Some(&b"old"[..]));
        memo.invalidate();
        assert_eq!(memo.get("a"), None);
        // A value read before the write is not stored after it.
        memo.put("a".into(), before, Bytes::from_static(b"stale"));
        assert_eq!(memo.get("a"), None);
    }

    #[test]
    fn memory_is_bounded() {
        let memo = Memo::new(true);
        let big = Bytes::from(vec![0u8; CAPACITY / 2 + 1]);
        memo.put("a".into(), 0, big.clone());
        memo.put("b".into(), 0, big);
        assert!(memo.get("a").is_none() && memo.get("b").is_some());
    }
}
