//! The admin catalogue: `/admin` and the bike and maker pages.

use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::{cookie_header, query, reply, with_state};
use crate::app::AppState;
use crate::auth::authenticated;
use crate::handlers::admin as handlers;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let admin = || authenticated(Arc::clone(&state));
    let state_ = || with_state(Arc::clone(&state));

    let list = warp::path!("admin")
        .and(warp::get())
        .and(state_())
        .and(admin())
        .and(query())
        .and(cookie_header())
        .then(handlers::bike_list)
        .map(reply);

    list.boxed()
}
