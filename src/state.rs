//! What every handler can reach: the database, the cookie key, the
//! session policy, the hashing and photo workers, the page cache. Built
//! once by `app`; routes and handlers receive it, and never the builder.

use std::sync::{Arc, Mutex};

use crate::auth::password::Passwords;
use crate::auth::session::SessionPolicy;
use crate::backup::{Pending, Schedule};
use crate::cookies::CookieSettings;
use crate::db::Db;
use crate::page_cache::PageCache;
use crate::photo::{HeldPhotos, PhotoWorkers};
use crate::transfer::pending::PendingImports;

pub struct AppState {
    pub db: Db,
    pub cookies: CookieSettings,
    pub passwords: Passwords,
    pub photos: PhotoWorkers,
    pub pages: PageCache,
    pub sessions: SessionPolicy,
    pub tls: bool,
    pub setup_token: SetupToken,
    /// How long deleted bikes and makers wait in the trash (0: not at all).
    pub trash_days: u64,
    /// Photos of rejected bike forms, kept for the corrected form.
    pub held_photos: HeldPhotos,
    /// Uploaded imports waiting for their confirmation.
    pub imports: PendingImports,
    /// Where backups go and how the last automatic one went.
    pub backups: Arc<Schedule>,
    /// Restores checked on the web, waiting for the owner's confirmation.
    pub restores: Pending,
    /// When this server started (seconds since the Unix epoch).
    pub started_at: i64,
}

/// The one-time first-admin link's token, kept in memory only, until the
/// first admin exists.
#[derive(Default)]
pub struct SetupToken(Mutex<Option<String>>);

impl SetupToken {
    pub fn new(token: Option<String>) -> SetupToken {
        SetupToken(Mutex::new(token))
    }

    pub fn get(&self) -> Option<String> {
        self.0.lock().map(|t| t.clone()).unwrap_or(None)
    }

    pub fn close(&self) {
        if let Ok(mut token) = self.0.lock() {
            *token = None;
        }
    }
}
