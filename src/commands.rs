//! The command-line tools other than `serve`: create-admin, reset-password,
//! backup. Each returns one sentence for the user, or the one that explains
//! why it could not.

use std::path::Path;

use crate::auth::{password, throttle};
use crate::backup;
use crate::cli::PasswordArgs;
use crate::db::{Db, DbError, sessions, users};
use crate::domain::Username;
use crate::domain::records::{BackupFile, Counts};
use crate::prompt::{confirm, read_new_password};

fn db_problem(path: &Path, err: DbError) -> String {
    match err {
        DbError::Missing(_) => format!(
            "There is no database at {}. Run motodex in the folder that holds database.db, or point to it with --db.",
            path.display()
        ),
        DbError::NotADatabase => format!(
            "{} is not a motodex database (or it is damaged).",
            path.display()
        ),
        DbError::ReadOnly => format!(
            "{} is read-only, so nothing could be changed.",
            path.display()
        ),
        other => format!(
            "The database {} could not be used: {other}.",
            path.display()
        ),
    }
}

pub fn create_admin(db_path: &Path, args: &PasswordArgs) -> Result<String, String> {
    let username = Username::parse(&args.username)?;
    let db = Db::open(db_path, true).map_err(|e| db_problem(db_path, e))?;
    let taken = |db: &Db| {
        db.write_now(|tx| users::find_by_name(tx, username.as_str()))
            .map_err(|e| db_problem(db_path, e))
    };
    if taken(&db)?.is_some() {
        return Err(format!(
            "An admin named “{}” already exists.",
            username.as_str()
        ));
    }
    let password = read_new_password(username.as_str(), args.password_stdin)?;
    let hash = password::hash(&password);
    match db
        .write_now(|tx| users::insert(tx, username.as_str(), &hash))
        .map_err(|e| db_problem(db_path, e))?
    {
        Some(_) => Ok(format!("Admin “{}” created.", username.as_str())),
        None => Err(format!(
            "An admin named “{}” already exists.",
            username.as_str()
        )),
    }
}

pub fn reset_password(db_path: &Path, args: &PasswordArgs) -> Result<String, String> {
    let db = Db::open_existing(db_path).map_err(|e| db_problem(db_path, e))?;
    let user = db
        .write_now(|tx| users::find_by_name(tx, args.username.trim()))
        .map_err(|e| db_problem(db_path, e))?
        .ok_or_else(|| format!("There is no admin named “{}”.", args.username.trim()))?;
    let password = read_new_password(&user.username, args.password_stdin)?;
    let hash = password::hash(&password);
    db.write_now(|tx| {
        users::set_password_hash(tx, user.user_id, &hash)?;
        sessions::delete_for_user(tx, user.user_id, None)?;
        throttle::clear(tx, &user.username)
    })
    .map_err(|e| db_problem(db_path, e))?;
    Ok(format!(
        "New password set for “{}”. Their sessions have ended and any login lock-out is lifted.",
        user.username
    ))
}

pub fn backup(db_path: &Path, target: &Path) -> Result<String, String> {
    if target.exists() {
        return Err(format!(
            "{} already exists; choose a new file name for the backup.",
            target.display()
        ));
    }
    let db = Db::open_existing(db_path).map_err(|e| db_problem(db_path, e))?;
    db.backup_to(target).map_err(|e| {
        format!(
            "The backup could not be written to {}: {e}.",
            target.display()
        )
    })?;
    Ok(format!("Backup written to {}.", target.display()))
}

fn backup_dir(db_path: &Path, dir: Option<&Path>) -> std::path::PathBuf {
    dir.map_or_else(|| backup::default_dir(db_path), Path::to_path_buf)
}

/// `motodex backups`: the backup folder's backups, newest first.
pub fn list_backups(db_path: &Path, dir: Option<&Path>) -> Result<String, String> {
    let dir = backup_dir(db_path, dir);
    let Some(backups) = backup::list(&dir)? else {
        return Ok(format!(
            "There is no backup folder at {} yet, so there are no backups.",
            dir.display()
        ));
    };
    if backups.is_empty() {
        return Ok(format!("There are no backups in {}.", dir.display()));
    }
    let mut lines = vec![format!("Backups in {}, newest first:", dir.display())];
    lines.extend(backups.iter().map(describe));
    Ok(lines.join("\n"))
}

fn describe(b: &BackupFile) -> String {
    let holds = b
        .counts
        .map_or_else(|| "cannot be read".to_string(), |c| counts_text(&c));
    format!(
        "  {}  {:>9}  {}  {}{}",
        crate::clock::local_time(b.taken_at),
        b.size_text(),
        holds,
        b.name,
        if b.before_restore {
            "  (made by a restore)"
        } else {
            ""
        }
    )
}

fn counts_text(c: &Counts) -> String {
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {}",
        plural(c.bikes, "bike", "bikes"),
        plural(c.makers, "maker", "makers"),
        plural(c.admins, "admin", "admins")
    )
}

/// `motodex restore FILE [--yes]`: checks FILE, shows both sets of numbers,
/// asks, backs up the current contents, replaces them in one step.
pub fn restore(
    db_path: &Path,
    dir: Option<&Path>,
    file: &Path,
    yes: bool,
) -> Result<String, String> {
    let dir = backup_dir(db_path, dir);
    let db = Db::open_existing(db_path).map_err(|e| db_problem(db_path, e))?;
    if db.is_read_only() {
        return Err(db_problem(db_path, DbError::ReadOnly));
    }
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let prepared = backup::prepare(&db, &dir, file, &name)?;
    println!(
        "{} holds:      {}",
        file.display(),
        counts_text(&prepared.incoming)
    );
    println!(
        "{} holds now: {}",
        db_path.display(),
        counts_text(&prepared.current)
    );
    if !yes {
        match confirm(&format!(
            "Replace everything in {} with the contents of {}? (Every admin will have to log in again.)",
            db_path.display(),
            file.display()
        )) {
            Some(true) => {}
            Some(false) => return Err("Nothing was changed.".into()),
            None => {
                return Err(
                    "Not restoring without confirmation: run it on a terminal, or add --yes. Nothing was changed.".into(),
                );
            }
        }
    }
    let before = backup::restore(&db, &dir, prepared)?;
    Ok(format!(
        "Restored {} into {}. Its previous contents are saved as {}. Every admin has been logged out.",
        file.display(),
        db_path.display(),
        dir.join(before.name).display()
    ))
}

/// `motodex generate` (hidden): a new database with a synthetic catalogue,
/// for benchmarks.
pub fn generate(db_path: &Path, bikes: u64, makers: u64) -> Result<String, String> {
    if db_path.exists() {
        return Err(format!(
            "{} already exists; generate only creates new databases.",
            db_path.display()
        ));
    }
    let started = std::time::Instant::now();
    crate::db::generate::new_catalogue(db_path, bikes, makers)
        .map_err(|e| db_problem(db_path, e))?;
    Ok(format!(
        "{} bikes from {} makers written to {} in {:.1} s.",
        bikes,
        makers,
        db_path.display(),
        started.elapsed().as_secs_f64()
    ))
}
