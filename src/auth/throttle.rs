//! Login throttling (SPEC §6): 5 failures for one username or 20 from one
//! client address within 15 minutes lock further attempts out, even with the
//! right password, until the oldest failure ages out.

use std::net::IpAddr;

use crate::db::{DbResult, users};

pub const WINDOW_SECS: i64 = 15 * 60;
pub const MAX_PER_USERNAME: i64 = 5;
pub const MAX_PER_ADDRESS: i64 = 20;

pub fn username_key(username: &str) -> String {
    format!("user:{}", username.to_lowercase())
}

pub fn address_key(addr: Option<IpAddr>) -> String {
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
pub fn retry_after(
    conn: &rusqlite::Connection,
    user_key: &str,
    addr_key: &str,
    now: i64,
) -> DbResult<Option<i64>> {
    let since = now - WINDOW_SECS;
    let mut wait: Option<i64> = None;
    for (key, limit) in [(user_key, MAX_PER_USERNAME), (addr_key, MAX_PER_ADDRESS)] {
        let (count, oldest) = users::failures_since(conn, key, since)?;
        if count >= limit {
            let until = oldest.unwrap_or(now) + WINDOW_SECS - now;
            wait = Some(wait.map_or(until, |w| w.max(until)).max(1));
        }
    }
    Ok(wait)
}
