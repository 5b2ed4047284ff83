//! `/admin/trash`: what was deleted, restoring it under its old id, and
//! emptying the trash (the owner only, after a confirmation page).

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::db::activity::{self, Entry};
use crate::db::undo::Refusal;
use crate::db::{trash, users, versions};
use crate::domain::Id;
use crate::domain::activity::{Kind, Record};
use crate::domain::roles::Role;
use crate::error::AppError;
use crate::views::Section;
use crate::views::activity as pages;

const LIST: &str = "/admin/trash";

fn is_owner(request: &AdminRequest) -> bool {
    request.admin.role == Role::Owner
}

pub async fn trash_page(request: AdminRequest) -> Result<Response, AppError> {
    let items = request.state.db.read(trash::list).await?;
    let can_empty = is_owner(&request);
    let content = pages::trash(
        request.csrf_token(),
        &items,
        request.state.trash_days,
        can_empty,
    );
    Ok(request.page(Section::Trash, "Trash", StatusCode::OK, content))
}

/// What a restore from the trash came to.
enum Restored {
    Done(String, i64),
    Refused(Refusal),
    Missing,
}

pub async fn restore(request: AdminRequest, trash_id: Id) -> Result<Response, AppError> {
    let outcome = request
        .write(move |tx, actor| {
            let Some(item) = trash::get(tx, trash_id.0)? else {
                return Ok(Restored::Missing);
            };
            let Some(values) = trash::find(tx, item.record, item.record_id)? else {
                return Ok(Restored::Missing);
            };
            match versions::attempt(tx, || {
                versions::restore(tx, actor, item.record, item.record_id, Some(&values))
            })? {
                Err(blocked) => Ok(Restored::Refused(Refusal {
                    blocked,
                    since: None,
                })),
                Ok(changes) => {
                    let what = match item.record {
                        Record::Maker => format!("the maker {}", item.name),
                        _ => item.name.clone(),
                    };
                    let brought = changes.len().saturating_sub(1);
                    let words = if brought > 0 {
                        format!("restored {what} (and its maker) from the trash")
                    } else {
                        format!("restored {what} from the trash")
                    };
                    let entry_id = activity::record(
                        tx,
                        actor,
                        Entry {
                            record_id: Some(item.record_id),
                            changes,
                            ..Entry::event(Kind::Trash, "restore", words.clone())
                        },
                    )?;
                    Ok(Restored::Done(words, entry_id))
                }
            }
        })
        .await?;
    match outcome {
        Restored::Done(words, entry_id) => {
            Ok(request.redirect_with_undo(LIST, &format!("Done: you {words}."), Some(entry_id)))
        }
        Restored::Refused(refusal) => {
            let content = pages::refused(&refusal.blocked.reason(), None, None);
            Ok(request.page(
                Section::Trash,
                "Cannot restore",
                StatusCode::CONFLICT,
                content,
            ))
        }
        Restored::Missing => Err(AppError::NotFound),
    }
}

pub async fn empty_confirm(request: AdminRequest) -> Result<Response, AppError> {
    let count = request.state.db.read(trash::count).await?;
    let content = pages::empty_trash_confirm(request.csrf_token(), count);
    Ok(request.page(Section::Trash, "Empty the trash", StatusCode::OK, content))
}

pub async fn empty(request: AdminRequest) -> Result<Response, AppError> {
    let me = request.admin.user_id;
    let emptied = request
        .write(move |tx, actor| {
            // Checked inside the write: ownership cannot change in between.
            if users::owner_id(tx)? != Some(me) {
                return Ok(None);
            }
            let items = trash::purge(tx, i64::MAX)?;
            activity::record(
                tx,
                actor,
                Entry::event(
                    Kind::Trash,
                    "empty",
                    format!(
                        "emptied the trash ({items} item{})",
                        if items == 1 { "" } else { "s" }
                    ),
                ),
            )?;
            Ok(Some(items))
        })
        .await?
        .ok_or(AppError::Forbidden)?;
    Ok(request.redirect_with_message(
        LIST,
        &format!(
            "The trash was emptied ({emptied} item{} deleted for good).",
            if emptied == 1 { "" } else { "s" }
        ),
    ))
}
