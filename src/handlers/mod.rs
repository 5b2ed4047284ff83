//! Handlers: plain async functions that take validated input and the app
//! state and return a response. Routing lives in `routes`, pages in `views`.

pub mod account;
pub mod admin;
pub mod makers;
pub mod public;

use http::{HeaderValue, StatusCode, header};
use maud::Markup;
use warp::reply::Response;

use crate::app::AppState;
use crate::auth::Admin;
use crate::auth::session::FLASH;
use crate::views::{self, AdminBar, Chrome, Section};

/// An HTML response; every page is `text/html; charset=utf-8`.
pub fn html(status: StatusCode, markup: Markup) -> Response {
    let mut response = Response::new(markup.into_string().into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// 303 See Other: after a POST the browser follows it with a GET.
pub fn redirect(location: &str) -> Response {
    let mut response = Response::new(Vec::new().into());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub fn add_cookie(response: &mut Response, set_cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(set_cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Post/Redirect/Get with a one-time confirmation shown on the next page.
pub fn redirect_with_message(state: &AppState, location: &str, message: &str) -> Response {
    let mut response = redirect(location);
    add_cookie(
        &mut response,
        &state.cookies.signed(FLASH, &hex::encode(message), None),
    );
    response
}

/// Reads the one-time message, if any; the page that shows it removes it.
pub fn take_message(state: &AppState, cookie_header: Option<&str>) -> Option<String> {
    let encoded = state.cookies.read(cookie_header, FLASH)?;
    String::from_utf8(hex::decode(encoded).ok()?).ok()
}

/// A page of the admin area, with its navigation and any pending message.
pub fn admin_page(
    state: &AppState,
    admin: &Admin,
    cookie_header: Option<&str>,
    section: Section,
    title: &str,
    status: StatusCode,
    content: Markup,
) -> Response {
    let chrome = Chrome {
        admin: Some(AdminBar {
            username: &admin.username,
            csrf_token: &admin.csrf_token,
            section,
        }),
        ..Chrome::plain(title)
    };
    page_with_message(state, cookie_header, chrome, status, content)
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
    let message = take_message(state, cookie_header);
    let chrome = Chrome {
        flash: message.as_deref(),
        ..chrome
    };
    let mut response = html(status, views::layout::page(&chrome, content));
    if message.is_some() {
        add_cookie(&mut response, &state.cookies.removal(FLASH));
    }
    response
}

/// Percent-encodes a query value.
pub fn url_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}
