//! Uploaded imports waiting for their confirmation: the parsed file is held
//! in memory under a random token for ten minutes, so "Import" on the
//! preview page does not need the file sent again. Bounded in number and in
//! bytes (the oldest goes first), and each token works only for the account
//! that uploaded it.

use std::sync::Arc;
use std::time::Duration;

use super::csv_file::CsvFile;
use super::import::Options;
use super::photos::Photos;
use crate::held::{HeldUploads, Limits};

const LIMITS: Limits = Limits {
    // How long a preview can be confirmed.
    lifetime: Duration::from_secs(10 * 60),
    max_held: 16,
    // A 5 MB spreadsheet takes about twice that once parsed; a 50 MB zip's
    // photos, processed, about as much as the zip.
    max_bytes: 256 * 1024 * 1024,
};

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

pub struct PendingImports(HeldUploads<Held>);

impl Default for PendingImports {
    fn default() -> PendingImports {
        PendingImports(HeldUploads::new(LIMITS))
    }
}

impl PendingImports {
    /// Holds `held` for `owner`; returns its token (64 hex digits).
    pub fn hold(&self, owner: i64, held: Held) -> String {
        let size = held.file.size() + held.photos.size();
        self.0.hold(owner, held, size)
    }

    /// The upload held under `token` for `owner`, if it has not expired.
    pub fn get(&self, token: &str, owner: i64) -> Option<Held> {
        self.0.get(token, owner)
    }

    /// Forgets the upload (once it has been imported).
    pub fn remove(&self, token: &str) {
        self.0.remove(token)
    }
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
        let tokens: Vec<String> = (0..LIMITS.max_held)
            .map(|_| pending.hold(1, held()))
            .collect();
        assert!(pending.get(&first, 1).is_none());
        assert!(tokens.iter().all(|t| pending.get(t, 1).is_some()));
    }
}
