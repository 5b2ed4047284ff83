//! Small key/value settings: the secret key that signs cookies, the site's
//! title and introduction (SPEC §13), and whether the site is open to the
//! network. A change made by a person is recorded in the activity log in
//! its own transaction.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::DbResult;
use super::activity::{self, Entry};
use crate::domain::activity::{Actor, Kind};
use crate::domain::site::Site;

pub const SECRET_KEY: &str = "secret_key";
pub const SITE_TITLE: &str = "site_title";
pub const SITE_INTRODUCTION: &str = "site_introduction";
/// "1": listen on every interface when neither `--host` nor
/// `MOTODEX_HOST` is given; "0" or missing: this computer only.
pub const OPEN_TO_NETWORK: &str = "open_to_network";

pub fn get(conn: &Connection, key: &str) -> DbResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> DbResult<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The site's title and introduction (the defaults when none are stored):
/// for the pages, and for whatever else shows the site (an exported copy).
pub fn site(conn: &Connection) -> DbResult<Site> {
    let default = Site::default();
    Ok(Site {
        title: get(conn, SITE_TITLE)?
            .filter(|title| !title.trim().is_empty())
            .unwrap_or(default.title),
        introduction: get(conn, SITE_INTRODUCTION)?.unwrap_or(default.introduction),
    })
}

/// Stores the title and introduction, recording what changed; `None`
/// (and nothing written) when both are as they were.
pub fn save_site(tx: &Transaction, actor: &Actor, new: &Site) -> DbResult<Option<i64>> {
    let old = site(tx)?;
    let mut changed = Vec::new();
    if old.title != new.title {
        changed.push(format!(
            "changed the site title from “{}” to “{}”",
            old.title, new.title
        ));
    }
    if old.introduction != new.introduction {
        changed.push(
            match (old.introduction.is_empty(), new.introduction.is_empty()) {
                (true, _) => "added the introduction",
                (_, true) => "removed the introduction",
                _ => "changed the introduction",
            }
            .to_string(),
        );
    }
    if changed.is_empty() {
        return Ok(None);
    }
    set(tx, SITE_TITLE, &new.title)?;
    set(tx, SITE_INTRODUCTION, &new.introduction)?;
    let description = changed.join(" and ");
    activity::record(tx, actor, Entry::event(Kind::Settings, "edit", description)).map(Some)
}

/// Whether the site opens to the network at the next start without
/// `--host`; `None` when nobody has chosen yet (a first run asks).
pub fn open_to_network(conn: &Connection) -> DbResult<Option<bool>> {
    Ok(get(conn, OPEN_TO_NETWORK)?.map(|value| value == "1"))
}

/// Stores the choice and records it; `None` when it was already so.
pub fn set_open_to_network(tx: &Transaction, actor: &Actor, open: bool) -> DbResult<Option<i64>> {
    if open_to_network(tx)? == Some(open) {
        return Ok(None);
    }
    set(tx, OPEN_TO_NETWORK, if open { "1" } else { "0" })?;
    let description = if open {
        "let other devices on this network open the site (from the next start)"
    } else {
        "kept the site to this computer only (from the next start)"
    };
    activity::record(
        tx,
        actor,
        Entry::event(Kind::Settings, "network", description),
    )
    .map(Some)
}
