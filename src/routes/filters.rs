//! The filters every area's routes are built from: the state, the query,
//! the client's address, the origin check, and request bodies read within
//! their limits.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use warp::{Filter, Rejection};

use crate::auth::csrf;
use crate::error::AppError;
use crate::forms::{BadRequest, Fields, FileForm, PhotoForm, SpooledFile};
use crate::state::AppState;

/// Form bodies other than photo uploads (SPEC §5).
pub const FORM_LIMIT: u64 = 64 * 1024;
/// A form with a photo, the photo included (SPEC §5).
pub const PHOTO_FORM_LIMIT: u64 = 6 * 1024 * 1024;
/// The file field of forms that take a photo.
pub const PHOTO_FIELD: &str = "image";

tokio::task_local! {
    /// The client's address, set by the server loop around each
    /// connection's task (proxy headers are never trusted for it). Read by
    /// filters only: a task a handler spawns does not see it. Not a request
    /// extension: the first extension allocates a map, and frees it, on
    /// every request (a `/healthz` took 216 instructions more that way, of
    /// 20,400: callgrind).
    pub static CLIENT_ADDR: SocketAddr;
}

pub fn with_state(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    warp::any().map(move || Arc::clone(&state))
}

/// Passes only requests whose path starts with `segment`, leaving the path
/// as it is: an area's routes are then tried for its own paths only (warp
/// tries routes in turn, and each boxed route it tries costs an allocation).
pub fn under(segment: &'static str) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::path::peek()
        .and_then(move |rest: warp::path::Peek| async move {
            if rest.segments().next() == Some(segment) {
                Ok(())
            } else {
                Err(warp::reject::not_found())
            }
        })
        .untuple_one()
}

pub fn cookie_header() -> impl Filter<Extract = (Option<String>,), Error = Rejection> + Clone {
    warp::header::optional::<String>("cookie")
}

pub fn client_addr() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::any().map(|| CLIENT_ADDR.try_with(|addr| *addr).ok())
}

/// The `User-Agent` header, for the activity log.
pub fn user_agent() -> impl Filter<Extract = (Option<String>,), Error = Rejection> + Clone {
    warp::header::optional::<String>("user-agent")
}

/// The query string, strictly decoded (an absent one is empty).
pub fn query() -> impl Filter<Extract = (Fields,), Error = Rejection> + Clone {
    warp::query::raw()
        .or(warp::any().map(String::new))
        .unify()
        .and_then(|raw: String| async move {
            Fields::parse(raw.as_bytes()).map_err(|e| Rejection::from(AppError::from(e)))
        })
}

/// The query string, strictly decoded except for the fields in `lenient`,
/// which are left out when they cannot be decoded.
pub fn lenient_query(
    lenient: &'static [&'static str],
) -> impl Filter<Extract = (Fields,), Error = Rejection> + Clone {
    warp::query::raw()
        .or(warp::any().map(String::new))
        .unify()
        .and_then(move |raw: String| async move {
            Fields::parse_lenient(raw.as_bytes(), lenient)
                .map_err(|e| Rejection::from(AppError::from(e)))
        })
}

/// Refuses a POST that announces another site as its origin (SPEC §6).
pub fn same_origin() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::header::headers_cloned()
        .and_then(move |headers: HeaderMap| async move {
            if csrf::same_origin(&headers) {
                Ok(())
            } else {
                Err(Rejection::from(AppError::Forbidden))
            }
        })
        .untuple_one()
}

/// An `application/x-www-form-urlencoded` body of at most [`FORM_LIMIT`].
pub fn form() -> impl Filter<Extract = (Fields,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and_then(|content_type: Option<String>| async move {
            let essence = content_type
                .as_deref()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence == "application/x-www-form-urlencoded" {
                Ok(())
            } else {
                Err(Rejection::from(AppError::from(BadRequest::ContentType(
                    "an ordinary web form",
                ))))
            }
        })
        .untuple_one()
        .and(limited_body(FORM_LIMIT))
        .and_then(|body: Bytes| async move {
            Fields::parse(&body).map_err(|e| Rejection::from(AppError::from(e)))
        })
}

/// The request body, refused with 413 as soon as it passes `limit` bytes,
/// whether it announced its length or streams in chunks.
fn limited_body(limit: u64) -> impl Filter<Extract = (Bytes,), Error = Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |length: Option<u64>, stream| collect_limited(length, stream, limit))
}

async fn collect_limited<B: warp::Buf>(
    length: Option<u64>,
    stream: impl futures_util::Stream<Item = Result<B, warp::Error>>,
    limit: u64,
) -> Result<Bytes, Rejection> {
    use futures_util::StreamExt;
    if length.is_some_and(|n| n > limit) {
        return Err(Rejection::from(AppError::PayloadTooLarge));
    }
    let mut body = Vec::with_capacity(length.unwrap_or(0).min(limit) as usize);
    let mut stream = std::pin::pin!(stream);
    while let Some(chunk) = stream.next().await {
        let mut chunk =
            chunk.map_err(|_| Rejection::from(AppError::from(BadRequest::Multipart)))?;
        if body.len() as u64 + chunk.remaining() as u64 > limit {
            return Err(Rejection::from(AppError::PayloadTooLarge));
        }
        while chunk.has_remaining() {
            let bytes = chunk.chunk();
            let n = bytes.len();
            body.extend_from_slice(bytes);
            chunk.advance(n);
        }
    }
    Ok(Bytes::from(body))
}

/// A form that may carry a photo: `multipart/form-data` of at most
/// [`PHOTO_FORM_LIMIT`] with an optional file field [`PHOTO_FIELD`], or an
/// ordinary form as [`form`] takes it. One filter reads both, so each
/// mistake gets its own answer (413, or a 400 saying what is wrong) instead
/// of whichever rejection a chain of alternatives happens to keep.
pub fn photo_form() -> impl Filter<Extract = (PhotoForm,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .and_then(
            |content_type: Option<String>, length: Option<u64>, stream| async move {
                read_photo_form(content_type.as_deref().unwrap_or(""), length, stream).await
            },
        )
}

async fn read_photo_form<B: warp::Buf>(
    content_type: &str,
    length: Option<u64>,
    stream: impl futures_util::Stream<Item = Result<B, warp::Error>> + Send + 'static,
) -> Result<PhotoForm, Rejection> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            let body = collect_limited(length, stream, FORM_LIMIT).await?;
            let fields = Fields::parse(&body).map_err(|e| Rejection::from(AppError::from(e)))?;
            Ok(PhotoForm {
                fields,
                image: None,
                image_name: None,
            })
        }
        "multipart/form-data" => read_multipart(content_type, length, stream)
            .await
            .map_err(Rejection::from),
        _ => Err(Rejection::from(AppError::from(BadRequest::ContentType(
            "a web form (multipart/form-data or application/x-www-form-urlencoded)",
        )))),
    }
}

/// Decodes `multipart/form-data` with multer: text parts as strictly as
/// urlencoded ones (UTF-8, no control characters, duplicates refused when
/// read), and at most one file part [`PHOTO_FIELD`].
async fn read_multipart<B: warp::Buf>(
    content_type: &str,
    length: Option<u64>,
    stream: impl futures_util::Stream<Item = Result<B, warp::Error>> + Send + 'static,
) -> Result<PhotoForm, AppError> {
    // Refused before reading a byte when the size is announced.
    if length.is_some_and(|n| n > PHOTO_FORM_LIMIT) {
        return Err(AppError::PayloadTooLarge);
    }
    let form = read_file_multipart(content_type, stream, PHOTO_FIELD, PHOTO_FORM_LIMIT).await?;
    Ok(PhotoForm {
        fields: form.fields,
        image: form.file,
        image_name: form.file_name,
    })
}

/// Decodes `multipart/form-data` of at most `limit` bytes with multer: text
/// parts as strictly as urlencoded ones (UTF-8, no control characters,
/// duplicates refused when read), and at most one file part `file_field`.
async fn read_file_multipart<B: warp::Buf>(
    content_type: &str,
    stream: impl futures_util::Stream<Item = Result<B, warp::Error>> + Send + 'static,
    file_field: &str,
    limit: u64,
) -> Result<FileForm, AppError> {
    use futures_util::TryStreamExt;
    let boundary = multer::parse_boundary(content_type).map_err(|_| BadRequest::Multipart)?;
    let stream = stream.map_ok(|mut chunk| chunk.copy_to_bytes(chunk.remaining()));
    let limits = multer::SizeLimit::new().whole_stream(limit);
    let mut parts = multer::Multipart::with_constraints(
        stream,
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut form = FileForm::default();
    let mut file_seen = false;
    while let Some(part) = parts.next_field().await.map_err(multipart_error)? {
        let name = part.name().ok_or(BadRequest::Multipart)?.to_string();
        let file_name = part.file_name().map(str::to_string);
        let data = part.bytes().await.map_err(multipart_error)?;
        if name == file_field {
            if file_seen {
                return Err(BadRequest::Duplicate(name).into());
            }
            file_seen = true;
            // A browser sends an empty file part when no file was chosen.
            form.file = (!data.is_empty()).then_some(data);
            form.file_name = file_name;
        } else {
            let value = String::from_utf8(data.to_vec()).map_err(|_| BadRequest::Encoding)?;
            form.fields.push(name, value)?;
        }
    }
    Ok(form)
}

/// The file an upload form may carry at most (SPEC §12: an import, 5 MB).
pub const UPLOAD_LIMIT: u64 = 5 * 1024 * 1024;
/// A zip that brings an import's photos with its spreadsheet may be larger:
/// a class's photos, a few hundred kilobytes each.
pub const ZIP_UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;
/// The whole upload form: the file and room for its few text fields.
const UPLOAD_FORM_LIMIT: u64 = ZIP_UPLOAD_LIMIT + 64 * 1024;

/// A `multipart/form-data` form with one file field `file_field` of at
/// most [`UPLOAD_LIMIT`] bytes, or [`ZIP_UPLOAD_LIMIT`] for a zip; larger
/// uploads get 413 with a page that says both limits.
pub fn upload_form(
    file_field: &'static str,
) -> impl Filter<Extract = (FileForm,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .and_then(
            move |content_type: Option<String>, length: Option<u64>, stream| async move {
                let content_type = content_type.unwrap_or_default();
                let essence = content_type.split(';').next().unwrap_or("").trim();
                if !essence.eq_ignore_ascii_case("multipart/form-data") {
                    return Err(Rejection::from(AppError::from(BadRequest::ContentType(
                        "multipart/form-data, with the file",
                    ))));
                }
                if length.is_some_and(|n| n > UPLOAD_FORM_LIMIT) {
                    return Err(Rejection::from(AppError::ImportTooLarge));
                }
                let form =
                    read_file_multipart(&content_type, stream, file_field, UPLOAD_FORM_LIMIT)
                        .await
                        .map_err(|e| match e {
                            AppError::PayloadTooLarge => AppError::ImportTooLarge,
                            other => other,
                        })
                        .map_err(Rejection::from)?;
                if form.file.as_ref().is_some_and(|f| {
                    let most = if crate::transfer::archive::looks_like_zip(f) {
                        ZIP_UPLOAD_LIMIT
                    } else {
                        UPLOAD_LIMIT
                    };
                    f.len() as u64 > most
                }) {
                    return Err(Rejection::from(AppError::ImportTooLarge));
                }
                Ok(form)
            },
        )
}

fn multipart_error(err: multer::Error) -> AppError {
    match err {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            AppError::PayloadTooLarge
        }
        _ => BadRequest::Multipart.into(),
    }
}

/// The form's `csrf_token` must be `expected` (SPEC §6); otherwise 403 and
/// no handler runs.
pub fn check_csrf(expected: &str, fields: &Fields) -> Result<(), Rejection> {
    let sent = fields
        .optional("csrf_token")
        .map_err(|e| Rejection::from(AppError::from(e)))?
        .unwrap_or("");
    if csrf::tokens_match(expected, sent) {
        Ok(())
    } else {
        Err(Rejection::from(AppError::Forbidden))
    }
}

/// The largest backup the restore page takes (SPEC §9).
pub const BACKUP_UPLOAD_LIMIT: u64 = 1024 * 1024 * 1024;
/// The file field of the restore form.
pub const BACKUP_FIELD: &str = "file";

/// The restore form: `multipart/form-data` with text fields and one file
/// [`BACKUP_FIELD`] of at most [`BACKUP_UPLOAD_LIMIT`], streamed to a
/// temporary file in `dir` as it arrives (refused with 413 once past it).
pub fn backup_upload(
    dir: std::path::PathBuf,
) -> impl Filter<Extract = (SpooledFile,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .and_then(
            move |content_type: Option<String>, length: Option<u64>, stream| {
                let dir = dir.clone();
                async move {
                    read_file_form(&dir, content_type.as_deref().unwrap_or(""), length, stream)
                        .await
                        .map_err(Rejection::from)
                }
            },
        )
}

async fn read_file_form<B: warp::Buf>(
    dir: &std::path::Path,
    content_type: &str,
    length: Option<u64>,
    stream: impl futures_util::Stream<Item = Result<B, warp::Error>> + Send + 'static,
) -> Result<SpooledFile, AppError> {
    use futures_util::TryStreamExt;
    use tokio::io::AsyncWriteExt;
    let whole = BACKUP_UPLOAD_LIMIT + FORM_LIMIT;
    if length.is_some_and(|n| n > whole) {
        return Err(AppError::PayloadTooLarge);
    }
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| BadRequest::ContentType("a file upload (multipart/form-data)"))?;
    let stream = stream.map_ok(|mut chunk| chunk.copy_to_bytes(chunk.remaining()));
    let limits = multer::SizeLimit::new().whole_stream(whole);
    let mut parts = multer::Multipart::with_constraints(
        stream,
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut form = SpooledFile::default();
    let mut file_seen = false;
    while let Some(mut part) = parts.next_field().await.map_err(multipart_error)? {
        let name = part.name().ok_or(BadRequest::Multipart)?.to_string();
        if name == BACKUP_FIELD {
            if file_seen {
                return Err(BadRequest::Duplicate(name).into());
            }
            file_seen = true;
            let (file, path) = new_upload_file(dir).await?.into_parts();
            let mut file = tokio::fs::File::from_std(file);
            let mut written: u64 = 0;
            while let Some(chunk) = part.chunk().await.map_err(multipart_error)? {
                written += chunk.len() as u64;
                if written > BACKUP_UPLOAD_LIMIT {
                    return Err(AppError::PayloadTooLarge);
                }
                file.write_all(&chunk).await.map_err(upload_error)?;
            }
            file.flush().await.map_err(upload_error)?;
            // A browser sends an empty file part when no file was chosen.
            form.file = (written > 0).then_some(path);
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = part.chunk().await.map_err(multipart_error)? {
                if (value.len() + chunk.len()) as u64 > FORM_LIMIT {
                    return Err(AppError::PayloadTooLarge);
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value).map_err(|_| BadRequest::Encoding)?;
            form.fields.push(name, value)?;
        }
    }
    Ok(form)
}

/// A temporary file in the backup folder (created when missing), made off
/// the executor.
async fn new_upload_file(dir: &std::path::Path) -> Result<tempfile::NamedTempFile, AppError> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        crate::backup::create_dir(&dir)?;
        tempfile::Builder::new()
            .prefix(".motodex-upload-")
            .suffix(".db")
            .tempfile_in(&dir)
    })
    .await
    .map_err(|e| AppError::Db(crate::db::DbError::Worker(e.to_string())))?
    .map_err(upload_error)
}

fn upload_error(err: std::io::Error) -> AppError {
    match err.raw_os_error() {
        Some(libc::ENOSPC) => AppError::Db(crate::db::DbError::DiskFull),
        _ => AppError::Db(crate::db::DbError::TempFile(err)),
    }
}
