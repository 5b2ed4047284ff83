//! The page cache: rendered public pages, kept for a moment so that a busy
//! catalogue is not rebuilt from SQL on every request.
//!
//! Correctness comes first: every write made through [`crate::db::Db`]
//! moves its generation on, which drops every entry made before it (an entry made
//! while a write was being committed carries the older generation, so it is
//! dropped too). Writes made by another program (the sqlite3 shell, the
//! course's Flask app) cannot be seen, so no entry lives longer than
//! [`LIFETIME`]: such a change shows within a second.
//!
//! After a write, the first visitor of a page rebuilds it and the visitors
//! who ask for it meanwhile wait for that one build ([`PageCache::lookup`]),
//! instead of each running the same SQL and rendering the same page: while
//! admins save every few milliseconds, the catalogue is built once per
//! write, not once per visitor. Only visitors who saw the same generation
//! share a build, so nobody is answered from data older than what they saw.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::watch;

use crate::domain::records::Filter;

/// The key of a list page: `area` (`/` for the catalogue, `api:/bikes`
/// for the JSON list), then the page, the maker and the search, which
/// comes last so that no search can read as another key. Written piece by
/// piece: `format!` cost about 300 instructions of a cached page's 21,000
/// (callgrind).
pub fn list_key(area: &str, filter: &Filter, page: u64) -> String {
    let mut digits = itoa::Buffer::new();
    let mut key = String::with_capacity(area.len() + 48 + filter.search.len());
    key.push_str(area);
    key.push_str("?page=");
    key.push_str(digits.format(page));
    if let Some(maker) = filter.maker_id {
        key.push_str("&maker_id=");
        key.push_str(digits.format(maker));
    }
    key.push_str("&search=");
    key.push_str(&filter.search);
    key
}

/// The key of one record's page: `area` (`/bikes/`, `api:/bikes/`), then
/// its id.
pub fn record_key(area: &str, id: i64) -> String {
    let mut key = String::with_capacity(area.len() + 20);
    key.push_str(area);
    key.push_str(itoa::Buffer::new().format(id));
    key
}

/// How long an entry may answer at most.
pub const LIFETIME: Duration = Duration::from_secs(1);
/// Bytes kept at most; when full, everything is dropped and refilled by use.
const CAPACITY: usize = 2 * 1024 * 1024;

pub struct PageCache {
    entries: Mutex<Entries>,
    building: Mutex<Builds>,
    off: bool,
}

impl PageCache {
    /// `off`: remember nothing (to measure what each request really costs).
    pub fn new(off: bool) -> PageCache {
        PageCache {
            entries: Mutex::default(),
            building: Mutex::default(),
            off,
        }
    }
}

/// The builds under way: key → (generation, where the page will come).
type Builds = Map<(u64, watch::Receiver<Option<Bytes>>)>;

/// Keys hashed with foldhash rather than SipHash (about 150 instructions
/// of a cached page's 21,000, callgrind). Its seeds are random per map,
/// and it claims no resistance to an attacker who learns them; an attack
/// would buy little here anyway: the maps hold at most what fits in
/// [`CAPACITY`] (a few hundred pages) and the builds under way.
type Map<V> = HashMap<String, V, foldhash::fast::RandomState>;

#[derive(Default)]
struct Entries {
    map: Map<Entry>,
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

/// What [`PageCache::lookup`] found.
pub enum Lookup<'a> {
    /// The page, from the cache or from another visitor's build.
    Found(Bytes),
    /// Build it, then hand it to [`Build::finish`].
    Build(Build<'a>),
}

/// A page to build: the one build of its key and generation (others wait
/// for it), or, when that build gave up, one of the waiting visitors' own.
pub struct Build<'a> {
    cache: &'a PageCache,
    key: String,
    generation: u64,
    /// Set for the build others wait for.
    waiting: Option<watch::Sender<Option<Bytes>>>,
}

impl PageCache {
    /// The page under `key` as of the database's `generation`: stored, or
    /// built by the visitor who asked first (waiting for it), or for this
    /// caller to build.
    pub async fn lookup(&self, key: String, generation: u64) -> Lookup<'_> {
        if let Some(value) = self.get(&key, generation) {
            return Lookup::Found(value);
        }
        let mut own = Build {
            cache: self,
            key,
            generation,
            waiting: None,
        };
        if self.off {
            return Lookup::Build(own);
        }
        let under_way = {
            let mut building = self.building.lock().unwrap_or_else(|p| p.into_inner());
            match building.get(&own.key) {
                Some((at, page)) if *at == generation => Some(page.clone()),
                _ => {
                    let (sender, page) = watch::channel(None);
                    building.insert(own.key.clone(), (generation, page));
                    own.waiting = Some(sender);
                    None
                }
            }
        };
        let Some(mut page) = under_way else {
            return Lookup::Build(own);
        };
        // A build that ends without a page (an error, a dropped request)
        // drops its sender: then this caller builds the page itself.
        match page.wait_for(Option::is_some).await {
            Ok(value) => match value.clone() {
                Some(value) => Lookup::Found(value),
                None => Lookup::Build(own),
            },
            Err(_) => Lookup::Build(own),
        }
    }
}

impl Build<'_> {
    /// Stores the page built (ignored if a write happened since: `now` is
    /// the generation after the build) and gives it to those waiting.
    pub fn finish(self, value: Bytes, now: u64) {
        self.cache
            .put(self.key.clone(), self.generation, now, value.clone());
        if let Some(waiting) = &self.waiting {
            waiting.send_replace(Some(value));
        }
    }
}

impl Drop for Build<'_> {
    /// The build is over (finished or not): later visitors look again.
    fn drop(&mut self) {
        if self.waiting.is_none() {
            return;
        }
        let mut building = self
            .cache
            .building
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if building
            .get(&self.key)
            .is_some_and(|(at, _)| *at == self.generation)
        {
            building.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_pages_that_differ_in_page_maker_or_search_have_keys_of_their_own() {
        let filter = |maker_id: Option<i64>, search: &str| Filter {
            maker_id,
            search: search.to_string(),
        };
        let keys = [
            list_key("/", &filter(None, ""), 1),
            list_key("/", &filter(None, ""), 11),
            list_key("/", &filter(Some(1), ""), 1),
            list_key("/", &filter(Some(11), ""), 1),
            list_key("/", &filter(None, "1"), 1),
            // A search that spells out another filter's key stays a search.
            list_key("/", &filter(None, "x&maker_id=1"), 1),
            list_key("/", &filter(Some(1), "x"), 1),
            list_key("/", &filter(None, "&page=2"), 1),
            list_key("api:/bikes", &filter(None, ""), 1),
            record_key("/bikes/", 1),
            record_key("/bikes/", 11),
            record_key("api:/bikes/", 1),
        ];
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len(), "{keys:#?}");
        assert_eq!(
            list_key("/", &filter(Some(3), "Ban"), 2),
            "/?page=2&maker_id=3&search=Ban"
        );
        assert_eq!(record_key("/bikes/", 42), "/bikes/42");
    }

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

    #[tokio::test]
    async fn visitors_of_one_generation_wait_for_one_build() {
        let cache = PageCache::new(false);
        let Lookup::Build(first) = cache.lookup("/".into(), 7).await else {
            panic!("an empty cache has nothing to give");
        };
        // The second visitor is polled first, so it is waiting when the
        // first one's page is done.
        let (second, ()) = tokio::join!(cache.lookup("/".into(), 7), async {
            tokio::task::yield_now().await;
            first.finish(Bytes::from_static(b"built once"), 8);
        });
        match second {
            Lookup::Found(page) => assert_eq!(&page[..], b"built once"),
            Lookup::Build(_) => panic!("the waiting visitor built the page again"),
        }
        // A write happened during that build (`now` 8): not stored.
        assert!(cache.get("/", 7).is_none());
    }

    #[tokio::test]
    async fn a_visitor_who_saw_a_later_write_or_whose_build_gave_up_builds() {
        let cache = PageCache::new(false);
        let Lookup::Build(older) = cache.lookup("/".into(), 1).await else {
            panic!("nothing stored yet");
        };
        assert!(matches!(
            cache.lookup("/".into(), 2).await,
            Lookup::Build(_)
        ));
        drop(older);

        let Lookup::Build(failing) = cache.lookup("/a".into(), 1).await else {
            panic!("nothing stored yet");
        };
        let (waiting, ()) = tokio::join!(cache.lookup("/a".into(), 1), async {
            tokio::task::yield_now().await;
            drop(failing);
        });
        assert!(matches!(waiting, Lookup::Build(_)));
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
