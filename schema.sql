-- motodex schema, version 1. Every statement is idempotent so the same file
-- creates a new database and completes one made by the Flask course, whose
-- three tables (makers, bikes, users) keep their names and columns.

CREATE TABLE IF NOT EXISTS makers (
    maker_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS bikes (
    bike_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    maker_id  INTEGER NOT NULL REFERENCES makers (maker_id),
    model     TEXT NOT NULL,
    year      INTEGER NOT NULL,
    engine    TEXT NOT NULL,
    image_url TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS users (
    user_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);

-- Case-insensitive uniqueness is checked inside the write transaction (one
-- writer at a time); these indexes keep those checks and the lists fast.
CREATE INDEX IF NOT EXISTS makers_by_name ON makers (name COLLATE NOCASE, maker_id);
CREATE INDEX IF NOT EXISTS bikes_by_maker ON bikes (maker_id, model COLLATE NOCASE, bike_id);
CREATE INDEX IF NOT EXISTS users_by_name ON users (username COLLATE NOCASE);

-- Server-side sessions: the cookie carries a random token, the database only
-- its SHA-256, so a stolen database file cannot be turned into logins.
CREATE TABLE IF NOT EXISTS sessions (
    session_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    remember     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);

-- Failed logins, kept in the database so that `motodex reset-password`
-- (another process) can lift a lock-out. key is 'user:<name>' or 'addr:<ip>'.
CREATE TABLE IF NOT EXISTS login_failures (
    key       TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_by_key ON login_failures (key, failed_at);

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Uploaded photos live in the database so one backup file holds everything.
-- A bike has at most one; deleting the bike deletes its photo.
CREATE TABLE IF NOT EXISTS images (
    image_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    bike_id      INTEGER NOT NULL UNIQUE REFERENCES bikes (bike_id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL
);
