//! The admin catalogue: `/admin`, the bike pages, `/admin/makers` and
//! `/admin/backup`. Every route matches its path and method first, then the
//! login gate (`signed_in`; `signed_in_change` adds the origin check for a
//! POST), and only then reads the body: a request without a session never
//! has its body parsed.

use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::{cookie_header, form, photo_form, query, reply, signed_in, signed_in_change};
use crate::app::AppState;
use crate::domain::Id;
use crate::handlers::{admin as bikes, makers};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    bike_routes(Arc::clone(&state))
        .or(maker_routes(state))
        .unify()
        .boxed()
}

fn bike_routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("admin")
        .and(warp::get())
        .and(signed_in(&state))
        .and(query())
        .and(cookie_header())
        .then(bikes::bike_list)
        .map(reply);
    let add_form = warp::path!("admin" / "add")
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(bikes::add_form)
        .map(reply);
    let add = warp::path!("admin" / "add")
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(cookie_header())
        .and(photo_form())
        .then(bikes::add)
        .map(reply);
    let edit_form = warp::path!("admin" / "edit" / Id)
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(|id, state, admin, cookie| bikes::edit_form(state, admin, cookie, id))
        .map(reply);
    let edit = warp::path!("admin" / "edit" / Id)
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(cookie_header())
        .and(photo_form())
        .then(|id, state, admin, cookie, form| bikes::edit(state, admin, cookie, id, form))
        .map(reply);
    let delete_confirm = warp::path!("admin" / "delete" / Id)
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(|id, state, admin, cookie| bikes::delete_confirm(state, admin, cookie, id))
        .map(reply);
    let delete = warp::path!("admin" / "delete" / Id)
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(form())
        .then(|id, state, admin, fields| bikes::delete(state, admin, id, fields))
        .map(reply);
    let backup = warp::path!("admin" / "backup")
        .and(warp::get())
        .and(signed_in(&state))
        .then(bikes::backup)
        .map(reply);

    list.or(add_form)
        .unify()
        .or(add)
        .unify()
        .or(edit_form)
        .unify()
        .or(edit)
        .unify()
        .or(delete_confirm)
        .unify()
        .or(delete)
        .unify()
        .or(backup)
        .unify()
        .boxed()
}

fn maker_routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("admin" / "makers")
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(makers::list)
        .map(reply);
    let add = warp::path!("admin" / "makers" / "add")
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(cookie_header())
        .and(form())
        .then(makers::add)
        .map(reply);
    let edit_form = warp::path!("admin" / "makers" / "edit" / Id)
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(|id, state, admin, cookie| makers::edit_form(state, admin, cookie, id))
        .map(reply);
    let edit = warp::path!("admin" / "makers" / "edit" / Id)
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(cookie_header())
        .and(form())
        .then(|id, state, admin, cookie, fields| makers::edit(state, admin, cookie, id, fields))
        .map(reply);
    let delete_confirm = warp::path!("admin" / "makers" / "delete" / Id)
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(|id, state, admin, cookie| makers::delete_confirm(state, admin, cookie, id))
        .map(reply);
    let delete = warp::path!("admin" / "makers" / "delete" / Id)
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(cookie_header())
        .and(form())
        .then(|id, state, admin, cookie, fields| makers::delete(state, admin, cookie, id, fields))
        .map(reply);

    list.or(add)
        .unify()
        .or(edit_form)
        .unify()
        .or(edit)
        .unify()
        .or(delete_confirm)
        .unify()
        .or(delete)
        .unify()
        .boxed()
}
