//! Handlers: plain async functions that take validated input and the app
//! state and return a response, one file per area of the site. Routing (and
//! every check that comes before a handler: login, origin, CSRF) lives in
//! `routes`, pages in `views`.

pub mod api;
pub mod backup;
pub mod bikes;
pub mod export;
pub mod import;
pub mod login;
pub mod makers;
pub mod password;
pub mod public;
pub mod setup;
pub mod users;

use std::sync::Arc;

use http::StatusCode;
use maud::Markup;
use warp::reply::Response;

use crate::auth::session::Admin;
use crate::reply::{self, add_cookie, html};
use crate::state::AppState;
use crate::views::{self, AdminBar, Chrome, Section};

/// One request to the admin area, as the admin filter of `routes` hands it
/// over: the signed-in account has been found and, for a form, its origin
/// and CSRF token checked. Every admin page is rendered through it.
pub struct AdminRequest {
    pub state: Arc<AppState>,
    pub admin: Admin,
    cookie: Option<String>,
}

impl AdminRequest {
    pub fn new(state: Arc<AppState>, admin: Admin, cookie: Option<String>) -> AdminRequest {
        AdminRequest {
            state,
            admin,
            cookie,
        }
    }

    /// A page of the admin area, with its navigation and any pending message.
    pub fn page(
        &self,
        section: Section,
        title: &str,
        status: StatusCode,
        content: Markup,
    ) -> Response {
        let chrome = Chrome {
            admin: Some(AdminBar {
                username: &self.admin.username,
                csrf_token: &self.admin.csrf_token,
                section,
            }),
            ..Chrome::plain(title)
        };
        page_with_message(&self.state, self.cookie.as_deref(), chrome, status, content)
    }

    /// Post/Redirect/Get with a one-time confirmation on the next page.
    pub fn redirect_with_message(&self, location: &str, message: &str) -> Response {
        reply::redirect_with_message(&self.state.cookies, location, message)
    }

    /// The token the forms of this page must carry.
    pub fn csrf_token(&self) -> &str {
        &self.admin.csrf_token
    }
}

/// A catalogue page with a pending message (pages without one come from
/// the page cache).
pub fn catalogue_page(
    state: &AppState,
    cookie_header: Option<&str>,
    title: &str,
    content: Markup,
) -> Response {
    let chrome = Chrome::catalogue(title);
    page_with_message(state, cookie_header, chrome, StatusCode::OK, content)
}

/// A public page outside the catalogue (logging in, setup) with any pending
/// message.
pub fn public_page(
    state: &AppState,
    cookie_header: Option<&str>,
    title: &str,
    status: StatusCode,
    content: Markup,
) -> Response {
    page_with_message(state, cookie_header, Chrome::plain(title), status, content)
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
