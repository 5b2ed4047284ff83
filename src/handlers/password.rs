//! `/admin/change-password`: an account changes its own password.

use std::net::SocketAddr;

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::auth::password::{Verdict, check_new_password};
use crate::auth::{session, throttle};
use crate::clock;
use crate::db::{sessions, users};
use crate::error::AppError;
use crate::forms::Fields;
use crate::reply::add_cookie;
use crate::views::Section;
use crate::views::account::{self as pages, ChangePasswordForm};

const TITLE: &str = "Change password";

pub async fn change_password_form(request: AdminRequest) -> Result<Response, AppError> {
    let form = ChangePasswordForm {
        temporary: request.admin.temporary_password,
        ..ChangePasswordForm::default()
    };
    let content = pages::change_password(request.csrf_token(), &form);
    Ok(request.page(Section::Password, TITLE, StatusCode::OK, content))
}

/// A wrong current password counts as a failed login of this username
/// (SPEC §6), so a stolen session cannot guess it without limit; the
/// attempt is reserved before the check, as a login's is.
pub async fn change_password(
    request: AdminRequest,
    fields: Fields,
    client: Option<SocketAddr>,
) -> Result<Response, AppError> {
    let state = &request.state;
    let current = fields.required("current_password")?.to_string();
    let new = fields.required("new_password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    let user_id = request.admin.user_id;
    let keys = throttle::Keys::new(&request.admin.username, client.map(|c| c.ip()));
    let now = clock::now();
    let (reserved, user) = state
        .db
        .write(move |tx| Ok((throttle::reserve(tx, &keys, now)?, users::get(tx, user_id)?)))
        .await?;
    let reservation = match reserved {
        Ok(reservation) => reservation,
        Err(retry_after_secs) => return Err(AppError::TooManyAttempts { retry_after_secs }),
    };
    let user = user.ok_or(AppError::NotFound)?;
    let current_ok = matches!(
        state
            .passwords
            .verify(Some(user.password_hash), current)
            .await,
        Verdict::Right { .. }
    );
    let current_error = (!current_ok).then_some("This is not your current password.");
    let (new_error, confirm_error) = check_new_password(&request.admin.username, &new, confirm);
    if current_error.is_some() || new_error.is_some() || confirm_error.is_some() {
        if current_ok {
            // The current password was right: this was no guess.
            let reservation = reservation.clone();
            state
                .db
                .write(move |tx| throttle::release(tx, &reservation))
                .await?;
        }
        let form = ChangePasswordForm {
            temporary: request.admin.temporary_password,
            current_error,
            new_error: new_error.as_deref(),
            confirm_error: confirm_error.as_deref(),
        };
        let content = pages::change_password(request.csrf_token(), &form);
        return Ok(request.page(
            Section::Password,
            TITLE,
            StatusCode::UNPROCESSABLE_ENTITY,
            content,
        ));
    }
    let hash = state.passwords.hash(new).await;
    let (policy, remember) = (state.sessions.clone(), request.admin.remember);
    // Every session ends, and this browser stays logged in under a new one,
    // in the same write as the new password.
    let token = request
        .write(move |tx, actor| {
            users::set_password_hash(tx, actor, user_id, &hash)?;
            throttle::release(tx, &reservation)?;
            sessions::delete_for_user(tx, user_id, None)?;
            session::begin(tx, &policy, user_id, remember)
        })
        .await?;
    let mut response = request.redirect_with_message(
        "/admin",
        "Your password was changed. Other browsers have been logged out.",
    );
    add_cookie(
        &mut response,
        &session::cookie(&state.cookies, &state.sessions, &token, remember),
    );
    Ok(response)
}
