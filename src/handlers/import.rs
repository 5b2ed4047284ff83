//! `/admin/import`: upload a spreadsheet, see the preview (what would be
//! added and changed, every problem), then confirm. The parsed file waits
//! server-side under a random token (`transfer::pending`), so the
//! confirmation does not send it again; the import itself is checked again
//! inside its write transaction, so what changed meanwhile is caught.

use std::sync::Arc;

use http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

use super::AdminRequest;
use crate::error::AppError;
use crate::forms::{Fields, FileForm};
use crate::transfer::import::{self, Options};
use crate::transfer::pending::Held;
use crate::transfer::{archive, csv_file, photos};
use crate::views::{self, Section};

/// The upload's file field.
pub const FILE_FIELD: &str = "file";
const TITLE: &str = "Import & export";

fn no_progress(_: u64) {}

pub async fn import_form(request: AdminRequest) -> Result<Response, AppError> {
    let content = views::transfer::import_form(request.csrf_token(), Options::default(), None);
    Ok(request.page(Section::Import, TITLE, StatusCode::OK, content))
}

fn options(fields: &Fields) -> Result<Options, AppError> {
    Ok(Options {
        create_makers: fields.optional("create_makers")?.is_some(),
        update: fields.optional("update")?.is_some(),
    })
}

/// `POST /admin/import`: checks the uploaded file and shows the preview.
pub async fn upload(request: AdminRequest, form: FileForm) -> Result<Response, AppError> {
    let options = options(&form.fields)?;
    let refuse = |request: &AdminRequest, reason: &str| {
        let content = views::transfer::import_form(request.csrf_token(), options, Some(reason));
        request.page(
            Section::Import,
            TITLE,
            StatusCode::UNPROCESSABLE_ENTITY,
            content,
        )
    };
    let Some(bytes) = form.file else {
        return Ok(refuse(&request, "Choose the CSV file to import."));
    };
    // Unpacking a zip and reading 5 MB of CSV take a moment: not on the
    // executor.
    let read = tokio::task::spawn_blocking(move || -> Result<_, String> {
        if archive::looks_like_zip(&bytes) {
            let (_, csv, source) = photos::open_zip(Box::new(std::io::Cursor::new(bytes)))?;
            Ok((csv_file::read(&csv)?, Some(source)))
        } else {
            Ok((csv_file::read(&bytes)?, None))
        }
    })
    .await
    .map_err(|e| AppError::Db(crate::db::DbError::Worker(e.to_string())))?;
    let (file, source) = match read {
        Ok(read) => read,
        Err(reason) => return Ok(refuse(&request, &reason)),
    };
    let names = photos::photo_names(&file);
    let photos = Arc::new(request.state.photos.process_named(source, names).await);
    let name = form
        .file_name
        .as_deref()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .filter(|n| !n.is_empty())
        .unwrap_or("the file")
        .chars()
        .take(100)
        .collect::<String>();
    let file = Arc::new(file);
    let token = request.state.imports.hold(
        request.admin.user_id,
        Held {
            file: Arc::clone(&file),
            photos: Arc::clone(&photos),
            options,
            name: name.clone(),
        },
    );
    let held = Held {
        file,
        photos,
        options,
        name,
    };
    preview(&request, &token, held, StatusCode::OK).await
}

async fn preview(
    request: &AdminRequest,
    token: &str,
    held: Held,
    fine_status: StatusCode,
) -> Result<Response, AppError> {
    let (checking, photos, options) = (
        Arc::clone(&held.file),
        Arc::clone(&held.photos),
        held.options,
    );
    let checked = request
        .state
        .db
        .read(move |conn| import::check(conn, &checking, options, &photos, &no_progress))
        .await?;
    let status = if checked.is_fine() {
        fine_status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let content = views::transfer::preview(&views::transfer::Preview {
        csrf_token: request.csrf_token(),
        token,
        name: &held.name,
        options,
        file: &held.file,
        checked: &checked,
    });
    Ok(request.page(Section::Import, TITLE, status, content))
}

/// The preview behind `token` has expired (or was never this account's).
fn expired(request: &AdminRequest) -> Response {
    let content = views::transfer::import_form(
        request.csrf_token(),
        Options::default(),
        Some(
            "This preview has expired (previews are kept for 10 minutes), or the import was already done. Upload the file again.",
        ),
    );
    request.page(Section::Import, TITLE, StatusCode::GONE, content)
}

/// `POST /admin/import/confirm` (field `token`): the import, in one
/// transaction, all or nothing.
pub async fn confirm(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let token = fields.required("token")?.to_string();
    let Some(held) = request.state.imports.get(&token, request.admin.user_id) else {
        return Ok(expired(&request));
    };
    let (file, photos, options) = (
        Arc::clone(&held.file),
        Arc::clone(&held.photos),
        held.options,
    );
    let done = request
        .write(move |tx, actor| {
            import::apply(
                tx,
                actor,
                &file,
                options,
                &photos,
                &no_progress,
                &no_progress,
            )
        })
        .await?;
    match done {
        Ok((counts, entry_id)) => {
            request.state.imports.remove(&token);
            let message = format!("Imported {}: {}.", held.name, counts.describe(false));
            Ok(request.redirect_with_undo("/admin", &message, Some(entry_id)))
        }
        // Something changed since the preview (a maker deleted, a bike
        // removed): show the problems as they are now.
        Err(_) => preview(&request, &token, held, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

/// `GET /admin/import/<token>/problems.csv`: the uploaded rows with a
/// `problem` column.
pub async fn problems_csv(request: AdminRequest, token: String) -> Result<Response, AppError> {
    let held = request
        .state
        .imports
        .get(&token, request.admin.user_id)
        .ok_or(AppError::NotFound)?;
    let (file, photos, options) = (
        Arc::clone(&held.file),
        Arc::clone(&held.photos),
        held.options,
    );
    let body = request
        .state
        .db
        .read(move |conn| {
            let checked = import::check(conn, &file, options, &photos, &no_progress)?;
            Ok(import::problems_csv(&file, &checked))
        })
        .await?;
    let stem = [".csv", ".CSV", ".zip", ".ZIP"]
        .iter()
        .fold(held.name.as_str(), |name, suffix| {
            name.trim_end_matches(suffix)
        });
    Ok(csv_download(body, &format!("{stem}-problems.csv")))
}

/// `GET /admin/import/template.csv`.
pub async fn template(_request: AdminRequest) -> Result<Response, AppError> {
    Ok(csv_download(
        import::template_csv(),
        "motodex-import-template.csv",
    ))
}

fn csv_download(body: Vec<u8>, name: &str) -> Response {
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    // The name comes from the upload: only plain characters go into the header.
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
