//! `/api/…`: the read-only JSON API. Each address matches whatever the
//! method (the handler answers 405 in JSON for anything but GET and HEAD),
//! and every other path under `/api` is a JSON 404, never the HTML one.

use std::sync::Arc;

use warp::Filter;
use warp::reply::Response;

use super::filters::with_state;
use super::first_of;
use crate::domain::Id;
use crate::forms::Fields;
use crate::handlers::api::{self, Call};
use crate::state::AppState;

/// Everything under `/api`. The one `api` segment is looked at first, so
/// other requests pass by these routes at the cost of one comparison (not
/// boxed: a boxed filter allocates its future for every request it sees).
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    let bikes = warp::path!("bikes")
        .and(with_state(Arc::clone(&state)))
        .and(warp::method())
        .and(lenient_query())
        .then(|state, method, query| api::answer(state, method, Call::Bikes(query)));
    let bike = warp::path!("bikes" / Id)
        .and(with_state(Arc::clone(&state)))
        .and(warp::method())
        .then(|id, state, method| api::answer(state, method, Call::Bike(id)));
    let makers = warp::path!("makers")
        .and(with_state(state))
        .and(warp::method())
        .then(|state, method| api::answer(state, method, Call::Makers));
    let elsewhere = warp::any().map(api::not_found);
    warp::path("api").and(first_of(vec![
        bikes.boxed(),
        bike.boxed(),
        makers.boxed(),
        elsewhere.boxed(),
    ]))
}

/// The query, decoded as strictly as the pages' (a bad one is a JSON 400
/// saying why, not the HTML error page).
fn lenient_query()
-> impl Filter<Extract = (Result<Fields, String>,), Error = std::convert::Infallible> + Clone {
    warp::query::raw()
        .or(warp::any().map(String::new))
        .unify()
        .map(|raw: String| Fields::parse(raw.as_bytes()).map_err(|e| e.to_string()))
}
