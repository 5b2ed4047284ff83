//! Building responses: an HTML page, a redirect, a cookie, the one-time
//! message shown on the next page, and the security headers every response
//! carries. Plain helpers below every page-making module.

use http::{HeaderValue, StatusCode, header};
use maud::Markup;
use warp::reply::Response;

use crate::cookies::CookieSettings;

/// The cookie that carries a one-time message to the next page.
pub const MESSAGE: &str = "motodex_flash";

/// An HTML response; every page is `text/html; charset=utf-8`.
pub fn html(status: StatusCode, markup: Markup) -> Response {
    let mut response = Response::new(markup.into_string().into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HTML);
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
pub fn redirect_with_message(cookies: &CookieSettings, location: &str, message: &str) -> Response {
    let mut response = redirect(location);
    add_cookie(
        &mut response,
        &cookies.signed(MESSAGE, &hex::encode(message), None),
    );
    response
}

/// Reads the one-time message, if any; the page that shows it removes it
/// with [`message_removal`].
pub fn take_message(cookies: &CookieSettings, cookie_header: Option<&str>) -> Option<String> {
    let encoded = cookies.read(cookie_header, MESSAGE)?;
    String::from_utf8(hex::decode(encoded).ok()?).ok()
}

/// The `Set-Cookie` value that removes a shown message.
pub fn message_removal(cookies: &CookieSettings) -> String {
    cookies.removal(MESSAGE)
}

/// True when a one-time message waits in the request's cookies (such a
/// page is not the same for every visitor).
pub fn message_pending(cookie_header: Option<&str>) -> bool {
    cookie_header.is_some_and(|c| c.contains(MESSAGE))
}

/// Percent-encodes a query value.
pub fn url_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

// The header values, checked once when compiled: `from_static` called at
// run time checks every byte again, on every response (about 1,400
// instructions each, measured with callgrind).
/// The `Content-Type` of every page.
pub const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const PAGE_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; img-src 'self' http: https:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'",
);
// An SVG opened on its own is a document that could run script: the
// sample drawings get a policy under which nothing in them loads or runs.
const SVG_POLICY: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox");
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const DENY: HeaderValue = HeaderValue::from_static("DENY");
const SAME_ORIGIN: HeaderValue = HeaderValue::from_static("same-origin");
const ONE_YEAR_OF_HTTPS: HeaderValue = HeaderValue::from_static("max-age=31536000");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// The headers of SPEC §6, on every response including error pages; HSTS
/// on every response sent over TLS.
pub fn secure_headers(path: &str, mut response: Response, tls: bool) -> Response {
    let svg = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"image/svg+xml"));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        if svg { SVG_POLICY } else { PAGE_POLICY },
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    headers.insert(header::X_FRAME_OPTIONS, DENY);
    headers.insert(header::REFERRER_POLICY, SAME_ORIGIN);
    if tls {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, ONE_YEAR_OF_HTTPS);
    }
    if path == "/admin" || path.starts_with("/admin/") {
        headers.insert(header::CACHE_CONTROL, NO_STORE);
    }
    response
}

/// Marks `response` as a download named `{prefix}-YYYY-MM-DD.{extension}`
/// (today, UTC) of `content_type`.
pub fn attachment(
    response: &mut Response,
    content_type: &'static str,
    prefix: &str,
    extension: &str,
) {
    let today = time::OffsetDateTime::now_utc().date();
    let name = format!(
        "{prefix}-{}-{:02}-{:02}.{extension}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
}
