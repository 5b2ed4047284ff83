//! Logging in and out, the first-admin setup, passwords and admin accounts.

use std::net::SocketAddr;
use std::sync::Arc;

use http::StatusCode;
use warp::reply::Response;

use super::{add_cookie, admin_page, public_page, redirect, redirect_with_message};
use crate::app::AppState;
use crate::auth::password::{self, Verdict};
use crate::auth::session::{LOGIN_CSRF, SESSION, new_token};
use crate::auth::{Admin, csrf, gate, throttle};
use crate::config::REMEMBER_ME;
use crate::db::{self, sessions, users};
use crate::domain::{Id, NextPath, Username};
use crate::error::AppError;
use crate::forms::Fields;
use crate::views::Section;
use crate::views::account::{self as pages, ChangePasswordForm, NewAccountForm};

pub const INVALID_LOGIN: &str = "Invalid username or password.";

pub(crate) fn check_csrf(expected: &str, fields: &Fields) -> Result<(), AppError> {
    let sent = fields.optional("csrf_token")?.unwrap_or("");
    if csrf::tokens_match(expected, sent) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Creates a session for `user_id` and returns its `Set-Cookie` value. A
/// new random token every time: a session id is never carried over
/// (no fixation).
async fn start_session(
    state: &AppState,
    user_id: i64,
    remember: bool,
    replace: Option<i64>,
) -> Result<String, AppError> {
    let (token, hash) = new_token();
    let csrf_token = csrf::new_token();
    let now = db::now();
    let policy = state.sessions.clone();
    state
        .db
        .write(move |tx| {
            if let Some(old) = replace {
                sessions::delete(tx, old)?;
            }
            sessions::delete_expired(
                tx,
                now - policy.idle_secs,
                now - policy.max_secs,
                now - policy.remember_secs,
            )?;
            sessions::create(
                tx,
                &sessions::NewSession {
                    token_hash: &hash,
                    user_id,
                    csrf_token: &csrf_token,
                    remember,
                    now,
                },
            )
        })
        .await?;
    Ok(state
        .cookies
        .signed(SESSION, &token, remember.then_some(REMEMBER_ME)))
}

/// The pre-session CSRF token of the login form: kept in a signed cookie,
/// created on first sight.
fn login_token(state: &AppState, cookie: Option<&str>) -> (String, Option<String>) {
    match state.cookies.read(cookie, LOGIN_CSRF) {
        Some(token) => (token, None),
        None => {
            let token = csrf::new_token();
            let set_cookie = state.cookies.signed(LOGIN_CSRF, &token, None);
            (token, Some(set_cookie))
        }
    }
}

fn login_page(
    state: &AppState,
    cookie: Option<&str>,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    let (token, set_cookie) = login_token(state, cookie);
    let next = NextPath::parse(next)
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    let mut response = public_page(
        state,
        cookie,
        "Admin login",
        StatusCode::OK,
        pages::login(&token, &next, username, error),
    );
    if let Some(set_cookie) = set_cookie {
        add_cookie(&mut response, &set_cookie);
    }
    response
}

pub async fn login_form(
    state: Arc<AppState>,
    query: Fields,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    if gate::current_admin(&state, cookie.as_deref())
        .await?
        .is_some()
    {
        return Ok(redirect(NextPath::DEFAULT));
    }
    Ok(login_page(
        &state,
        cookie.as_deref(),
        query.first("next").unwrap_or(""),
        "",
        None,
    ))
}

pub async fn login(
    state: Arc<AppState>,
    client: Option<SocketAddr>,
    cookie: Option<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let expected = state
        .cookies
        .read(cookie.as_deref(), LOGIN_CSRF)
        .unwrap_or_default();
    check_csrf(&expected, &fields)?;
    let username = fields.required("username")?.trim().to_string();
    let password = fields.required("password")?.to_string();
    let remember = fields.optional("remember")?.is_some();
    let next = NextPath::or_default(fields.optional("next")?);

    let user_key = throttle::username_key(&username);
    let addr_key = throttle::address_key(client.map(|c| c.ip()));
    let now = db::now();
    let (wait, user) = {
        let (user_key, addr_key, name) = (user_key.clone(), addr_key.clone(), username.clone());
        state
            .db
            .read(move |conn| {
                Ok((
                    throttle::retry_after(conn, &user_key, &addr_key, now)?,
                    users::find_by_name(conn, &name)?,
                ))
            })
            .await?
    };
    if let Some(retry_after_secs) = wait {
        return Err(AppError::TooManyAttempts { retry_after_secs });
    }

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verdict = state.passwords.verify(stored, password.clone()).await;
    let Some(user) = user.filter(|_| matches!(verdict, Verdict::Right { .. })) else {
        state
            .db
            .write(move |tx| {
                users::record_failure(
                    tx,
                    &[&user_key, &addr_key],
                    now,
                    now - throttle::WINDOW_SECS,
                )
            })
            .await?;
        return Ok(login_page(
            &state,
            cookie.as_deref(),
            next.as_str(),
            &username,
            Some(INVALID_LOGIN),
        ));
    };

    if verdict == (Verdict::Right { needs_rehash: true }) {
        let new_hash = state.passwords.hash(password).await;
        let (user_id, old_hash) = (user.user_id, user.password_hash.clone());
        state
            .db
            .write(move |tx| users::upgrade_password_hash(tx, user_id, &old_hash, &new_hash))
            .await?;
    }
    state
        .db
        .write(move |tx| users::clear_failures(tx, &user_key))
        .await?;
    let session_cookie = start_session(&state, user.user_id, remember, None).await?;
    let mut response = redirect(next.as_str());
    add_cookie(&mut response, &session_cookie);
    add_cookie(&mut response, &state.cookies.removal(LOGIN_CSRF));
    Ok(response)
}

pub async fn logout_page(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    Ok(admin_page(
        &state,
        &admin,
        cookie.as_deref(),
        Section::Other,
        "Log out",
        StatusCode::OK,
        pages::logout(&admin.csrf_token),
    ))
}

pub async fn logout(
    state: Arc<AppState>,
    admin: Admin,
    fields: Fields,
) -> Result<Response, AppError> {
    check_csrf(&admin.csrf_token, &fields)?;
    state
        .db
        .write(move |tx| sessions::delete(tx, admin.session_id))
        .await?;
    let mut response = redirect_with_message(&state, "/admin/login", "You have been logged out.");
    add_cookie(&mut response, &state.cookies.removal(SESSION));
    Ok(response)
}

/// Checks a new password: the policy of SPEC §5, and the confirmation.
/// Returns the messages for the password and confirmation fields.
fn new_password_errors(
    username: &str,
    password: &str,
    confirm: &str,
) -> (Option<String>, Option<String>) {
    let policy = password::check_policy(username, password).err();
    let confirm = (policy.is_none() && password != confirm)
        .then(|| "The two passwords do not match.".to_string());
    (policy, confirm)
}

fn setup_token_matches(state: &AppState, token: &str) -> bool {
    state
        .setup_token()
        .is_some_and(|expected| csrf::tokens_match(&expected, token))
}

pub async fn setup_form(state: Arc<AppState>, query: Fields) -> Result<Response, AppError> {
    let token = query.first("token").unwrap_or("").to_string();
    let no_admin = state.db.read(users::count).await? == 0;
    if !no_admin || !setup_token_matches(&state, &token) {
        return Ok(public_page(
            &state,
            None,
            "Setup",
            StatusCode::FORBIDDEN,
            pages::setup_closed(),
        ));
    }
    Ok(public_page(
        &state,
        None,
        "Create the first admin",
        StatusCode::OK,
        pages::setup(&token, &NewAccountForm::default()),
    ))
}

pub async fn setup(state: Arc<AppState>, fields: Fields) -> Result<Response, AppError> {
    let token = fields.required("token")?.to_string();
    if !setup_token_matches(&state, &token) {
        return Ok(public_page(
            &state,
            None,
            "Setup",
            StatusCode::FORBIDDEN,
            pages::setup_closed(),
        ));
    }
    check_csrf(&token, &fields)?;
    let typed_name = fields.required("username")?;
    let password = fields.required("password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    let username = Username::parse(typed_name);
    let (password_error, confirm_error) = new_password_errors(typed_name, &password, confirm);
    let (Ok(username), None, None) = (&username, &password_error, &confirm_error) else {
        let form = NewAccountForm {
            username: typed_name,
            username_error: username.as_ref().err().map(String::as_str),
            password_error: password_error.as_deref(),
            confirm_error: confirm_error.as_deref(),
        };
        return Ok(public_page(
            &state,
            None,
            "Create the first admin",
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::setup(&token, &form),
        ));
    };
    let hash = state.passwords.hash(password).await;
    let name = username.as_str().to_string();
    // Checked again inside the write: two people with the link cannot both
    // become "the first" admin.
    let created = state
        .db
        .write(move |tx| {
            if users::count(tx)? == 0 {
                users::insert(tx, &name, &hash)
            } else {
                Ok(None)
            }
        })
        .await?;
    let Some(user_id) = created else {
        return Ok(public_page(
            &state,
            None,
            "Setup",
            StatusCode::FORBIDDEN,
            pages::setup_closed(),
        ));
    };
    state.close_setup();
    let session_cookie = start_session(&state, user_id, false, None).await?;
    let mut response = redirect_with_message(
        &state,
        "/admin",
        &format!(
            "Welcome, {}. Your admin account is ready.",
            username.as_str()
        ),
    );
    add_cookie(&mut response, &session_cookie);
    Ok(response)
}

pub async fn change_password_form(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    let content = pages::change_password(&admin.csrf_token, &ChangePasswordForm::default());
    Ok(admin_page(
        &state,
        &admin,
        cookie.as_deref(),
        Section::Password,
        "Change password",
        StatusCode::OK,
        content,
    ))
}

pub async fn change_password(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    check_csrf(&admin.csrf_token, &fields)?;
    let current = fields.required("current_password")?.to_string();
    let new = fields.required("new_password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    let user_id = admin.user_id;
    let user = state
        .db
        .read(move |conn| users::get(conn, user_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let current_ok = matches!(
        state
            .passwords
            .verify(Some(user.password_hash), current)
            .await,
        Verdict::Right { .. }
    );
    let current_error = (!current_ok).then_some("This is not your current password.");
    let (new_error, confirm_error) = new_password_errors(&admin.username, &new, confirm);
    if current_error.is_some() || new_error.is_some() || confirm_error.is_some() {
        let form = ChangePasswordForm {
            current_error,
            new_error: new_error.as_deref(),
            confirm_error: confirm_error.as_deref(),
        };
        let content = pages::change_password(&admin.csrf_token, &form);
        return Ok(admin_page(
            &state,
            &admin,
            cookie.as_deref(),
            Section::Password,
            "Change password",
            StatusCode::UNPROCESSABLE_ENTITY,
            content,
        ));
    }
    let hash = state.passwords.hash(new).await;
    state
        .db
        .write(move |tx| {
            users::set_password_hash(tx, user_id, &hash)?;
            sessions::delete_for_user(tx, user_id, None)
        })
        .await?;
    // This browser stays logged in, under a new session id.
    let session_cookie = start_session(&state, user_id, admin.remember, None).await?;
    let mut response = redirect_with_message(
        &state,
        "/admin",
        "Your password was changed. Other browsers have been logged out.",
    );
    add_cookie(&mut response, &session_cookie);
    Ok(response)
}

async fn users_page(
    state: &AppState,
    admin: &Admin,
    cookie: Option<&str>,
    status: StatusCode,
    form: &NewAccountForm<'_>,
) -> Result<Response, AppError> {
    let list = state.db.read(users::list).await?;
    let content = pages::users(&admin.csrf_token, &list, admin.user_id, form);
    Ok(admin_page(
        state,
        admin,
        cookie,
        Section::Users,
        "Admins",
        status,
        content,
    ))
}

pub async fn users_list(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    users_page(
        &state,
        &admin,
        cookie.as_deref(),
        StatusCode::OK,
        &NewAccountForm::default(),
    )
    .await
}

pub async fn add_user(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    check_csrf(&admin.csrf_token, &fields)?;
    let typed_name = fields.required("username")?;
    let password = fields.required("password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    let username = Username::parse(typed_name);
    let (password_error, confirm_error) = new_password_errors(typed_name, &password, confirm);
    let mut taken = None;
    if let (Ok(username), None, None) = (&username, &password_error, &confirm_error) {
        let hash = state.passwords.hash(password).await;
        let name = username.as_str().to_string();
        if state
            .db
            .write(move |tx| users::insert(tx, &name, &hash))
            .await?
            .is_some()
        {
            let message = format!("Added admin {}.", username.as_str());
            return Ok(redirect_with_message(&state, "/admin/users", &message));
        }
        taken = Some(format!(
            "The username “{}” is already taken.",
            username.as_str()
        ));
    }
    let form = NewAccountForm {
        username: typed_name,
        username_error: username
            .as_ref()
            .err()
            .or(taken.as_ref())
            .map(String::as_str),
        password_error: password_error.as_deref(),
        confirm_error: confirm_error.as_deref(),
    };
    users_page(
        &state,
        &admin,
        cookie.as_deref(),
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
    )
    .await
}

/// Why an account could not be deleted, if it could not.
enum Deletion {
    Done(String),
    Yourself,
    LastAdmin,
    Missing,
}

pub async fn delete_user(
    state: Arc<AppState>,
    admin: Admin,
    id: Id,
    fields: Fields,
) -> Result<Response, AppError> {
    check_csrf(&admin.csrf_token, &fields)?;
    if id.0 == admin.user_id {
        return Ok(redirect_with_message(
            &state,
            "/admin/users",
            "You cannot delete your own account.",
        ));
    }
    let outcome = state
        .db
        .write(move |tx| {
            let Some(user) = users::get(tx, id.0)? else {
                return Ok(Deletion::Missing);
            };
            if user.user_id == admin.user_id {
                return Ok(Deletion::Yourself);
            }
            if users::count(tx)? <= 1 {
                return Ok(Deletion::LastAdmin);
            }
            users::delete(tx, user.user_id)?;
            Ok(Deletion::Done(user.username))
        })
        .await?;
    let message = match outcome {
        Deletion::Done(name) => format!("Deleted admin {name}; their sessions have ended."),
        Deletion::Yourself => "You cannot delete your own account.".to_string(),
        Deletion::LastAdmin => "The last admin cannot be deleted.".to_string(),
        Deletion::Missing => return Err(AppError::NotFound),
    };
    Ok(redirect_with_message(&state, "/admin/users", &message))
}
