//! Login throttling (SPEC §6): 5 failures for one username or 20 from one
//! client address within 15 minutes lock further attempts out, even with the
//! right password, until the oldest failure ages out.
//!
//! An attempt is counted *before* its password is checked: [`reserve`]
//! checks the counts and records the attempt in one write, so however many
//! attempts arrive at once, no more than the limits reach the password check
//! (the writes queue one at a time). A success gives its reservation back
//! ([`release`]); a failure leaves it standing as the failure.

use std::net::IpAddr;

use crate::db::{Connection, Transaction};

use crate::db::{DbResult, login_failures};

pub const WINDOW_SECS: i64 = 15 * 60;
pub const MAX_PER_USERNAME: i64 = 5;
pub const MAX_PER_ADDRESS: i64 = 20;

/// What failures are counted under: the username's key (as accounts are
/// found by it, so `ADMIN` or `ａdmin` count as `admin`) and the client's
/// address.
#[derive(Debug, Clone)]
pub struct Keys {
    user: String,
    address: String,
}

impl Keys {
    pub fn new(username: &str, addr: Option<IpAddr>) -> Keys {
        Keys {
            user: username_key(username),
            address: address_key(addr),
        }
    }
}

fn username_key(username: &str) -> String {
    format!("user:{}", crate::domain::names::key(username))
}

fn address_key(addr: Option<IpAddr>) -> String {
    match addr {
        // IPv6 clients can hold a whole /64; count them as one.
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V6(v6)) => format!(
            "addr:{}",
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        ),
        Some(ip) => format!("addr:{ip}"),
        None => "addr:unknown".to_string(),
    }
}

/// `Some(seconds)` until attempts are allowed again, or `None` when allowed.
pub fn check(conn: &Connection, keys: &Keys, now: i64) -> DbResult<Option<i64>> {
    let since = now - WINDOW_SECS;
    let mut wait: Option<i64> = None;
    for (key, limit) in [
        (&keys.user, MAX_PER_USERNAME),
        (&keys.address, MAX_PER_ADDRESS),
    ] {
        let (count, oldest) = login_failures::failures_since(conn, key, since)?;
        if count >= limit {
            let until = oldest.unwrap_or(now) + WINDOW_SECS - now;
            wait = Some(wait.map_or(until, |w| w.max(until)).max(1));
        }
    }
    Ok(wait)
}

/// `Some(seconds)` while logins as `username` are locked out by its own
/// failures (the users page shows it and can lift it), `None` otherwise.
pub fn username_locked(conn: &Connection, username: &str, now: i64) -> DbResult<Option<i64>> {
    let (count, oldest) =
        login_failures::failures_since(conn, &username_key(username), now - WINDOW_SECS)?;
    Ok((count >= MAX_PER_USERNAME).then(|| (oldest.unwrap_or(now) + WINDOW_SECS - now).max(1)))
}

/// One attempt counted in advance: the rows [`reserve`] wrote.
#[derive(Debug, Clone)]
pub struct Reservation {
    rows: Vec<i64>,
}

/// Checks the limits and, when the attempt is allowed, counts it, in the
/// caller's write: `Err(seconds)` until attempts are allowed again.
pub fn reserve(tx: &Transaction, keys: &Keys, now: i64) -> DbResult<Result<Reservation, i64>> {
    if let Some(wait) = check(tx, keys, now)? {
        return Ok(Err(wait));
    }
    let rows = login_failures::record(tx, &[&keys.user, &keys.address], now, now - WINDOW_SECS)?;
    Ok(Ok(Reservation { rows }))
}

/// Gives back a reserved attempt that turned out right.
pub fn release(tx: &Transaction, reservation: &Reservation) -> DbResult<()> {
    login_failures::delete_rows(tx, &reservation.rows)
}

/// Counts one failed attempt under both keys, forgetting those that have
/// aged out of the window.
pub fn record(tx: &Transaction, keys: &Keys, now: i64) -> DbResult<()> {
    login_failures::record(tx, &[&keys.user, &keys.address], now, now - WINDOW_SECS)?;
    Ok(())
}

/// Lifts the lock-out of a username (a successful login, or a reset).
pub fn clear(tx: &Transaction, username: &str) -> DbResult<()> {
    login_failures::clear(tx, &username_key(username))
}
