//! The record of failed logins that login throttling counts.

use rusqlite::{Connection, Transaction, params};

use super::DbResult;

/// Failed logins for `key` since `since` (seconds), and the oldest of them.
pub fn failures_since(conn: &Connection, key: &str, since: i64) -> DbResult<(i64, Option<i64>)> {
    Ok(conn
        .prepare_cached("SELECT count(*), min(failed_at) FROM login_failures WHERE key = ?1 AND failed_at >= ?2")?
        .query_row(params![key, since], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Records one failure under each key; returns the new rows' ids.
pub fn record(tx: &Transaction, keys: &[&str], now: i64, forget_before: i64) -> DbResult<Vec<i64>> {
    tx.execute(
        "DELETE FROM login_failures WHERE failed_at < ?1",
        [forget_before],
    )?;
    let mut rows = Vec::with_capacity(keys.len());
    for key in keys {
        tx.execute(
            "INSERT INTO login_failures (key, failed_at) VALUES (?1, ?2)",
            params![key, now],
        )?;
        rows.push(tx.last_insert_rowid());
    }
    Ok(rows)
}

pub fn delete_rows(tx: &Transaction, rows: &[i64]) -> DbResult<()> {
    for row in rows {
        tx.execute("DELETE FROM login_failures WHERE rowid = ?1", [row])?;
    }
    Ok(())
}

pub fn clear(tx: &Transaction, key: &str) -> DbResult<()> {
    tx.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
    Ok(())
}
