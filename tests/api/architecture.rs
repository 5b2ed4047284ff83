//! The layering of `src/`, checked: imports only point down (the layers are
//! drawn in the README, "How the code is laid out"), and the doors that must
//! never exist stay shut. A failure names the file and line.

use std::path::{Path, PathBuf};

/// Top-level modules from the top layer down. A module may use those in
/// lower layers only; modules in one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    &["main", "bin"],
    &["app"],
    &["server", "commands"],
    &["routes"],
    &["handlers"],
    &["state", "error", "prompt", "site"],
    &["auth", "backup", "photo", "page_cache", "views", "tls"],
    &["transfer"],
    &["db", "assets"],
    &["config", "reply"],
    &[
        "cli", "cookies", "clock", "log", "domain", "forms", "held", "location", "network", "qr",
    ],
];

/// Crates that speak HTTP or HTML, which the database layer never uses.
const WEB_CRATES: &[&str] = &["warp", "http", "hyper", "maud"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a file belongs to: `src/handlers/bikes.rs` is in
/// `handlers`, `src/app.rs` is `app`.
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// Code without its comments (line comments and doc comments).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let code = line.split("//").next().unwrap_or("");
        (!code.trim().is_empty()).then_some((i + 1, code))
    })
}

/// The modules a line names as `crate::X` or `crate::{X, Y::…}` (with
/// `motodex::` in `main.rs`).
fn named_modules(line: &str, prefix: &str) -> Vec<String> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut names = Vec::new();
    for (at, _) in line.match_indices(prefix) {
        if line[..at].chars().last().is_some_and(is_ident) {
            continue;
        }
        let rest = &line[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            let mut current = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !current.is_empty() {
                            names.push(std::mem::take(&mut current));
                        }
                        item_start = true;
                    }
                    c if item_start && is_ident(c) => current.push(c),
                    c if item_start && !current.is_empty() && !is_ident(c) => {
                        names.push(std::mem::take(&mut current));
                        item_start = false;
                    }
                    _ => {}
                }
            }
            if !current.is_empty() {
                names.push(current);
            }
        } else {
            let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
            if end > 0 {
                names.push(rest[..end].to_string());
            }
        }
    }
    names
}

/// True when the line uses crate `name` as a path (`name::…`, `use name`).
fn uses_crate(line: &str, name: &str) -> bool {
    let trimmed = line.trim_start();
    if trimmed.starts_with(&format!("use {name}::"))
        || trimmed.starts_with(&format!("use {name};"))
        || trimmed.starts_with(&format!("use {name} "))
    {
        return true;
    }
    line.match_indices(&format!("{name}::")).any(|(at, _)| {
        let before = line[..at].chars().last();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// Every rule broken by one source file, as "path:line: reason".
fn violations(relative: &Path, text: &str) -> Vec<String> {
    let module = module_of(relative);
    let shown = relative.display();
    let mut found = Vec::new();
    if module == "lib" {
        return found;
    }
    // `main.rs` and the extra binaries in `src/bin/` use the library by name.
    let prefix = if module == "main" || module == "bin" {
        "motodex::"
    } else {
        "crate::"
    };
    let own_layer = layer_of(&module);
    if own_layer.is_none() {
        found.push(format!(
            "{shown}: module `{module}` is in no layer; add it to the README's layering and to LAYERS"
        ));
    }
    for (number, line) in code_lines(text) {
        for used in named_modules(line, prefix) {
            let used = used.as_str();
            if used == module {
                continue;
            }
            if used == "app" && module != "main" && module != "bin" {
                found.push(format!(
                    "{shown}:{number}: only main and lib may use the app builder (`{used}`)"
                ));
                continue;
            }
            match (own_layer, layer_of(used)) {
                (Some(own), Some(theirs)) if theirs <= own => found.push(format!(
                    "{shown}:{number}: `{module}` must not use `{used}`, which is not below it"
                )),
                (_, None) if !["App", "Config"].contains(&used) => {
                    found.push(format!("{shown}:{number}: `{used}` is in no layer"))
                }
                _ => {}
            }
        }
        if module == "views" && (line.contains("crate::db") || line.contains("crate::auth")) {
            found.push(format!(
                "{shown}:{number}: views are data in, markup out: no database, no auth"
            ));
        }
        if module == "db" {
            for web in WEB_CRATES {
                if uses_crate(line, web) {
                    found.push(format!(
                        "{shown}:{number}: the database layer must not use `{web}`"
                    ));
                }
            }
        }
        if module == "auth" && uses_crate(line, "maud") {
            found.push(format!("{shown}:{number}: auth must not render pages"));
        }
        if module != "db" && uses_crate(line, "rusqlite") {
            found.push(format!(
                "{shown}:{number}: SQL lives in db/ only (`rusqlite` used here)"
            ));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_import_in_src_points_down_and_no_forbidden_door_exists() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources");
    let found: Vec<String> = files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).expect("a readable source file");
            violations(path.strip_prefix(&src).expect("inside src"), &text)
        })
        .collect();
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn an_upward_import_is_named_with_its_file_and_line() {
    let found = violations(
        Path::new("db/bikes.rs"),
        "use rusqlite::Connection;\n\nuse crate::handlers::AdminRequest;\n",
    );
    assert_eq!(
        found,
        ["db/bikes.rs:3: `db` must not use `handlers`, which is not below it"]
    );
}

#[test]
fn each_forbidden_door_is_refused() {
    let cases = [
        ("views/admin.rs", "use crate::db::bikes;", "no database"),
        (
            "views/admin.rs",
            "use crate::auth::session::Admin;",
            "no auth",
        ),
        ("db/users.rs", "use warp::Reply;", "must not use `warp`"),
        (
            "db/users.rs",
            "let s = http::StatusCode::OK;",
            "must not use `http`",
        ),
        ("db/users.rs", "use maud::html;", "must not use `maud`"),
        (
            "auth/csrf.rs",
            "use maud::Markup;",
            "auth must not render pages",
        ),
        ("handlers/bikes.rs", "use crate::app::App;", "app builder"),
        (
            "handlers/bikes.rs",
            "tx.execute(rusqlite::params![]);",
            "SQL lives in db/",
        ),
        ("reply.rs", "use crate::state::AppState;", "not below it"),
        ("photo.rs", "use crate::views::layout;", "not below it"),
        ("newroom.rs", "", "in no layer"),
        (
            "views/mod.rs",
            "use crate::{domain, handlers::AdminRequest};",
            "not below it",
        ),
    ];
    for (path, line, reason) in cases {
        let found = violations(Path::new(path), line);
        assert!(
            found.iter().any(|f| f.contains(reason)),
            "{path}: {line:?} should be refused ({reason}); got {found:?}"
        );
    }
}

#[test]
fn comments_and_downward_imports_pass() {
    let text = "//! See [`crate::handlers`] for who calls this.\nuse crate::domain::Id;\nuse super::DbResult;\n";
    assert!(violations(Path::new("db/bikes.rs"), text).is_empty());
    let main = "use motodex::cli::Cli;\nuse motodex::{App, Config, commands};\n";
    assert!(violations(Path::new("main.rs"), main).is_empty());
}
