//! Data in and out (SPEC §12): the spreadsheet import (with its photos, from
//! a folder or a zip) and export. One
//! engine serves both the command line and the admin pages; it checks every
//! row with the same validated types as the forms (SPEC §5), and its SQL is
//! in `db::transfer`.

pub mod archive;
pub mod csv_file;
pub mod export;
pub mod guard;
pub mod import;
pub mod pending;
pub mod photos;
