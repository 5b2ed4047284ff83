//! Uploaded imports waiting for their confirmation: the parsed file is held
//! in memory under a random token for ten minutes, so "Import" on the
//! preview page does not need the file sent again. Bounded in number and in
//! bytes (the oldest goes first), and each token works only for the account
//! that uploaded it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngExt;

use super::csv_file::CsvFile;
use super::import::Options;
use super::photos::Photos;

/// How long a preview can be confirmed.
pub const LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Previews held at most, over all accounts.
const MAX_HELD: usize = 16;
/// Bytes held at most (a 5 MB spreadsheet takes about twice that once
/// parsed; a 50 MB zip's photos, processed, about as much as the zip).
const MAX_BYTES: usize = 256 * 1024 * 1024;

/// One held upload.
#[derive(Clone)]
pub struct Held {
    pub file: Arc<CsvFile>,
    /// The photos that came with it, already processed.
    pub photos: Arc<Photos>,
    pub options: Options,
    /// The uploaded file's name, for the pages.
    pub name: String,
}

struct Entry {
    token: String,
    owner: i64,
    made: Instant,
    size: usize,
    held: Held,
}

#[derive(Default)]
pub struct PendingImports {
    entries: Mutex<Vec<Entry>>,
}

impl PendingImports {
    /// Holds `held` for `owner`; returns its token (64 hex digits).
    pub fn hold(&self, owner: i64, held: Held) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill(&mut bytes);
        let token = hex::encode(bytes);
        let size = held.file.size() + held.photos.size();
        let mut entries = self.lock();
        entries.retain(|e| e.made.elapsed() < LIFETIME);
        while !entries.is_empty()
            && (entries.len() >= MAX_HELD
                || entries.iter().map(|e| e.size).sum::<usize>() + size > MAX_BYTES)
        {
            entries.remove(0);
        }
        entries.push(Entry {
            token: token.clone(),
            owner,
            made: Instant::now(),
            size,
            held,
        });
        token
    }

    /// The upload held under `token` for `owner`, if it has not expired.
    pub fn get(&self, token: &str, owner: i64) -> Option<Held> {
        let mut entries = self.lock();
        entries.retain(|e| e.made.elapsed() < LIFETIME);
        entries
            .iter()
            .find(|e| e.owner == owner && constant_time_eq(&e.token, token))
            .map(|e| e.held.clone())
    }

    /// Forgets the upload (once it has been imported).
    pub fn remove(&self, token: &str) {
        self.lock().retain(|e| e.token != token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
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

    fn held() -> Held {
        Held {
            file: Arc::new(
                super::super::csv_file::read(b"maker,model,year,engine\nHonda,CB,2020,500cc\n")
                    .unwrap(),
            ),
            photos: Arc::default(),
            options: Options::default(),
            name: "bikes.csv".into(),
        }
    }

    #[test]
    fn a_token_works_only_for_its_owner() {
        let pending = PendingImports::default();
        let token = pending.hold(1, held());
        assert_eq!(token.len(), 64);
        assert!(pending.get(&token, 1).is_some());
        assert!(pending.get(&token, 2).is_none());
        assert!(pending.get("0".repeat(64).as_str(), 1).is_none());
        pending.remove(&token);
        assert!(pending.get(&token, 1).is_none());
    }

    #[test]
    fn the_number_held_is_bounded_and_the_oldest_goes_first() {
        let pending = PendingImports::default();
        let first = pending.hold(1, held());
        let tokens: Vec<String> = (0..MAX_HELD).map(|_| pending.hold(1, held())).collect();
        assert!(pending.get(&first, 1).is_none());
        assert!(tokens.iter().all(|t| pending.get(t, 1).is_some()));
    }
}
