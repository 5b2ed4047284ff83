-- Version 2: what keeps the catalogue fast at a million bikes (issue 6).
-- Everything here is plain SQL kept in sync by triggers, so any program
-- that writes the bikes table (the Flask course's app, the sqlite3 shell)
-- keeps the index and the counts right too.

-- Substring search: a trigram index over bike models. SQLite's trigram
-- tokenizer folds case itself (case_sensitive 0); motodex uses it only for
-- searches of at least 3 ASCII characters, where that folding provably agrees
-- with motodex's own (see src/db/catalogue.rs), and verifies anything else.
-- External content: the text stays only in bikes.model.
CREATE VIRTUAL TABLE IF NOT EXISTS bikes_fts USING fts5 (
    model,
    content = 'bikes',
    content_rowid = 'bike_id',
    tokenize = 'trigram case_sensitive 0',
    detail = full
);
INSERT INTO bikes_fts (bikes_fts) VALUES ('rebuild');

CREATE TRIGGER IF NOT EXISTS bikes_fts_insert AFTER INSERT ON bikes BEGIN
    INSERT INTO bikes_fts (rowid, model) VALUES (new.bike_id, new.model);
END;
CREATE TRIGGER IF NOT EXISTS bikes_fts_delete AFTER DELETE ON bikes BEGIN
    INSERT INTO bikes_fts (bikes_fts, rowid, model) VALUES ('delete', old.bike_id, old.model);
END;
CREATE TRIGGER IF NOT EXISTS bikes_fts_update AFTER UPDATE OF bike_id, model ON bikes BEGIN
    INSERT INTO bikes_fts (bikes_fts, rowid, model) VALUES ('delete', old.bike_id, old.model);
    INSERT INTO bikes_fts (rowid, model) VALUES (new.bike_id, new.model);
END;

-- How many bikes each maker has: totals and deep pages without counting a
-- million rows per request. Rows for makers that no longer exist are
-- harmless (every query joins makers).
CREATE TABLE IF NOT EXISTS maker_bike_counts (
    maker_id INTEGER PRIMARY KEY,
    bikes    INTEGER NOT NULL
);
INSERT INTO maker_bike_counts (maker_id, bikes)
    SELECT maker_id, count(*) FROM bikes WHERE maker_id IS NOT NULL GROUP BY maker_id;

CREATE TRIGGER IF NOT EXISTS maker_bike_counts_insert AFTER INSERT ON bikes
WHEN new.maker_id IS NOT NULL BEGIN
    INSERT INTO maker_bike_counts (maker_id, bikes) VALUES (new.maker_id, 1)
        ON CONFLICT (maker_id) DO UPDATE SET bikes = bikes + 1;
END;
CREATE TRIGGER IF NOT EXISTS maker_bike_counts_delete AFTER DELETE ON bikes
WHEN old.maker_id IS NOT NULL BEGIN
    UPDATE maker_bike_counts SET bikes = bikes - 1 WHERE maker_id = old.maker_id;
END;
CREATE TRIGGER IF NOT EXISTS maker_bike_counts_update AFTER UPDATE OF maker_id ON bikes
WHEN old.maker_id IS NOT new.maker_id BEGIN
    UPDATE maker_bike_counts SET bikes = bikes - 1 WHERE maker_id = old.maker_id;
    INSERT INTO maker_bike_counts (maker_id, bikes) SELECT new.maker_id, 1 WHERE new.maker_id IS NOT NULL
        ON CONFLICT (maker_id) DO UPDATE SET bikes = bikes + 1;
END;
