-- Version 10: how many of each maker's bikes hold each run of three ASCII
-- characters in their model (issue 17). A search of three letters is one
-- such run, so its total is the sum of at most one row per maker, and its
-- pages skip whole makers by their counts: counting the trigram index's
-- matches instead read every match (12,000 of them for a typical search at
-- a million bikes: two thirds of the page's time).
--
-- Which runs a model holds is motodex's own case folding (Rust, see
-- src/db/catalogue/pieces.rs), so SQL only logs what changed: the triggers
-- add a row for each bike that appears (+1) or goes (-1) under a maker,
-- and motodex folds the log into the counts in its next write (and when it
-- starts), in the same transaction as that write. Until then a search
-- counts the logged rows one by one, so the answers are exact at any time.
-- Any program writing the bikes table (the Flask course's app, the sqlite3
-- shell) keeps the log right: the triggers are plain SQL.
CREATE TABLE IF NOT EXISTS maker_trigram_counts (
    trigram  TEXT NOT NULL,
    maker_id INTEGER NOT NULL,
    bikes    INTEGER NOT NULL,
    PRIMARY KEY (trigram, maker_id)
) WITHOUT ROWID;

-- `model` has no type, so it keeps the bike's value exactly as stored.
CREATE TABLE IF NOT EXISTS maker_trigram_changes (
    change_id INTEGER PRIMARY KEY,
    maker_id  INTEGER NOT NULL,
    model,
    bikes     INTEGER NOT NULL
);

-- The bikes there are: all of them appear once, and are counted at start.
INSERT INTO maker_trigram_changes (maker_id, model, bikes)
    SELECT maker_id, model, 1 FROM bikes WHERE maker_id IS NOT NULL;

CREATE TRIGGER IF NOT EXISTS maker_trigram_changes_insert AFTER INSERT ON bikes
WHEN new.maker_id IS NOT NULL BEGIN
    INSERT INTO maker_trigram_changes (maker_id, model, bikes) VALUES (new.maker_id, new.model, 1);
END;
CREATE TRIGGER IF NOT EXISTS maker_trigram_changes_delete AFTER DELETE ON bikes
WHEN old.maker_id IS NOT NULL BEGIN
    INSERT INTO maker_trigram_changes (maker_id, model, bikes) VALUES (old.maker_id, old.model, -1);
END;
CREATE TRIGGER IF NOT EXISTS maker_trigram_changes_update AFTER UPDATE OF maker_id, model ON bikes
WHEN old.maker_id IS NOT new.maker_id OR old.model IS NOT new.model BEGIN
    INSERT INTO maker_trigram_changes (maker_id, model, bikes)
        SELECT old.maker_id, old.model, -1 WHERE old.maker_id IS NOT NULL
        UNION ALL
        SELECT new.maker_id, new.model, 1 WHERE new.maker_id IS NOT NULL;
END;
