//! The public catalogue.

use warp::reply::Response;

use crate::db::{bikes, catalogue, images};
use crate::domain::Id;
use crate::domain::records::Filter;
use crate::domain::site::Site;
use crate::error::AppError;
use crate::forms::Fields;
use crate::page_cache::{self, Build, Lookup};
use crate::reply;
use crate::state::AppState;
use crate::views;

pub use crate::views::catalogue::PAGE_SIZE;
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
        page_cache::list_key("/", &filter, page)
    });
    let build = match look_up(&state, key).await {
        Ok(found) => return Ok(found),
        Err(build) => build,
    };
    let (makers, results, filter) = state
        .db
        .quick_read(move |conn| {
            let (results, makers) = catalogue::search_and_makers(conn, &filter, page, PAGE_SIZE)?;
            Ok((makers, results, filter.clone()))
        })
        .await?;
    let site = state.site().await?;
    let title = if filter.search.is_empty() {
        "Motorbikes"
    } else {
        "Search results"
    };
    let content = views::catalogue::home(&makers, &filter, &results);
    Ok(remembered(
        &state,
        cookie.as_deref(),
        build,
        &site,
        title,
        content,
    ))
}

pub async fn bike(state: std::sync::Arc<AppState>, id: Id) -> Result<Response, AppError> {
    let key = cache_key(None, || page_cache::record_key("/bikes/", id.0));
    let build = match look_up(&state, key).await {
        Ok(found) => return Ok(found),
        Err(build) => build,
    };
    let bike = state
        .db
        .quick_read(move |conn| bikes::get(conn, id.0))
        .await?
        .ok_or(AppError::NotFound)?;
    let site = state.site().await?;
    let title = format!("{} {}", bike.maker, bike.model);
    Ok(remembered(
        &state,
        None,
        build,
        &site,
        &title,
        views::catalogue::bike_page(&bike),
    ))
}

/// The remembered page under `key`, or what to build (`None`: a page not
/// to remember, see [`cache_key`]).
async fn look_up(state: &AppState, key: Option<String>) -> Result<Response, Option<Build<'_>>> {
    let Some(key) = key else {
        return Err(None);
    };
    match state.pages.lookup(key, state.db.generation()).await {
        Lookup::Found(body) => Ok(cached_page(body)),
        Lookup::Build(build) => Err(Some(build)),
    }
}

/// Public pages are the same for every visitor, except for a one-time
/// message (in its own cookie): pages without one are remembered (see
/// [`crate::page_cache`]) under the key `make` builds.
fn cache_key(cookie: Option<&str>, make: impl FnOnce() -> String) -> Option<String> {
    (!reply::message_pending(cookie)).then(make)
}

/// The page, remembered (when it may be) for the next visitors.
fn remembered(
    state: &AppState,
    cookie: Option<&str>,
    build: Option<Build<'_>>,
    site: &Site,
    title: &str,
    content: maud::Markup,
) -> Response {
    let Some(build) = build else {
        return super::catalogue_page(state, cookie, site, title, content);
    };
    let chrome = views::Chrome {
        site: Some(site),
        ..views::Chrome::catalogue(title)
    };
    let body = bytes::Bytes::from(views::layout::page(&chrome, content).into_string());
    build.finish(body.clone(), state.db.generation());
    cached_page(body)
}

fn cached_page(body: bytes::Bytes) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, reply::HTML);
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
