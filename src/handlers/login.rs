//! Logging in and out.

use std::net::SocketAddr;
use std::sync::Arc;

use http::StatusCode;
use warp::reply::Response;

use super::{AdminRequest, public_page};
use crate::auth::password::Verdict;
use crate::auth::session::{self, LOGIN_CSRF};
use crate::auth::two_factor::HALFWAY_COOKIE;
use crate::auth::{csrf, throttle};
use crate::clock;
use crate::db::activity::{self, Entry, LOGIN_FAILED};
use crate::db::{sessions, two_factor, users};
use crate::domain::NextPath;
use crate::domain::activity::{Actor, Kind};
use crate::domain::records::User;
use crate::error::{AppError, CHANGE_PASSWORD};
use crate::forms::Fields;
use crate::reply::{add_cookie, redirect, redirect_with_message};
use crate::state::AppState;
use crate::views::Section;
use crate::views::account as pages;

pub const INVALID_LOGIN: &str = "Invalid username or password.";

/// The pre-session CSRF token of the login form, kept in a signed cookie:
/// what the login form must carry (empty when there is none yet).
pub fn expected_login_token(state: &AppState, cookie: Option<&str>) -> String {
    state.cookies.read(cookie, LOGIN_CSRF).unwrap_or_default()
}

/// The login form's token, created on first sight, and the cookie that
/// keeps it when it is new.
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

async fn login_page(
    state: &AppState,
    cookie: Option<&str>,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    let (token, set_cookie) = login_token(state, cookie);
    let next = NextPath::parse(next)
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    let mut response = public_page(
        state,
        cookie,
        &site,
        "Admin login",
        StatusCode::OK,
        pages::login(&token, &next, username, error),
    );
    if let Some(set_cookie) = set_cookie {
        add_cookie(&mut response, &set_cookie);
    }
    Ok(response)
}

pub async fn login_form(
    state: Arc<AppState>,
    query: Fields,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    let signed_in = session::current(
        &state.db,
        &state.cookies,
        &state.sessions,
        cookie.as_deref(),
        |_, _| Ok(()),
    )
    .await?;
    if signed_in.is_some() {
        return Ok(redirect(NextPath::DEFAULT));
    }
    login_page(
        &state,
        cookie.as_deref(),
        query.first("next").unwrap_or(""),
        "",
        None,
    )
    .await
}

/// `POST /admin/login` (its CSRF token checked by the route). A success is
/// one write: the re-hashed password, the lifted lock-out and the new
/// session commit together.
pub async fn login(
    state: Arc<AppState>,
    client: Option<SocketAddr>,
    user_agent: Option<String>,
    cookie: Option<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    let username = fields.required("username")?.trim().to_string();
    let password = fields.required("password")?.to_string();
    let remember = fields.optional("remember")?.is_some();
    let next = NextPath::or_default(fields.optional("next")?);

    let keys = throttle::Keys::new(&username, client.map(|c| c.ip()));
    let now = clock::now();
    // The attempt is counted before the password is checked, in the same
    // write as the count check, so a burst cannot pass the check together.
    let (reserved, user) = {
        let (name, keys) = (username.clone(), keys.clone());
        state
            .db
            .write(move |tx| {
                let reserved = throttle::reserve(tx, &keys, now)?;
                let user = match reserved {
                    Ok(_) => users::find_by_name(tx, &name)?,
                    Err(_) => None,
                };
                Ok((reserved, user))
            })
            .await?
    };
    let reservation = match reserved {
        Ok(reservation) => reservation,
        Err(retry_after_secs) => return Err(AppError::TooManyAttempts { retry_after_secs }),
    };

    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verdict = state.passwords.verify(stored, password.clone()).await;
    let ip = client.map(|c| c.ip());
    let Some(user) = user.filter(|_| matches!(verdict, Verdict::Right { .. })) else {
        // The reservation stays: it is this failure. The entry says so, in
        // the log under the name as typed (cut short), never the password.
        let stranger = Actor::anonymous(&username, ip, user_agent.as_deref());
        state
            .db
            .write(move |tx| {
                let typed = &stranger.username;
                activity::record(
                    tx,
                    &stranger,
                    Entry::event(
                        Kind::Security,
                        LOGIN_FAILED,
                        format!("failed to log in as “{typed}”"),
                    ),
                )?;
                // This failure is the one that locks further attempts out
                // (a locked-out attempt never gets this far).
                if throttle::check(tx, &keys, now)?.is_some() {
                    activity::record(
                        tx,
                        &stranger,
                        Entry::event(
                            Kind::Security,
                            "lockout",
                            format!("locked out logins as “{typed}” after too many failures"),
                        ),
                    )?;
                }
                Ok(())
            })
            .await?;
        return login_page(
            &state,
            cookie.as_deref(),
            next.as_str(),
            &username,
            Some(INVALID_LOGIN),
        )
        .await;
    };

    let target = match account_gate(&user, &next) {
        Ok(target) => target.to_string(),
        Err(refusal) => {
            // The password was right, so this is no guess; the refusal is
            // logged, and said only to whoever knows the password.
            let actor = Actor::user(user.user_id, &user.username, ip, user_agent.as_deref());
            let words = refusal.clone();
            state
                .db
                .write(move |tx| {
                    throttle::release(tx, &reservation)?;
                    activity::record(
                        tx,
                        &actor,
                        Entry::event(Kind::Security, "login_refused", words),
                    )?;
                    Ok(())
                })
                .await?;
            let mut response = login_page(
                &state,
                cookie.as_deref(),
                next.as_str(),
                &username,
                Some(&refusal),
            )
            .await?;
            *response.status_mut() = StatusCode::FORBIDDEN;
            return Ok(response);
        }
    };

    let new_hash = match verdict {
        Verdict::Right { needs_rehash: true } => Some(state.passwords.hash(password).await),
        _ => None,
    };
    let actor = Actor::user(user.user_id, &user.username, ip, user_agent.as_deref());
    after_password_is_right(&state, user, new_hash, reservation, remember, target, actor).await
}

/// What a right password leads to.
enum AfterPassword {
    /// Two-factor is on: the login waits half-way for its code (the token
    /// of that half-way state, which is not a session).
    Halfway(String),
    /// A session, and whether the account must turn two-factor on first.
    Session { token: String, must_enrol: bool },
}

/// After the password is right: second factor or session. One write holds
/// the re-hashed password, the reservation given back, and either the
/// half-way login (the username's failures stay counted until the code is
/// right, so a known password cannot reset them) or the session with the
/// lifted lock-out.
async fn after_password_is_right(
    state: &AppState,
    user: User,
    new_hash: Option<String>,
    reservation: throttle::Reservation,
    remember: bool,
    next: String,
    actor: Actor,
) -> Result<Response, AppError> {
    let policy = state.sessions.clone();
    let halfway_next = next.clone();
    let after = state
        .db
        .write(move |tx| {
            if let Some(new_hash) = &new_hash {
                users::upgrade_password_hash(tx, user.user_id, &user.password_hash, new_hash)?;
            }
            throttle::release(tx, &reservation)?;
            if two_factor::is_on(tx, user.user_id)? {
                let (token, token_hash) = session::new_token();
                two_factor::begin_halfway(
                    tx,
                    &two_factor::NewHalfway {
                        token_hash: &token_hash,
                        user_id: user.user_id,
                        remember,
                        next: &halfway_next,
                        csrf_token: &csrf::new_token(),
                        now: clock::now(),
                    },
                )?;
                return Ok(AfterPassword::Halfway(token));
            }
            throttle::clear(tx, &user.username)?;
            activity::record(
                tx,
                &actor,
                Entry::event(Kind::Security, "login", "logged in"),
            )?;
            Ok(AfterPassword::Session {
                token: session::begin(tx, &policy, user.user_id, remember)?,
                must_enrol: two_factor::must_enrol(tx, user.user_id)?,
            })
        })
        .await?;
    let mut response = match after {
        AfterPassword::Halfway(token) => {
            let mut response = redirect("/admin/login/code");
            add_cookie(
                &mut response,
                &state.cookies.signed(HALFWAY_COOKIE, &token, None),
            );
            response
        }
        AfterPassword::Session { token, must_enrol } => {
            let mut response = redirect(if must_enrol {
                "/admin/two-factor"
            } else {
                next.as_str()
            });
            add_cookie(
                &mut response,
                &session::cookie(&state.cookies, &state.sessions, &token, remember),
            );
            response
        }
    };
    add_cookie(&mut response, &state.cookies.removal(LOGIN_CSRF));
    Ok(response)
}

/// What an account's role row decides about a login whose password was
/// right (SPEC §10), in this one place: an expired account is refused,
/// saying why; one with a temporary password goes to the change form
/// first (the admin gate keeps every other page shut until it is done).
fn account_gate<'a>(user: &User, next: &'a NextPath) -> Result<&'a str, String> {
    if let Some(last_day) = user.expired(&clock::local_date(clock::now())) {
        return Err(format!(
            "This account expired on {last_day}; ask your teacher."
        ));
    }
    Ok(if user.temporary_password {
        CHANGE_PASSWORD
    } else {
        next.as_str()
    })
}

pub async fn logout_page(request: AdminRequest) -> Result<Response, AppError> {
    let content = pages::logout(request.csrf_token());
    Ok(request.page(Section::Other, "Log out", StatusCode::OK, content))
}

pub async fn logout(request: AdminRequest) -> Result<Response, AppError> {
    let state = &request.state;
    let session_id = request.admin.session_id;
    request
        .write(move |tx, actor| {
            sessions::delete(tx, session_id)?;
            activity::record(
                tx,
                actor,
                Entry::event(Kind::Security, "logout", "logged out"),
            )?;
            Ok(())
        })
        .await?;
    let mut response =
        redirect_with_message(&state.cookies, "/admin/login", "You have been logged out.");
    add_cookie(&mut response, &session::removal(&state.cookies));
    Ok(response)
}
