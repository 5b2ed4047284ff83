//! Server-side sessions. Only the SHA-256 of each token is stored.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::DbResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub session_id: i64,
    pub user_id: i64,
    pub username: String,
    pub csrf_token: String,
    pub remember: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
}

pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub remember: bool,
    pub now: i64,
}

pub fn create(tx: &Transaction, new: &NewSession) -> DbResult<i64> {
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, remember, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            new.token_hash,
            new.user_id,
            new.csrf_token,
            new.remember,
            new.now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn find(conn: &Connection, token_hash: &[u8]) -> DbResult<Option<Session>> {
    Ok(conn
        .prepare_cached(
            "SELECT s.session_id, s.user_id, u.username, s.csrf_token, s.remember, s.created_at, s.last_seen_at
             FROM sessions s JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = ?1",
        )?
        .query_row([token_hash], |r| {
            Ok(Session {
                session_id: r.get(0)?,
                user_id: r.get(1)?,
                username: r.get(2)?,
                csrf_token: r.get(3)?,
                remember: r.get(4)?,
                created_at: r.get(5)?,
                last_seen_at: r.get(6)?,
            })
        })
        .optional()?)
}

pub fn touch(tx: &Transaction, session_id: i64, now: i64) -> DbResult<()> {
    tx.execute(
        "UPDATE sessions SET last_seen_at = ?2 WHERE session_id = ?1",
        params![session_id, now],
    )?;
    Ok(())
}

pub fn delete(tx: &Transaction, session_id: i64) -> DbResult<()> {
    tx.execute("DELETE FROM sessions WHERE session_id = ?1", [session_id])?;
    Ok(())
}

/// Ends every session of a user; `keep` spares one (the caller's own).
pub fn delete_for_user(tx: &Transaction, user_id: i64, keep: Option<i64>) -> DbResult<usize> {
    Ok(tx.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND session_id IS NOT ?2",
        params![user_id, keep],
    )?)
}

/// Removes sessions past their time-outs so the table does not grow forever.
pub fn delete_expired(
    tx: &Transaction,
    idle_before: i64,
    created_before: i64,
    remember_before: i64,
) -> DbResult<usize> {
    Ok(tx.execute(
        "DELETE FROM sessions WHERE
            (remember = 0 AND (last_seen_at < ?1 OR created_at < ?2)) OR (remember = 1 AND created_at < ?3)",
        params![idle_before, created_before, remember_before],
    )?)
}

/// Ends every session (a restore does, so nobody carries on in the old data).
pub fn delete_all(tx: &Transaction) -> DbResult<usize> {
    Ok(tx.execute("DELETE FROM sessions", [])?)
}
