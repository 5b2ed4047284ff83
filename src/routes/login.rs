//! `/admin/login`, `/admin/logout` and `/admin/setup`: the pages around the
//! login gate. Their forms are checked here (origin, CSRF token) before a
//! handler runs.

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::filters::{
    check_csrf, client_addr, cookie_header, form, query, same_origin, user_agent, with_state,
};
use super::gate::{admin, admin_form};
use super::{first_of, reply};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::forms::Fields;
use crate::handlers::login::{self, expected_login_token};
use crate::handlers::setup;
use crate::state::AppState;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let state_ = || with_state(Arc::clone(&state));

    let login_form = warp::path!("admin" / "login")
        .and(warp::get())
        .and(state_())
        .and(query())
        .and(cookie_header())
        .then(login::login_form)
        .map(reply);
    let login = warp::path!("admin" / "login")
        .and(warp::post())
        .and(same_origin())
        .and(state_())
        .and(client_addr())
        .and(user_agent())
        .and(cookie_header())
        .and(form())
        .and_then(
            |state: Arc<AppState>, client, agent, cookie: Option<String>, fields: Fields| async move {
                check_csrf(&expected_login_token(&state, cookie.as_deref()), &fields)?;
                Ok::<_, Rejection>((state, client, agent, cookie, fields))
            },
        )
        .untuple_one()
        .then(login::login)
        .map(reply);
    let logout_page = warp::path!("admin" / "logout")
        .and(warp::get())
        .and(admin(&state, Permission::ChangeOwnPassword))
        .then(login::logout_page)
        .map(reply);
    let logout = warp::path!("admin" / "logout")
        .and(warp::post())
        .and(admin_form(&state, Permission::ChangeOwnPassword))
        .then(|request, _| login::logout(request))
        .map(reply);
    let setup_form = warp::path!("admin" / "setup")
        .and(warp::get())
        .and(state_())
        .and(query())
        .then(setup::setup_form)
        .map(reply);
    // The setup link's token is also the form's CSRF token.
    let setup = warp::path!("admin" / "setup")
        .and(warp::post())
        .and(same_origin())
        .and(state_())
        .and(client_addr())
        .and(user_agent())
        .and(form())
        .and_then(
            |state: Arc<AppState>, client, agent, fields: Fields| async move {
                let token = fields
                    .required("token")
                    .map_err(|e| Rejection::from(AppError::from(e)))?;
                check_csrf(token, &fields)?;
                Ok::<_, Rejection>((state, client, agent, fields))
            },
        )
        .untuple_one()
        .then(setup::setup)
        .map(reply);

    first_of(vec![
        login_form.boxed(),
        login.boxed(),
        logout_page.boxed(),
        logout.boxed(),
        setup_form.boxed(),
        setup.boxed(),
    ])
}
