//! The records every layer talks about — a bike, a maker, an account, a
//! photo ready to store, a page of results — as plain data: the database
//! fills them, handlers pass them on, views show them.

use super::roles::Role;

/// A bike with its maker's name, as every page shows it. Text columns are
/// read leniently (a Flask-course database may hold NULLs or a year typed as
/// text), so an old row is shown rather than breaking the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bike {
    pub bike_id: i64,
    pub maker_id: i64,
    pub maker: String,
    pub model: String,
    pub year: String,
    pub engine: String,
    pub image_url: String,
}

/// Who did something to a record, and when (UTC seconds); the username is
/// as it was then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub username: String,
    pub at: i64,
}

/// Who added a bike and who last changed it; `None` where it is not known
/// (before motodex kept it, or written by another program).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authorship {
    pub added: Option<Signature>,
    pub changed: Option<Signature>,
}

/// What the catalogue is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub maker_id: Option<i64>,
    /// Case-insensitive substring of model or maker name; empty = everything.
    pub search: String,
}

/// One page of results and the total, for page links.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maker {
    pub maker_id: i64,
    pub name: String,
}

/// A maker with the number of bikes that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakerUsage {
    pub maker_id: i64,
    pub name: String,
    pub bikes: i64,
}

/// An account: the course's `users` row and what motodex keeps beside it
/// (SPEC §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub user_id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    /// Set by an owner or admin: the account must choose its own password
    /// at its next login before any other admin page opens.
    pub temporary_password: bool,
    /// The last day (local date, `YYYY-MM-DD`) the account may log in.
    pub expires_on: Option<String>,
}

impl User {
    /// The day it expired on, once today (a local date) is past it.
    pub fn expired(&self, today: &str) -> Option<&str> {
        self.expires_on
            .as_deref()
            .filter(|last_day| today > *last_day)
    }
}

/// A photo ready to store: re-encoded bytes and their content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub content_type: &'static str,
    pub data: Vec<u8>,
    /// The same picture fitted within the thumbnail size, in the same
    /// format, for the catalogue's cards and the admin table.
    pub thumbnail: Vec<u8>,
}

/// A stored photo's content type, as served: only the image types uploads
/// and the sample drawings (SVG, sent with a policy that runs nothing in
/// them) are stored as. Anything else in the table (a row written by hand, say
/// `text/html`) is sent as opaque bytes, which a browser never renders as
/// a page of this site.
pub fn photo_type(stored: &str) -> &'static str {
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/svg+xml",
    ]
    .into_iter()
    .find(|t| *t == stored)
    .unwrap_or("application/octet-stream")
}

/// A contributor's draft (SPEC §10): a new bike waiting for an editor, or
/// returned to its author with a comment. Values as the author typed them (checked when sent, and again
/// when published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub draft_id: i64,
    pub author_id: i64,
    /// The author's username when the draft was first sent.
    pub author: String,
    pub maker_id: Option<i64>,
    /// The maker's name: the new maker typed, or the chosen one's (empty
    /// when that maker is gone).
    pub maker: String,
    /// A maker to add with the bike; empty when one was chosen.
    pub new_maker: String,
    pub model: String,
    pub year: String,
    pub engine: String,
    pub image_url: String,
    pub has_photo: bool,
    pub returned: bool,
    pub comment: String,
    /// UTC seconds of the last send or return.
    pub updated_at: i64,
}

/// The address a stored photo is served at (`/images/<id>`), which is also
/// what its bike's `image_url` holds.
pub fn photo_url(image_id: i64) -> String {
    format!("/images/{image_id}")
}

/// The address of the photo's thumbnail, when `image_url` is a stored photo.
pub fn thumbnail_url(image_url: &str) -> Option<String> {
    let image_id: i64 = image_url.strip_prefix("/images/")?.parse().ok()?;
    Some(format!("/images/{image_id}/small"))
}

/// What a database holds, in the numbers a restore is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub bikes: i64,
    pub makers: i64,
    pub admins: i64,
}

/// One backup in the backup folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    /// The file name, which is also how the pages and the command name it.
    pub name: String,
    /// When it was taken, in seconds since the Unix epoch (from the name).
    pub taken_at: i64,
    pub bytes: u64,
    /// `None` when the file can no longer be read as a backup.
    pub counts: Option<Counts>,
    /// Written by a restore, of the contents it replaced.
    pub before_restore: bool,
}

impl BackupFile {
    /// Its size as people read it: 812 KB, 3.4 MB, 1.2 GB.
    pub fn size_text(&self) -> String {
        const KB: f64 = 1000.0;
        let b = self.bytes as f64;
        if b < KB * KB {
            format!("{:.0} KB", (b / KB).max(1.0))
        } else if b < KB * KB * KB {
            format!("{:.1} MB", b / (KB * KB))
        } else {
            format!("{:.1} GB", b / (KB * KB * KB))
        }
    }
}

/// The outcome of the last automatic backup, shown on `/admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupOutcome {
    Written { at: i64 },
    Failed { at: i64, reason: String },
}
