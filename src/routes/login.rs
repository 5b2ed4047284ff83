//! `/admin/login`, `/admin/login/code`, `/admin/logout` and
//! `/admin/setup`: the pages around the login gate. Their forms are checked here (origin, CSRF token) before a
//! handler runs.

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::filters::{
    check_csrf, client_addr, cookie_header, form, query, same_origin, user_agent, with_state,
};
use super::gate::{admin, admin_form};
use super::{first_of, reply, to_the_end};
use crate::auth::session::token_hash;
use crate::auth::two_factor::HALFWAY_COOKIE;
use crate::clock;
use crate::db::two_factor;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::forms::Fields;
use crate::handlers::login::{self, expected_login_token};
use crate::handlers::setup;
use crate::handlers::two_factor::{self as second_step, HalfwayLogin};
use crate::state::AppState;

/// The half-way login (right password, code still to come) whose signed
/// cookie came with the request, unless it has expired: otherwise the
/// visitor is sent back to the login page. It opens nothing but the code
/// page; the admin pages know only sessions.
fn halfway(
    state: &Arc<AppState>,
) -> impl Filter<Extract = (HalfwayLogin,), Error = Rejection> + Clone + use<> {
    with_state(Arc::clone(state)).and(cookie_header()).and_then(
        |state: Arc<AppState>, cookie: Option<String>| async move {
            let start_again = || warp::reject::custom(AppError::LoginRequired { next: None });
            let token = state
                .cookies
                .read(cookie.as_deref(), HALFWAY_COOKIE)
                .ok_or_else(start_again)?;
            let hash = token_hash(&token);
            let looked_up = hash.clone();
            let found = state
                .db
                .read(move |conn| two_factor::find_halfway(conn, &looked_up, clock::now()))
                .await
                .map_err(|err| warp::reject::custom(AppError::Db(err)))?;
            found
                .map(|halfway| HalfwayLogin {
                    halfway,
                    token_hash: hash,
                })
                .ok_or_else(start_again)
        },
    )
}

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
        .then(|state, client, agent, cookie, fields| {
            to_the_end(login::login(state, client, agent, cookie, fields))
        })
        .map(reply);
    let code_form = warp::path!("admin" / "login" / "code")
        .and(warp::get())
        .and(state_())
        .and(cookie_header())
        .and(halfway(&state))
        .then(second_step::code_form)
        .map(reply);
    let code = warp::path!("admin" / "login" / "code")
        .and(warp::post())
        .and(same_origin())
        .and(state_())
        .and(client_addr())
        .and(user_agent())
        .and(cookie_header())
        .and(halfway(&state))
        .and(form())
        .and_then(
            |state: Arc<AppState>,
             client,
             agent,
             cookie: Option<String>,
             login: HalfwayLogin,
             fields: Fields| async move {
                check_csrf(&login.halfway.csrf_token, &fields)?;
                Ok::<_, Rejection>((state, client, agent, cookie, login, fields))
            },
        )
        .untuple_one()
        .then(|state, client, agent, cookie, login, fields| {
            to_the_end(second_step::code(
                state, client, agent, cookie, login, fields,
            ))
        })
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
        code_form.boxed(),
        code.boxed(),
        logout_page.boxed(),
        logout.boxed(),
        setup_form.boxed(),
        setup.boxed(),
    ])
}
