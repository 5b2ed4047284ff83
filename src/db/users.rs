//! Accounts: the course's `users` table and, beside it, each account's
//! role, temporary password and expiry (`user_access`, SPEC §10).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use serde_json::json;

use super::DbResult;
use super::activity::{self, Entry};
use crate::domain::activity::{Actor, Change, Kind, Record};
use crate::domain::names::{self, Clash};
use crate::domain::records::User;
use crate::domain::roles::Role;

/// The columns of [`from_row`]: the course's `users` row and the role row
/// beside it, which counts only while it names the same account (see
/// `migrations/0006-roles.sql`); without one the account is a contributor.
const ACCOUNT: &str = "SELECT u.user_id, u.username, u.password_hash,
        a.role, coalesce(a.temporary_password, 0), a.expires_on
    FROM users u LEFT JOIN user_access a ON a.user_id = u.user_id AND a.username = u.username";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    let role: Option<String> = r.get(3)?;
    Ok(User {
        user_id: r.get(0)?,
        username: r.get(1)?,
        password_hash: r.get(2)?,
        role: role
            .and_then(|text| Role::parse(&text).ok())
            .unwrap_or(Role::Contributor),
        temporary_password: r.get(4)?,
        expires_on: r.get(5)?,
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
        .prepare_cached(&format!(
            "{ACCOUNT} WHERE (?3 AND u.username = ?1 COLLATE NOCASE)
                OR (u.username GLOB '*[^ -~]*' AND motodex_name_key(u.username) = ?1)
             ORDER BY u.username = ?2 DESC, u.user_id LIMIT 1"
        ))?
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
        .prepare_cached(&format!("{ACCOUNT} WHERE u.user_id = ?1"))?
        .query_row([user_id], from_row)
        .optional()?)
}

pub fn list(conn: &Connection) -> DbResult<Vec<User>> {
    let users = conn
        .prepare_cached(&format!("{ACCOUNT} ORDER BY u.username COLLATE NOCASE"))?
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(users)
}

/// Writes the account's role row as `user` now is (the role, the
/// temporary password, the expiry). Only this account's row is touched:
/// giving a second account the owner role fails on the one-owner index
/// instead of replacing the other's row.
fn save_access(tx: &Transaction, user: &User) -> DbResult<()> {
    tx.execute(
        "INSERT INTO user_access (user_id, username, role, temporary_password, expires_on)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, role = excluded.role,
            temporary_password = excluded.temporary_password, expires_on = excluded.expires_on",
        params![
            user.user_id,
            user.username,
            user.role.as_str(),
            user.temporary_password,
            user.expires_on
        ],
    )?;
    Ok(())
}

/// An account's values in the activity log: never its password hash.
fn logged(user: &User) -> serde_json::Value {
    json!({
        "user_id": user.user_id,
        "username": user.username,
        "role": user.role.as_str(),
        "expires_on": user.expires_on,
    })
}

fn user_change(before: Option<&User>, after: Option<&User>) -> Change {
    Change {
        record: Record::User,
        id: before.or(after).map_or(0, |u| u.user_id),
        before: before.map(logged),
        after: after.map(logged),
    }
}

/// A new account: its name, password hash, role and, for class accounts,
/// a temporary password and a last day.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub temporary_password: bool,
    pub expires_on: Option<String>,
}

impl NewAccount {
    /// An account whose password its holder chose.
    pub fn new(username: &str, password_hash: &str, role: Role) -> NewAccount {
        NewAccount {
            username: username.to_string(),
            password_hash: password_hash.to_string(),
            role,
            temporary_password: false,
            expires_on: None,
        }
    }
}

/// Adds an account without recording it, unless the name clashes with an
/// existing one (checked inside the write, so two at once cannot both pass).
fn insert_unrecorded(tx: &Transaction, new: &NewAccount) -> DbResult<Result<User, Clash>> {
    if let Some(clash) = clash(tx, &new.username)? {
        return Ok(Err(clash));
    }
    tx.execute(
        "INSERT INTO users (username, password_hash) VALUES (?1, ?2)",
        params![new.username, new.password_hash],
    )?;
    let user = User {
        user_id: tx.last_insert_rowid(),
        username: new.username.clone(),
        password_hash: new.password_hash.clone(),
        role: new.role,
        temporary_password: new.temporary_password,
        expires_on: new.expires_on.clone(),
    };
    save_access(tx, &user)?;
    Ok(Ok(user))
}

/// Adds an account and records it, unless the name clashes with an
/// existing one.
pub fn insert(tx: &Transaction, actor: &Actor, new: &NewAccount) -> DbResult<Result<i64, Clash>> {
    let user = match insert_unrecorded(tx, new)? {
        Ok(user) => user,
        Err(clash) => return Ok(Err(clash)),
    };
    activity::record(
        tx,
        actor,
        Entry::change(
            Kind::User,
            "add",
            format!("added the {} {}", user.role, user.username),
            user_change(None, Some(&user)),
        ),
    )?;
    Ok(Ok(user.user_id))
}

/// Adds class accounts, all or none, as one entry; `Err` names the first
/// one whose name is taken (the caller has checked them all; this is the
/// check inside the write).
pub fn insert_batch(
    tx: &Transaction,
    actor: &Actor,
    accounts: &[NewAccount],
) -> DbResult<Result<Vec<User>, String>> {
    let mut added = Vec::with_capacity(accounts.len());
    for new in accounts {
        match insert_unrecorded(tx, new)? {
            Ok(user) => added.push(user),
            Err(_) => return Ok(Err(new.username.clone())),
        }
    }
    let role = accounts.first().map_or(Role::Contributor, |a| a.role);
    activity::record(
        tx,
        actor,
        Entry {
            changes: added.iter().map(|u| user_change(None, Some(u))).collect(),
            ..Entry::event(
                Kind::User,
                "add_batch",
                format!(
                    "added {} class account{} ({})",
                    added.len(),
                    if added.len() == 1 { "" } else { "s" },
                    role
                ),
            )
        },
    )?;
    Ok(Ok(added))
}

/// Stores the account's new password hash, temporary or its own; the
/// account as it was before, or `None` when there is no such account.
fn replace_password(
    tx: &Transaction,
    user_id: i64,
    password_hash: &str,
    temporary: bool,
) -> DbResult<Option<User>> {
    let Some(user) = get(tx, user_id)? else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE user_id = ?1",
        params![user_id, password_hash],
    )?;
    if user.temporary_password != temporary {
        save_access(
            tx,
            &User {
                temporary_password: temporary,
                ..user.clone()
            },
        )?;
    }
    Ok(Some(user))
}

/// Sets a new password and records it: "changed their password" when the
/// actor is that account, "reset the password of …" otherwise.
pub fn set_password_hash(
    tx: &Transaction,
    actor: &Actor,
    user_id: i64,
    password_hash: &str,
) -> DbResult<bool> {
    let Some(user) = replace_password(tx, user_id, password_hash, false)? else {
        return Ok(false);
    };
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
    tx.execute("DELETE FROM user_access WHERE user_id = ?1", [user_id])?;
    tx.execute("DELETE FROM users WHERE user_id = ?1", [user_id])?;
    activity::record(
        tx,
        actor,
        Entry::change(
            Kind::User,
            "delete",
            format!("deleted the {} {}", user.role, user.username),
            user_change(Some(&user), None),
        ),
    )?;
    Ok(true)
}

/// The owner (SPEC §10): none only when the Flask app deleted it.
pub fn owner_id(conn: &Connection) -> DbResult<Option<i64>> {
    Ok(conn
        .prepare_cached(&format!("{ACCOUNT} WHERE a.role = 'owner'"))?
        .query_row([], from_row)
        .optional()?
        .map(|owner| owner.user_id))
}

/// Sets a temporary password: the account's sessions end, and at its
/// next login it must choose its own (the password is never logged).
pub fn set_temporary_password(
    tx: &Transaction,
    actor: &Actor,
    user_id: i64,
    password_hash: &str,
) -> DbResult<bool> {
    let Some(user) = replace_password(tx, user_id, password_hash, true)? else {
        return Ok(false);
    };
    tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
    activity::record(
        tx,
        actor,
        Entry {
            record_id: Some(user_id),
            ..Entry::event(
                Kind::User,
                "temporary_password",
                format!("set a temporary password for {}", user.username),
            )
        },
    )?;
    Ok(true)
}

/// Gives an account another role (never owner: see [`hand_over`]) and
/// records it.
pub fn set_role(tx: &Transaction, actor: &Actor, user: &User, role: Role) -> DbResult<()> {
    let after = User {
        role,
        ..user.clone()
    };
    save_access(tx, &after)?;
    activity::record(
        tx,
        actor,
        Entry::change(
            Kind::User,
            "role",
            format!(
                "changed the role of {} from {} to {}",
                user.username, user.role, role
            ),
            user_change(Some(user), Some(&after)),
        ),
    )?;
    Ok(())
}

/// Hands ownership from `owner` to `heir`; the old owner becomes an admin.
pub fn hand_over(tx: &Transaction, actor: &Actor, owner: &User, heir: &User) -> DbResult<()> {
    let old_owner = User {
        role: Role::Admin,
        ..owner.clone()
    };
    let new_owner = User {
        role: Role::Owner,
        ..heir.clone()
    };
    // The old owner steps down first: there is never a second owner.
    save_access(tx, &old_owner)?;
    save_access(tx, &new_owner)?;
    activity::record(
        tx,
        actor,
        Entry {
            record_id: Some(heir.user_id),
            changes: vec![
                user_change(Some(owner), Some(&old_owner)),
                user_change(Some(heir), Some(&new_owner)),
            ],
            ..Entry::event(
                Kind::User,
                "hand_over",
                format!(
                    "handed ownership over to {} ({} is now an admin)",
                    heir.username, owner.username
                ),
            )
        },
    )?;
    Ok(())
}

/// Sets or clears the last day an account may log in, and records it.
pub fn set_expiry(
    tx: &Transaction,
    actor: &Actor,
    user: &User,
    expires_on: Option<String>,
) -> DbResult<()> {
    let words = match &expires_on {
        Some(day) => format!("set {} to expire after {day}", user.username),
        None => format!("removed the expiry of {}", user.username),
    };
    let after = User {
        expires_on,
        ..user.clone()
    };
    save_access(tx, &after)?;
    activity::record(
        tx,
        actor,
        Entry::change(
            Kind::User,
            "expiry",
            words,
            user_change(Some(user), Some(&after)),
        ),
    )?;
    Ok(())
}
