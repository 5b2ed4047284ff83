//! Two-factor sign-in's tables (SPEC §11): each account's TOTP secret and
//! last accepted step, its recovery codes (hashes only), and the half-way
//! logins waiting for a code.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::DbResult;
use super::activity::{self, Entry};
use super::settings;
use crate::domain::activity::{Actor, Kind};

/// The settings key of the owner's requirement ("1": required).
pub const REQUIRE_TWO_FACTOR: &str = "require_two_factor";

/// How long a half-way login waits for its code, in seconds.
pub const HALFWAY_SECS: i64 = 5 * 60;

/// An account's two-factor row.
#[derive(Debug, Clone)]
pub struct TwoFactor {
    pub secret: String,
    pub enabled: bool,
    pub last_step: i64,
}

pub fn get(conn: &Connection, user_id: i64) -> DbResult<Option<TwoFactor>> {
    Ok(conn
        .prepare_cached(
            "SELECT secret, enabled_at IS NOT NULL, last_step FROM two_factor WHERE user_id = ?1",
        )?
        .query_row([user_id], |r| {
            Ok(TwoFactor {
                secret: r.get(0)?,
                enabled: r.get(1)?,
                last_step: r.get(2)?,
            })
        })
        .optional()?)
}

/// Whether two-factor is on for the account.
pub fn is_on(conn: &Connection, user_id: i64) -> DbResult<bool> {
    Ok(get(conn, user_id)?.is_some_and(|t| t.enabled))
}

/// The account's row, proposing `secret` first when it has none (shown on
/// the page until a code confirms it; a reload shows the same one).
pub fn get_or_propose(tx: &Transaction, user_id: i64, secret: &str) -> DbResult<TwoFactor> {
    tx.execute(
        "INSERT INTO two_factor (user_id, secret) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO NOTHING",
        params![user_id, secret],
    )?;
    Ok(get(tx, user_id)?.unwrap_or(TwoFactor {
        secret: secret.to_string(),
        enabled: false,
        last_step: 0,
    }))
}

/// Turns two-factor on with the proposed secret `secret` (if it is still
/// the proposed one), its first accepted step and the recovery codes'
/// hashes, and records it. False when the proposal changed meanwhile.
pub fn turn_on(
    tx: &Transaction,
    actor: &Actor,
    user_id: i64,
    secret: &str,
    step: i64,
    now: i64,
    recovery_hashes: &[String],
) -> DbResult<bool> {
    let changed = tx.execute(
        "UPDATE two_factor SET enabled_at = ?3, last_step = ?4
         WHERE user_id = ?1 AND secret = ?2 AND enabled_at IS NULL AND last_step < ?4",
        params![user_id, secret, now, step],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    replace_recovery_codes(tx, user_id, recovery_hashes)?;
    activity::record(
        tx,
        actor,
        Entry {
            record_id: Some(user_id),
            ..Entry::event(
                Kind::Security,
                "two_factor_on",
                "turned two-factor sign-in on",
            )
        },
    )?;
    Ok(true)
}

fn replace_recovery_codes(tx: &Transaction, user_id: i64, hashes: &[String]) -> DbResult<()> {
    tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    for hash in hashes {
        tx.execute(
            "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
            params![user_id, hash],
        )?;
    }
    Ok(())
}

/// Turns two-factor off (its secret, recovery codes and half-way logins go)
/// and records it with `words`; false when it was not on.
pub fn turn_off(tx: &Transaction, actor: &Actor, user_id: i64, words: &str) -> DbResult<bool> {
    let was_on = is_on(tx, user_id)?;
    tx.execute("DELETE FROM two_factor WHERE user_id = ?1", [user_id])?;
    tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [user_id])?;
    tx.execute("DELETE FROM login_halfway WHERE user_id = ?1", [user_id])?;
    if was_on {
        activity::record(
            tx,
            actor,
            Entry {
                record_id: Some(user_id),
                ..Entry::event(Kind::Security, "two_factor_off", words)
            },
        )?;
    }
    Ok(was_on)
}

/// Accepts the code of `step` once: true when no code of this or a later
/// step was accepted before (the check and the update are one statement
/// inside the caller's write, so two copies of one code cannot both pass).
pub fn accept_step(tx: &Transaction, user_id: i64, step: i64) -> DbResult<bool> {
    Ok(tx.execute(
        "UPDATE two_factor SET last_step = ?2
         WHERE user_id = ?1 AND enabled_at IS NOT NULL AND last_step < ?2",
        params![user_id, step],
    )? == 1)
}

/// The unused recovery codes' ids and hashes.
pub fn unused_recovery_codes(conn: &Connection, user_id: i64) -> DbResult<Vec<(i64, String)>> {
    let codes = conn
        .prepare_cached(
            "SELECT code_id, code_hash FROM recovery_codes
             WHERE user_id = ?1 AND used_at IS NULL ORDER BY code_id",
        )?
        .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(codes)
}

/// Uses up a recovery code and records it; false when it was used meanwhile.
pub fn use_recovery_code(
    tx: &Transaction,
    actor: &Actor,
    code_id: i64,
    now: i64,
) -> DbResult<bool> {
    let used = tx.execute(
        "UPDATE recovery_codes SET used_at = ?2 WHERE code_id = ?1 AND used_at IS NULL",
        params![code_id, now],
    )? == 1;
    if used {
        activity::record(
            tx,
            actor,
            Entry::event(Kind::Security, "recovery_code_used", "used a recovery code"),
        )?;
    }
    Ok(used)
}

/// Whether the account must turn two-factor on before it may use the
/// admin pages: the owner requires it, the account is the owner or an
/// admin (SPEC §11), and it has not turned it on.
pub fn must_enrol(conn: &Connection, user_id: i64) -> DbResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM settings WHERE key = ?2 AND value = '1')
                AND EXISTS (SELECT 1 FROM users u JOIN user_access a
                                ON a.user_id = u.user_id AND a.username = u.username
                            WHERE u.user_id = ?1 AND a.role IN ('owner', 'admin'))
                AND NOT EXISTS (SELECT 1 FROM two_factor
                                WHERE user_id = ?1 AND enabled_at IS NOT NULL)",
        )?
        .query_row(params![user_id, REQUIRE_TWO_FACTOR], |r| r.get(0))?)
}

/// Whether the owner requires two-factor sign-in for owner and admins.
pub fn is_required(conn: &Connection) -> DbResult<bool> {
    Ok(settings::get(conn, REQUIRE_TWO_FACTOR)?.as_deref() == Some("1"))
}

/// Sets the owner's requirement and records it; false (nothing written)
/// when it was so already.
pub fn set_required(tx: &Transaction, actor: &Actor, required: bool) -> DbResult<bool> {
    if is_required(tx)? == required {
        return Ok(false);
    }
    settings::set(tx, REQUIRE_TWO_FACTOR, if required { "1" } else { "0" })?;
    let words = if required {
        "required two-factor sign-in for the owner and admins"
    } else {
        "stopped requiring two-factor sign-in"
    };
    activity::record(tx, actor, Entry::event(Kind::Settings, "edit", words))?;
    Ok(true)
}

/// A login waiting for its code.
#[derive(Debug, Clone)]
pub struct Halfway {
    pub user_id: i64,
    pub username: String,
    pub remember: bool,
    pub next: String,
    pub csrf_token: String,
}

pub struct NewHalfway<'a> {
    pub token_hash: &'a [u8],
    pub user_id: i64,
    pub remember: bool,
    pub next: &'a str,
    pub csrf_token: &'a str,
    pub now: i64,
}

/// Starts a half-way login, forgetting those that have expired.
pub fn begin_halfway(tx: &Transaction, halfway: &NewHalfway) -> DbResult<()> {
    tx.execute(
        "DELETE FROM login_halfway WHERE created_at < ?1",
        [halfway.now - HALFWAY_SECS],
    )?;
    tx.execute(
        "INSERT INTO login_halfway (token_hash, user_id, remember, next, csrf_token, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            halfway.token_hash,
            halfway.user_id,
            halfway.remember,
            halfway.next,
            halfway.csrf_token,
            halfway.now
        ],
    )?;
    Ok(())
}

/// The half-way login of `token_hash`, unless it has expired.
pub fn find_halfway(conn: &Connection, token_hash: &[u8], now: i64) -> DbResult<Option<Halfway>> {
    Ok(conn
        .prepare_cached(
            "SELECT h.user_id, u.username, h.remember, h.next, h.csrf_token
             FROM login_halfway h JOIN users u ON u.user_id = h.user_id
             WHERE h.token_hash = ?1 AND h.created_at >= ?2",
        )?
        .query_row(params![token_hash, now - HALFWAY_SECS], |r| {
            Ok(Halfway {
                user_id: r.get(0)?,
                username: r.get(1)?,
                remember: r.get(2)?,
                next: r.get(3)?,
                csrf_token: r.get(4)?,
            })
        })
        .optional()?)
}

/// Ends a half-way login (its code was right); false when it had already
/// ended, so one half-way login makes at most one session.
pub fn end_halfway(tx: &Transaction, token_hash: &[u8]) -> DbResult<bool> {
    Ok(tx.execute(
        "DELETE FROM login_halfway WHERE token_hash = ?1",
        [token_hash],
    )? == 1)
}
