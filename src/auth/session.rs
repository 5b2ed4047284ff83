//! Sessions, their one owner: started at login, found for each admin
//! request, ended at logout or when they time out.
//!
//! The cookie holds a random 256-bit token, signed (HMAC) with the key derived
//! from the database's secret; the database holds only the token's SHA-256.
//! A stolen database cannot be replayed as a cookie, and a new secret key
//! makes every old cookie worthless.

use std::time::Duration;

use rand::RngExt;

use sha2::{Digest, Sha256};

use super::csrf;
use crate::clock;
use crate::cookies::CookieSettings;
use crate::db::{Connection, Db, DbError, DbResult, Transaction, sessions, users};
use crate::domain::records::User;
use crate::domain::roles::Role;

/// Session time-outs, in seconds, enforced by the server.
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    pub idle_secs: i64,
    pub max_secs: i64,
    pub remember_secs: i64,
}

/// The signed-in account of a request.
#[derive(Debug, Clone)]
pub struct Admin {
    pub user_id: i64,
    pub username: String,
    pub session_id: i64,
    /// A "remember me" session, kept when the password changes.
    pub remember: bool,
    /// The token every POST form of this session must carry.
    pub csrf_token: String,
    /// What the account may do (SPEC §10), as stored at this request.
    pub role: Role,
    /// The account must replace a temporary password before anything else.
    pub temporary_password: bool,
}

/// A fresh random token as hex, and the hash that is stored.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub const SESSION: &str = "motodex_session";
pub const LOGIN_CSRF: &str = "motodex_login";

/// Writes a new session for `user_id` inside the caller's transaction (so
/// that a login is one write), clearing out expired ones, and returns its
/// token for [`cookie`]. A new random token every time: a session id is
/// never carried over (no fixation).
pub fn begin(
    tx: &Transaction,
    policy: &SessionPolicy,
    user_id: i64,
    remember: bool,
) -> DbResult<String> {
    let (token, hash) = new_token();
    let csrf_token = csrf::new_token();
    let now = clock::now();
    sessions::delete_expired(
        tx,
        now - policy.idle_secs,
        now - policy.max_secs,
        now - policy.remember_secs,
    )?;
    sessions::create(
        tx,
        &sessions::NewSession {
            token_hash: &hash,
            user_id,
            csrf_token: &csrf_token,
            remember,
            now,
        },
    )?;
    Ok(token)
}

/// The `Set-Cookie` value that carries a session begun with [`begin`].
pub fn cookie(
    cookies: &CookieSettings,
    policy: &SessionPolicy,
    token: &str,
    remember: bool,
) -> String {
    let lifetime = Duration::from_secs(policy.remember_secs.max(0) as u64);
    cookies.signed(SESSION, token, remember.then_some(lifetime))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn removal(cookies: &CookieSettings) -> String {
    cookies.removal(SESSION)
}

/// The account whose valid session cookie came with the request, if any,
/// with what `also` reads for it in the same short read (what the page
/// needs beyond the session: one read, one snapshot, per request).
/// Enforces the idle and absolute time-outs on the server: an expired
/// session is deleted, whatever the cookie says.
pub async fn current<E, F>(
    db: &Db,
    cookies: &CookieSettings,
    policy: &SessionPolicy,
    cookie_header: Option<&str>,
    also: F,
) -> DbResult<Option<(Admin, E)>>
where
    E: Send + 'static,
    F: Fn(&Connection, &User) -> DbResult<E> + Send + 'static,
{
    let Some(token) = cookies.read(cookie_header, SESSION) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let found = db
        .quick_read(move |conn| {
            let Some(session) = sessions::find(conn, &hash)? else {
                return Ok(None);
            };
            let Some(user) = users::get(conn, session.user_id)? else {
                return Ok(None);
            };
            let extra = also(conn, &user)?;
            Ok(Some((session, user, extra)))
        })
        .await?;
    let Some((session, user, extra)) = found else {
        return Ok(None);
    };
    let now = clock::now();
    // An account that has expired since this session began is signed out
    // too; its next login attempt says why.
    let expired = if session.remember {
        now - session.created_at > policy.remember_secs
    } else {
        now - session.last_seen_at > policy.idle_secs || now - session.created_at > policy.max_secs
    } || user.expired(&clock::local_date(now)).is_some();
    let session_id = session.session_id;
    if expired {
        db.write(move |tx| sessions::delete(tx, session_id)).await?;
        return Ok(None);
    }
    // At most one write per session per second keeps the idle clock honest
    // without turning every page view into a write. The page does not wait
    // for it: it changes nothing the page shows, and a write waits its turn
    // behind the other admins' saves (each with its fsync).
    if now > session.last_seen_at {
        let db = db.clone();
        tokio::spawn(async move {
            match db
                .write(move |tx| sessions::touch(tx, session_id, now))
                .await
            {
                // Said where they matter (the write itself, the pages' notice).
                Ok(()) | Err(DbError::ReadOnly | DbError::Replaced) => {}
                Err(err) => tracing::warn!("warning: a session's last visit was not saved: {err}"),
            }
        });
    }
    let admin = Admin {
        user_id: session.user_id,
        username: session.username,
        session_id,
        remember: session.remember,
        csrf_token: session.csrf_token,
        role: user.role,
        temporary_password: user.temporary_password,
    };
    Ok(Some((admin, extra)))
}

/// Ends one session (logging out).
pub async fn end(db: &Db, session_id: i64) -> DbResult<()> {
    db.write(move |tx| sessions::delete(tx, session_id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_only_as_hashes() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(hash_a, token_hash(&a));
        assert_ne!(hash_a, a.as_bytes());
    }
}
