//! Every URL of the site, as warp filters, grouped by area. Filters route;
//! handlers decide. This module joins the areas, adds the one `recover`,
//! the security headers every response carries, and the request log.

mod account;
mod admin;
mod public;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header};
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::app::AppState;
use crate::auth::{Admin, authenticated, csrf};
use crate::error::{self, AppError};
use crate::forms::{BadRequest, Fields, PhotoForm};

/// Form bodies other than photo uploads (SPEC §5).
pub const FORM_LIMIT: u64 = 64 * 1024;
/// A form with a photo, the photo included (SPEC §5).
pub const PHOTO_FORM_LIMIT: u64 = 6 * 1024 * 1024;
/// The file field of forms that take a photo.
pub const PHOTO_FIELD: &str = "image";

/// The client's address, put on each request by the server loop (proxy
/// headers are never trusted for it).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// The whole site as one filter.
pub fn site(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let tls = state.tls;
    let routes = public::routes(Arc::clone(&state))
        .or(account::routes(Arc::clone(&state)))
        .unify()
        .or(admin::routes(state))
        .unify()
        .recover(error::recover)
        .unify();
    warp::path::full()
        .and(routes)
        .map(move |path: warp::path::FullPath, response: Response| {
            secure_headers(path.as_str(), response, tls)
        })
        .with(warp::log::custom(|info| {
            tracing::info!(
                "{} {} {} {}ms",
                info.method(),
                info.path(),
                info.status().as_u16(),
                info.elapsed().as_millis()
            );
        }))
        .map(Reply::into_response)
        .boxed()
}

/// The headers of SPEC §6, on every response including error pages.
fn secure_headers(path: &str, mut response: Response, tls: bool) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' http: https:; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if path == "/admin" || path.starts_with("/admin/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

pub(crate) fn with_state(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    warp::any().map(move || Arc::clone(&state))
}

/// The state and the logged-in admin: the login gate, matched after the
/// path and method and before anything else of the request is read.
pub(crate) fn signed_in(
    state: &Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>, Admin), Error = Rejection> + Clone + use<> {
    with_state(Arc::clone(state)).and(authenticated(Arc::clone(state)))
}

/// [`signed_in`], for a change: the request must also come from this site.
pub(crate) fn signed_in_change(
    state: &Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>, Admin), Error = Rejection> + Clone + use<> {
    signed_in(state).and(same_origin())
}

pub(crate) fn cookie_header() -> impl Filter<Extract = (Option<String>,), Error = Rejection> + Clone
{
    warp::header::optional::<String>("cookie")
}

pub(crate) fn client_addr()
-> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::ext::optional::<ClientAddr>().map(|addr: Option<ClientAddr>| addr.map(|a| a.0))
}

/// The query string, strictly decoded (an absent one is empty).
pub(crate) fn query() -> impl Filter<Extract = (Fields,), Error = Rejection> + Clone {
    warp::query::raw()
        .or(warp::any().map(String::new))
        .unify()
        .and_then(|raw: String| async move {
            Fields::parse(raw.as_bytes()).map_err(|e| Rejection::from(AppError::from(e)))
        })
}

/// Refuses a POST that announces another site as its origin (SPEC §6).
pub(crate) fn same_origin() -> impl Filter<Extract = (), Error = Rejection> + Clone {
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
pub(crate) fn form() -> impl Filter<Extract = (Fields,), Error = Rejection> + Clone {
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
pub(crate) fn limited_body(
    limit: u64,
) -> impl Filter<Extract = (Bytes,), Error = Rejection> + Clone {
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
pub(crate) fn photo_form() -> impl Filter<Extract = (PhotoForm,), Error = Rejection> + Clone {
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
    use futures_util::TryStreamExt;
    // Refused before reading a byte when the size is announced.
    if length.is_some_and(|n| n > PHOTO_FORM_LIMIT) {
        return Err(AppError::PayloadTooLarge);
    }
    let boundary = multer::parse_boundary(content_type).map_err(|_| BadRequest::Multipart)?;
    let stream = stream.map_ok(|mut chunk| chunk.copy_to_bytes(chunk.remaining()));
    let limits = multer::SizeLimit::new().whole_stream(PHOTO_FORM_LIMIT);
    let mut parts = multer::Multipart::with_constraints(
        stream,
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut form = PhotoForm::default();
    let mut photo_seen = false;
    while let Some(part) = parts.next_field().await.map_err(multipart_error)? {
        let name = part.name().ok_or(BadRequest::Multipart)?.to_string();
        let data = part.bytes().await.map_err(multipart_error)?;
        if name == PHOTO_FIELD {
            if photo_seen {
                return Err(BadRequest::Duplicate(name).into());
            }
            photo_seen = true;
            // A browser sends an empty file part when no file was chosen.
            form.image = (!data.is_empty()).then_some(data);
        } else {
            let value = String::from_utf8(data.to_vec()).map_err(|_| BadRequest::Encoding)?;
            form.fields.push(name, value)?;
        }
    }
    Ok(form)
}

fn multipart_error(err: multer::Error) -> AppError {
    match err {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            AppError::PayloadTooLarge
        }
        _ => BadRequest::Multipart.into(),
    }
}

/// Wraps a handler's outcome into a reply.
pub(crate) fn reply(result: Result<Response, AppError>) -> Response {
    error::respond(result).into_response()
}

/// An error page for answers given outside the filters (oversized requests,
/// a panicked handler), with the same security headers as every page.
pub fn plain_error(status: http::StatusCode) -> Response {
    let (title, message) = match status {
        http::StatusCode::URI_TOO_LONG => (
            "Address too long",
            "The address of this request is too long.",
        ),
        http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "Request headers too large",
            "The request's headers (often its cookies) are too large. Clear this site's cookies and try again.",
        ),
        _ => (
            "Something went wrong",
            "The server could not finish this request. Try again, and if it keeps happening tell whoever runs motodex.",
        ),
    };
    let page = crate::handlers::html(
        status,
        crate::views::errors::page(status.as_u16(), title, message),
    );
    secure_headers("", page, false)
}
