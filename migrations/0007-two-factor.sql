-- Version 7: two-factor sign-in (SPEC §11). Only new tables: the course's
-- users table keeps its three columns, so the Flask app still opens the file.

-- One row per account that has two-factor on, or is turning it on: the
-- TOTP secret (base32), when it was confirmed by a code (NULL: shown on the
-- page, not confirmed yet), and the last 30-second step a code was accepted
-- for, so a code is never accepted twice.
CREATE TABLE IF NOT EXISTS two_factor (
    user_id    INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0
);

-- The single-use recovery codes, as Argon2id hashes only.
CREATE TABLE IF NOT EXISTS recovery_codes (
    code_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   INTEGER
);
CREATE INDEX IF NOT EXISTS recovery_codes_by_user ON recovery_codes (user_id, used_at);

-- The half-way state between a right password and a right code: not a
-- session. The browser's cookie carries a random token; this holds only its
-- SHA-256, for at most 5 minutes.
CREATE TABLE IF NOT EXISTS login_halfway (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    remember   INTEGER NOT NULL DEFAULT 0,
    next       TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
