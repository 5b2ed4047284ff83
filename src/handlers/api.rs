//! The read-only JSON API (SPEC §12): `/api/bikes`, `/api/bikes/<id>`,
//! `/api/makers`. It answers from the same queries as the public pages
//! (the catalogue search, its page size and lenient query), so it shows
//! exactly what they show. Public data: every origin may read it, no cookie
//! is read or set, and every answer, errors included, is JSON.

use std::sync::Arc;

use http::{HeaderValue, Method, StatusCode, header};
use warp::reply::Response;

use super::public::{PAGE_SIZE, catalogue_query};
use crate::db::{DbError, bikes, catalogue, makers};
use crate::domain::Id;
use crate::forms::Fields;
use crate::page_cache;
use crate::state::AppState;
use crate::views::json;

/// What each API address answers, after its method has been checked.
pub enum Call {
    Bikes(Result<Fields, String>),
    Bike(Id),
    Makers,
}

/// One API request: `method` on an address that exists.
pub async fn answer(state: Arc<AppState>, method: Method, call: Call) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            json::error("The API is read-only: use GET (or HEAD)."),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let key = match &call {
        Call::Bikes(Ok(query)) => {
            let (filter, page) = catalogue_query(query);
            Some(page_cache::list_key("api:/bikes", &filter, page))
        }
        Call::Bikes(Err(_)) => None,
        Call::Bike(id) => Some(page_cache::record_key("api:/bikes/", id.0)),
        Call::Makers => Some("api:/makers".to_string()),
    };
    // The page cache, as for the HTML pages: the same generation rule, so a
    // change is never hidden behind an older answer.
    let generation = state.db.generation();
    if let Some(body) = key.as_deref().and_then(|k| state.pages.get(k, generation)) {
        return json_response(StatusCode::OK, body);
    }
    match body(&state, call).await {
        Ok(text) => {
            let body = bytes::Bytes::from(text);
            if let Some(key) = key {
                state
                    .pages
                    .put(key, generation, state.db.generation(), body.clone());
            }
            json_response(StatusCode::OK, body)
        }
        Err((status, message)) => json_response(status, json::error(&message)),
    }
}

async fn body(state: &AppState, call: Call) -> Result<String, (StatusCode, String)> {
    match call {
        Call::Bikes(Err(reason)) => Err((StatusCode::BAD_REQUEST, reason)),
        Call::Bikes(Ok(query)) => {
            let (filter, page) = catalogue_query(&query);
            let results = state
                .db
                .quick_read(move |conn| catalogue::search(conn, &filter, page, PAGE_SIZE))
                .await
                .map_err(db_error)?;
            Ok(json::bike_page(&results))
        }
        Call::Bike(id) => {
            let bike = state
                .db
                .quick_read(move |conn| bikes::get(conn, id.0))
                .await
                .map_err(db_error)?;
            bike.map(|bike| json::bike(&bike))
                .ok_or_else(|| not_found_reason(&format!("There is no bike with id {}.", id.0)))
        }
        Call::Makers => {
            let list = state
                .db
                .read(makers::list_with_usage)
                .await
                .map_err(db_error)?;
            Ok(json::makers(&list))
        }
    }
}

/// Any other address under `/api/`, whatever the method.
pub fn not_found() -> Response {
    let (status, message) = not_found_reason(
        "There is no such API address. The API has /api/bikes, /api/bikes/<id> and /api/makers.",
    );
    json_response(status, json::error(&message))
}

fn not_found_reason(message: &str) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, message.to_string())
}

fn db_error(err: DbError) -> (StatusCode, String) {
    match err {
        DbError::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The database is busy; try again in a moment.".into(),
        ),
        cause => {
            tracing::error!("error: api: {cause}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server could not answer this request.".into(),
            )
        }
    }
}

fn json_response(status: StatusCode, body: impl Into<bytes::Bytes>) -> Response {
    let mut response = Response::new(body.into().into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Public data, never credentials: any page may read it.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
