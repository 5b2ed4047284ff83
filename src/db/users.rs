//! Admin accounts.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::DbResult;
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

/// Adds an account; `None` when the name is taken (ignoring case).
pub fn insert(tx: &Transaction, username: &str, password_hash: &str) -> DbResult<Option<i64>> {
    if find_by_name(tx, username)?.is_some() {
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO users (username, password_hash) VALUES (?1, ?2)",
        params![username, password_hash],
    )?;
    Ok(Some(tx.last_insert_rowid()))
}

pub fn set_password_hash(tx: &Transaction, user_id: i64, password_hash: &str) -> DbResult<bool> {
    Ok(tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE user_id = ?1",
        params![user_id, password_hash],
    )? == 1)
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

pub fn delete(tx: &Transaction, user_id: i64) -> DbResult<bool> {
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
    Ok(tx.execute("DELETE FROM users WHERE user_id = ?1", [user_id])? == 1)
}

/// The owner until roles exist: the account with the lowest id (SPEC §10).
pub fn owner_id(conn: &Connection) -> DbResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT min(user_id) FROM users")?
        .query_row([], |r| r.get(0))?)
}
