//! The integration tests, as one test binary: each module is one area of
//! motodex, `helpers` is what they share. One binary links the app once
//! instead of once per file, and its tests run side by side in one process.
//!
//! Two files stay binaries of their own, next to this folder:
//! - `tests/browser.rs` drives headless Chromium through ChromeDriver, two
//!   browsers at a time (the machine has two cores). A browser and its
//!   renderer are heavy neighbours, and its steps are timed (focus moves,
//!   page loads), so it runs after this binary, not beside it; it is also
//!   the slowest part, run alone with `cargo test --test browser`.
//! - `tests/soak.rs` is a minute of load against the real binary, measuring
//!   its memory; it must not share the machine with other tests, so it is
//!   ignored by `cargo test` and run alone by `bench/soak`.
//!
//! Nothing here needs a process of its own: no test sets an environment
//! variable, a resource limit or a signal handler of this process (the
//! variables of `cli` and `cli_start` are set on child processes). The tests
//! that kill, fill or restart a server do it to a child process
//! (`helpers::binary`) or to a tmpfs of their own (`disk_faults`). What the
//! app keeps per process (the log's writer thread, the allocator setting for
//! password hashing) is shared by the test apps here as it was by the tests
//! of one file before. Tests still run one per core at a time, as within
//! each file before; the few timed checks (`auth`, `hostile`, `tls`) leave
//! room for a busy neighbour (the fastest of three tries, seconds to spare).

mod helpers;

mod accounts;
mod activity;
mod admin_backups;
mod admin_bikes;
mod admin_images;
mod admin_makers;
mod architecture;
mod auth;
mod backup;
mod bike_form;
mod class_accounts;
mod cli;
mod cli_start;
mod crash_safety;
mod disk_faults;
#[cfg(unix)]
mod double_click;
mod drafts;
mod export_site;
#[cfg(unix)]
mod first_run;
mod hostile;
mod hot_paths;
mod import_photos;
mod json_api;
mod lookalike_names;
mod properties;
mod public;
mod recovery;
mod replaced;
mod restore;
mod roles;
mod sample_pictures;
mod search_equivalence;
mod security;
mod settings;
mod share;
mod tls;
mod transfer_cli;
mod transfer_web;
mod two_factor;
mod undo_trash;
