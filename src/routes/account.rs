//! `/admin/login`, `/admin/logout`, `/admin/setup`, `/admin/change-password`
//! and `/admin/users`.

use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::{
    client_addr, cookie_header, form, query, reply, same_origin, signed_in, signed_in_change,
    with_state,
};
use crate::app::AppState;
use crate::domain::Id;
use crate::handlers::account as handlers;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let state_ = || with_state(Arc::clone(&state));

    let login_form = warp::path!("admin" / "login")
        .and(warp::get())
        .and(state_())
        .and(query())
        .and(cookie_header())
        .then(handlers::login_form)
        .map(reply);
    let login = warp::path!("admin" / "login")
        .and(warp::post())
        .and(same_origin())
        .and(state_())
        .and(client_addr())
        .and(cookie_header())
        .and(form())
        .then(handlers::login)
        .map(reply);
    let logout_page = warp::path!("admin" / "logout")
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(handlers::logout_page)
        .map(reply);
    let logout = warp::path!("admin" / "logout")
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(form())
        .then(handlers::logout)
        .map(reply);
    let setup_form = warp::path!("admin" / "setup")
        .and(warp::get())
        .and(state_())
        .and(query())
        .then(handlers::setup_form)
        .map(reply);
    let setup = warp::path!("admin" / "setup")
        .and(warp::post())
        .and(same_origin())
        .and(state_())
        .and(form())
        .then(handlers::setup)
        .map(reply);
    let password_form = warp::path!("admin" / "change-password")
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(handlers::change_password_form)
        .map(reply);
    let password = warp::path!("admin" / "change-password")
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(cookie_header())
        .and(form())
        .then(handlers::change_password)
        .map(reply);
    let users = warp::path!("admin" / "users")
        .and(warp::get())
        .and(signed_in(&state))
        .and(cookie_header())
        .then(handlers::users_list)
        .map(reply);
    let add_user = warp::path!("admin" / "users" / "add")
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(cookie_header())
        .and(form())
        .then(handlers::add_user)
        .map(reply);
    let delete_user = warp::path!("admin" / "users" / "delete" / Id)
        .and(warp::post())
        .and(signed_in_change(&state))
        .and(form())
        .then(|id, state, admin, fields| handlers::delete_user(state, admin, id, fields))
        .map(reply);

    login_form
        .or(login)
        .unify()
        .or(logout_page)
        .unify()
        .or(logout)
        .unify()
        .or(setup_form)
        .unify()
        .or(setup)
        .unify()
        .or(password_form)
        .unify()
        .or(password)
        .unify()
        .or(users)
        .unify()
        .or(add_user)
        .unify()
        .or(delete_user)
        .unify()
        .boxed()
}
