//! What every handler can reach: the database, the cookie key, the
//! session policy, the hashing and photo workers, the page cache. Built
//! once by `app`; routes and handlers receive it, and never the builder.

use std::sync::{Arc, Mutex};

use crate::auth::password::Passwords;
use crate::auth::session::SessionPolicy;
use crate::backup::{Pending, Schedule};
use crate::cookies::CookieSettings;
use crate::db::{Db, DbResult, settings};
use crate::domain::site::Site;
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
    /// Where this server listens, for the share page.
    pub listening: Listening,
    /// The site's title and introduction, read again after any write.
    pub site: SiteCache,
}

/// Where the server listens and why (SPEC §13).
#[derive(Debug, Clone, Copy)]
pub struct Listening {
    pub addr: std::net::SocketAddr,
    pub tls: bool,
    /// `--host` or `MOTODEX_HOST` chose the address, so the share page's
    /// network setting does not apply while they are given.
    pub host_given: bool,
}

/// The site's title and introduction as of the database's generation
/// they were read at: every public page shows them, and they change only
/// by a write (which moves the generation on), so most pages need no read.
#[derive(Default)]
pub struct SiteCache(Mutex<Option<(u64, Arc<Site>)>>);

impl AppState {
    /// The site's title and introduction as they are now.
    pub async fn site(&self) -> DbResult<Arc<Site>> {
        let generation = self.db.generation();
        if let Some((seen, site)) = self.site.0.lock().ok().and_then(|c| c.clone())
            && seen == generation
        {
            return Ok(site);
        }
        let site = Arc::new(self.db.read(settings::site).await?);
        if let Ok(mut cached) = self.site.0.lock() {
            *cached = Some((generation, Arc::clone(&site)));
        }
        Ok(site)
    }
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
