//! `authenticated()`: the one filter that guards every admin route (the
//! course's `@login_required`). Routes place it after their path match, so
//! an unknown URL still answers 404 rather than a login redirect.

use std::sync::Arc;

use warp::{Filter, Rejection};

use super::session::{SESSION, token_hash};
use crate::app::AppState;
use crate::db::{self, DbResult, sessions};
use crate::error::AppError;

/// The signed-in admin of this request.
#[derive(Debug, Clone)]
pub struct Admin {
    pub user_id: i64,
    pub username: String,
    pub session_id: i64,
    /// A "remember me" session, kept when the password changes.
    pub remember: bool,
    /// The token every POST form of this session must carry.
    pub csrf_token: String,
}

/// Yields the signed-in [`Admin`], or rejects: a GET is sent to the login
/// page with its path in `next`; any other method is sent there too, and
/// its handler never runs, so nothing changes.
pub fn authenticated(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Admin,), Error = Rejection> + Clone {
    warp::any()
        .map(move || Arc::clone(&state))
        .and(warp::header::optional::<String>("cookie"))
        .and(warp::method())
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and_then(
            |state: Arc<AppState>,
             cookie: Option<String>,
             method: http::Method,
             path: warp::path::FullPath,
             query: String| async move {
                match current_admin(&state, cookie.as_deref()).await {
                    Ok(Some(admin)) => Ok(admin),
                    Ok(None) => {
                        let next = (method == http::Method::GET).then(|| {
                            if query.is_empty() {
                                path.as_str().to_string()
                            } else {
                                format!("{}?{query}", path.as_str())
                            }
                        });
                        Err(warp::reject::custom(AppError::LoginRequired { next }))
                    }
                    Err(err) => Err(warp::reject::custom(AppError::Db(err))),
                }
            },
        )
}

/// The admin whose valid session cookie came with the request, if any.
/// Enforces the idle and absolute time-outs on the server: an expired
/// session is deleted, whatever the cookie says.
pub async fn current_admin(
    state: &AppState,
    cookie_header: Option<&str>,
) -> DbResult<Option<Admin>> {
    let Some(token) = state.cookies.read(cookie_header, SESSION) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let Some(session) = state
        .db
        .read(move |conn| sessions::find(conn, &hash))
        .await?
    else {
        return Ok(None);
    };
    let now = db::now();
    let policy = &state.sessions;
    let expired = if session.remember {
        now - session.created_at > policy.remember_secs
    } else {
        now - session.last_seen_at > policy.idle_secs || now - session.created_at > policy.max_secs
    };
    let session_id = session.session_id;
    if expired {
        state
            .db
            .write(move |tx| sessions::delete(tx, session_id))
            .await?;
        return Ok(None);
    }
    // At most one write per session per second keeps the idle clock honest
    // without turning every page view into a write.
    if now > session.last_seen_at {
        state
            .db
            .write(move |tx| sessions::touch(tx, session_id, now))
            .await?;
    }
    Ok(Some(Admin {
        user_id: session.user_id,
        username: session.username,
        session_id,
        remember: session.remember,
        csrf_token: session.csrf_token,
    }))
}
