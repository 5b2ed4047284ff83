//! `/`, `/bikes/<id>`, `/images/<id>` (and `/images/<id>/small`),
//! `/static/<file>`, `/healthz`.

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::filters::{cookie_header, lenient_query, query, with_state};
use super::reply;
use crate::domain::Id;
use crate::error::AppError;
use crate::handlers::public::Size;
use crate::state::AppState;
use crate::{assets, handlers::public as handlers};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let home = warp::path::end()
        .and(warp::get())
        .and(with_state(Arc::clone(&state)))
        // A malformed maker or page is ignored, never an error page (SPEC §4).
        .and(lenient_query(&["maker_id", "page"]))
        .and(cookie_header())
        .then(handlers::home)
        .map(reply);
    let bike = warp::path!("bikes" / Id)
        .and(warp::get())
        .and(with_state(Arc::clone(&state)))
        .then(|id, state| handlers::bike(state, id))
        .map(reply);
    let image = warp::path!("images" / Id)
        .and(warp::get())
        .and(with_state(Arc::clone(&state)))
        .then(|id, state| handlers::image(state, id, Size::Full))
        .map(reply);
    let thumbnail = warp::path!("images" / Id / "small")
        .and(warp::get())
        .and(with_state(state))
        .then(|id, state| handlers::image(state, id, Size::Thumbnail))
        .map(reply);
    let static_file = warp::path!("static" / String)
        .and(warp::get())
        .and(query())
        .and(warp::header::optional::<String>("if-none-match"))
        .map(
            |name: String, query: crate::forms::Fields, etag: Option<String>| {
                assets::respond(&name, query.first("v"), etag.as_deref())
                    .unwrap_or_else(|| crate::error::error_page(&AppError::NotFound))
            },
        );
    // The cheapest possible answer, for load balancers and benchmarks.
    let health = warp::path!("healthz")
        .and(warp::get())
        .map(|| "ok".into_response());
    // One chain, boxed once, rather than `first_of`: every boxed level
    // allocates its future for each request it is asked about, and a
    // public page passed five of them (about 2,000 instructions, measured
    // with callgrind, where a cached page costs about 20,000 in all).
    home.or(bike)
        .unify()
        .or(image)
        .unify()
        .or(thumbnail)
        .unify()
        .or(static_file)
        .unify()
        .or(health)
        .unify()
        .boxed()
}
