//! The integration tests, as one test binary: each module is one area of
//! motodex, `helpers` is what they share. One binary links the app once
//! instead of once per file, and its tests run side by side in one process.
//!
//! Two files stay binaries of their own, next to this folder:
//! - `tests/browser.rs` drives headless Chromium through ChromeDriver; it
//!   allows itself only two browsers at a time (the machine has two cores)
//!   and is the slowest part of the suite, so it is its own binary to be run
//!   or filtered on its own (`cargo test --test browser`).
//! - `tests/soak.rs` is a minute of load against the real binary, measuring
//!   its memory; it must not share the machine with other tests, so it is
//!   ignored by `cargo test` and run alone by `bench/soak`.
//!
//! Nothing here needs a process of its own: no test sets an environment
//! variable, a resource limit or a signal handler of this process. The tests
//! that kill, fill or restart a server do it to a child process
//! (`helpers::binary`) or to a tmpfs of their own (`disk_faults`).

mod helpers;

mod accounts;
mod admin_bikes;
mod admin_images;
mod admin_makers;
mod auth;
mod backup;
mod cli;
mod cli_start;
mod crash_safety;
mod disk_faults;
mod hostile;
mod properties;
mod public;
mod recovery;
mod search_equivalence;
mod tls;
