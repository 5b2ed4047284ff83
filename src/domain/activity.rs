//! The activity log's words, shared by every layer: who acted (the
//! [`Actor`]), what kind of thing an entry is about, and one logged entry as
//! the pages show it.

/// Who made a change and from where: gathered once per admin request by the
/// admin filter, or [`Actor::command_line`] for the command-line tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// The username at the time (accounts can be deleted; the log stays).
    pub username: String,
    /// The client's IP address; empty for commands.
    pub client_addr: String,
    pub user_agent: String,
}

/// What a user agent is cut to: enough to tell browsers apart, not a place
/// to store whatever a client sends.
pub const USER_AGENT_CHARS: usize = 200;
/// A failed login keeps at most this much of the username typed (SPEC §8).
pub const TYPED_USERNAME_CHARS: usize = 40;

impl Actor {
    pub fn command_line() -> Actor {
        Actor {
            user_id: None,
            username: "command line".to_string(),
            client_addr: String::new(),
            user_agent: String::new(),
        }
    }

    pub fn user(
        user_id: i64,
        username: &str,
        client_addr: Option<std::net::IpAddr>,
        user_agent: Option<&str>,
    ) -> Actor {
        Actor {
            user_id: Some(user_id),
            username: username.to_string(),
            client_addr: client_addr.map(|a| a.to_string()).unwrap_or_default(),
            user_agent: user_agent
                .unwrap_or("")
                .chars()
                .take(USER_AGENT_CHARS)
                .collect(),
        }
    }

    /// Somebody not signed in (a failed login, the setup link): the name is
    /// what they typed, cut to [`TYPED_USERNAME_CHARS`].
    pub fn anonymous(
        typed_name: &str,
        client_addr: Option<std::net::IpAddr>,
        user_agent: Option<&str>,
    ) -> Actor {
        Actor {
            user_id: None,
            username: typed_name.chars().take(TYPED_USERNAME_CHARS).collect(),
            ..Actor::user(0, "", client_addr, user_agent)
        }
    }
}

/// What kind of thing an entry is about (SPEC §8), as stored and as the
/// activity page's `kind` filter names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bike,
    Maker,
    Photo,
    User,
    Settings,
    Import,
    Backup,
    Restore,
    Trash,
    /// Logins, failed logins, logouts, lock-outs, the setup link.
    Security,
    /// An undo of several entries at once ("Undo all of these").
    Undo,
    /// A contributor's draft sent, published or returned (SPEC §10); the
    /// bike a publish makes has its own `bike` entry.
    Draft,
}

impl Kind {
    /// The catalogue's entries: what an editor's activity log shows.
    pub const CATALOGUE: [Kind; 7] = [
        Kind::Bike,
        Kind::Maker,
        Kind::Photo,
        Kind::Import,
        Kind::Trash,
        Kind::Undo,
        Kind::Draft,
    ];

    pub const ALL: [Kind; 12] = [
        Kind::Bike,
        Kind::Maker,
        Kind::Photo,
        Kind::User,
        Kind::Settings,
        Kind::Import,
        Kind::Backup,
        Kind::Restore,
        Kind::Trash,
        Kind::Security,
        Kind::Undo,
        Kind::Draft,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bike => "bike",
            Kind::Maker => "maker",
            Kind::Photo => "photo",
            Kind::User => "user",
            Kind::Settings => "settings",
            Kind::Import => "import",
            Kind::Backup => "backup",
            Kind::Restore => "restore",
            Kind::Trash => "trash",
            Kind::Security => "security",
            Kind::Undo => "undo",
            Kind::Draft => "draft",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Entries of these kinds change the catalogue and can be undone.
    pub fn is_catalogue(self) -> bool {
        matches!(
            self,
            Kind::Bike | Kind::Maker | Kind::Photo | Kind::Import | Kind::Trash | Kind::Undo
        )
    }
}

/// The records a change can touch, as `activity_records` and the trash name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Bike,
    Maker,
    User,
}

impl Record {
    pub fn as_str(self) -> &'static str {
        match self {
            Record::Bike => "bike",
            Record::Maker => "maker",
            Record::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Record> {
        [Record::Bike, Record::Maker, Record::User]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// One record's values before and after a change, as JSON objects (`None`:
/// the record did not exist — added, or deleted).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub record: Record,
    pub id: i64,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// One entry of the log, as the activity and history pages show it.
#[derive(Debug, Clone)]
pub struct LoggedEntry {
    pub entry_id: i64,
    /// UTC seconds.
    pub at: i64,
    pub user_id: Option<i64>,
    pub username: String,
    pub client_addr: String,
    pub kind: String,
    pub action: String,
    pub record_id: Option<i64>,
    pub description: String,
    pub changes: Vec<Change>,
    pub undoes: Option<i64>,
    pub undone_by: Option<i64>,
}

impl LoggedEntry {
    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(&self.kind)
    }

    /// Whether the pages offer an undo button (the undo itself checks again).
    pub fn undoable(&self) -> bool {
        self.kind().is_some_and(Kind::is_catalogue) && !self.changes.is_empty()
    }
}

/// One item in the trash, as `/admin/trash` lists it.
#[derive(Debug, Clone)]
pub struct TrashItem {
    pub trash_id: i64,
    pub record: Record,
    pub record_id: i64,
    pub name: String,
    /// UTC seconds.
    pub deleted_at: i64,
    pub deleted_by: String,
}
