//! Two-factor sign-in (SPEC §11): `/admin/two-factor` (turning it on and
//! off, for one's own account) and `/admin/login/code`, the login's second
//! step after a right password.

use std::net::SocketAddr;
use std::sync::Arc;

use http::StatusCode;
use warp::reply::Response;

use super::{AdminRequest, public_page};
use crate::auth::password::Verdict;
use crate::auth::two_factor::{self as codes, Code, HALFWAY_COOKIE};
use crate::auth::{session, throttle};
use crate::clock;
use crate::db::activity::{self, Entry, LOGIN_FAILED};
use crate::db::two_factor::{self, Halfway};
use crate::db::users;
use crate::domain::activity::{Actor, Kind};
use crate::error::AppError;
use crate::forms::Fields;
use crate::reply::{add_cookie, redirect};
use crate::state::AppState;
use crate::views::Section;
use crate::views::two_factor as pages;

const WRONG_CODE: &str = "That code is not right (or it was used already). Type the code the app shows now, or a recovery code.";
const NOT_A_CODE: &str = "Type the six digits the app shows, or a recovery code.";

/// `GET /admin/two-factor`: turning it on (a new secret is proposed the
/// first time and kept until confirmed), or, when on, turning it off.
pub async fn page(request: AdminRequest) -> Result<Response, AppError> {
    setup_or_on_page(&request, StatusCode::OK, None, None).await
}

async fn setup_or_on_page(
    request: &AdminRequest,
    status: StatusCode,
    code_error: Option<&str>,
    password_error: Option<&str>,
) -> Result<Response, AppError> {
    let user_id = request.admin.user_id;
    let (row, unused, required) = request
        .state
        .db
        .read(move |conn| {
            Ok((
                two_factor::get(conn, user_id)?,
                two_factor::unused_recovery_codes(conn, user_id)?.len(),
                two_factor::must_enrol(conn, user_id)?,
            ))
        })
        .await?;
    let row = match row {
        Some(row) => row,
        None => {
            let proposed = codes::new_secret();
            request
                .state
                .db
                .write(move |tx| two_factor::get_or_propose(tx, user_id, &proposed))
                .await?
        }
    };
    let content = if row.enabled {
        pages::on(&pages::OnPage {
            csrf_token: request.csrf_token(),
            codes_left: unused,
            password_error,
            code_error,
        })
    } else {
        let uri = codes::otpauth_uri(&row.secret, &request.admin.username);
        let svg = uri.and_then(|uri| crate::qr::svg(&uri, "QR code of the two-factor key"));
        pages::setup(&pages::SetupPage {
            csrf_token: request.csrf_token(),
            secret: &codes::grouped(&row.secret),
            qr_svg: svg.as_deref(),
            required,
            error: code_error,
        })
    };
    Ok(request.page(Section::TwoFactor, "Two-factor sign-in", status, content))
}

/// `POST /admin/two-factor`: `action` is `on` (with `code`) or `off` (with
/// `password` and `code`).
pub async fn change(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    match fields.required("action")? {
        "on" => turn_on(request, fields.required("code")?).await,
        "off" => {
            let password = fields.required("password")?.to_string();
            turn_off(request, password, fields.required("code")?).await
        }
        _ => Err(AppError::BadRequest(crate::forms::BadRequest::Missing(
            "action".into(),
        ))),
    }
}

async fn turn_on(request: AdminRequest, typed: &str) -> Result<Response, AppError> {
    let user_id = request.admin.user_id;
    let row = request
        .state
        .db
        .read(move |conn| two_factor::get(conn, user_id))
        .await?;
    let Some(row) = row.filter(|row| !row.enabled) else {
        // On already (another tab), or no key shown yet: show the page as it is.
        return setup_or_on_page(&request, StatusCode::OK, None, None).await;
    };
    let now = clock::now();
    let step = match codes::read_code(typed) {
        Some(Code::Totp(code)) => codes::matching_step(&row.secret, &code, now),
        _ => None,
    };
    let Some(step) = step else {
        let error = if codes::read_code(typed).is_some() {
            "That code is not right. Check the app's clock, and type the code it shows now."
        } else {
            "Type the six digits the app shows."
        };
        return setup_or_on_page(
            &request,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(error),
            None,
        )
        .await;
    };
    let recovery = codes::new_recovery_codes();
    let mut hashes = Vec::with_capacity(recovery.len());
    for code in &recovery {
        hashes.push(
            request
                .state
                .passwords
                .hash(codes::recovery_form(code))
                .await,
        );
    }
    let secret = row.secret.clone();
    let turned_on = request
        .write(move |tx, actor| {
            two_factor::turn_on(tx, actor, user_id, &secret, step, now, &hashes)
        })
        .await?;
    if !turned_on {
        return setup_or_on_page(&request, StatusCode::OK, None, None).await;
    }
    Ok(request.page(
        Section::TwoFactor,
        "Recovery codes",
        StatusCode::OK,
        pages::recovery_codes(&recovery),
    ))
}

/// Turning off needs the password and a code. Both are guesses a stolen
/// session could make, so each attempt is counted by the login throttle
/// before it is checked, as a login is.
async fn turn_off(
    request: AdminRequest,
    password: String,
    typed: &str,
) -> Result<Response, AppError> {
    let user_id = request.admin.user_id;
    let keys = throttle::Keys::new(
        &request.admin.username,
        request.actor().client_addr.parse().ok(),
    );
    let now = clock::now();
    let (reserved, user, row, unused) = {
        let keys = keys.clone();
        request
            .state
            .db
            .write(move |tx| {
                Ok((
                    throttle::reserve(tx, &keys, now)?,
                    users::get(tx, user_id)?,
                    two_factor::get(tx, user_id)?,
                    two_factor::unused_recovery_codes(tx, user_id)?,
                ))
            })
            .await?
    };
    let reservation =
        reserved.map_err(|retry_after_secs| AppError::TooManyAttempts { retry_after_secs })?;
    let (Some(user), Some(row)) = (user, row.filter(|row| row.enabled)) else {
        return setup_or_on_page(&request, StatusCode::OK, None, None).await;
    };
    let verdict = request
        .state
        .passwords
        .verify(Some(user.password_hash), password)
        .await;
    let password_right = matches!(verdict, Verdict::Right { .. });
    let second = match codes::read_code(typed) {
        Some(Code::Totp(code)) => codes::matching_step(&row.secret, &code, now).map(Proof::Step),
        Some(Code::Recovery(code)) => matching_recovery_code(&request.state, unused, code)
            .await
            .map(Proof::Recovery),
        None => None,
    };
    let done = match (password_right, second) {
        (true, Some(proof)) => {
            request
                .write(move |tx, actor| {
                    let fresh = match proof {
                        Proof::Step(step) => two_factor::accept_step(tx, user_id, step)?,
                        Proof::Recovery(code_id) => {
                            two_factor::use_recovery_code(tx, actor, code_id, now)?
                        }
                    };
                    if !fresh {
                        return Ok(false);
                    }
                    throttle::release(tx, &reservation)?;
                    two_factor::turn_off(tx, actor, user_id, "turned two-factor sign-in off")
                })
                .await?
        }
        _ => false,
    };
    if done {
        return Ok(request.redirect_with_message(
            "/admin/two-factor",
            "Two-factor sign-in is off. Its key and recovery codes no longer work.",
        ));
    }
    // The reservation stands: it is this failure.
    let (password_error, code_error) = if password_right {
        (None, Some(WRONG_CODE))
    } else {
        (Some("That is not your password."), None)
    };
    setup_or_on_page(
        &request,
        StatusCode::UNPROCESSABLE_ENTITY,
        code_error,
        password_error,
    )
    .await
}

/// What proved the second factor.
#[derive(Debug, Clone, Copy)]
enum Proof {
    /// A TOTP code of this step.
    Step(i64),
    /// This recovery code.
    Recovery(i64),
}

/// The unused recovery code `typed` is, checked against each hash in turn
/// off the executor.
async fn matching_recovery_code(
    state: &AppState,
    unused: Vec<(i64, String)>,
    typed: String,
) -> Option<i64> {
    for (code_id, hash) in unused {
        if let Verdict::Right { .. } = state.passwords.verify(Some(hash), typed.clone()).await {
            return Some(code_id);
        }
    }
    None
}

/// The half-way login of a request, as the route found it from its cookie.
pub struct HalfwayLogin {
    pub halfway: Halfway,
    pub token_hash: Vec<u8>,
}

/// `GET /admin/login/code`.
pub async fn code_form(
    state: Arc<AppState>,
    cookie: Option<String>,
    login: HalfwayLogin,
) -> Result<Response, AppError> {
    code_page(&state, cookie.as_deref(), &login, StatusCode::OK, None).await
}

async fn code_page(
    state: &AppState,
    cookie: Option<&str>,
    login: &HalfwayLogin,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    Ok(public_page(
        state,
        cookie,
        &site,
        "Enter your code",
        status,
        pages::login_code(&login.halfway.csrf_token, error),
    ))
}

/// `POST /admin/login/code` (its CSRF token checked by the route). The
/// attempt is counted by the login throttle before the code is checked,
/// in the same write; a right TOTP code is accepted for its step once, in
/// that write too, with the session begun: a burst cannot pass together,
/// and a code cannot be used twice.
pub async fn code(
    state: Arc<AppState>,
    client: Option<SocketAddr>,
    user_agent: Option<String>,
    cookie: Option<String>,
    login: HalfwayLogin,
    fields: Fields,
) -> Result<Response, AppError> {
    let typed = fields.required("code")?.to_string();
    let remember = login.halfway.remember;
    let user_id = login.halfway.user_id;
    let username = login.halfway.username.clone();
    let ip = client.map(|c| c.ip());
    let keys = throttle::Keys::new(&username, ip);
    let actor = Actor::user(user_id, &username, ip, user_agent.as_deref());
    let policy = state.sessions.clone();
    let now = clock::now();
    let read = codes::read_code(&typed);

    let first = {
        let (keys, actor, policy, token_hash) = (
            keys.clone(),
            actor.clone(),
            policy.clone(),
            login.token_hash.clone(),
        );
        let read = read.clone();
        state
            .db
            .write(move |tx| {
                let reservation = match throttle::reserve(tx, &keys, now)? {
                    Ok(reservation) => reservation,
                    Err(wait) => return Ok(First::Locked(wait)),
                };
                let row = two_factor::get(tx, user_id)?.filter(|row| row.enabled);
                let Some(row) = row else {
                    return Ok(First::Wrong);
                };
                match read {
                    Some(Code::Totp(code)) => {
                        let accepted = match codes::matching_step(&row.secret, &code, now) {
                            Some(step) => two_factor::accept_step(tx, user_id, step)?,
                            None => false,
                        };
                        if accepted {
                            let token = finish_login(
                                tx,
                                &actor,
                                &policy,
                                &reservation,
                                &token_hash,
                                remember,
                            )?;
                            return Ok(token.map_or(First::Wrong, First::LoggedIn));
                        }
                        Ok(First::Wrong)
                    }
                    Some(Code::Recovery(plain)) => Ok(First::Recovery(
                        reservation,
                        two_factor::unused_recovery_codes(tx, user_id)?,
                        plain,
                    )),
                    None => Ok(First::Wrong),
                }
            })
            .await?
    };
    let outcome = match first {
        First::Locked(retry_after_secs) => {
            return Err(AppError::TooManyAttempts { retry_after_secs });
        }
        First::LoggedIn(token) => Some(token),
        First::Wrong => None,
        First::Recovery(reservation, unused, plain) => {
            match matching_recovery_code(&state, unused, plain).await {
                Some(code_id) => {
                    let (actor, token_hash) = (actor.clone(), login.token_hash.clone());
                    state
                        .db
                        .write(move |tx| {
                            if !two_factor::use_recovery_code(tx, &actor, code_id, now)? {
                                return Ok(None);
                            }
                            finish_login(tx, &actor, &policy, &reservation, &token_hash, remember)
                        })
                        .await?
                }
                None => None,
            }
        }
    };
    let Some(token) = outcome else {
        // The reservation stands: it is this failure.
        state
            .db
            .write(move |tx| {
                activity::record(
                    tx,
                    &actor,
                    Entry::event(
                        Kind::Security,
                        LOGIN_FAILED,
                        "typed a wrong two-factor code when logging in",
                    ),
                )?;
                Ok(())
            })
            .await?;
        let error = if read.is_some() {
            WRONG_CODE
        } else {
            NOT_A_CODE
        };
        return code_page(
            &state,
            cookie.as_deref(),
            &login,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(error),
        )
        .await;
    };
    let mut response = redirect(&login.halfway.next);
    add_cookie(
        &mut response,
        &session::cookie(&state.cookies, &state.sessions, &token, remember),
    );
    add_cookie(&mut response, &state.cookies.removal(HALFWAY_COOKIE));
    Ok(response)
}

/// The first write's outcome of a second step.
enum First {
    Locked(i64),
    LoggedIn(String),
    Wrong,
    /// A recovery code to check off the executor against these hashes.
    Recovery(throttle::Reservation, Vec<(i64, String)>, String),
}

/// The second factor was right: the half-way login ends and the session
/// begins, in the caller's write. `None` when the half-way login had ended
/// meanwhile (another tab finished it).
fn finish_login(
    tx: &crate::db::Transaction,
    actor: &Actor,
    policy: &session::SessionPolicy,
    reservation: &throttle::Reservation,
    token_hash: &[u8],
    remember: bool,
) -> crate::db::DbResult<Option<String>> {
    if !two_factor::end_halfway(tx, token_hash)? {
        return Ok(None);
    }
    let user_id = actor.user_id.unwrap_or_default();
    throttle::release(tx, reservation)?;
    throttle::clear(tx, &actor.username)?;
    activity::record(
        tx,
        actor,
        Entry::event(Kind::Security, "login", "logged in (with two-factor)"),
    )?;
    session::begin(tx, policy, user_id, remember).map(Some)
}
