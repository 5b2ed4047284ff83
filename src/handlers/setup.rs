//! `/admin/setup`: the one-time link that creates the first admin when
//! nobody answered the terminal prompt.

use std::sync::Arc;

use http::StatusCode;
use warp::reply::Response;

use super::public_page;
use crate::auth::password::check_new_password;
use crate::auth::{csrf, session};
use crate::db::activity::{self, Entry};
use crate::db::users::{self, NewAccount};
use crate::domain::Username;
use crate::domain::activity::{Actor, Kind};
use crate::domain::roles::Role;
use crate::error::AppError;
use crate::forms::Fields;
use crate::reply::{add_cookie, redirect_with_message};
use crate::state::AppState;
use crate::views::account::{self as pages, NewAccountForm};

fn setup_token_matches(state: &AppState, token: &str) -> bool {
    state
        .setup_token
        .get()
        .is_some_and(|expected| csrf::tokens_match(&expected, token))
}

async fn closed(state: &AppState) -> Result<Response, AppError> {
    Ok(public_page(
        state,
        None,
        &*state.site().await?,
        "Setup",
        StatusCode::FORBIDDEN,
        pages::setup_closed(),
    ))
}

pub async fn setup_form(state: Arc<AppState>, query: Fields) -> Result<Response, AppError> {
    let token = query.first("token").unwrap_or("").to_string();
    let no_admin = state.db.read(users::count).await? == 0;
    if !no_admin || !setup_token_matches(&state, &token) {
        return closed(&state).await;
    }
    Ok(public_page(
        &state,
        None,
        &*state.site().await?,
        "Create the first admin",
        StatusCode::OK,
        pages::setup(&token, &NewAccountForm::default()),
    ))
}

/// `POST /admin/setup`; the route has checked that the form's CSRF token is
/// the setup token it carries, and this checks that token is the real one.
pub async fn setup(
    state: Arc<AppState>,
    client: Option<std::net::SocketAddr>,
    user_agent: Option<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let token = fields.required("token")?.to_string();
    if !setup_token_matches(&state, &token) {
        return closed(&state).await;
    }
    let typed_name = fields.required("username")?;
    let password = fields.required("password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    let username = Username::parse(typed_name);
    let (password_error, confirm_error) = check_new_password(typed_name, &password, confirm);
    let (Ok(username), None, None) = (&username, &password_error, &confirm_error) else {
        let form = NewAccountForm {
            username: typed_name,
            role: "",
            role_error: None,
            username_error: username.as_ref().err().map(String::as_str),
            password_error: password_error.as_deref(),
            confirm_error: confirm_error.as_deref(),
        };
        return Ok(public_page(
            &state,
            None,
            &*state.site().await?,
            "Create the first admin",
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::setup(&token, &form),
        ));
    };
    let hash = state.passwords.hash(password).await;
    let name = username.as_str().to_string();
    let policy = state.sessions.clone();
    // Checked again inside the write: two people with the link cannot both
    // become "the first" admin. The account and its session are one write.
    let created = state
        .db
        .write(move |tx| {
            if users::count(tx)? != 0 {
                return Ok(None);
            }
            let stranger = Actor::anonymous(&name, client.map(|c| c.ip()), user_agent.as_deref());
            // The first account is the owner (SPEC §10).
            let owner = NewAccount::new(&name, &hash, Role::Owner);
            let Ok(user_id) = users::insert(tx, &stranger, &owner)? else {
                return Ok(None);
            };
            let admin = Actor {
                user_id: Some(user_id),
                ..stranger
            };
            activity::record(
                tx,
                &admin,
                Entry::event(Kind::Security, "setup", "used the setup link"),
            )?;
            session::begin(tx, &policy, user_id, false).map(Some)
        })
        .await?;
    let Some(token) = created else {
        return closed(&state).await;
    };
    state.setup_token.close();
    let mut response = redirect_with_message(
        &state.cookies,
        "/admin",
        &format!(
            "Welcome, {}. Your admin account is ready.",
            username.as_str()
        ),
    );
    add_cookie(
        &mut response,
        &session::cookie(&state.cookies, &state.sessions, &token, false),
    );
    Ok(response)
}
