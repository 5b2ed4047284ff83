//! `/admin/users`: the accounts (SPEC §10). Adding one, one account's page
//! (role, temporary password, last day, lifting a lock-out, handing over
//! ownership), deleting after a confirmation, and class accounts with their
//! slips. The gate has checked the route's permission; what depends on the
//! account being changed (only lower roles, never oneself, never the
//! owner) is checked here, again inside the write that makes the change.

use std::net::SocketAddr;

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::auth::password::{Verdict, check_new_password, temporary_password};
use crate::auth::throttle;
use crate::clock;
use crate::db::activity::{self, Entry};
use crate::db::users::{self, NewAccount};
use crate::db::{Connection, DbResult, Transaction};
use crate::domain::activity::{Actor, Kind};
use crate::domain::names::Clash;
use crate::domain::records::User;
use crate::domain::roles::Role;
use crate::domain::{Id, Username};
use crate::error::AppError;
use crate::forms::Fields;
use crate::views::Section;
use crate::views::account::NewAccountForm;
use crate::views::users::{self as pages, AccountErrors, BatchForm, Listed, Slip, Viewer};

const LIST: &str = "/admin/users";
/// Class accounts made at once, at most (SPEC §10).
pub const MAX_BATCH: usize = 100;

fn viewer(request: &AdminRequest) -> Viewer {
    Viewer {
        user_id: request.admin.user_id,
        role: request.admin.role,
    }
}

fn today() -> String {
    clock::local_date(clock::now())
}

/// Every account with its lock-out, read in one go.
fn accounts_with_lockouts(conn: &Connection) -> DbResult<Vec<(User, Option<i64>)>> {
    let now = clock::now();
    users::list(conn)?
        .into_iter()
        .map(|user| {
            let locked = throttle::username_locked(conn, &user.username, now)?;
            Ok((user, locked))
        })
        .collect()
}

async fn users_page(
    request: &AdminRequest,
    status: StatusCode,
    form: &NewAccountForm<'_>,
) -> Result<Response, AppError> {
    let accounts = request.state.db.read(accounts_with_lockouts).await?;
    let listed: Vec<Listed> = accounts
        .iter()
        .map(|(user, locked)| Listed {
            user,
            locked_for_secs: *locked,
        })
        .collect();
    let content = pages::list(
        request.csrf_token(),
        viewer(request),
        &listed,
        &today(),
        form,
    );
    Ok(request.page(Section::Users, "Accounts", status, content))
}

pub async fn users_list(request: AdminRequest) -> Result<Response, AppError> {
    users_page(&request, StatusCode::OK, &NewAccountForm::default()).await
}

/// The role a form asks to give, if `giver` may give it: never owner
/// (ownership is handed over), never above the giver's own.
fn given_role(giver: Role, typed: &str) -> Result<Role, String> {
    let role = Role::parse(typed)?;
    if role == Role::Owner {
        return Err(
            "There is only one owner: hand ownership over on the owner's account page instead."
                .to_string(),
        );
    }
    if !giver.may_give(role) {
        return Err(format!("You cannot give a role above your own ({giver})."));
    }
    Ok(role)
}

pub async fn add_user(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let typed_name = fields.required("username")?;
    let password = fields.required("password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    // A missing field means admin (SPEC §10), as before roles existed.
    let typed_role = fields.optional("role")?.unwrap_or(Role::Admin.as_str());
    let role = given_role(request.admin.role, typed_role);
    let username = Username::parse(typed_name);
    let (password_error, confirm_error) = check_new_password(typed_name, &password, confirm);
    let mut taken = None;
    if let (Ok(username), Ok(role), None, None) =
        (&username, &role, &password_error, &confirm_error)
    {
        let hash = request.state.passwords.hash(password).await;
        let new = NewAccount::new(username.as_str(), &hash, *role);
        match request
            .write(move |tx, actor| users::insert(tx, actor, &new))
            .await?
        {
            Ok(_) => {
                let message = format!("Added the {role} {}.", username.as_str());
                return Ok(request.redirect_with_message(LIST, &message));
            }
            Err(Clash::Same(_)) => {
                taken = Some(format!(
                    "The username “{}” is already taken.",
                    username.as_str()
                ));
            }
            Err(Clash::LooksAlike(existing)) => {
                taken = Some(Clash::looks_alike_message(&existing, username.as_str()));
            }
        }
    }
    let form = NewAccountForm {
        username: typed_name,
        role: typed_role,
        role_error: role.as_ref().err().map(String::as_str),
        username_error: username
            .as_ref()
            .err()
            .or(taken.as_ref())
            .map(String::as_str),
        password_error: password_error.as_deref(),
        confirm_error: confirm_error.as_deref(),
    };
    users_page(&request, StatusCode::UNPROCESSABLE_ENTITY, &form).await
}

/// The account `id` with its lock-out, or 404.
async fn target(request: &AdminRequest, id: Id) -> Result<(User, Option<i64>), AppError> {
    request
        .state
        .db
        .read(move |conn| {
            let Some(user) = users::get(conn, id.0)? else {
                return Ok(None);
            };
            let locked = throttle::username_locked(conn, &user.username, clock::now())?;
            Ok(Some((user, locked)))
        })
        .await?
        .ok_or(AppError::NotFound)
}

async fn account_page(
    request: &AdminRequest,
    id: Id,
    status: StatusCode,
    errors: &AccountErrors<'_>,
) -> Result<Response, AppError> {
    let (user, locked) = target(request, id).await?;
    let listed = Listed {
        user: &user,
        locked_for_secs: locked,
    };
    let content = pages::account(
        request.csrf_token(),
        viewer(request),
        &listed,
        &today(),
        errors,
    );
    let title = format!("Account {}", user.username);
    Ok(request.page(Section::Users, &title, status, content))
}

/// `GET /admin/users/<id>`.
pub async fn account(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    account_page(&request, id, StatusCode::OK, &AccountErrors::default()).await
}

/// Why a change to another account was refused: a 403 page that says so.
#[derive(Debug)]
enum Refusal {
    Yourself,
    NotLower,
    Missing,
}

fn refused(request: &AdminRequest, refusal: Refusal) -> Result<Response, AppError> {
    let sentence = match refusal {
        Refusal::Yourself => "You cannot do this to your own account. Nothing was changed.",
        Refusal::NotLower => {
            "You can change only accounts of a lower role than yours, and nobody can demote or delete the owner. Nothing was changed."
        }
        Refusal::Missing => return Err(AppError::NotFound),
    };
    let content = crate::views::users::refusal(sentence);
    Ok(request.page(
        Section::Users,
        "Not allowed",
        StatusCode::FORBIDDEN,
        content,
    ))
}

/// The account `id` if `me` (id and role) may change it: a lower role,
/// not itself. Called inside the write that makes the change.
/// Makes `change` to account `id` in one write, if the signed-in account
/// may change that account, and answers with the confirmation `done` words
/// (given the account's name) or the page saying why not.
async fn change_account(
    request: &AdminRequest,
    id: Id,
    change: impl FnOnce(&Transaction, &Actor, &User) -> DbResult<()> + Send + 'static,
    done: impl FnOnce(&str) -> String,
) -> Result<Response, AppError> {
    let me = viewer(request);
    let outcome = request
        .write(move |tx, actor| {
            Ok(match changeable(tx, me, id)? {
                Ok(user) => {
                    change(tx, actor, &user)?;
                    Ok(user.username)
                }
                Err(refusal) => Err(refusal),
            })
        })
        .await?;
    match outcome {
        Ok(name) => Ok(request.redirect_with_message(LIST, &done(&name))),
        Err(refusal) => refused(request, refusal),
    }
}

fn changeable(conn: &Connection, me: Viewer, id: Id) -> DbResult<Result<User, Refusal>> {
    let Some(user) = users::get(conn, id.0)? else {
        return Ok(Err(Refusal::Missing));
    };
    // The role as stored now: it may have changed since the request began.
    let my_role = users::get(conn, me.user_id)?.map_or(Role::Contributor, |u| u.role);
    Ok(if user.user_id == me.user_id {
        Err(Refusal::Yourself)
    } else if !my_role.manages(user.role) {
        Err(Refusal::NotLower)
    } else {
        Ok(user)
    })
}

/// `POST /admin/users/<id>/role` (field `role`).
pub async fn change_role(
    request: AdminRequest,
    id: Id,
    fields: Fields,
) -> Result<Response, AppError> {
    let typed = fields.required("role")?.to_string();
    let role = match given_role(request.admin.role, &typed) {
        Ok(role) => role,
        Err(message) => {
            let errors = AccountErrors {
                role: Some(&message),
                ..AccountErrors::default()
            };
            return account_page(&request, id, StatusCode::UNPROCESSABLE_ENTITY, &errors).await;
        }
    };
    change_account(
        &request,
        id,
        move |tx, actor, user| {
            users::set_role(tx, actor, user, role)?;
            Ok(())
        },
        |name| format!("{name} is now {role}."),
    )
    .await
}

/// `POST /admin/users/<id>/temporary-password` (fields `password`,
/// `confirm_password`): that account's sessions end, and it must choose its
/// own password at its next login.
pub async fn set_temporary_password(
    request: AdminRequest,
    id: Id,
    fields: Fields,
) -> Result<Response, AppError> {
    let password = fields.required("password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    let (user, _) = target(&request, id).await?;
    let (password_error, confirm_error) = check_new_password(&user.username, &password, confirm);
    if password_error.is_some() || confirm_error.is_some() {
        let errors = AccountErrors {
            password: password_error.as_deref(),
            confirm: confirm_error.as_deref(),
            ..AccountErrors::default()
        };
        return account_page(&request, id, StatusCode::UNPROCESSABLE_ENTITY, &errors).await;
    }
    let me = viewer(&request);
    if let Err(refusal) = request
        .state
        .db
        .read(move |conn| changeable(conn, me, id))
        .await?
    {
        return refused(&request, refusal);
    }
    let hash = request.state.passwords.hash(password).await;
    change_account(
        &request,
        id,
        move |tx, actor, user| {
            users::set_temporary_password(tx, actor, user.user_id, &hash)?;
            Ok(())
        },
        |name| format!("{name} has a temporary password and has been logged out; they choose their own at their next login."),
    )
    .await
}

/// The last day typed in a form: empty is none; otherwise a real date,
/// today or later.
fn last_day(typed: &str) -> Result<Option<String>, &'static str> {
    if typed.trim().is_empty() {
        return Ok(None);
    }
    let day =
        clock::parse_date(typed).ok_or("Enter the date as YYYY-MM-DD, for example 2027-07-15.")?;
    if day < today() {
        return Err("Choose today or a later day: an account that has expired cannot log in.");
    }
    Ok(Some(day))
}

/// `POST /admin/users/<id>/expires` (field `expires`; empty = no end).
pub async fn set_expiry(
    request: AdminRequest,
    id: Id,
    fields: Fields,
) -> Result<Response, AppError> {
    let typed = fields.required("expires")?.to_string();
    let day = match last_day(&typed) {
        Ok(day) => day,
        Err(message) => {
            let errors = AccountErrors {
                expires: Some(message),
                typed_expires: Some(&typed),
                ..AccountErrors::default()
            };
            return account_page(&request, id, StatusCode::UNPROCESSABLE_ENTITY, &errors).await;
        }
    };
    let message = match &day {
        Some(day) => format!("can log in until the end of {day}"),
        None => "can log in with no end date".to_string(),
    };
    change_account(
        &request,
        id,
        move |tx, actor, user| {
            users::set_expiry(tx, actor, user, day)?;
            Ok(())
        },
        |name| format!("{name} {message}."),
    )
    .await
}

/// `POST /admin/users/<id>/unlock`: lifts the account's login lock-out.
pub async fn lift_lockout(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    change_account(
        &request,
        id,
        move |tx, actor, user| {
            throttle::clear(tx, &user.username)?;
            activity::record(
                tx,
                actor,
                Entry {
                    record_id: Some(user.user_id),
                    ..Entry::event(
                        Kind::User,
                        "unlock",
                        format!("lifted the login lock-out of {}", user.username),
                    )
                },
            )?;
            Ok(())
        },
        |name| format!("{name} can log in again: the lock-out is lifted."),
    )
    .await
}

/// `POST /admin/users/<id>/make-owner` (field `password`, the owner's):
/// the account becomes the owner and the old owner an admin. A wrong
/// password counts as a failed login, as on the change-password form.
pub async fn make_owner(
    request: AdminRequest,
    id: Id,
    fields: Fields,
    client: Option<SocketAddr>,
) -> Result<Response, AppError> {
    let password = fields.required("password")?.to_string();
    let me = request.admin.user_id;
    let keys = throttle::Keys::new(&request.admin.username, client.map(|c| c.ip()));
    let now = clock::now();
    let state = &request.state;
    let (reserved, owner) = state
        .db
        .write(move |tx| Ok((throttle::reserve(tx, &keys, now)?, users::get(tx, me)?)))
        .await?;
    let reservation = match reserved {
        Ok(reservation) => reservation,
        Err(retry_after_secs) => return Err(AppError::TooManyAttempts { retry_after_secs }),
    };
    let owner = owner.ok_or(AppError::NotFound)?;
    let right = matches!(
        state
            .passwords
            .verify(Some(owner.password_hash), password)
            .await,
        Verdict::Right { .. }
    );
    if !right {
        let errors = AccountErrors {
            owner_password: Some("This is not your password: ownership was not handed over."),
            ..AccountErrors::default()
        };
        return account_page(&request, id, StatusCode::UNPROCESSABLE_ENTITY, &errors).await;
    }
    let outcome = request
        .write(move |tx, actor| {
            throttle::release(tx, &reservation)?;
            let (Some(owner), Some(heir)) = (users::get(tx, me)?, users::get(tx, id.0)?) else {
                return Ok(Err(Refusal::Missing));
            };
            if heir.user_id == owner.user_id {
                return Ok(Err(Refusal::Yourself));
            }
            // Checked again inside the write: ownership may have moved.
            if owner.role != Role::Owner {
                return Ok(Err(Refusal::NotLower));
            }
            users::hand_over(tx, actor, &owner, &heir)?;
            Ok(Ok(heir.username))
        })
        .await?;
    match outcome {
        Ok(name) => Ok(request
            .redirect_with_message(LIST, &format!("{name} is now the owner; you are an admin."))),
        Err(refusal) => refused(&request, refusal),
    }
}

/// `GET /admin/users/delete/<id>`: the confirmation page.
pub async fn delete_confirm(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let me = viewer(&request);
    match request
        .state
        .db
        .read(move |conn| changeable(conn, me, id))
        .await?
    {
        Ok(user) => {
            let content = pages::delete_confirm(request.csrf_token(), &user);
            Ok(request.page(
                Section::Users,
                "Delete this account?",
                StatusCode::OK,
                content,
            ))
        }
        Err(refusal) => refused(&request, refusal),
    }
}

pub async fn delete_user(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let me = viewer(&request);
    let outcome = request
        .write(move |tx, actor| {
            let user = match changeable(tx, me, id)? {
                Ok(user) => user,
                Err(refusal) => return Ok(Err(refusal)),
            };
            users::delete(tx, actor, user.user_id)?;
            Ok(Ok(user))
        })
        .await?;
    match outcome {
        Ok(user) => Ok(request.redirect_with_message(
            LIST,
            &format!(
                "Deleted the {} {}; their sessions have ended.",
                user.role, user.username
            ),
        )),
        Err(refusal) => refused(&request, refusal),
    }
}

/// `GET /admin/users/batch`.
pub async fn batch_form(request: AdminRequest) -> Result<Response, AppError> {
    let form = BatchForm {
        names: "",
        role: "",
        expires: "",
        problems: &[],
        role_error: None,
        expires_error: None,
    };
    let content = pages::batch(request.csrf_token(), viewer(&request), &form);
    Ok(request.page(
        Section::Users,
        "Add class accounts",
        StatusCode::OK,
        content,
    ))
}

/// Every problem of a list of names (one a line): a malformed name, one
/// given twice, one already taken, too many lines. Empty lines are skipped.
fn check_names(conn: &Connection, typed: &str) -> DbResult<Result<Vec<Username>, Vec<String>>> {
    let mut names: Vec<Username> = Vec::new();
    let mut problems = Vec::new();
    let lines: Vec<(usize, &str)> = typed
        .lines()
        .enumerate()
        .map(|(at, line)| (at + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    if lines.is_empty() {
        problems.push("Enter at least one username, one a line.".to_string());
    }
    if lines.len() > MAX_BATCH {
        problems.push(format!(
            "There are {} names: at most {MAX_BATCH} can be added at once.",
            lines.len()
        ));
    }
    for (line, typed) in lines.into_iter().take(MAX_BATCH) {
        let name = match Username::parse(typed) {
            Ok(name) => name,
            Err(reason) => {
                problems.push(format!("Line {line} (“{typed}”): {reason}"));
                continue;
            }
        };
        if names
            .iter()
            .any(|n| n.as_str().to_lowercase() == name.as_str().to_lowercase())
        {
            problems.push(format!(
                "Line {line} (“{typed}”): this name is already in the list."
            ));
        } else if users::find_by_name(conn, name.as_str())?.is_some() {
            problems.push(format!(
                "Line {line} (“{typed}”): this username is already taken."
            ));
        }
        names.push(name);
    }
    Ok(if problems.is_empty() {
        Ok(names)
    } else {
        Err(problems)
    })
}

/// `POST /admin/users/batch` (fields `names`, `role`, `expires`): creates
/// every account or none, and answers with the slips. The passwords are in
/// this answer only: they are not stored readable, and sending the form
/// again finds every name taken.
pub async fn batch(
    request: AdminRequest,
    fields: Fields,
    host: Option<String>,
) -> Result<Response, AppError> {
    let typed_names = fields.required("names")?.to_string();
    let typed_role = fields
        .optional("role")?
        .unwrap_or(Role::Contributor.as_str())
        .to_string();
    let typed_expires = fields.optional("expires")?.unwrap_or("").to_string();
    let role = given_role(request.admin.role, &typed_role);
    let expires = last_day(&typed_expires);
    let names_typed = typed_names.clone();
    let checked = request
        .state
        .db
        .read(move |conn| check_names(conn, &names_typed))
        .await?;
    let (names, role, expires) = match (checked, role, expires) {
        (Ok(names), Ok(role), Ok(expires)) => (names, role, expires),
        (checked, role, expires) => {
            let problems = checked.err().unwrap_or_default();
            return batch_refused(
                &request,
                &typed_names,
                &typed_role,
                &typed_expires,
                &problems,
                role.err().as_deref(),
                expires.err(),
            )
            .await;
        }
    };
    // Drawing a password runs the strength estimator: off the executor.
    let drawn = tokio::task::spawn_blocking(move || {
        names
            .into_iter()
            .map(|name| {
                let password = temporary_password(name.as_str());
                (name, password)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| AppError::Db(crate::db::DbError::Worker(e.to_string())))?;
    // Hashed side by side, as many at once as the password workers allow.
    let hashes = futures_util::future::join_all(
        drawn
            .iter()
            .map(|(_, password)| request.state.passwords.hash(password.clone())),
    )
    .await;
    let mut accounts = Vec::with_capacity(drawn.len());
    let mut slips = Vec::with_capacity(drawn.len());
    for ((name, password), hash) in drawn.into_iter().zip(hashes) {
        accounts.push(NewAccount {
            temporary_password: true,
            expires_on: expires.clone(),
            ..NewAccount::new(name.as_str(), &hash, role)
        });
        slips.push(Slip {
            username: name.as_str().to_string(),
            password,
        });
    }
    let added = request
        .write(move |tx, actor| users::insert_batch(tx, actor, &accounts))
        .await?;
    if let Err(taken) = added {
        // Taken by someone else since the check: still nothing created.
        let problems = [format!("“{taken}”: this username was taken a moment ago.")];
        return batch_refused(
            &request,
            &typed_names,
            &typed_role,
            &typed_expires,
            &problems,
            None,
            None,
        )
        .await;
    }
    let login_url = login_url(&request, host.as_deref());
    let qr = crate::qr::svg(&login_url, "QR code of the login page");
    let content = pages::slips(&login_url, qr.as_deref(), role, &slips);
    Ok(request.page(Section::Users, "Account slips", StatusCode::OK, content))
}

async fn batch_refused(
    request: &AdminRequest,
    names: &str,
    role: &str,
    expires: &str,
    problems: &[String],
    role_error: Option<&str>,
    expires_error: Option<&str>,
) -> Result<Response, AppError> {
    let form = BatchForm {
        names,
        role,
        expires,
        problems,
        role_error,
        expires_error,
    };
    let content = pages::batch(request.csrf_token(), viewer(request), &form);
    Ok(request.page(
        Section::Users,
        "Add class accounts",
        StatusCode::UNPROCESSABLE_ENTITY,
        content,
    ))
}

/// The login page's address as the teacher's browser reached this site
/// (the `Host` the server has already checked), for the slips.
fn login_url(request: &AdminRequest, host: Option<&str>) -> String {
    let scheme = if request.state.tls { "https" } else { "http" };
    let host = host.unwrap_or("localhost");
    format!("{scheme}://{host}/admin/login")
}
