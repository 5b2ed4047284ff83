//! The macOS double-click rule (src/location.rs) on the real binary: Finder
//! starts a program with no arguments in the home folder, and the database
//! must then land beside the binary. The rule is plain path logic, so it is
//! exercised here on Linux with a made-up home folder.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::helpers::binary::{Running, binary};

struct Layout {
    _dir: tempfile::TempDir,
    home: PathBuf,
    folder: PathBuf,
    exe: PathBuf,
}

/// A home folder and, away from it, a folder holding a copy of the binary
/// (current_exe names the copy, as it would name the downloaded file).
fn layout() -> Layout {
    // Beside cargo's own output, so the copy can be a hard link.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let home = dir.path().join("home");
    let folder = home.join("Downloads").join("motodex");
    std::fs::create_dir_all(&folder).unwrap();
    let exe = folder.join("motodex-macos-universal");
    if std::fs::hard_link(binary(), &exe).is_err() {
        std::fs::copy(binary(), &exe).unwrap();
    }
    // getcwd gives the resolved path; compare like with like.
    let home = home.canonicalize().unwrap();
    let folder = folder.canonicalize().unwrap();
    Layout {
        _dir: dir,
        home,
        folder,
        exe,
    }
}

/// The copy started in the home folder with `args`, as Finder would start
/// it but for the port (an environment variable, so no argument is added).
fn started_in_home(layout: &Layout, args: &[&str], db: Option<&Path>) -> Command {
    let mut command = Command::new(&layout.exe);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MOTODEX_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .current_dir(&layout.home)
        .env("HOME", &layout.home)
        .env("MOTODEX_PORT", "0")
        .env("MOTODEX_NO_BROWSER", "1")
        .stdin(Stdio::null());
    if let Some(db) = db {
        command.env("MOTODEX_DB", db);
    }
    command
}

fn database_line(banner: &str) -> &str {
    banner
        .lines()
        .find(|l| l.starts_with("Database: "))
        .expect("a Database line")
        .trim_start_matches("Database: ")
}

#[test]
fn started_with_no_arguments_in_home_the_database_is_beside_the_binary() {
    let layout = layout();
    let mut running = Running::start(started_in_home(&layout, &[], None));
    let banner = running.banner();
    let (code, _) = running.terminate();
    assert_eq!(code, Some(0));
    assert_eq!(
        Path::new(database_line(&banner)),
        layout.folder.join("database.db"),
        "{banner}"
    );
    assert!(
        banner.contains("the database is kept beside motodex"),
        "{banner}"
    );
    assert!(layout.folder.join("database.db").exists());
    assert!(!layout.home.join("database.db").exists());
}

#[test]
fn an_argument_or_motodex_db_keeps_the_usual_place() {
    let layout = layout();

    let mut running = Running::start(started_in_home(&layout, &["serve"], None));
    let banner = running.banner();
    drop(running);
    assert_eq!(
        Path::new(database_line(&banner)),
        layout.home.join("database.db"),
        "{banner}"
    );
    assert!(!banner.contains("beside motodex"), "{banner}");
    assert!(!layout.folder.join("database.db").exists());

    // A database already in the home folder is kept, arguments or not.
    let mut running = Running::start(started_in_home(&layout, &[], None));
    let banner = running.banner();
    drop(running);
    assert_eq!(
        Path::new(database_line(&banner)),
        layout.home.join("database.db"),
        "{banner}"
    );
    assert!(!layout.folder.join("database.db").exists());

    let chosen = layout.home.join("chosen.db");
    let mut running = Running::start(started_in_home(&layout, &[], Some(&chosen)));
    let banner = running.banner();
    drop(running);
    assert_eq!(Path::new(database_line(&banner)), chosen, "{banner}");
    assert!(!banner.contains("beside motodex"), "{banner}");
}
