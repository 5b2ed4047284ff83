//! Where the database is when neither `--db` nor `MOTODEX_DB` names it.
//!
//! Normally `database.db` in the working folder, which is the folder a
//! double-click starts the program in on Windows and in Linux file managers.
//! macOS Finder is the exception: it runs a double-clicked executable in
//! Terminal with the *home folder* as working folder, so the database would
//! land in the home folder, away from the binary, and a copy of the folder
//! holding the binary would not carry the site's data along. So a start that
//! looks like that one (no arguments at all, working folder = home, binary
//! elsewhere) keeps the database in the binary's folder instead.

use std::path::{Path, PathBuf};

/// The database's file name when no path is given.
pub const DEFAULT_NAME: &str = "database.db";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbLocation {
    pub path: PathBuf,
    /// The double-click rule put the database beside the binary, so the
    /// banner should say why it is not in the working folder.
    pub beside_binary: bool,
}

/// The rule itself, as plain path logic (`from_environment` gathers the
/// inputs).
///
/// - `args_given`: the command line had any argument at all; a double-click
///   gives none, while anyone who types a flag chose where they are.
/// - `db_flag`: `--db` or `MOTODEX_DB`, which always wins.
/// - `cwd`, `home`, `exe`: the working folder, the home folder and the
///   binary's own path, compared as given (the caller resolves symlinks).
/// - `cwd_has_database`: `database.db` already exists in the working folder.
///   It is then used as before: a start must never swap a site's existing
///   data for a new, empty database elsewhere.
pub fn database_location(
    args_given: bool,
    db_flag: Option<&Path>,
    cwd: &Path,
    home: Option<&Path>,
    exe: Option<&Path>,
    cwd_has_database: bool,
) -> DbLocation {
    if let Some(path) = db_flag {
        return DbLocation {
            path: path.to_path_buf(),
            beside_binary: false,
        };
    }
    let exe_folder = exe.and_then(Path::parent);
    let double_clicked = !args_given
        && !cwd_has_database
        && home == Some(cwd)
        && exe_folder.is_some_and(|folder| !folder.as_os_str().is_empty() && folder != cwd);
    match exe_folder {
        Some(folder) if double_clicked => DbLocation {
            path: folder.join(DEFAULT_NAME),
            beside_binary: true,
        },
        _ => DbLocation {
            path: PathBuf::from(DEFAULT_NAME),
            beside_binary: false,
        },
    }
}

/// The database's location for this process: `db_flag` is the parsed
/// `--db`/`MOTODEX_DB`.
pub fn from_environment(db_flag: Option<&Path>) -> DbLocation {
    // Without a working folder the relative default is kept, and opening it
    // then fails with the usual message.
    let cwd = std::env::current_dir().unwrap_or_default();
    // The working folder comes from getcwd, symlinks resolved; $HOME and the
    // binary's path may hold symlinks (macOS: /tmp is /private/tmp).
    let resolved = |path: PathBuf| std::fs::canonicalize(&path).unwrap_or(path);
    // Windows Explorer already starts a double-clicked .exe in its own
    // folder: no home, so the rule never applies there.
    let home = std::env::home_dir().filter(|_| cfg!(unix)).map(resolved);
    let exe = std::env::current_exe().ok().map(resolved);
    database_location(
        std::env::args_os().len() > 1,
        db_flag,
        &cwd,
        home.as_deref(),
        exe.as_deref(),
        cwd.join(DEFAULT_NAME).exists(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "/Users/kim";
    const EXE: &str = "/Users/kim/Downloads/motodex/motodex-macos-universal";

    fn locate(
        args_given: bool,
        db_flag: Option<&str>,
        cwd: &str,
        exe: Option<&str>,
        cwd_has_database: bool,
    ) -> DbLocation {
        database_location(
            args_given,
            db_flag.map(Path::new),
            Path::new(cwd),
            Some(Path::new(HOME)),
            exe.map(Path::new),
            cwd_has_database,
        )
    }

    fn working_folder() -> DbLocation {
        DbLocation {
            path: PathBuf::from("database.db"),
            beside_binary: false,
        }
    }

    #[test]
    fn a_finder_double_click_keeps_the_database_beside_the_binary() {
        assert_eq!(
            locate(false, None, HOME, Some(EXE), false),
            DbLocation {
                path: PathBuf::from("/Users/kim/Downloads/motodex/database.db"),
                beside_binary: true,
            }
        );
    }

    #[test]
    fn db_flag_or_variable_always_wins() {
        for cwd in [HOME, "/Users/kim/Downloads/motodex", "/srv"] {
            assert_eq!(
                locate(false, Some("site.db"), cwd, Some(EXE), false),
                DbLocation {
                    path: PathBuf::from("site.db"),
                    beside_binary: false,
                }
            );
        }
    }

    #[test]
    fn any_argument_means_the_working_folder() {
        assert_eq!(locate(true, None, HOME, Some(EXE), false), working_folder());
    }

    #[test]
    fn a_working_folder_other_than_home_is_used_as_before() {
        assert_eq!(
            locate(false, None, "/Users/kim/Documents", Some(EXE), false),
            working_folder()
        );
        assert_eq!(locate(false, None, "/", Some(EXE), false), working_folder());
    }

    #[test]
    fn a_binary_in_the_home_folder_itself_changes_nothing() {
        assert_eq!(
            locate(false, None, HOME, Some("/Users/kim/motodex"), false),
            working_folder()
        );
    }

    #[test]
    fn an_existing_database_in_the_home_folder_is_kept() {
        assert_eq!(locate(false, None, HOME, Some(EXE), true), working_folder());
    }

    #[test]
    fn without_a_home_or_a_binary_path_the_working_folder_is_used() {
        assert_eq!(locate(false, None, HOME, None, false), working_folder());
        assert_eq!(
            locate(false, None, HOME, Some("motodex"), false),
            working_folder()
        );
        assert_eq!(
            database_location(
                false,
                None,
                Path::new(HOME),
                None,
                Some(Path::new(EXE)),
                false
            ),
            working_folder()
        );
    }

    #[test]
    fn a_trailing_slash_on_home_is_the_same_folder() {
        let located = database_location(
            false,
            None,
            Path::new(HOME),
            Some(Path::new("/Users/kim/")),
            Some(Path::new(EXE)),
            false,
        );
        assert!(located.beside_binary, "{located:?}");
    }
}
