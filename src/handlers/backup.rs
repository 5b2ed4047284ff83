//! `/admin/backup`: the whole database as one download; `/admin/backups`:
//! the backup folder, "Back up now" and the owner's restore.

use std::sync::Arc;

use futures_util::StreamExt;
use http::{HeaderValue, StatusCode, header};
use warp::Reply;
use warp::reply::Response;

use super::AdminRequest;
use crate::backup::{self, Prepared};
use crate::domain::roles::Role;
use crate::error::AppError;
use crate::forms::{Fields, SpooledFile};
use crate::state::AppState;
use crate::views::backups::{BackupNotice, BackupsPage};
use crate::views::{self, Section};

/// `GET /admin/backup`: a consistent copy of the whole database (photos
/// included), streamed from a temporary file that is deleted afterwards.
pub async fn backup(request: AdminRequest) -> Result<Response, AppError> {
    let copy = request.state.db.backup_to_temp_file().await?;
    let length = copy.as_file().metadata().map(|m| m.len()).ok();
    let (file, path) = copy.into_parts();
    let chunks =
        tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file)).map(move |chunk| {
            // Keeps the temporary file until the download has been sent.
            let _ = &path;
            chunk
        });
    let mut response = warp::reply::stream(chunks).into_response();
    crate::reply::attachment(
        &mut response,
        "application/vnd.sqlite3",
        "motodex-backup",
        "db",
    );
    let headers = response.headers_mut();
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

/// What `/admin` says about backups: the last one of this run, or the
/// newest in the folder, and whether it is overdue.
pub async fn notice(state: &Arc<AppState>) -> BackupNotice {
    let newest = state.backups.newest_recently().await;
    BackupNotice {
        last: state.backups.last(),
        newest,
        overdue: state.backups.overdue(newest, state.started_at),
        off: state.backups.every.is_none(),
        replaced: state
            .db
            .is_replaced()
            .then_some(crate::db::replaced_sentence()),
    }
}

fn is_owner(request: &AdminRequest) -> bool {
    request.admin.role == Role::Owner
}

/// `GET /admin/backups`.
pub async fn backups_page(request: AdminRequest) -> Result<Response, AppError> {
    list_page(&request, StatusCode::OK, None).await
}

async fn list_page(
    request: &AdminRequest,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let dir = request.state.backups.dir.clone();
    let listed = tokio::task::spawn_blocking(move || backup::list(&dir))
        .await
        .map_err(|e| AppError::Db(crate::db::DbError::Worker(e.to_string())))?;
    let (backups, problem) = match listed {
        Ok(found) => (found.unwrap_or_default(), None),
        Err(reason) => {
            tracing::error!("error: {reason}");
            (Vec::new(), Some(reason))
        }
    };
    let notice = notice(&request.state).await;
    // Its name only: pages never show the server's paths.
    let folder = request
        .state
        .backups
        .dir
        .file_name()
        .map_or_else(|| "backups".into(), |n| n.to_string_lossy().into_owned());
    let content = views::backups::list(&BackupsPage {
        backups: &backups,
        folder: &folder,
        notice: &notice,
        owner: is_owner(request),
        csrf_token: request.csrf_token(),
        error: error.or(problem.as_deref()),
    });
    Ok(request.page(Section::Backups, "Backups", status, content))
}

/// `GET /admin/backups/file/NAME`: one backup from the folder, streamed.
pub async fn download_file(request: AdminRequest, name: String) -> Result<Response, AppError> {
    let path = backup::find(&request.state.backups.dir, &name).ok_or(AppError::NotFound)?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| AppError::NotFound)?;
    let length = file.metadata().await.map(|m| m.len()).ok();
    let mut response = warp::reply::stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.sqlite3"),
    );
    // The name passed `find`, so it is plain ASCII without quotes.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

/// `POST /admin/backups/now`.
pub async fn back_up_now(request: AdminRequest) -> Result<Response, AppError> {
    let (db, schedule) = (request.state.db.clone(), Arc::clone(&request.state.backups));
    let written = tokio::task::spawn_blocking(move || schedule.back_up_now(&db))
        .await
        .map_err(|e| AppError::Db(crate::db::DbError::Worker(e.to_string())))?;
    match written {
        Ok(file) => Ok(request.redirect_with_message(
            "/admin/backups",
            &format!("Backup written and checked: {}.", file.name),
        )),
        Err(reason) => list_page(&request, StatusCode::INTERNAL_SERVER_ERROR, Some(&reason)).await,
    }
}

/// `POST /admin/backups/pick`: a backup from the list, checked, then the
/// confirmation page.
pub async fn pick(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let name = fields.optional("name")?.unwrap_or("").to_string();
    let Some(path) = backup::find(&request.state.backups.dir, &name) else {
        return list_page(
            &request,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("That backup is no longer in the folder. Nothing was changed."),
        )
        .await;
    };
    check_then_confirm(request, path, name).await
}

/// `POST /admin/backups/restore`: an uploaded file, checked, then the
/// confirmation page.
pub async fn upload(request: AdminRequest, form: SpooledFile) -> Result<Response, AppError> {
    let Some(file) = form.file else {
        return list_page(
            &request,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Choose a backup file to upload. Nothing was changed."),
        )
        .await;
    };
    let path = file.to_path_buf();
    let checked = check_then_confirm(request, path, "the uploaded file".into()).await;
    // The checked copy is kept apart; the upload itself can go now.
    drop(file);
    checked
}

async fn check_then_confirm(
    request: AdminRequest,
    file: std::path::PathBuf,
    source: String,
) -> Result<Response, AppError> {
    let (db, dir) = (request.state.db.clone(), request.state.backups.dir.clone());
    let shown = source.clone();
    let prepared = tokio::task::spawn_blocking(move || backup::prepare(&db, &dir, &file, &shown))
        .await
        .map_err(|e| AppError::Db(crate::db::DbError::Worker(e.to_string())))?;
    let prepared: Prepared = match prepared {
        Ok(prepared) => prepared,
        Err(reason) => {
            return list_page(&request, StatusCode::UNPROCESSABLE_ENTITY, Some(&reason)).await;
        }
    };
    let (incoming, current) = (prepared.incoming, prepared.current);
    let pending = request.state.restores.add(request.admin.user_id, prepared);
    let content =
        views::backups::confirm(&source, &incoming, &current, &pending, request.csrf_token());
    Ok(request.page(
        Section::Backups,
        "Restore this backup?",
        StatusCode::OK,
        content,
    ))
}

/// `POST /admin/backups/confirm`: the restore itself; everyone, the owner
/// included, is then sent to the login page.
pub async fn confirm(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let id = fields.optional("pending")?.unwrap_or("").to_string();
    let Some(prepared) = request.state.restores.take(request.admin.user_id, &id) else {
        return list_page(
            &request,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("That restore has expired or was already done. Choose the backup again. Nothing was changed."),
        )
        .await;
    };
    let (db, dir) = (request.state.db.clone(), request.state.backups.dir.clone());
    let holds = prepared.incoming;
    let actor = request.actor().clone();
    let restored =
        tokio::task::spawn_blocking(move || backup::restore(&db, &dir, prepared, &actor))
            .await
            .map_err(|e| AppError::Db(crate::db::DbError::Worker(e.to_string())))?;
    match restored {
        Ok(before) => {
            tracing::info!(
                "restore by {}: the database now holds {} bikes, {} makers, {} admins; its old contents are in {}",
                request.admin.username,
                holds.bikes,
                holds.makers,
                holds.admins,
                request.state.backups.dir.join(&before.name).display()
            );
            Ok(request.redirect_with_message(
            "/admin/login",
            &format!(
                "The backup was restored and everyone was logged out: log in again. The previous contents are saved as {}.",
                before.name
            ),
        ))
        }
        Err(reason) => list_page(&request, StatusCode::INTERNAL_SERVER_ERROR, Some(&reason)).await,
    }
}
