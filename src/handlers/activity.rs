//! `/admin/activity`, the history pages, undo, "Restore this version" and
//! "Undo all of these" (SPEC §8). The work is the db layer's
//! (`db::undo`); this turns its outcomes into pages.

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::db::activity::{self, ActivityFilter};
use crate::db::undo::{self, Outcome, Refusal};
use crate::db::{images, users, versions};
use crate::domain::Id;
use crate::domain::activity::{Kind, Record};
use crate::error::AppError;
use crate::forms::Fields;
use crate::views::Section;
use crate::views::activity::{self as pages, ActivityPage, ActivityQuery, HistoryPage};

const BAD_SINCE: &str = "Give the time as on the form: a date and a time (YYYY-MM-DDTHH:MM).";

fn typed(query: &Fields, name: &str) -> String {
    query
        .first(name)
        .unwrap_or("")
        .trim()
        .chars()
        .take(100)
        .collect()
}

pub async fn activity_page(request: AdminRequest, query: Fields) -> Result<Response, AppError> {
    let typed_query = ActivityQuery {
        user: typed(&query, "user"),
        kind: typed(&query, "kind"),
        q: typed(&query, "q"),
        since: typed(&query, "since"),
    };
    let page = query
        .first("page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    // A malformed filter narrows nothing rather than failing the page; a
    // malformed time says so beside its field.
    let since = (!typed_query.since.is_empty())
        .then(|| crate::clock::parse_local(&typed_query.since))
        .flatten();
    let since_error = (!typed_query.since.is_empty() && since.is_none()).then_some(BAD_SINCE);
    let filter_user = typed_query.user.parse::<Id>().ok().map(|id| id.0);
    let filter = ActivityFilter {
        user_id: filter_user,
        kind: Kind::parse(&typed_query.kind),
        q: typed_query.q.clone(),
        since,
        visible: (!request.admin.role.sees_whole_log()).then_some(&Kind::CATALOGUE[..]),
    };
    let (entries, more, accounts, live) = request
        .state
        .db
        .read(move |conn| {
            let (entries, more) = activity::list(conn, &filter, page)?;
            let accounts = activity::actors(conn)?;
            let mut live = Vec::new();
            for entry in &entries {
                for change in &entry.changes {
                    if matches!(
                        versions::now(conn, change.record, change.id)?,
                        versions::Now::Live(_)
                    ) {
                        live.push((change.record, change.id));
                    }
                }
            }
            Ok((entries, more, accounts, live))
        })
        .await?;
    let links: Vec<pages::Links> = entries
        .iter()
        .map(|e| pages::links_of(e, &|record, id| live.contains(&(record, id))))
        .collect();
    // An account deleted since is named as its entries name it.
    let undo_all_for = filter_user
        .and_then(|id| {
            accounts
                .iter()
                .find(|(uid, _)| *uid == id)
                .map(|(_, name)| name.as_str())
                .or_else(|| {
                    entries
                        .iter()
                        .find(|e| e.user_id == Some(id))
                        .map(|e| e.username.as_str())
                })
        })
        .filter(|_| since_error.is_none());
    let content = pages::activity(&ActivityPage {
        csrf_token: request.csrf_token(),
        query: &typed_query,
        accounts: &accounts,
        entries: &entries,
        links: &links,
        page,
        more,
        undo_all_for,
        error: since_error,
    });
    let status = if since_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(request.page(Section::Activity, "Activity", status, content))
}

fn history_path(record: Record, id: i64) -> String {
    match record {
        Record::Maker => format!("/admin/makers/edit/{id}/history"),
        _ => format!("/admin/edit/{id}/history"),
    }
}

fn refused_page(request: &AdminRequest, status: StatusCode, refusal: &Refusal) -> Response {
    let (record, id) = refusal.blocked.record();
    let history = history_path(record, id);
    let content = pages::refused(
        &refusal.blocked.reason(),
        refusal.since.as_deref(),
        Some(&history),
    );
    request.page(Section::Activity, "Cannot undo", status, content)
}

/// Where to go after an undo: the page the undone record is listed on.
fn back_to(entry_kind: Option<Kind>) -> &'static str {
    match entry_kind {
        Some(Kind::Maker) => "/admin/makers",
        Some(Kind::Bike | Kind::Photo) => "/admin",
        _ => "/admin/activity",
    }
}

pub async fn undo(request: AdminRequest, entry_id: Id) -> Result<Response, AppError> {
    let kind = request
        .state
        .db
        .read(move |conn| Ok(activity::get(conn, entry_id.0)?.and_then(|e| e.kind())))
        .await?;
    match request
        .write(move |tx, actor| undo::undo(tx, actor, entry_id.0))
        .await?
    {
        Outcome::Done { entry_id, words } => Ok(request.redirect_with_undo(
            back_to(kind),
            &format!("Done: you {words}."),
            Some(entry_id),
        )),
        Outcome::Refused(refusal) => Ok(refused_page(&request, StatusCode::CONFLICT, &refusal)),
        Outcome::Missing => Err(AppError::NotFound),
        Outcome::NotUndoable => {
            let content = pages::refused(
                "Only changes to the catalogue can be undone; this entry is not one.",
                None,
                None,
            );
            Ok(request.page(
                Section::Activity,
                "Cannot undo",
                StatusCode::CONFLICT,
                content,
            ))
        }
    }
}

async fn history(request: AdminRequest, record: Record, id: Id) -> Result<Response, AppError> {
    let (entries, now) = request
        .state
        .db
        .read(move |conn| {
            Ok((
                activity::history(conn, record, id.0)?,
                versions::now(conn, record, id.0)?,
            ))
        })
        .await?;
    if entries.is_empty() && now == versions::Now::Gone {
        return Err(AppError::NotFound);
    }
    let values = match &now {
        versions::Now::Live(v) | versions::Now::Trashed(v) => Some(v.clone()),
        versions::Now::Gone => entries
            .iter()
            .flat_map(|e| e.changes.iter())
            .find(|c| c.record == record && c.id == id.0)
            .and_then(|c| c.before.clone().or(c.after.clone())),
    };
    let title = values
        .map(|v| undo::name_of(record, &v))
        .unwrap_or_else(|| format!("record {}", id.0));
    let edit = matches!(now, versions::Now::Live(_)).then(|| match record {
        Record::Maker => format!("/admin/makers/edit/{}", id.0),
        _ => format!("/admin/edit/{}", id.0),
    });
    let content = pages::history(&HistoryPage {
        csrf_token: request.csrf_token(),
        title: &title,
        record,
        record_id: id.0,
        entries: &entries,
        edit,
    });
    let section = match record {
        Record::Maker => Section::Makers,
        _ => Section::Bikes,
    };
    Ok(request.page(
        section,
        &format!("History of {title}"),
        StatusCode::OK,
        content,
    ))
}

pub async fn bike_history(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    history(request, Record::Bike, id).await
}

pub async fn maker_history(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    history(request, Record::Maker, id).await
}

async fn restore_version(
    request: AdminRequest,
    record: Record,
    id: Id,
    entry_id: Id,
) -> Result<Response, AppError> {
    match request
        .write(move |tx, actor| undo::restore_version(tx, actor, record, id.0, entry_id.0))
        .await?
    {
        Outcome::Done { entry_id, words } => Ok(request.redirect_with_undo(
            &history_path(record, id.0),
            &format!("Done: you {words}."),
            Some(entry_id),
        )),
        Outcome::Refused(refusal) => Ok(refused_page(
            &request,
            StatusCode::UNPROCESSABLE_ENTITY,
            &refusal,
        )),
        Outcome::Missing => Err(AppError::NotFound),
        Outcome::NotUndoable => {
            let content = pages::refused(
                "That entry deleted the record; choose a version it had.",
                None,
                Some(&history_path(record, id.0)),
            );
            Ok(request.page(
                Section::Activity,
                "Cannot restore",
                StatusCode::UNPROCESSABLE_ENTITY,
                content,
            ))
        }
    }
}

pub async fn restore_bike_version(
    request: AdminRequest,
    id: Id,
    entry_id: Id,
) -> Result<Response, AppError> {
    restore_version(request, Record::Bike, id, entry_id).await
}

pub async fn restore_maker_version(
    request: AdminRequest,
    id: Id,
    entry_id: Id,
) -> Result<Response, AppError> {
    restore_version(request, Record::Maker, id, entry_id).await
}

/// `POST /admin/activity/undo` (`user`, `since`): the confirmation page
/// with what would be undone and what cannot be; with `confirm=yes`, does it.
pub async fn undo_all(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let user = fields.required("user")?.trim().to_string();
    let since_text = fields.optional("since")?.unwrap_or("").trim().to_string();
    let confirmed = fields.optional("confirm")? == Some("yes");
    let user_id = user.parse::<Id>().map_err(|()| AppError::NotFound)?.0;
    let since = match since_text.as_str() {
        "" => 0,
        text => crate::clock::parse_local(text).ok_or(AppError::BadRequest(
            crate::forms::BadRequest::Missing("since (as YYYY-MM-DDTHH:MM)".to_string()),
        ))?,
    };
    let username = request
        .state
        .db
        .read(move |conn| Ok(users::get(conn, user_id)?.map(|u| u.username)))
        .await?;
    // An account deleted since still has its entries; name it as the log does.
    let plan = request
        .write(move |tx, actor| undo::undo_all(tx, actor, user_id, since, !confirmed))
        .await?;
    let username = username
        .or_else(|| plan.undone.first().map(|e| e.username.clone()))
        .or_else(|| plan.blocked.first().map(|(e, _)| e.username.clone()));
    let Some(username) = username else {
        return Err(AppError::NotFound);
    };
    if let Some(entry_id) = plan.entry_id {
        let message = format!(
            "Undid {} change{} by {username}{}.",
            plan.undone.len(),
            if plan.undone.len() == 1 { "" } else { "s" },
            if plan.blocked.is_empty() {
                String::new()
            } else {
                format!("; {} could not be undone", plan.blocked.len())
            }
        );
        return Ok(request.redirect_with_undo("/admin/activity", &message, Some(entry_id)));
    }
    let content = pages::undo_all_confirm(&pages::UndoAllPage {
        csrf_token: request.csrf_token(),
        user: &user,
        since: &since_text,
        username: &username,
        undone: &plan.undone,
        blocked: &plan.blocked,
    });
    Ok(request.page(
        Section::Activity,
        "Undo all of these",
        StatusCode::OK,
        content,
    ))
}

/// `/admin/photos/<id>`: a photo's thumbnail for history pages, whether it
/// is live or only kept for undo (kept ones are not public).
pub async fn photo(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let image = request
        .state
        .db
        .read(move |conn| match images::get_thumbnail(conn, id.0)? {
            Some(image) => Ok(Some(image)),
            None => images::get_kept_thumbnail(conn, id.0),
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let mut response = Response::new(image.data.into());
    if let Ok(value) = http::HeaderValue::from_str(&image.content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    Ok(response)
}
