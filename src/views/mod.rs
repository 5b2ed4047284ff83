//! Pages as maud functions: data in, `Markup` out, no I/O. maud escapes
//! every interpolated value (the busiest lists write theirs through
//! [`Text`], which escapes the same characters faster), so stored text can
//! never become markup.

pub mod account;
pub mod activity;
pub mod admin;
pub mod backups;
pub mod catalogue;
pub mod drafts;
pub mod errors;
pub mod json;
pub mod layout;
pub mod links;
pub mod makers;
pub mod settings;
pub mod share;
pub mod text;
pub mod transfer;
pub mod two_factor;
pub mod users;

pub use layout::{AdminBar, Chrome, Section};
pub use text::Text;
