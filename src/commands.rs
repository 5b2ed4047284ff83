//! The command-line tools other than `serve`: create-admin, reset-password,
//! backup. Each returns one sentence for the user, or the one that explains
//! why it could not.

use std::path::Path;

use crate::auth::{password, throttle};
use crate::backup;
use crate::cli::{CreateAdminArgs, PasswordArgs};
use crate::db::users::NewAccount;
use crate::db::{Db, DbError, sessions, two_factor, users};
use crate::domain::Username;
use crate::domain::activity::Actor;
use crate::domain::names::Clash;
use crate::domain::records::{BackupFile, Counts};
use crate::domain::roles::Role;
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

/// `motodex create-admin NAME [--role ROLE]`: admin by default, the owner
/// while there is none; a second owner is refused (ownership is handed
/// over on the users page).
pub fn create_admin(db_path: &Path, args: &CreateAdminArgs) -> Result<String, String> {
    let username = Username::parse(&args.account.username)?;
    let asked = args.role.as_deref().map(Role::parse).transpose()?;
    let db = Db::open(db_path, true).map_err(|e| db_problem(db_path, e))?;
    let refusal = |clash: Clash| match clash {
        Clash::Same(_) => format!("An admin named “{}” already exists.", username.as_str()),
        Clash::LooksAlike(existing) => Clash::looks_alike_message(&existing, username.as_str()),
    };
    let clash = db
        .write_now(|tx| users::clash(tx, username.as_str()))
        .map_err(|e| db_problem(db_path, e))?;
    if let Some(clash) = clash {
        return Err(refusal(clash));
    }
    let owner = db
        .write_now(|tx| users::owner_id(tx))
        .map_err(|e| db_problem(db_path, e))?;
    if asked == Some(Role::Owner) && owner.is_some() {
        return Err(SECOND_OWNER.to_string());
    }
    let password = read_new_password(username.as_str(), args.account.password_stdin)?;
    let hash = password::hash(&password);
    // The role is settled again inside the write, where nobody else can
    // make an owner in between.
    let created = db
        .write_now(|tx| {
            let has_owner = users::owner_id(tx)?.is_some();
            let role = match asked {
                Some(Role::Owner) if has_owner => return Ok(Err(SECOND_OWNER.to_string())),
                Some(role) => role,
                None if has_owner => Role::Admin,
                None => Role::Owner,
            };
            let new = NewAccount::new(username.as_str(), &hash, role);
            Ok(users::insert(tx, &Actor::command_line(), &new)?
                .map(|_| role)
                .map_err(refusal))
        })
        .map_err(|e| db_problem(db_path, e))??;
    Ok(format!(
        "{} “{}” created.",
        created.label(),
        username.as_str()
    ))
}

const SECOND_OWNER: &str = "There is already an owner, and there is only ever one. To make this account the owner, create it as an admin, then hand ownership over on the users page.";

pub fn reset_password(db_path: &Path, args: &PasswordArgs) -> Result<String, String> {
    let db = Db::open_existing(db_path).map_err(|e| db_problem(db_path, e))?;
    let user = db
        .write_now(|tx| users::find_by_name(tx, args.username.trim()))
        .map_err(|e| db_problem(db_path, e))?
        .ok_or_else(|| format!("There is no admin named “{}”.", args.username.trim()))?;
    let password = read_new_password(&user.username, args.password_stdin)?;
    let hash = password::hash(&password);
    let two_factor_was_on = db
        .write_now(|tx| {
            let actor = Actor::command_line();
            users::set_password_hash(tx, &actor, user.user_id, &hash)?;
            sessions::delete_for_user(tx, user.user_id, None)?;
            throttle::clear(tx, &user.username)?;
            let words = format!("turned two-factor sign-in off for {}", user.username);
            two_factor::turn_off(tx, &actor, user.user_id, &words)
        })
        .map_err(|e| db_problem(db_path, e))?;
    let two_factor = if two_factor_was_on {
        " Two-factor sign-in is off for this account now: they can turn it on again at /admin/two-factor."
    } else {
        ""
    };
    Ok(format!(
        "New password set for “{}”. Their sessions have ended and any login lock-out is lifted.{two_factor}",
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
        crate::clock::local_text(b.taken_at),
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
    let before = backup::restore(&db, &dir, prepared, &Actor::command_line())?;
    Ok(format!(
        "Restored {} into {}. Its previous contents are saved as {}. Every admin has been logged out.",
        file.display(),
        db_path.display(),
        dir.join(before.name).display()
    ))
}

/// `motodex export FILE`: every bike as a spreadsheet. Written under a
/// temporary name beside FILE and renamed when complete, so FILE is never
/// a half-written export.
pub fn export(db_path: &Path, target: &Path) -> Result<String, String> {
    if target.exists() {
        return Err(format!(
            "{} already exists; choose a new file name for the export.",
            target.display()
        ));
    }
    let db = Db::open_existing(db_path).map_err(|e| db_problem(db_path, e))?;
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let cannot = |e: &dyn std::fmt::Display| {
        format!(
            "The export could not be written to {}: {e}.",
            target.display()
        )
    };
    let file = tempfile::NamedTempFile::new_in(folder).map_err(|e| cannot(&e))?;
    let count = db
        .read_now(|conn| {
            Ok(crate::transfer::export::write_csv(
                conn,
                std::io::BufWriter::new(file.as_file()),
            ))
        })
        .map_err(|e| db_problem(db_path, e))?
        .map_err(|e| match e {
            crate::transfer::export::ExportError::Db(e) => db_problem(db_path, e),
            other => cannot(&other),
        })?;
    file.as_file().sync_all().map_err(|e| cannot(&e))?;
    file.persist_noclobber(target)
        .map_err(|e| cannot(&e.error))?;
    Ok(format!(
        "{count} bike{} exported to {}.",
        if count == 1 { "" } else { "s" },
        target.display()
    ))
}

/// `motodex import FILE [--photos DIR|ZIP] [--dry-run] [--create-makers]
/// [--update]`: the same engine as `/admin/import`. Every problem is listed
/// and nothing is written unless every row (and its photo) is fine.
pub fn import(db_path: &Path, args: &crate::cli::ImportArgs) -> Result<String, String> {
    use crate::transfer::photos::{self, Source};
    use crate::transfer::{archive, csv_file, import};
    use std::io::IsTerminal;

    let name = args.file.display();
    let unreadable = |path: &Path, e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => format!("There is no file {}.", path.display()),
        _ => format!("{} could not be read: {e}.", path.display()),
    };
    let bytes = std::fs::read(&args.file).map_err(|e| unreadable(&args.file, e))?;
    let (bytes, mut source) = if archive::looks_like_zip(&bytes) {
        if args.photos.is_some() {
            return Err(format!(
                "{name} is a zip, so its photos come from it: leave out --photos."
            ));
        }
        let (_, csv, source) = photos::open_zip(Box::new(std::io::Cursor::new(bytes)))
            .map_err(|reason| format!("{name}: {reason}"))?;
        (csv, Some(source))
    } else {
        (bytes, None)
    };
    let file = csv_file::read(&bytes).map_err(|reason| format!("{name}: {reason}"))?;
    drop(bytes);
    if let Some(path) = &args.photos {
        source = Some(if path.is_dir() {
            Source::Folder(path.clone())
        } else {
            let zip = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
            let reader: Box<dyn photos::ReadSeek> = Box::new(std::io::BufReader::new(zip));
            let archive = archive::Archive::open(reader)
                .map_err(|reason| format!("{}: {reason}", path.display()))?;
            Source::Zip(Box::new(archive))
        });
    }
    let db = Db::open_existing(db_path).map_err(|e| db_problem(db_path, e))?;
    let options = import::Options {
        create_makers: args.create_makers,
        update: args.update,
    };
    let rows = file.rows.len() as u64;
    // One bar on a terminal: processing the photos, checking every row,
    // then writing them.
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(rows)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg:8} [{bar:40}] {pos}/{len} ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let names = photos::photo_names(&file);
    if source.is_some() {
        bar.set_message("Photos");
        bar.set_length(names.len() as u64);
    }
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let photo_progress = |n| bar.set_position(n);
    let photos = crate::photo::process_named(source, names, threads, || (), &photo_progress);
    bar.set_message("Checking");
    bar.set_length(rows);
    bar.set_position(0);
    let check_progress = |n| bar.set_position(n);
    let outcome = if args.dry_run {
        let checked = db
            .read_now(|conn| import::check(conn, &file, options, &photos, &check_progress))
            .map_err(|e| db_problem(db_path, e))?;
        if checked.is_fine() {
            Ok(checked.counts)
        } else {
            Err(checked)
        }
    } else {
        let write_progress = |n| {
            if n == 0 {
                bar.set_message("Writing");
            }
            bar.set_position(n);
        };
        let actor = crate::domain::activity::Actor::command_line();
        db.write_now(|tx| {
            import::apply(
                tx,
                &actor,
                &file,
                options,
                &photos,
                &check_progress,
                &write_progress,
            )
        })
        .map_err(|e| db_problem(db_path, e))?
        .map(|(counts, _)| counts)
    };
    bar.finish_and_clear();
    let checked = match outcome {
        Ok(counts) if args.dry_run => {
            return Ok(format!(
                "Dry run of {name}: {}. Nothing was written.",
                counts.describe(true)
            ));
        }
        Ok(counts) => return Ok(format!("Imported {name}: {}.", counts.describe(false))),
        Err(checked) => checked,
    };
    let mut message = format!(
        "{name} has {} problem{}, so nothing was imported:",
        checked.problem_count,
        if checked.problem_count == 1 { "" } else { "s" }
    );
    for problem in &checked.problems {
        message.push_str(&format!("\n  {problem}"));
    }
    if checked.problem_count > checked.problems.len() {
        message.push_str(&format!(
            "\n  and {} more.",
            checked.problem_count - checked.problems.len()
        ));
    }
    Err(message)
}

/// `motodex export-site DIR [--force]`: the public catalogue as plain
/// files (see `crate::site`), with a progress bar on a terminal.
pub fn export_site(db_path: &Path, dir: &Path, force: bool) -> Result<String, String> {
    use crate::site::{self, SiteError};
    use std::io::IsTerminal;

    let db = Db::open_existing(db_path).map_err(|e| db_problem(db_path, e))?;
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("Writing  [{bar:40}] {pos}/{len} files ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let progress = |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let exported = site::export(&db, dir, force, &progress);
    bar.finish_and_clear();
    let shown = dir.display();
    match exported {
        Ok(done) => Ok(format!(
            "Site written to {shown}: {} pages, {} bike{}, {} photo{}. Open {} in a browser, or copy the folder to a USB stick or any web host.",
            done.pages,
            done.bikes,
            if done.bikes == 1 { "" } else { "s" },
            done.photos,
            if done.photos == 1 { "" } else { "s" },
            dir.join("index.html").display()
        )),
        Err(SiteError::NotEmpty(_)) => Err(format!(
            "{shown} is not empty, so nothing was written. Choose a new or empty folder, or add --force to replace an earlier export there (its pages, photos and search are replaced; other files are kept)."
        )),
        Err(SiteError::NotAFolder(_)) => Err(format!(
            "{shown} is a file, not a folder; choose a folder for the site."
        )),
        Err(SiteError::Db(e)) => Err(db_problem(db_path, e)),
        Err(other) => Err(format!("The site could not be written: {other}.")),
    }
}
