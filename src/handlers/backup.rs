//! `/admin/backup`: the whole database as one download.

use futures_util::StreamExt;
use http::{HeaderValue, header};
use warp::Reply;
use warp::reply::Response;

use super::AdminRequest;
use crate::error::AppError;

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
    let today = time::OffsetDateTime::now_utc().date();
    let name = format!(
        "motodex-backup-{}-{:02}-{:02}.db",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.sqlite3"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}
