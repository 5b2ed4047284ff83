//! The command-line tools other than `serve`: create-admin, reset-password,
//! backup. Each returns one sentence for the user, or the one that explains
//! why it could not.

use std::path::Path;

use crate::auth::{password, throttle};
use crate::cli::PasswordArgs;
use crate::db::{Db, DbError, sessions, users};
use crate::domain::Username;
use crate::domain::activity::Actor;
use crate::prompt::read_new_password;

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
        .write_now(|tx| users::insert(tx, &Actor::command_line(), username.as_str(), &hash))
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
        users::set_password_hash(tx, &Actor::command_line(), user.user_id, &hash)?;
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
