//! A restore, in the order SPEC §9 gives: copy the chosen file aside and
//! check the copy (it must be a whole SQLite database with the course's
//! tables, from this motodex or an older one or the Flask course), show
//! both sets of numbers, back up the current contents as
//! `…-before-restore.db`, then replace the contents in one step.

use std::path::Path;

use super::Kind;
use crate::db::Db;
use crate::db::backup::{FileProblem, stage};
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
/// file is only read. Blocking.
pub fn prepare(db: &Db, dir: &Path, file: &Path) -> Result<Prepared, String> {
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    if !file.is_file() {
        return Err(format!("There is no file {}.", file.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| cannot_stage(dir, &e))?;
    let staged = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .suffix(".db")
        .tempfile_in(dir)
        .map_err(|e| cannot_stage(dir, &e))?
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

fn cannot_stage(dir: &Path, err: &std::io::Error) -> String {
    format!(
        "The file cannot be checked, because the backup folder {} cannot be written: {}. Nothing was changed.",
        dir.display(),
        super::io_reason(err)
    )
}

/// Backs up the current contents as `…-before-restore.db`, then replaces
/// them with the prepared file's. Blocking. Returns the before-restore
/// backup.
pub fn restore(db: &Db, dir: &Path, prepared: Prepared) -> Result<BackupFile, String> {
    let before = super::write(db, dir, Kind::BeforeRestore)
        .map_err(|e| format!("{e} The restore did not start, so nothing was changed."))?;
    db.replace_contents_now(&prepared.staged).map_err(|e| {
        format!("The restore failed and the database still holds its old contents: {e}.")
    })?;
    crate::log::line(format!(
        "restore: the database now holds {} bikes, {} makers, {} admins; its old contents are in {}",
        prepared.incoming.bikes,
        prepared.incoming.makers,
        prepared.incoming.admins,
        dir.join(&before.name).display()
    ));
    Ok(before)
}
