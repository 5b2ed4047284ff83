-- Version 8: who added each bike and who last changed it, and contributors'
-- drafts (issue 16, SPEC §10).
-- A table of its own, keyed by bike_id, so the course's `bikes` keeps its
-- columns. No foreign key: a bike in the trash keeps its row, and a bike id
-- is never reused (AUTOINCREMENT). Written by the activity log's `record`,
-- in the same transaction as the change; the names are as they were then
-- (accounts can be deleted or renamed; the log keeps them the same way).
-- A bike without a row, or with NULLs, is "not known": added before this
-- version without a log entry, or by another program (the Flask app).
CREATE TABLE IF NOT EXISTS bike_authors (
    bike_id       INTEGER PRIMARY KEY,
    added_by_id   INTEGER,
    added_by      TEXT,
    added_at      INTEGER,
    changed_by_id INTEGER,
    changed_by    TEXT,
    changed_at    INTEGER
);

-- Existing bikes, from the activity log where it has their entries: the
-- newest add (a form or an import) of each bike is who added it ...
CREATE TEMP TABLE bike_added AS
SELECT json_extract(j.value, '$.id') AS bike_id, max(a.entry_id) AS entry_id
FROM activity a, json_each(a.changes) j
WHERE a.action IN ('add', 'import')
  AND json_extract(j.value, '$.record') = 'bike'
  AND json_extract(j.value, '$.before') IS NULL
  AND json_extract(j.value, '$.after') IS NOT NULL
GROUP BY 1;

INSERT INTO bike_authors (bike_id, added_by_id, added_by, added_at)
SELECT b.bike_id, a.user_id, a.username, a.at
FROM bike_added b JOIN activity a ON a.entry_id = b.entry_id
WHERE b.bike_id IS NOT NULL;

-- ... and the newest later entry that touched it is who last changed it.
INSERT INTO bike_authors (bike_id, changed_by_id, changed_by, changed_at)
SELECT r.record_id, a.user_id, a.username, a.at
FROM (SELECT record_id, max(entry_id) AS entry_id FROM activity_records
      WHERE record = 'bike' GROUP BY record_id) r
JOIN activity a ON a.entry_id = r.entry_id
WHERE r.entry_id > coalesce((SELECT entry_id FROM bike_added WHERE bike_id = r.record_id), 0)
ON CONFLICT (bike_id) DO UPDATE SET
    changed_by_id = excluded.changed_by_id,
    changed_by = excluded.changed_by,
    changed_at = excluded.changed_at;

DROP TABLE bike_added;

-- Contributors' drafts (SPEC §10): a new bike, never in the course's
-- `bikes` until an editor publishes it (a contributor cannot change live
-- bikes, so a draft is always a bike to add). The
-- values are the form's, checked when sent and again when published;
-- `new_maker` is a maker the draft would add (empty when `maker_id` names
-- one). The photo, already cleaned like any upload, waits here with its
-- thumbnail. `returned` = 1: sent back to the author with `comment`.
-- `author_id` has no foreign key: a deleted account's drafts stay, named.
CREATE TABLE IF NOT EXISTS drafts (
    draft_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id   INTEGER NOT NULL,
    author      TEXT NOT NULL,
    maker_id    INTEGER,
    new_maker   TEXT NOT NULL DEFAULT '',
    model       TEXT NOT NULL,
    year        TEXT NOT NULL,
    engine      TEXT NOT NULL,
    image_url   TEXT NOT NULL DEFAULT '',
    photo_type  TEXT,
    photo       BLOB,
    photo_thumb BLOB,
    returned    INTEGER NOT NULL DEFAULT 0,
    comment     TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_by_author ON drafts (author_id, draft_id);
