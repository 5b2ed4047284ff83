//! motodex: the finished "bikes" website of the Flask Made Easy course, as
//! one self-contained executable. `App::build` makes the whole site; `main`
//! and the tests both use it.

pub mod app;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod forms;
pub mod handlers;
pub mod location;
pub mod log;
pub mod routes;
pub mod server;
pub mod setup;
pub mod tls;
pub mod upload;
pub mod views;

pub use app::App;
pub use config::Config;
