//! The admin request: the one filter every admin route goes through (the
//! course's `@login_required`), and the form filters built on it, which
//! check the origin and the CSRF token before any handler runs. Each takes
//! the [`Permission`] its route needs, so no route can leave the role check
//! out (SPEC §10): a role without it gets a 403 page, and an account with a
//! temporary password is sent to the change form, before any body is read.
//!
//! Routes place these after their path and method match, so an unknown URL
//! still answers 404 rather than a login redirect, and a request without a
//! session never has its body read.

use std::sync::Arc;

use warp::{Filter, Rejection};

use super::filters::{
    backup_upload, check_csrf, client_addr, cookie_header, form, photo_form, same_origin,
    upload_form, user_agent, with_state,
};
use crate::auth::session;
use crate::db::{drafts, two_factor};
use crate::domain::activity::Actor;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::forms::{Fields, FileForm, PhotoForm, SpooledFile};
use crate::handlers::AdminRequest;
use crate::state::AppState;

/// The admin pages an account may open while the owner requires
/// two-factor sign-in of it and it has not turned it on: every other one
/// sends it to turn it on.
const OPEN_BEFORE_TWO_FACTOR: [&str; 2] = ["/admin/two-factor", "/admin/logout"];

/// Yields the [`AdminRequest`] of a signed-in account whose role has
/// `permission`, or rejects: without a session, a GET is sent to the login
/// page with its path in `next`, and any other method there too; with a
/// temporary password still to replace, to the change form; without the
/// permission, a 403 page. The handler never runs, so nothing changes. The
/// request carries who and where (account, role, client address, user
/// agent): the actor every change it makes is recorded under.
pub fn admin(
    state: &Arc<AppState>,
    permission: Permission,
) -> impl Filter<Extract = (AdminRequest,), Error = Rejection> + Clone + use<> {
    with_state(Arc::clone(state))
        .and(cookie_header())
        .and(client_addr())
        .and(user_agent())
        .and(warp::method())
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and_then(
            move |state: Arc<AppState>,
                  cookie: Option<String>,
                  client: Option<std::net::SocketAddr>,
                  user_agent: Option<String>,
                  method: http::Method,
                  path: warp::path::FullPath,
                  query: String| async move {
                // The session and what the page needs beyond it, in one
                // short read: whether two-factor must be turned on first,
                // and the menu's badge of drafts waiting for whoever
                // reviews them.
                let check_enrolment = !OPEN_BEFORE_TWO_FACTOR.contains(&path.as_str());
                let found = session::current(
                    &state.db,
                    &state.cookies,
                    &state.sessions,
                    cookie.as_deref(),
                    move |conn, user| {
                        let must_enrol =
                            check_enrolment && two_factor::must_enrol(conn, user.user_id)?;
                        let reviews = user.role.may(Permission::ReviewDrafts);
                        let waiting = if reviews { drafts::waiting(conn)? } else { 0 };
                        Ok((must_enrol, waiting))
                    },
                )
                .await
                .map_err(|err| warp::reject::custom(AppError::Db(err)))?;
                match found {
                    Some((admin, _))
                        if admin.temporary_password
                            && permission != Permission::ChangeOwnPassword =>
                    {
                        Err(warp::reject::custom(AppError::TemporaryPassword))
                    }
                    Some((admin, _)) if !admin.role.may(permission) => {
                        Err(warp::reject::custom(AppError::NotAllowed {
                            role: admin.role,
                            permission,
                        }))
                    }
                    Some((admin, (must_enrol, drafts_waiting))) => {
                        if must_enrol {
                            return Err(warp::reject::custom(AppError::TwoFactorRequired));
                        }
                        let actor = Actor::user(
                            admin.user_id,
                            &admin.username,
                            client.map(|c| c.ip()),
                            user_agent.as_deref(),
                        );
                        Ok(AdminRequest::new(
                            state,
                            admin,
                            cookie,
                            actor,
                            drafts_waiting,
                        ))
                    }
                    None => {
                        let next = (method == http::Method::GET).then(|| {
                            if query.is_empty() {
                                path.as_str().to_string()
                            } else {
                                format!("{}?{query}", path.as_str())
                            }
                        });
                        Err(warp::reject::custom(AppError::LoginRequired { next }))
                    }
                }
            },
        )
}

/// An admin form (`application/x-www-form-urlencoded`): signed in with
/// `permission`, sent from this site, carrying this session's CSRF token.
pub fn admin_form(
    state: &Arc<AppState>,
    permission: Permission,
) -> impl Filter<Extract = (AdminRequest, Fields), Error = Rejection> + Clone + use<> {
    admin(state, permission)
        .and(same_origin())
        .and(form())
        .and_then(|request: AdminRequest, fields: Fields| async move {
            check_csrf(request.csrf_token(), &fields).map(|()| (request, fields))
        })
        .untuple_one()
}

/// An admin form that may carry a photo, checked as [`admin_form`].
pub fn admin_photo_form(
    state: &Arc<AppState>,
    permission: Permission,
) -> impl Filter<Extract = (AdminRequest, PhotoForm), Error = Rejection> + Clone + use<> {
    admin(state, permission)
        .and(same_origin())
        .and(photo_form())
        .and_then(|request: AdminRequest, form: PhotoForm| async move {
            check_csrf(request.csrf_token(), &form.fields).map(|()| (request, form))
        })
        .untuple_one()
}

/// An admin form carrying one file (field `file_field`, at most 5 MB),
/// checked as [`admin_form`].
pub fn admin_upload_form(
    state: &Arc<AppState>,
    permission: Permission,
    file_field: &'static str,
) -> impl Filter<Extract = (AdminRequest, FileForm), Error = Rejection> + Clone + use<> {
    admin(state, permission)
        .and(same_origin())
        .and(upload_form(file_field))
        .and_then(|request: AdminRequest, form: FileForm| async move {
            check_csrf(request.csrf_token(), &form.fields).map(|()| (request, form))
        })
        .untuple_one()
}

/// A backup upload (a restore), streamed into the backup folder, checked
/// as [`admin_form`] (the token is checked once the body has arrived; the
/// file is deleted when the check fails).
pub fn admin_backup_upload(
    state: &Arc<AppState>,
    permission: Permission,
) -> impl Filter<Extract = (AdminRequest, SpooledFile), Error = Rejection> + Clone + use<> {
    admin(state, permission)
        .and(same_origin())
        .and(backup_upload(state.backups.dir.clone()))
        .and_then(|request: AdminRequest, form: SpooledFile| async move {
            check_csrf(request.csrf_token(), &form.fields).map(|()| (request, form))
        })
        .untuple_one()
}
