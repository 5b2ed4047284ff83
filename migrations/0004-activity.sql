-- Version 4: nothing a person does is lost (issue 12, SPEC §8): the
-- activity log, the trash, and the photos an edit replaced. Only new tables:
-- the course's makers, bikes and users keep their columns and rows, so the
-- Flask app still opens the file (and sees only live rows).

-- One row per change or security event, written in the same transaction as
-- the change. `at` is UTC seconds; `user_id` has no foreign key because the
-- log outlives the accounts it names (the username is kept as it was then).
-- `changes` is a JSON array of {"record", "id", "before", "after"}: every
-- record the entry touched, with its values (never a password, hash, token
-- or photo bytes; photos by image id). `undoes` names the entry this one undid.
CREATE TABLE IF NOT EXISTS activity (
    entry_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    user_id     INTEGER,
    username    TEXT NOT NULL,
    client_addr TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_id   INTEGER,
    description TEXT NOT NULL,
    changes     TEXT NOT NULL DEFAULT '[]',
    undoes      INTEGER,
    undone_by   INTEGER
);
CREATE INDEX IF NOT EXISTS activity_by_user ON activity (user_id, entry_id);
CREATE INDEX IF NOT EXISTS activity_by_kind ON activity (kind, entry_id);
-- One account's entries of one kind: without it, a filter matching none of
-- an account's many entries walks them all.
CREATE INDEX IF NOT EXISTS activity_by_user_kind ON activity (user_id, kind, entry_id);
-- Keeps the bound on failed logins (the newest 10,000) a cheap range delete.
CREATE INDEX IF NOT EXISTS activity_by_action ON activity (action, entry_id);

-- Which records each entry touched, for history pages and for "changed
-- since by someone else" (an entry may touch many: an import, an undo-all).
CREATE TABLE IF NOT EXISTS activity_records (
    record    TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    entry_id  INTEGER NOT NULL REFERENCES activity (entry_id) ON DELETE CASCADE,
    PRIMARY KEY (record, record_id, entry_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS activity_records_by_entry ON activity_records (entry_id);

-- Deleted bikes and makers, out of the course's tables. `data` is the row
-- as JSON; a bike's photo waits in kept_photos.
CREATE TABLE IF NOT EXISTS trash (
    trash_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    record      TEXT NOT NULL,
    record_id   INTEGER NOT NULL,
    name        TEXT NOT NULL,
    data        TEXT NOT NULL,
    deleted_at  INTEGER NOT NULL,
    deleted_by  TEXT NOT NULL,
    entry_id    INTEGER,
    UNIQUE (record, record_id)
);
CREATE INDEX IF NOT EXISTS trash_by_time ON trash (deleted_at, trash_id);

-- Photos no live bike shows any more (replaced by an edit, or their bike is
-- in the trash), kept under their old image id so that an undo brings back
-- the same /images/<id>. Purged with the trash.
CREATE TABLE IF NOT EXISTS kept_photos (
    image_id     INTEGER PRIMARY KEY,
    bike_id      INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    thumbnail    BLOB,
    kept_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kept_photos_by_time ON kept_photos (kept_at);
