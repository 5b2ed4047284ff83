//! A restore, in the order SPEC §9 gives: copy the chosen file aside and
//! check the copy (it must be a whole SQLite database with the course's
//! tables, from this motodex or an older one or the Flask course), show
//! both sets of numbers, back up the current contents as
//! `…-before-restore.db`, then replace the contents in one step.

use std::path::Path;

use super::Kind;
use crate::db::Db;
use crate::db::activity::Entry;
use crate::db::backup::{FileProblem, record_in_staged, stage};
use crate::domain::activity::{Actor, Kind as ActivityKind};
use crate::domain::records::{BackupFile, Counts};

/// Names of the checked copies a restore works on, in the backup folder.
pub(super) const STAGING_PREFIX: &str = ".motodex-restore-";

/// A file checked and copied aside, ready to become the database.
pub struct Prepared {
    staged: tempfile::TempPath,
    /// What the file holds.
    pub incoming: Counts,
    /// What the database holds now.
    pub current: Counts,
}

/// Copies `file` into the backup folder and checks the copy; the user's
/// file is only read. `name` is how the messages call it. Blocking.
pub fn prepare(db: &Db, dir: &Path, file: &Path, name: &str) -> Result<Prepared, String> {
    // A sentence starts with a capital, whatever the name.
    let mut chars = name.chars();
    let name: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !file.is_file() {
        return Err(format!("There is no file {}.", file.display()));
    }
    super::create_dir(dir).map_err(|e| cannot_stage(&e))?;
    let staged = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .suffix(".db")
        .tempfile_in(dir)
        .map_err(|e| cannot_stage(&e))?
        .into_temp_path();
    let incoming = stage(file, &staged).map_err(|problem| match problem {
        FileProblem::Db(err) => format!("{name} could not be read: {err}."),
        problem => format!("{name} cannot be restored: {problem}. Nothing was changed."),
    })?;
    let current = db
        .counts()
        .map_err(|e| format!("The current database could not be read: {e}."))?;
    Ok(Prepared {
        staged,
        incoming,
        current,
    })
}

fn cannot_stage(err: &std::io::Error) -> String {
    format!(
        "The file cannot be checked, because the backup folder cannot be written: {}. Nothing was changed.",
        super::io_reason(err)
    )
}

/// Backs up the current contents as `…-before-restore.db`, then replaces
/// them with the prepared file's. Blocking. Returns the before-restore
/// backup.
pub fn restore(
    db: &Db,
    dir: &Path,
    prepared: Prepared,
    actor: &Actor,
) -> Result<BackupFile, String> {
    let before = super::write(db, dir, Kind::BeforeRestore)
        .map_err(|e| format!("{e} The restore did not start, so nothing was changed."))?;
    let c = &prepared.incoming;
    let entry = Entry::event(
        ActivityKind::Restore,
        "restore",
        format!(
            "restored a backup ({} bikes, {} makers, {} admins); the previous contents are saved as {}",
            c.bikes, c.makers, c.admins, before.name
        ),
    );
    record_in_staged(&prepared.staged, actor, entry)
        .map_err(|e| format!("The restore did not start, so nothing was changed: {e}."))?;
    db.replace_contents_now(&prepared.staged).map_err(|e| {
        format!("The restore failed and the database still holds its old contents: {e}.")
    })?;
    Ok(before)
}

/// How long a checked file waits for its confirmation.
const PENDING_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 60);
/// Checked files kept waiting at most (each is a copy of a database on disk).
const PENDING_AT_MOST: usize = 3;

/// Restores checked on the web and waiting for the owner's confirmation,
/// each under a random id the confirmation page carries.
#[derive(Default)]
pub struct Pending(std::sync::Mutex<Vec<Waiting>>);

struct Waiting {
    id: String,
    user_id: i64,
    since: std::time::Instant,
    prepared: Prepared,
}

impl Pending {
    /// Keeps `prepared` for `user_id`'s confirmation; returns its id.
    pub fn add(&self, user_id: i64, prepared: Prepared) -> String {
        use rand::RngExt;
        let mut bytes = [0u8; 16];
        rand::rng().fill(&mut bytes);
        let id = hex::encode(bytes);
        let mut waiting = self.0.lock().unwrap_or_else(|p| p.into_inner());
        waiting.retain(|w| w.since.elapsed() < PENDING_FOR);
        if waiting.len() >= PENDING_AT_MOST {
            waiting.remove(0);
        }
        waiting.push(Waiting {
            id: id.clone(),
            user_id,
            since: std::time::Instant::now(),
            prepared,
        });
        id
    }

    /// Takes the restore `id` that `user_id` asked for, if it is still waiting.
    pub fn take(&self, user_id: i64, id: &str) -> Option<Prepared> {
        let mut waiting = self.0.lock().unwrap_or_else(|p| p.into_inner());
        waiting.retain(|w| w.since.elapsed() < PENDING_FOR);
        let at = waiting
            .iter()
            .position(|w| w.user_id == user_id && w.id == id)?;
        Some(waiting.remove(at).prepared)
    }
}
