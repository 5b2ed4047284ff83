//! One place decides what users see when something goes wrong: every error
//! becomes a page in the site's layout with a clear sentence, while the log
//! gets the cause. Nobody ever sees SQL, a file path or a backtrace.

use std::convert::Infallible;

use http::StatusCode;
use warp::Rejection;
use warp::reply::Response;

use crate::db::DbError;
use crate::domain::roles::{Permission, Role};
use crate::forms::BadRequest;
use crate::reply::{self, html, redirect, secure_headers};
use crate::views;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(#[from] BadRequest),
    #[error("login required")]
    LoginRequired { next: Option<String> },
    #[error("two-factor sign-in required first")]
    TwoFactorRequired,
    #[error("cross-site request refused")]
    Forbidden,
    #[error("too many failed logins")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("import upload too large")]
    ImportTooLarge,
    #[error("the {role} role may not do this")]
    NotAllowed { role: Role, permission: Permission },
    #[error("a temporary password must be replaced first")]
    TemporaryPassword,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl warp::reject::Reject for AppError {}

/// Turns a handler's outcome into the response the user gets.
pub fn respond(result: Result<Response, AppError>) -> Response {
    result.unwrap_or_else(|err| error_page(&err))
}

pub fn error_page(err: &AppError) -> Response {
    let (status, title, message): (StatusCode, &str, String) = match err {
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "Page not found",
            "There is no page at this address. It may have been deleted, or the link may be mistyped.".into(),
        ),
        AppError::BadRequest(reason) => (StatusCode::BAD_REQUEST, "Bad request", reason.to_string()),
        AppError::LoginRequired { next } => {
            let target = match next {
                Some(path) => format!("/admin/login?next={}", reply::url_encode(path)),
                None => "/admin/login".to_string(),
            };
            return redirect(&target);
        }
        AppError::TwoFactorRequired => return redirect("/admin/two-factor"),
        AppError::Forbidden => (
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was sent from another site, or it has expired. Go back, reload the page and try again.".into(),
        ),
        AppError::TooManyAttempts { retry_after_secs } => {
            let minutes = (*retry_after_secs + 59) / 60;
            let message = format!(
                "Too many failed logins. For your safety, logging in is paused: try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            );
            let mut response = html(StatusCode::TOO_MANY_REQUESTS, views::errors::page(429, "Too many attempts", &message));
            if let Ok(value) = retry_after_secs.to_string().parse() {
                response.headers_mut().insert(http::header::RETRY_AFTER, value);
            }
            return response;
        }
        AppError::PayloadTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Upload too large",
            "What you sent is too large. Photos can be at most 5 MB, backups 1 GB; other forms at most 64 KB.".into(),
        ),
        AppError::ImportTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Upload too large",
            "This file is too large to import. A CSV file can be at most 5 MB, and a zip holding the CSV file and its photos at most 50 MB. Split the spreadsheet, or import the photos in several zips.".into(),
        ),
        AppError::NotAllowed { role, permission } => (
            StatusCode::FORBIDDEN,
            "Not allowed for your role",
            match permission {
                Permission::Ownership => "Restoring a backup, emptying the trash and handing over ownership are for the owner only. Nothing was changed.".to_string(),
                other => format!(
                    "{} is not part of the {role} role. Nothing was changed; ask the owner or an admin if you need it.",
                    what_needs(*other)
                ),
            },
        ),
        AppError::TemporaryPassword => return redirect(CHANGE_PASSWORD),
        AppError::Db(DbError::ReadOnly) => {
            tracing::error!("error: the database is read-only");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is read-only",
                "The database is read-only, so changes cannot be saved right now. The catalogue can still be viewed. Ask whoever runs motodex to check the database file's permissions.".into(),
            )
        }
        AppError::Db(DbError::DiskFull) => {
            tracing::error!("error: the disk is full");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The disk is full",
                "The disk holding the database is full, so nothing was saved. Free some space and try again.".into(),
            )
        }
        AppError::Db(DbError::Busy) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Busy",
            "The database is busy with another task (perhaps a backup). Try again in a moment.".into(),
        ),
        AppError::Db(DbError::Replaced) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The database file was replaced",
            DbError::Replaced.to_string(),
        ),
        AppError::Db(cause) => {
            tracing::error!("error: {cause}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The server could not finish this request. Nothing you can do caused it; try again, and if it keeps happening tell whoever runs motodex.".into(),
            )
        }
    };
    html(
        status,
        views::errors::page(status.as_u16(), title, &message),
    )
}

/// Where an account with a temporary password is sent until it has chosen
/// its own.
pub const CHANGE_PASSWORD: &str = "/admin/change-password";

/// What the refused page was for, in the words of SPEC §10's table.
fn what_needs(permission: Permission) -> &'static str {
    match permission {
        Permission::SignedIn | Permission::ChangeOwnPassword => "This page",
        Permission::Catalogue => {
            "Changing the catalogue (bikes, makers, photos, undo, trash, history, import and export)"
        }
        Permission::ReviewDrafts => "Publishing or returning drafts",
        Permission::ActivityLog => "The activity log",
        Permission::Accounts => "Managing accounts",
        Permission::Backups => "Backups",
        Permission::Settings => "The site settings",
        Permission::Ownership => "Restoring, emptying the trash and handing over ownership",
    }
}

/// The one `recover`: rejections from the filters (no such path, wrong
/// method, body limits, the login gate…) become pages too.
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    if let Some(err) = rejection.find::<AppError>() {
        return Ok(error_page(err));
    }
    let (status, title, message) = if rejection.is_not_found() {
        return Ok(error_page(&AppError::NotFound));
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "This address exists, but not for this kind of request.",
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        return Ok(error_page(&AppError::PayloadTooLarge));
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        (
            StatusCode::LENGTH_REQUIRED,
            "Length required",
            "Send the form with its length (Content-Length).",
        )
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported form",
            "This form must be sent as a web form.",
        )
    } else if rejection.find::<warp::reject::InvalidHeader>().is_some()
        || rejection.find::<warp::reject::InvalidQuery>().is_some()
        || rejection.find::<warp::reject::MissingHeader>().is_some()
    {
        (
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The request could not be understood.",
        )
    } else {
        tracing::error!("error: unhandled rejection: {rejection:?}");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The server could not finish this request.",
        )
    };
    Ok(html(
        status,
        views::errors::page(status.as_u16(), title, message),
    ))
}

/// An error page for answers given outside the filters by the server loop
/// (oversized requests, a panicked handler), with the same security headers
/// as every page.
pub fn plain_error(status: StatusCode, tls: bool) -> Response {
    let (title, message) = match status {
        StatusCode::URI_TOO_LONG => (
            "Address too long",
            "The address of this request is too long.",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "Request headers too large",
            "The request's headers (often its cookies) are too large. Clear this site's cookies and try again.",
        ),
        StatusCode::BAD_REQUEST => (
            "Bad request",
            "The request must name this server in exactly one Host header.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "Request too slow",
            "The request took too long to arrive. Check the connection and try again.",
        ),
        _ => (
            "Something went wrong",
            "The server could not finish this request. Try again, and if it keeps happening tell whoever runs motodex.",
        ),
    };
    let page = html(status, views::errors::page(status.as_u16(), title, message));
    secure_headers("", page, tls)
}

/// 421 for a request naming another server in its `Host` (SPEC §6: what a
/// DNS-rebinding page sends), saying how to allow the name if it is right.
pub fn misdirected(host: &str, tls: bool) -> Response {
    let name = host_name(host);
    let message = format!(
        "This server does not answer to the name “{name}”. If that is the right name for it \
         (a reverse proxy, or a DNS name of this computer), start motodex with \
         --public-host {name} (or set MOTODEX_PUBLIC_HOST={name}); otherwise use the address \
         motodex printed when it started."
    );
    let page = html(
        StatusCode::MISDIRECTED_REQUEST,
        views::errors::page(421, "Unknown server name", &message),
    );
    secure_headers("", page, tls)
}

/// `Host` without its port: `[::1]:5000` → `[::1]`, `name:5000` → `name`.
fn host_name(host: &str) -> &str {
    match host.rfind(':') {
        Some(colon) if !host[colon..].contains(']') => &host[..colon],
        _ => host,
    }
}
