//! motodex: the finished "bikes" website of the Flask Made Easy course, as
//! one self-contained executable. `App::build` makes the whole site; `main`
//! and the tests both use it.
//!
//! The modules are layered, and imports only point down (the README's "How
//! the code is laid out" draws the layers; `tests/api/architecture.rs` enforces
//! them): main → app → server, commands → routes → handlers → state, error,
//! prompt, site → auth, backup, photo, page_cache, views, tls → transfer → db, assets → config,
//! reply → cli, cookies, clock, log, domain, forms, held, location, network, qr.

pub mod app;
pub mod assets;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod cookies;
pub mod db;
pub mod domain;
pub mod error;
pub mod forms;
pub mod handlers;
pub mod held;
pub mod location;
pub mod log;
pub mod network;
pub mod page_cache;
pub mod photo;
pub mod prompt;
pub mod qr;
pub mod reply;
pub mod routes;
pub mod server;
pub mod site;
pub mod state;
pub mod tls;
pub mod transfer;
pub mod views;

pub use app::App;
pub use config::Config;
