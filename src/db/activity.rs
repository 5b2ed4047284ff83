//! The activity log (SPEC §8). Every change is recorded by [`record`]
//! inside the transaction that makes it — the catalogue and account writes
//! of this module's neighbours call it themselves — so a change and its
//! entry commit together or not at all.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use serde_json::Value;

use super::DbResult;
use crate::domain::activity::{Actor, Change, Kind, LoggedEntry, Record};

/// Failed logins come from strangers: only the newest this many are kept.
pub const FAILED_LOGINS_KEPT: i64 = 10_000;
/// Entries per page of `/admin/activity`.
pub const PAGE_SIZE: i64 = 50;

/// The action of a failed login, the one bounded kind of row.
pub const LOGIN_FAILED: &str = "login_failed";

/// What one entry says: its kind, what was done (`add`, `edit`, `delete`,
/// `restore`, `undo`, `login`, …), the record it is mainly about, the
/// sentence the activity page shows after the actor's name, and every
/// record it touched with the values before and after.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    pub action: &'static str,
    pub record_id: Option<i64>,
    pub description: String,
    pub changes: Vec<Change>,
    /// The entries this one undid.
    pub undoes: Vec<i64>,
}

impl Entry {
    /// An entry that changes no record's values (a login, a logout).
    pub fn event(kind: Kind, action: &'static str, description: impl Into<String>) -> Entry {
        Entry {
            kind,
            action,
            record_id: None,
            description: description.into(),
            changes: Vec::new(),
            undoes: Vec::new(),
        }
    }

    /// An entry about one record.
    pub fn change(
        kind: Kind,
        action: &'static str,
        description: impl Into<String>,
        change: Change,
    ) -> Entry {
        Entry {
            record_id: Some(change.id),
            changes: vec![change],
            ..Entry::event(kind, action, description)
        }
    }
}

/// Writes one entry in the caller's transaction and returns its id.
pub fn record(tx: &Transaction, actor: &Actor, entry: Entry) -> DbResult<i64> {
    #[cfg(feature = "bench-data")]
    if bench_without_log() {
        return Ok(0);
    }
    let changes = changes_text(&entry.changes)?;
    let at = crate::clock::now();
    tx.prepare_cached(
        "INSERT INTO activity (at, user_id, username, client_addr, user_agent, kind, action,
                               record_id, description, changes, undoes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        at,
        actor.user_id,
        actor.username,
        actor.client_addr,
        actor.user_agent,
        entry.kind.as_str(),
        entry.action,
        entry.record_id,
        entry.description,
        changes,
        (entry.undoes.len() == 1).then(|| entry.undoes[0]),
    ])?;
    let entry_id = tx.last_insert_rowid();
    let mut touched = tx.prepare_cached(
        "INSERT OR IGNORE INTO activity_records (record, record_id, entry_id) VALUES (?1, ?2, ?3)",
    )?;
    // A form's add and an import create their bikes; every other change
    // (an edit, an undo, a restore) changes an existing one.
    let creates = matches!(entry.action, "add" | "import");
    for change in &entry.changes {
        touched.execute(params![change.record.as_str(), change.id, entry_id])?;
        super::authors::note(tx, actor, at, change, creates)?;
    }
    let mut undone = tx.prepare_cached("UPDATE activity SET undone_by = ?1 WHERE entry_id = ?2")?;
    for id in &entry.undoes {
        undone.execute(params![entry_id, id])?;
    }
    if entry.action == LOGIN_FAILED {
        tx.prepare_cached(
            "DELETE FROM activity WHERE action = ?1 AND entry_id <=
                 (SELECT entry_id FROM activity WHERE action = ?1
                  ORDER BY entry_id DESC LIMIT 1 OFFSET ?2)",
        )?
        .execute(params![LOGIN_FAILED, FAILED_LOGINS_KEPT])?;
    }
    Ok(entry_id)
}

/// `bench/run` measures what the log costs a write by running the same
/// edits with and without it: `MOTODEX_BENCH_WITHOUT_ACTIVITY_LOG=1` turns
/// recording off, only in the benchmark build (the `bench-data` feature);
/// the motodex that is shipped always records.
#[cfg(feature = "bench-data")]
fn bench_without_log() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var_os("MOTODEX_BENCH_WITHOUT_ACTIVITY_LOG").is_some())
}

/// One change as the `changes` column keeps it; the fields in the order
/// of the JSON objects the column has always held (sorted by name).
#[derive(Serialize)]
struct StoredChange<'a> {
    after: &'a Option<Value>,
    before: &'a Option<Value>,
    id: i64,
    record: &'static str,
}

/// The `changes` column: written straight from the changes, not through a
/// copy of them as JSON values, which for an import of 100,000 bikes was a
/// tenth of its time and over 100 MB.
fn changes_text(changes: &[Change]) -> DbResult<String> {
    let stored: Vec<StoredChange> = changes
        .iter()
        .map(|change| StoredChange {
            after: &change.after,
            before: &change.before,
            id: change.id,
            record: change.record.as_str(),
        })
        .collect();
    // JSON values always serialise; the error is passed on all the same,
    // rather than an entry written without the changes undo needs.
    serde_json::to_string(&stored)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)).into())
}

fn changes_from(text: &str) -> Vec<Change> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            Some(Change {
                record: Record::parse(item.get("record")?.as_str()?)?,
                id: item.get("id")?.as_i64()?,
                before: item.get("before").filter(|v| !v.is_null()).cloned(),
                after: item.get("after").filter(|v| !v.is_null()).cloned(),
            })
        })
        .collect()
}

const COLUMNS: &str = "a.entry_id, a.at, a.user_id, a.username, a.client_addr, a.kind, a.action,
     a.record_id, a.description, a.changes, a.undoes, a.undone_by";

fn from_row(row: &Row) -> rusqlite::Result<LoggedEntry> {
    let changes: String = row.get(9)?;
    Ok(LoggedEntry {
        entry_id: row.get(0)?,
        at: row.get(1)?,
        user_id: row.get(2)?,
        username: row.get(3)?,
        client_addr: row.get(4)?,
        kind: row.get(5)?,
        action: row.get(6)?,
        record_id: row.get(7)?,
        description: row.get(8)?,
        changes: changes_from(&changes),
        undoes: row.get(10)?,
        undone_by: row.get(11)?,
    })
}

pub fn get(conn: &Connection, entry_id: i64) -> DbResult<Option<LoggedEntry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activity a WHERE a.entry_id = ?1"
        ))?
        .query_row([entry_id], from_row)
        .optional()?)
}

/// What `/admin/activity` is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    pub user_id: Option<i64>,
    pub kind: Option<Kind>,
    /// Substring of the description; empty = any.
    pub q: String,
    /// UTC seconds; entries at or after it.
    pub since: Option<i64>,
    /// Only entries of these kinds (an editor sees the catalogue's);
    /// `None` = every kind.
    pub visible: Option<&'static [Kind]>,
}

/// One page of entries, newest first, and whether an older page exists.
/// No total: counting a million rows per view would cost more than the page.
pub fn list(
    conn: &Connection,
    filter: &ActivityFilter,
    page: i64,
) -> DbResult<(Vec<LoggedEntry>, bool)> {
    // Three characters or more, and no LIKE wildcard to escape (the index
    // is not used for a LIKE with ESCAPE): the trigram index finds the
    // matching entries, newest first, without reading every description.
    // CROSS JOIN keeps the index as the outer loop; SQLite would otherwise
    // walk an account's entries and probe the index once for each.
    let indexed = filter.q.chars().count() >= 3 && !filter.q.contains(['%', '_']);
    let mut sql = if indexed {
        format!(
            "SELECT {COLUMNS} FROM activity_text t CROSS JOIN activity a ON a.entry_id = t.rowid
             WHERE 1"
        )
    } else {
        format!("SELECT {COLUMNS} FROM activity a WHERE 1")
    };
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(user_id) = filter.user_id {
        values.push(user_id.into());
        sql.push_str(&format!(" AND a.user_id = ?{}", values.len()));
    }
    if let Some(kind) = filter.kind {
        values.push(kind.as_str().to_string().into());
        sql.push_str(&format!(" AND a.kind = ?{}", values.len()));
    }
    if let Some(kinds) = filter.visible {
        let mut places = Vec::with_capacity(kinds.len());
        for kind in kinds {
            values.push(kind.as_str().to_string().into());
            places.push(format!("?{}", values.len()));
        }
        sql.push_str(&format!(" AND a.kind IN ({})", places.join(", ")));
    }
    if let Some(since) = filter.since {
        values.push(since.into());
        sql.push_str(&format!(" AND a.at >= ?{}", values.len()));
    }
    if indexed {
        values.push(format!("%{}%", filter.q).into());
        sql.push_str(&format!(" AND t.description LIKE ?{}", values.len()));
    } else if !filter.q.is_empty() {
        let escaped = filter
            .q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        values.push(format!("%{escaped}%").into());
        sql.push_str(&format!(
            " AND a.description LIKE ?{} ESCAPE '\\'",
            values.len()
        ));
    }
    values.push((PAGE_SIZE + 1).into());
    values.push(((page.max(1) - 1) * PAGE_SIZE).into());
    sql.push_str(&format!(
        " ORDER BY {} DESC LIMIT ?{} OFFSET ?{}",
        if indexed { "t.rowid" } else { "a.entry_id" },
        values.len() - 1,
        values.len()
    ));
    let mut entries = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(values), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    Ok((entries, more))
}

/// Every entry that touched one record, newest first.
pub fn history(conn: &Connection, record: Record, record_id: i64) -> DbResult<Vec<LoggedEntry>> {
    let entries = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activity_records r JOIN activity a ON a.entry_id = r.entry_id
             WHERE r.record = ?1 AND r.record_id = ?2 ORDER BY r.entry_id DESC"
        ))?
        .query_map(params![record.as_str(), record_id], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(entries)
}

/// The newest entry after `entry_id` that touched the record, if any: who
/// changed it since.
pub fn changed_since(
    conn: &Connection,
    record: Record,
    record_id: i64,
    entry_id: i64,
) -> DbResult<Option<LoggedEntry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activity_records r JOIN activity a ON a.entry_id = r.entry_id
             WHERE r.record = ?1 AND r.record_id = ?2 AND r.entry_id > ?3
             ORDER BY r.entry_id DESC LIMIT 1"
        ))?
        .query_row(params![record.as_str(), record_id, entry_id], from_row)
        .optional()?)
}

/// One account's catalogue entries since a time, newest first, that have not
/// been undone: what "Undo all of these" would undo.
pub fn catalogue_entries_since(
    conn: &Connection,
    user_id: i64,
    since: i64,
) -> DbResult<Vec<LoggedEntry>> {
    let kinds: Vec<String> = Kind::ALL
        .into_iter()
        .filter(|k| k.is_catalogue())
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    let entries = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activity a
             WHERE a.user_id = ?1 AND a.at >= ?2 AND a.undone_by IS NULL
               AND a.kind IN ({}) ORDER BY a.entry_id DESC",
            kinds.join(", ")
        ))?
        .query_map(params![user_id, since], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(entries)
}

/// The accounts that appear in the log, for the activity page's filter.
pub fn actors(conn: &Connection) -> DbResult<Vec<(i64, String)>> {
    let actors = conn
        .prepare_cached(
            "SELECT u.user_id, u.username FROM users u ORDER BY u.username COLLATE NOCASE",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(actors)
}
