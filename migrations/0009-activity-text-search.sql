-- Version 9: the activity page's word search (`q`) through an index instead
-- of reading every description (issue 12: 733 ms at a million entries for a
-- word that few entries hold). A trigram index answers the same
-- case-insensitive substring LIKE the page asks, for three characters or
-- more; shorter words still scan. External content: the text stays in
-- `activity` only, and triggers keep the index in step with it, including
-- the pruning of old failed-login entries. `detail = none` keeps only which
-- entries hold each trigram (a million entries: +65 MB instead of +170 MB,
-- upgraded in 22 s instead of 79 s); the LIKE itself is still checked on
-- the text, so the answers are exact.
CREATE VIRTUAL TABLE IF NOT EXISTS activity_text USING fts5 (
    description,
    content = 'activity',
    content_rowid = 'entry_id',
    tokenize = 'trigram',
    detail = 'none'
);
INSERT INTO activity_text (activity_text) VALUES ('rebuild');

CREATE TRIGGER IF NOT EXISTS activity_text_insert AFTER INSERT ON activity BEGIN
    INSERT INTO activity_text (rowid, description) VALUES (new.entry_id, new.description);
END;
CREATE TRIGGER IF NOT EXISTS activity_text_delete AFTER DELETE ON activity BEGIN
    INSERT INTO activity_text (activity_text, rowid, description)
        VALUES ('delete', old.entry_id, old.description);
END;
CREATE TRIGGER IF NOT EXISTS activity_text_update AFTER UPDATE OF description ON activity BEGIN
    INSERT INTO activity_text (activity_text, rowid, description)
        VALUES ('delete', old.entry_id, old.description);
    INSERT INTO activity_text (rowid, description) VALUES (new.entry_id, new.description);
END;
