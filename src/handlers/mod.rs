//! Handlers: plain async functions that take validated input and the app
//! state and return a response, one file per area of the site. Routing (and
//! every check that comes before a handler: login, origin, CSRF) lives in
//! `routes`, pages in `views`.

pub mod activity;
pub mod api;
pub mod backup;
pub mod bikes;
pub mod drafts;
pub mod export;
pub mod import;
pub mod login;
pub mod makers;
pub mod password;
pub mod public;
pub mod settings;
pub mod setup;
pub mod share;
pub mod trash;
pub mod two_factor;
pub mod users;

use std::sync::Arc;

use http::StatusCode;
use maud::Markup;
use warp::reply::Response;

use crate::auth::session::Admin;
use crate::db::{DbResult, Transaction};
use crate::domain::activity::Actor;
use crate::domain::roles::Permission;
use crate::domain::site::Site;
use crate::reply::{self, add_cookie, html};
use crate::state::AppState;
use crate::views::{self, AdminBar, Chrome, Section};

/// One request to the admin area, as the admin filter of `routes` hands it
/// over: the signed-in account has been found and, for a form, its origin
/// and CSRF token checked. Every admin page is rendered through it, and
/// every change it makes is written through [`AdminRequest::write`], which
/// hands the db layer's functions the actor they record the change under.
pub struct AdminRequest {
    pub state: Arc<AppState>,
    pub admin: Admin,
    cookie: Option<String>,
    actor: Actor,
    /// Drafts waiting for review, for the menu of a role that reviews them.
    drafts_waiting: i64,
}

impl AdminRequest {
    pub fn new(
        state: Arc<AppState>,
        admin: Admin,
        cookie: Option<String>,
        actor: Actor,
        drafts_waiting: i64,
    ) -> AdminRequest {
        AdminRequest {
            state,
            admin,
            cookie,
            actor,
            drafts_waiting,
        }
    }

    /// Who makes this request's changes, and from where.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// One write transaction for this request's change. The db functions
    /// called in `work` take the actor and record the activity entry in
    /// the same transaction. With `--trash-days 0` what the change put in
    /// the trash is purged in it too (deleted at once, as in the course).
    pub async fn write<T, F>(&self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction, &Actor) -> DbResult<T> + Send + 'static,
    {
        let actor = self.actor.clone();
        let purge_now = self.state.trash_days == 0;
        self.state
            .db
            .write(move |tx| {
                let value = work(tx, &actor)?;
                if purge_now {
                    crate::db::trash::purge(tx, i64::MAX)?;
                }
                Ok(value)
            })
            .await
    }

    /// A page of the admin area, with its navigation and any pending message.
    pub fn page(
        &self,
        section: Section,
        title: &str,
        status: StatusCode,
        content: Markup,
    ) -> Response {
        let undo = self
            .state
            .cookies
            .read(self.cookie.as_deref(), UNDO_COOKIE)
            .and_then(|id| id.parse::<i64>().ok());
        let chrome = Chrome {
            admin: Some(AdminBar {
                username: &self.admin.username,
                csrf_token: &self.admin.csrf_token,
                section,
                role: self.admin.role,
                temporary_password: self.admin.temporary_password,
                drafts_waiting: self.drafts_waiting,
            }),
            flash_undo: undo,
            ..Chrome::plain(title)
        };
        let mut response =
            page_with_message(&self.state, self.cookie.as_deref(), chrome, status, content);
        if undo.is_some() {
            add_cookie(&mut response, &self.state.cookies.removal(UNDO_COOKIE));
        }
        response
    }

    /// Post/Redirect/Get with a one-time confirmation on the next page.
    pub fn redirect_with_message(&self, location: &str, message: &str) -> Response {
        reply::redirect_with_message(&self.state.cookies, location, message)
    }

    /// As [`Self::redirect_with_message`], the confirmation carrying an Undo
    /// button for the activity entry (none when the change was no change).
    pub fn redirect_with_undo(
        &self,
        location: &str,
        message: &str,
        entry_id: Option<i64>,
    ) -> Response {
        let mut response = self.redirect_with_message(location, message);
        if let Some(entry_id) = entry_id {
            add_cookie(
                &mut response,
                &self
                    .state
                    .cookies
                    .signed(UNDO_COOKIE, &entry_id.to_string(), None),
            );
        }
        response
    }

    /// Whether this account's role has `permission` (what a page offers).
    pub fn may(&self, permission: Permission) -> bool {
        self.admin.role.may(permission)
    }

    /// The token the forms of this page must carry.
    pub fn csrf_token(&self) -> &str {
        &self.admin.csrf_token
    }
}

/// The cookie that carries the activity entry a confirmation's Undo
/// button undoes, beside the message itself.
const UNDO_COOKIE: &str = "motodex_undo";

/// A catalogue page with a pending message (pages without one come from
/// the page cache).
pub fn catalogue_page(
    state: &AppState,
    cookie_header: Option<&str>,
    site: &Site,
    title: &str,
    content: Markup,
) -> Response {
    let chrome = Chrome {
        site: Some(site),
        ..Chrome::catalogue(title)
    };
    page_with_message(state, cookie_header, chrome, StatusCode::OK, content)
}

/// A public page outside the catalogue (logging in, setup) with any pending
/// message.
pub fn public_page(
    state: &AppState,
    cookie_header: Option<&str>,
    site: &Site,
    title: &str,
    status: StatusCode,
    content: Markup,
) -> Response {
    let chrome = Chrome {
        site: Some(site),
        ..Chrome::plain(title)
    };
    page_with_message(state, cookie_header, chrome, status, content)
}

/// The page, showing the one-time message if there is one (and clearing it).
fn page_with_message(
    state: &AppState,
    cookie_header: Option<&str>,
    chrome: Chrome,
    status: StatusCode,
    content: Markup,
) -> Response {
    let message = reply::take_message(&state.cookies, cookie_header);
    let chrome = Chrome {
        flash: message.as_deref(),
        ..chrome
    };
    let mut response = html(status, views::layout::page(&chrome, content));
    if message.is_some() {
        add_cookie(&mut response, &reply::message_removal(&state.cookies));
    }
    response
}
