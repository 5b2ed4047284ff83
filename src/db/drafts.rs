//! Drafts (SPEC §10): a contributor's new bike waiting for an editor. Kept in `drafts` (schema version 8), never in the
//! course's `bikes`, so neither the public site nor the Flask app sees it;
//! its photo waits with it. Publishing puts it through SPEC §5's checks
//! again and saves it as any bike form would, recorded in the same
//! transaction; returning it sends it back with a comment.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::activity::{self, Entry};
use super::bikes::{self, BikeInput, MakerChoice, Saved};
use super::{DbResult, makers};
use crate::domain::activity::{Actor, Kind};
use crate::domain::records::{Draft, Photo};

const COLUMNS: &str = "d.draft_id, d.author_id, d.author, d.maker_id,
     coalesce(nullif(d.new_maker, ''), m.name, ''), d.new_maker, d.model, d.year, d.engine,
     d.image_url, d.photo IS NOT NULL, d.returned, d.comment, d.updated_at";

fn from_row(row: &Row) -> rusqlite::Result<Draft> {
    Ok(Draft {
        draft_id: row.get(0)?,
        author_id: row.get(1)?,
        author: row.get(2)?,
        maker_id: row.get(3)?,
        maker: row.get(4)?,
        new_maker: row.get(5)?,
        model: row.get(6)?,
        year: row.get(7)?,
        engine: row.get(8)?,
        image_url: row.get(9)?,
        has_photo: row.get(10)?,
        returned: row.get(11)?,
        comment: row.get(12)?,
        updated_at: row.get(13)?,
    })
}

pub fn get(conn: &Connection, draft_id: i64) -> DbResult<Option<Draft>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM drafts d LEFT JOIN makers m ON m.maker_id = d.maker_id
             WHERE d.draft_id = ?1"
        ))?
        .query_row([draft_id], from_row)
        .optional()?)
}

/// Every draft, or one author's, newest change first.
pub fn list(conn: &Connection, author_id: Option<i64>) -> DbResult<Vec<Draft>> {
    let drafts = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM drafts d LEFT JOIN makers m ON m.maker_id = d.maker_id
             WHERE ?1 IS NULL OR d.author_id = ?1 ORDER BY d.updated_at DESC, d.draft_id DESC"
        ))?
        .query_map([author_id], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(drafts)
}

/// Drafts waiting for an editor (sent, not returned): the menu's badge.
pub fn waiting(conn: &Connection) -> DbResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM drafts WHERE returned = 0")?
        .query_row([], |r| r.get(0))?)
}

/// The photo a draft holds, for the draft's pages.
pub fn photo(conn: &Connection, draft_id: i64) -> DbResult<Option<(String, Vec<u8>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT photo_type, photo_thumb FROM drafts WHERE draft_id = ?1 AND photo IS NOT NULL",
        )?
        .query_row([draft_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

fn stored_photo(tx: &Connection, draft_id: i64) -> DbResult<Option<Photo>> {
    let found: Option<(String, Vec<u8>, Vec<u8>)> = tx
        .prepare_cached(
            "SELECT photo_type, photo, photo_thumb FROM drafts WHERE draft_id = ?1 AND photo IS NOT NULL",
        )?
        .query_row([draft_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(found.map(|(content_type, data, thumbnail)| Photo {
        content_type: crate::domain::records::photo_type(&content_type),
        data,
        thumbnail,
    }))
}

/// Sends a draft: a new one (`draft_id` None), or the author's resubmitted
/// one, which leaves "returned" (its old photo stays unless a new one
/// comes). Recorded as an event (a draft changes no live record). Returns
/// the draft's id.
pub fn submit(
    tx: &Transaction,
    actor: &Actor,
    draft_id: Option<i64>,
    input: &BikeInput,
    photo: Option<&Photo>,
) -> DbResult<i64> {
    let (maker_id, new_maker) = match &input.maker {
        MakerChoice::Existing(id) => (Some(*id), ""),
        MakerChoice::New(name) => (None, name.as_str()),
    };
    let (model, year, engine, image_url) = (
        input.model.as_str(),
        input.year.value().to_string(),
        input.engine.as_str(),
        input.image_url.as_str(),
    );
    let now = crate::clock::now();
    let draft_id = match draft_id {
        Some(id) => {
            tx.prepare_cached(
                "UPDATE drafts SET maker_id = ?1, new_maker = ?2, model = ?3, year = ?4,
                     engine = ?5, image_url = ?6, updated_at = ?7, returned = 0
                 WHERE draft_id = ?8",
            )?
            .execute(params![
                maker_id, new_maker, model, year, engine, image_url, now, id
            ])?;
            id
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO drafts (author_id, author, maker_id, new_maker, model, year,
                     engine, image_url, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                actor.user_id,
                actor.username,
                maker_id,
                new_maker,
                model,
                year,
                engine,
                image_url,
                now
            ])?;
            tx.last_insert_rowid()
        }
    };
    if let Some(photo) = photo {
        tx.prepare_cached(
            "UPDATE drafts SET photo_type = ?1, photo = ?2, photo_thumb = ?3 WHERE draft_id = ?4",
        )?
        .execute(params![
            photo.content_type,
            photo.data,
            photo.thumbnail,
            draft_id
        ])?;
    }
    let name = format!(
        "{} {}",
        match &input.maker {
            MakerChoice::New(name) => name.as_str().to_string(),
            MakerChoice::Existing(id) => makers::get(tx, *id)?.map(|m| m.name).unwrap_or_default(),
        },
        input.model.as_str()
    );
    activity::record(
        tx,
        actor,
        Entry::event(
            Kind::Draft,
            "submit",
            format!("sent the draft {draft_id} ({name}) for review"),
        ),
    )?;
    Ok(draft_id)
}

/// What became of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Saved as a bike: its id, "Maker Model", and the bike's entry (the
    /// one whose Undo takes the publish back).
    Done {
        bike_id: i64,
        name: String,
        entry_id: Option<i64>,
    },
    NoSuchDraft,
    NoSuchMaker,
    MakerTaken(makers::Taken),
}

/// Publishes a draft whose values have passed SPEC §5's checks again
/// (`input`): saved as the bike form saves, the bike's entry and the
/// publish's entry in this transaction, the draft gone. The contributor
/// who wrote it is who added the bike.
pub fn publish(
    tx: &Transaction,
    actor: &Actor,
    draft: &Draft,
    input: &BikeInput,
) -> DbResult<Published> {
    let photo = stored_photo(tx, draft.draft_id)?;
    if get(tx, draft.draft_id)?.is_none() {
        return Ok(Published::NoSuchDraft);
    }
    let (bike_id, name, entry_id) = match bikes::save(tx, actor, None, input, photo.as_ref())? {
        Saved::Done {
            bike_id,
            name,
            entry_id,
        } => (bike_id, name, entry_id),
        Saved::NoSuchBike => return Ok(Published::NoSuchDraft),
        Saved::NoSuchMaker => return Ok(Published::NoSuchMaker),
        Saved::MakerTaken(taken) => return Ok(Published::MakerTaken(taken)),
    };
    super::authors::credit_author(tx, bike_id, draft.author_id, &draft.author)?;
    tx.prepare_cached("DELETE FROM drafts WHERE draft_id = ?1")?
        .execute([draft.draft_id])?;
    activity::record(
        tx,
        actor,
        Entry {
            record_id: Some(bike_id),
            ..Entry::event(
                Kind::Draft,
                "publish",
                format!(
                    "published the draft {} by {} as {name}",
                    draft.draft_id, draft.author
                ),
            )
        },
    )?;
    Ok(Published::Done {
        bike_id,
        name,
        entry_id,
    })
}

/// Sends a draft back to its author with a comment; `false` when there is
/// no such draft.
pub fn send_back(tx: &Transaction, actor: &Actor, draft_id: i64, comment: &str) -> DbResult<bool> {
    let Some(draft) = get(tx, draft_id)? else {
        return Ok(false);
    };
    tx.prepare_cached(
        "UPDATE drafts SET returned = 1, comment = ?1, updated_at = ?2 WHERE draft_id = ?3",
    )?
    .execute(params![comment, crate::clock::now(), draft_id])?;
    activity::record(
        tx,
        actor,
        Entry::event(
            Kind::Draft,
            "return",
            format!(
                "returned the draft {draft_id} ({} {}) to {}: {comment}",
                draft.maker, draft.model, draft.author
            ),
        ),
    )?;
    Ok(true)
}
