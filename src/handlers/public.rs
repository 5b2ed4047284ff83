//! The public catalogue.

use warp::reply::Response;

use crate::db::{bikes, catalogue, images, makers};
use crate::domain::Id;
use crate::domain::records::Filter;
use crate::error::AppError;
use crate::forms::Fields;
use crate::reply;
use crate::state::AppState;
use crate::views;

/// Bikes per catalogue page.
pub const PAGE_SIZE: u64 = 12;
/// Longer searches cannot match a 100-character model anyway.
const MAX_SEARCH: usize = 100;

/// The catalogue's query, read leniently: a malformed `maker_id` or `page`
/// is ignored rather than answered with an error page.
pub fn catalogue_query(query: &Fields) -> (Filter, u64) {
    let maker_id = query
        .first("maker_id")
        .and_then(|v| v.parse::<Id>().ok())
        .map(|id| id.0);
    let search: String = query
        .first("search")
        .unwrap_or("")
        .trim()
        .chars()
        .take(MAX_SEARCH)
        .collect();
    let page = query
        .first("page")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    (Filter { maker_id, search }, page)
}

pub async fn home(
    state: std::sync::Arc<AppState>,
    query: Fields,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    let (filter, page) = catalogue_query(&query);
    let key = cache_key(cookie.as_deref(), || {
        format!(
            "/?maker_id={:?}&page={page}&search={}",
            filter.maker_id, filter.search
        )
    });
    let generation = state.db.generation();
    if let Some(body) = key
        .as_deref()
        .and_then(|key| state.pages.get(key, generation))
    {
        return Ok(cached_page(body));
    }
    let (makers, results, filter) = state
        .db
        .read(move |conn| {
            let results = catalogue::search(conn, &filter, page, PAGE_SIZE)?;
            Ok((makers::list(conn)?, results, filter))
        })
        .await?;
    let title = if filter.search.is_empty() {
        "Motorbikes"
    } else {
        "Search results"
    };
    let content = views::catalogue::home(&makers, &filter, &results);
    Ok(remembered(
        &state,
        cookie.as_deref(),
        key,
        generation,
        title,
        content,
    ))
}

pub async fn bike(state: std::sync::Arc<AppState>, id: Id) -> Result<Response, AppError> {
    let key = cache_key(None, || format!("/bikes/{}", id.0));
    let generation = state.db.generation();
    if let Some(body) = key
        .as_deref()
        .and_then(|key| state.pages.get(key, generation))
    {
        return Ok(cached_page(body));
    }
    let bike = state
        .db
        .read(move |conn| bikes::get(conn, id.0))
        .await?
        .ok_or(AppError::NotFound)?;
    let title = format!("{} {}", bike.maker, bike.model);
    Ok(remembered(
        &state,
        None,
        key,
        generation,
        &title,
        views::catalogue::bike_page(&bike),
    ))
}

/// Public pages are the same for every visitor, except for a one-time
/// message (in its own cookie): pages without one are remembered (see
/// [`crate::page_cache`]) under the key `make` builds.
fn cache_key(cookie: Option<&str>, make: impl FnOnce() -> String) -> Option<String> {
    (!reply::message_pending(cookie)).then(make)
}

/// The page, stored under `key` (when there is one) for the next visitors.
fn remembered(
    state: &AppState,
    cookie: Option<&str>,
    key: Option<String>,
    generation: u64,
    title: &str,
    content: maud::Markup,
) -> Response {
    let Some(key) = key else {
        return super::catalogue_page(state, cookie, title, content);
    };
    let body = bytes::Bytes::from(
        views::layout::page(&views::Chrome::catalogue(title), content).into_string(),
    );
    state
        .pages
        .put(key, generation, state.db.generation(), body.clone());
    cached_page(body)
}

fn cached_page(body: bytes::Bytes) -> Response {
    let mut response = Response::new(body.into());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Which copy of an uploaded photo to send.
#[derive(Debug, Clone, Copy)]
pub enum Size {
    Full,
    Thumbnail,
}

/// `/images/<id>` and `/images/<id>/small`: an uploaded photo or its
/// thumbnail. Image ids are never reused, so the bytes behind a URL never
/// change and can be cached for a year.
pub async fn image(
    state: std::sync::Arc<AppState>,
    id: Id,
    size: Size,
) -> Result<Response, AppError> {
    let image = state
        .db
        .read(move |conn| match size {
            Size::Full => images::get(conn, id.0),
            Size::Thumbnail => images::get_thumbnail(conn, id.0),
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let content_type = crate::domain::records::photo_type(&image.content_type);
    let mut response = Response::new(image.data.into());
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
