//! Undo (SPEC §8): putting every record an entry touched back as it was
//! before, newest change first, refused (changing nothing) when a record has
//! changed since; "Restore this version"; and undoing one account's work
//! since a time. Each is itself one recorded, undoable entry.

use rusqlite::Transaction;
use serde_json::Value;

use super::DbResult;
use super::activity::{self, Entry};
use super::versions::{self, Blocked, attempt};
use crate::domain::activity::{Actor, Change, Kind, LoggedEntry, Record};

/// Why an undo or a restore was refused: what blocked it and, when someone
/// changed the record since, the newest entry that did.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub blocked: Blocked,
    pub since: Option<Box<LoggedEntry>>,
}

/// What became of an undo or a restore.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Done: the new entry and its words.
    Done {
        entry_id: i64,
        words: String,
    },
    Refused(Refusal),
    /// No such entry (or, for a restore, not one of that record's).
    Missing,
    /// The entry is not a catalogue change (a login, an account).
    NotUndoable,
}

fn refusal(tx: &Transaction, blocked: Blocked, after_entry: i64) -> DbResult<Refusal> {
    let (record, id) = blocked.record();
    let since = activity::changed_since(tx, record, id, after_entry)?.map(Box::new);
    Ok(Refusal { blocked, since })
}

/// Reverts every change of `entry`, newest first, inside the caller's
/// savepoint; the changes made, or what blocked it.
fn revert(
    tx: &Transaction,
    actor: &Actor,
    entry: &LoggedEntry,
) -> DbResult<Result<Vec<Change>, Blocked>> {
    let mut made = Vec::new();
    for change in entry.changes.iter().rev() {
        match versions::set(
            tx,
            actor,
            change.record,
            change.id,
            change.after.as_ref(),
            change.before.as_ref(),
        )? {
            Ok(mut changes) => made.append(&mut changes),
            Err(blocked) => return Ok(Err(blocked)),
        }
    }
    Ok(Ok(made))
}

/// Undoes one entry.
pub fn undo(tx: &Transaction, actor: &Actor, entry_id: i64) -> DbResult<Outcome> {
    let Some(entry) = activity::get(tx, entry_id)? else {
        return Ok(Outcome::Missing);
    };
    if !entry.undoable() {
        return Ok(Outcome::NotUndoable);
    }
    match attempt(tx, || revert(tx, actor, &entry))? {
        Err(blocked) => Ok(Outcome::Refused(refusal(tx, blocked, entry_id)?)),
        Ok(changes) => {
            let words = format!("undid “{}” (by {})", entry.description, entry.username);
            let kind = entry.kind().unwrap_or(Kind::Undo);
            let new_id = activity::record(
                tx,
                actor,
                Entry {
                    kind,
                    action: "undo",
                    record_id: entry.record_id,
                    description: words.clone(),
                    changes,
                    undoes: vec![entry_id],
                },
            )?;
            Ok(Outcome::Done {
                entry_id: new_id,
                words,
            })
        }
    }
}

/// Puts a bike or maker back to its values after `entry_id` (one of its
/// history's entries), through SPEC §5's checks.
pub fn restore_version(
    tx: &Transaction,
    actor: &Actor,
    record: Record,
    record_id: i64,
    entry_id: i64,
) -> DbResult<Outcome> {
    let Some(entry) = activity::get(tx, entry_id)? else {
        return Ok(Outcome::Missing);
    };
    let Some(change) = entry
        .changes
        .iter()
        .rev()
        .find(|c| c.record == record && c.id == record_id)
    else {
        return Ok(Outcome::Missing);
    };
    let Some(target) = change.after.clone() else {
        return Ok(Outcome::NotUndoable);
    };
    match attempt(tx, || {
        versions::restore(tx, actor, record, record_id, Some(&target))
    })? {
        Err(blocked) => Ok(Outcome::Refused(Refusal {
            blocked,
            since: None,
        })),
        Ok(changes) => {
            let words = format!(
                "restored {} to its version of entry {entry_id}",
                name_of(record, &target)
            );
            let new_id = activity::record(
                tx,
                actor,
                Entry {
                    kind: match record {
                        Record::Maker => Kind::Maker,
                        _ => Kind::Bike,
                    },
                    action: "restore",
                    record_id: Some(record_id),
                    description: words.clone(),
                    changes,
                    undoes: Vec::new(),
                },
            )?;
            Ok(Outcome::Done {
                entry_id: new_id,
                words,
            })
        }
    }
}

/// A record's name for the log's words.
pub fn name_of(record: Record, values: &Value) -> String {
    match record {
        Record::Bike => versions::bike_name(Some(values)),
        _ => format!(
            "the maker {}",
            values.get("name").and_then(Value::as_str).unwrap_or("")
        ),
    }
}

/// What "Undo all of these" would do, or did.
#[derive(Debug, Clone, Default)]
pub struct UndoAll {
    /// The entries undone (or that would be), newest first.
    pub undone: Vec<LoggedEntry>,
    /// Those that cannot be, each with why.
    pub blocked: Vec<(LoggedEntry, String)>,
    /// The one new entry, when done.
    pub entry_id: Option<i64>,
}

/// Undoes one account's catalogue entries since `since` (UTC seconds),
/// newest first, as one entry; entries changed since by someone else are
/// left alone and listed. With `preview`, everything is rolled back after:
/// the confirmation page's counts are exactly what confirming will do (if
/// nobody changes anything meanwhile).
pub fn undo_all(
    tx: &Transaction,
    actor: &Actor,
    user_id: i64,
    since: i64,
    preview: bool,
) -> DbResult<UndoAll> {
    let entries = activity::catalogue_entries_since(tx, user_id, since)?;
    tx.execute_batch("SAVEPOINT undo_all")?;
    let mut plan = UndoAll::default();
    let mut changes = Vec::new();
    let outcome = (|| -> DbResult<()> {
        for entry in entries {
            match attempt(tx, || revert(tx, actor, &entry))? {
                Ok(mut made) => {
                    changes.append(&mut made);
                    plan.undone.push(entry);
                }
                Err(blocked) => {
                    let why = match activity::changed_since(
                        tx,
                        blocked.record().0,
                        blocked.record().1,
                        entry.entry_id,
                    )? {
                        Some(later) if later.user_id != Some(user_id) => {
                            format!("{} Changed since by {}.", blocked.reason(), later.username)
                        }
                        _ => blocked.reason(),
                    };
                    plan.blocked.push((entry, why));
                }
            }
        }
        Ok(())
    })();
    if let Err(err) = outcome {
        tx.execute_batch("ROLLBACK TO undo_all; RELEASE undo_all")?;
        return Err(err);
    }
    if preview || plan.undone.is_empty() {
        tx.execute_batch("ROLLBACK TO undo_all; RELEASE undo_all")?;
        return Ok(plan);
    }
    tx.execute_batch("RELEASE undo_all")?;
    let username = plan
        .undone
        .first()
        .map(|e| e.username.clone())
        .unwrap_or_default();
    let words = format!(
        "undid {} change{} by {username}",
        plan.undone.len(),
        if plan.undone.len() == 1 { "" } else { "s" }
    );
    plan.entry_id = Some(activity::record(
        tx,
        actor,
        Entry {
            kind: Kind::Undo,
            action: "undo",
            record_id: None,
            description: words,
            changes,
            undoes: plan.undone.iter().map(|e| e.entry_id).collect(),
        },
    )?);
    Ok(plan)
}
