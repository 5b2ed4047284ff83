//! Admin accounts.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use serde_json::json;

use super::DbResult;
use super::activity::{self, Entry};
use crate::domain::activity::{Actor, Change, Kind, Record};
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

/// Finds an account by name, ignoring case (usernames are unique that way).
pub fn find_by_name(conn: &Connection, username: &str) -> DbResult<Option<User>> {
    Ok(conn
        .prepare_cached(
            "SELECT user_id, username, password_hash FROM users
             WHERE username = ?1 COLLATE NOCASE ORDER BY username = ?1 DESC, user_id LIMIT 1",
        )?
        .query_row([username], from_row)
        .optional()?)
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

/// Adds an account and records it; `None` when the name is taken (ignoring case).
pub fn insert(
    tx: &Transaction,
    actor: &Actor,
    username: &str,
    password_hash: &str,
) -> DbResult<Option<i64>> {
    if find_by_name(tx, username)?.is_some() {
        return Ok(None);
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
    Ok(Some(user_id))
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
