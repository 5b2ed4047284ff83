//! Admin accounts.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use serde_json::json;

use super::DbResult;
use super::activity::{self, Entry};
use crate::domain::activity::{Actor, Change, Kind, Record};
use crate::domain::names::{self, Clash};
use crate::domain::records::User;

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User {
        user_id: r.get(0)?,
        username: r.get(1)?,
        password_hash: r.get(2)?,
    })
}

pub fn count(conn: &Connection) -> DbResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM users")?
        .query_row([], |r| r.get(0))?)
}

/// Finds an account by name as SPEC §6 compares them (NFKC, full case
/// folding: `domain::names::key`). A database from before that rule may
/// hold two accounts of one key: the one spelt exactly as typed wins, then
/// the oldest.
///
/// The key of a name of printable ASCII is its lowercase, so those rows are
/// found through the `NOCASE` index; only the other rows (matched by the
/// GLOB, in SQLite's C) have their key computed, which keeps a login's
/// look-up fast however many accounts there are.
pub fn find_by_name(conn: &Connection, username: &str) -> DbResult<Option<User>> {
    let key = names::key(username);
    Ok(conn
        .prepare_cached(
            "SELECT user_id, username, password_hash FROM users
             WHERE (?3 AND username = ?1 COLLATE NOCASE)
                OR (username GLOB '*[^ -~]*' AND motodex_name_key(username) = ?1)
             ORDER BY username = ?2 DESC, user_id LIMIT 1",
        )?
        .query_row(params![key, username.trim(), key.is_ascii()], from_row)
        .optional()?)
}

/// The existing account a new `username` would clash with: the same name,
/// or one that looks the same.
pub fn clash(conn: &Connection, username: &str) -> DbResult<Option<Clash>> {
    if let Some(user) = find_by_name(conn, username)? {
        return Ok(Some(Clash::Same(user.username)));
    }
    let look_alike: Option<String> = conn
        .prepare_cached(
            "SELECT username FROM users WHERE motodex_name_skeleton(username) = ?1
             ORDER BY user_id LIMIT 1",
        )?
        .query_row([names::skeleton(username)], |r| r.get(0))
        .optional()?;
    Ok(look_alike.map(Clash::LooksAlike))
}

pub fn get(conn: &Connection, user_id: i64) -> DbResult<Option<User>> {
    Ok(conn
        .prepare_cached("SELECT user_id, username, password_hash FROM users WHERE user_id = ?1")?
        .query_row([user_id], from_row)
        .optional()?)
}

pub fn list(conn: &Connection) -> DbResult<Vec<User>> {
    let users = conn
        .prepare_cached(
            "SELECT user_id, username, password_hash FROM users ORDER BY username COLLATE NOCASE",
        )?
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(users)
}

/// An account's values in the activity log: never its password hash.
fn logged(user_id: i64, username: &str) -> serde_json::Value {
    json!({ "user_id": user_id, "username": username })
}

/// Adds an account and records it, unless the name clashes with an
/// existing one (checked inside the write, so two at once cannot both pass).
pub fn insert(
    tx: &Transaction,
    actor: &Actor,
    username: &str,
    password_hash: &str,
) -> DbResult<Result<i64, Clash>> {
    if let Some(clash) = clash(tx, username)? {
        return Ok(Err(clash));
    }
    tx.execute(
        "INSERT INTO users (username, password_hash) VALUES (?1, ?2)",
        params![username, password_hash],
    )?;
    let user_id = tx.last_insert_rowid();
    activity::record(
        tx,
        actor,
        Entry::change(
            Kind::User,
            "add",
            format!("added the admin {username}"),
            Change {
                record: Record::User,
                id: user_id,
                before: None,
                after: Some(logged(user_id, username)),
            },
        ),
    )?;
    Ok(Ok(user_id))
}

/// Sets a new password and records it: "changed their password" when the
/// actor is that account, "reset the password of …" otherwise.
pub fn set_password_hash(
    tx: &Transaction,
    actor: &Actor,
    user_id: i64,
    password_hash: &str,
) -> DbResult<bool> {
    let Some(user) = get(tx, user_id)? else {
        return Ok(false);
    };
    tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE user_id = ?1",
        params![user_id, password_hash],
    )?;
    let (action, words) = if actor.user_id == Some(user_id) {
        ("password_change", "changed their password".to_string())
    } else {
        (
            "password_reset",
            format!("reset the password of {}", user.username),
        )
    };
    activity::record(
        tx,
        actor,
        Entry {
            record_id: Some(user_id),
            ..Entry::event(Kind::User, action, words)
        },
    )?;
    Ok(true)
}

/// Replaces a legacy hash only if it is still the one that was verified, so a
/// password changed meanwhile (e.g. by `reset-password`) is never overwritten.
pub fn upgrade_password_hash(
    tx: &Transaction,
    user_id: i64,
    old_hash: &str,
    new_hash: &str,
) -> DbResult<()> {
    tx.execute(
        "UPDATE users SET password_hash = ?3 WHERE user_id = ?1 AND password_hash = ?2",
        params![user_id, old_hash, new_hash],
    )?;
    Ok(())
}

/// Deletes an account (its sessions end) and records it.
pub fn delete(tx: &Transaction, actor: &Actor, user_id: i64) -> DbResult<bool> {
    let Some(user) = get(tx, user_id)? else {
        return Ok(false);
    };
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
    tx.execute("DELETE FROM users WHERE user_id = ?1", [user_id])?;
    activity::record(
        tx,
        actor,
        Entry::change(
            Kind::User,
            "delete",
            format!("deleted the admin {}", user.username),
            Change {
                record: Record::User,
                id: user_id,
                before: Some(logged(user_id, &user.username)),
                after: None,
            },
        ),
    )?;
    Ok(true)
}

/// The owner, until roles exist (SPEC §10): the account with the lowest id.
pub fn owner_id(conn: &Connection) -> DbResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT min(user_id) FROM users")?
        .query_row([], |r| r.get(0))?)
}
