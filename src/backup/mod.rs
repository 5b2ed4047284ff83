//! Backups as files in the backup folder: their names, the list, writing
//! one (temporary name → checked → renamed), keeping the newest N; the
//! schedule that writes them while serving (`schedule.rs`); and the
//! restore (`restore.rs`). The SQL is in `db/backup.rs`.

mod restore;
mod schedule;

use std::path::{Path, PathBuf};

pub use restore::{Pending, Prepared, prepare, restore};
pub use schedule::{Schedule, run_schedule};

use crate::clock;
use crate::db::Db;
use crate::db::backup::{backup_counts, check_backup, copy_database};
use crate::domain::records::BackupFile;

const PREFIX: &str = "motodex-";
const BEFORE_RESTORE: &str = "-before-restore";
/// A backup being written carries this after its final name until checked.
const PARTIAL: &str = ".partial";

/// The backup folder when none is given: `backups/` beside the database.
pub fn default_dir(db_path: &Path) -> PathBuf {
    let absolute = std::path::absolute(db_path).unwrap_or_else(|_| db_path.to_path_buf());
    absolute
        .parent()
        .map_or_else(|| PathBuf::from("backups"), |p| p.join("backups"))
}

/// What a backup is for, which its name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Automatic or "Back up now": kept among the newest N.
    Regular,
    /// The contents a restore replaced; never deleted by motodex.
    BeforeRestore,
}

/// `motodex-2025-03-14T090500Z.db` (UTC, so names sort by time).
fn file_name(at: i64, kind: Kind) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{PREFIX}{}-{:02}-{:02}T{:02}{:02}{:02}Z{}.db",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        if kind == Kind::BeforeRestore {
            BEFORE_RESTORE
        } else {
            ""
        }
    )
}

/// The time and kind a backup's name gives, or `None` for any other file.
pub fn parse_name(name: &str) -> Option<(i64, Kind)> {
    let stem = name.strip_prefix(PREFIX)?.strip_suffix(".db")?;
    let (stamp, kind) = match stem.strip_suffix(BEFORE_RESTORE) {
        Some(stamp) => (stamp, Kind::BeforeRestore),
        None => (stem, Kind::Regular),
    };
    let b = stamp.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = stamp.get(range)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() != 18 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[17] != b'Z' {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(digits(0..4)?).ok()?,
        month,
        u8::try_from(digits(8..10)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(digits(11..13)?).ok()?,
        u8::try_from(digits(13..15)?).ok()?,
        u8::try_from(digits(15..17)?).ok()?,
    )
    .ok()?;
    Some((date.with_time(clock).assume_utc().unix_timestamp(), kind))
}

/// The backups in `dir`, newest first; `None` when the folder does not exist.
pub fn list(dir: &Path) -> Result<Option<Vec<BackupFile>>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "The backup folder cannot be read: {}.",
                io_reason(&e)
            ));
        }
    };
    let mut found: Vec<BackupFile> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let (taken_at, kind) = parse_name(&name)?;
            let bytes = entry.metadata().ok()?.len();
            Some(BackupFile {
                counts: backup_counts(&entry.path()),
                name,
                taken_at,
                bytes,
                before_restore: kind == Kind::BeforeRestore,
            })
        })
        .collect();
    found.sort_by(|a, b| (b.taken_at, &b.name).cmp(&(a.taken_at, &a.name)));
    Ok(Some(found))
}

/// The path of the backup named `name` in `dir`, if it is one (a name
/// from a form never reaches the file system otherwise).
pub fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    parse_name(name)?;
    let path = dir.join(name);
    path.is_file().then_some(path)
}

/// Creates the backup folder (and any missing parents) when it is missing,
/// open to its owner only on Unix (SPEC §6: every file in it holds the
/// secret key and the password hashes). An existing folder keeps the mode
/// its owner gave it.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

// Messages name no paths (admins read them on web pages); the log and the
// command line say where.

/// Writes a backup of `db` into `dir` (created when missing): first under a
/// temporary name, checked with `integrity_check` and for the course's
/// tables, synced, then renamed, so that a file with a backup's name is
/// always whole. Blocking: call it off the executor.
pub fn write(db: &Db, dir: &Path, kind: Kind) -> Result<BackupFile, String> {
    let cannot = |e: &dyn std::fmt::Display| format!("The backup could not be written: {e}.");
    create_dir(dir).map_err(|e| cannot(&io_reason(&e)))?;
    let mut at = clock::now();
    // Two backups within one second (a restore right after "Back up now")
    // must not share a name.
    while dir.join(file_name(at, kind)).exists() {
        at += 1;
    }
    let name = file_name(at, kind);
    let target = dir.join(&name);
    let partial = dir.join(format!("{name}{PARTIAL}"));
    let written = (|| {
        copy_database(db.path(), &partial).map_err(|e| cannot(&e))?;
        let counts = check_backup(&partial)
            .map_err(|e| cannot(&format!("the copy failed its check: {e}")))?;
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(|e| cannot(&io_reason(&e)))?;
        std::fs::rename(&partial, &target).map_err(|e| cannot(&io_reason(&e)))?;
        sync_dir(dir);
        let bytes = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
        Ok(BackupFile {
            name: name.clone(),
            taken_at: at,
            bytes,
            counts: Some(counts),
            before_restore: kind == Kind::BeforeRestore,
        })
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(dir.join(format!("{name}{PARTIAL}-journal")));
    }
    written
}

fn io_reason(err: &std::io::Error) -> String {
    match (err.kind(), err.raw_os_error()) {
        (_, Some(libc::ENOSPC)) => "the disk is full".into(),
        (_, Some(libc::ENOTDIR | libc::EEXIST)) => {
            "a file stands where the backup folder should be".into()
        }
        (std::io::ErrorKind::PermissionDenied, _) | (_, Some(libc::EROFS)) => {
            "the folder cannot be written".into()
        }
        _ => err.to_string(),
    }
}

/// Makes a rename survive a power cut (Unix; Windows has no folder sync).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Deletes the oldest regular backups beyond the newest `keep`, and
/// temporary files an interrupted backup or restore left over an hour ago.
pub fn prune(dir: &Path, keep: usize) -> Result<(), String> {
    let Some(backups) = list(dir)? else {
        return Ok(());
    };
    for old in backups
        .iter()
        .filter(|b| !b.before_restore)
        .skip(keep.max(1))
    {
        std::fs::remove_file(dir.join(&old.name)).map_err(|e| {
            format!(
                "The old backup {} could not be deleted: {}.",
                old.name,
                io_reason(&e)
            )
        })?;
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let leftover = (name.starts_with(PREFIX) && name.contains(PARTIAL))
                || name.starts_with(restore::STAGING_PREFIX);
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600);
            if leftover && old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_gives_back_its_time_and_kind() {
        let at = 1_741_943_100;
        assert_eq!(
            file_name(at, Kind::Regular),
            "motodex-2025-03-14T090500Z.db"
        );
        assert_eq!(
            parse_name(&file_name(at, Kind::Regular)),
            Some((at, Kind::Regular))
        );
        assert_eq!(
            parse_name(&file_name(at, Kind::BeforeRestore)),
            Some((at, Kind::BeforeRestore))
        );
        for other in [
            "database.db",
            "motodex-2025-03-14T090500Z.db.partial",
            "motodex-2025-13-14T090500Z.db",
            "motodex-../../etc/passwd.db",
            "motodex-2025-03-14T09050xZ.db",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }
}
