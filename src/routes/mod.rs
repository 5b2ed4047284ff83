//! Every URL of the site, as warp filters, grouped by area. Filters route;
//! handlers decide. This module joins the areas, adds the one `recover`,
//! the security headers every response carries, and the request log.

mod activity;
mod admin;
mod api;
mod classroom;
mod filters;
mod gate;
mod login;
mod public;

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

pub use filters::{CLIENT_ADDR, FORM_LIMIT, PHOTO_FIELD, PHOTO_FORM_LIMIT};

use crate::error::{self, AppError};
use crate::reply::secure_headers;
use crate::state::AppState;

/// The whole site as one filter.
pub fn site(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let tls = state.tls;
    // Warp tries the areas in turn: the API first, behind one look at its
    // `api` segment (behind every other area's filters `GET /api/bikes`
    // answered at half the rate of `GET /`; issue 13 asks for 0.9 ×), then
    // the public pages, then every area under `/admin`, behind one look at
    // that segment, so a public page or a 404 does not try them all.
    let admin_areas = login::routes(Arc::clone(&state))
        .or(activity::routes(Arc::clone(&state)))
        .unify()
        .or(admin::routes(Arc::clone(&state)))
        .unify()
        .or(classroom::routes(Arc::clone(&state)))
        .unify();
    let routes = api::routes(Arc::clone(&state))
        .or(public::routes(state))
        .unify()
        .or(filters::under("admin").and(admin_areas))
        .unify()
        .recover(error::recover)
        .unify();
    warp::path::full()
        .and(routes)
        .map(move |path: warp::path::FullPath, response: Response| {
            secure_headers(path.as_str(), response, tls)
        })
        .with(warp::log::custom(|info| {
            crate::log::request(
                info.method().as_str(),
                info.path(),
                info.status().as_u16(),
                info.elapsed().as_millis(),
            );
        }))
        .map(Reply::into_response)
        .boxed()
}

/// The first of `routes` that matches the request.
fn first_of(routes: Vec<BoxedFilter<(Response,)>>) -> BoxedFilter<(Response,)> {
    routes
        .into_iter()
        .reduce(|first, next| first.or(next).unify().boxed())
        .expect("an area has at least one route")
}

/// Runs a handler to its end even when the visitor goes away meanwhile
/// (hyper then drops the request's future). For the handlers that count a
/// password attempt before checking it: dropped half-way, the count would
/// stand as a failure whatever the password was, and a few closed tabs or
/// a benchmark's last requests would lock an address out.
async fn to_the_end(
    handler: impl Future<Output = Result<Response, AppError>> + Send + 'static,
) -> Result<Response, AppError> {
    tokio::spawn(handler).await.unwrap_or_else(|stopped| {
        Err(AppError::Db(crate::db::DbError::Worker(
            stopped.to_string(),
        )))
    })
}

/// Wraps a handler's outcome into a reply.
fn reply(result: Result<Response, AppError>) -> Response {
    error::respond(result).into_response()
}
