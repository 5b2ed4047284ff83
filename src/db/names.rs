//! SQL's view of how names are compared (`domain::names`):
//! `motodex_name_key(name)` and `motodex_name_skeleton(name)`, so a look-up
//! by name is one statement. They exist only on motodex's own connections;
//! nothing stored in the file uses them, so the course's Flask app still
//! opens and writes it.

use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};

use crate::domain::names;

pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("motodex_name_key", 1, flags, |ctx| {
        Ok(text(ctx).map(|name| names::key(&name)))
    })?;
    conn.create_scalar_function("motodex_name_skeleton", 1, flags, |ctx| {
        Ok(text(ctx).map(|name| names::skeleton(&name)))
    })
}

/// The argument as text (NULL stays NULL: it matches no name).
fn text(ctx: &Context) -> Option<String> {
    match ctx.get_raw(0) {
        rusqlite::types::ValueRef::Null => None,
        rusqlite::types::ValueRef::Text(bytes) | rusqlite::types::ValueRef::Blob(bytes) => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        rusqlite::types::ValueRef::Integer(i) => Some(i.to_string()),
        rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
    }
}
