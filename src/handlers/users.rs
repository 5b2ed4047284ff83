//! `/admin/users`: the admin accounts, adding one and deleting one.

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::auth::password::check_new_password;
use crate::db::users;
use crate::domain::names::Clash;
use crate::domain::{Id, Username};
use crate::error::AppError;
use crate::forms::Fields;
use crate::views::Section;
use crate::views::account::{self as pages, NewAccountForm};

const LIST: &str = "/admin/users";

async fn users_page(
    request: &AdminRequest,
    status: StatusCode,
    form: &NewAccountForm<'_>,
) -> Result<Response, AppError> {
    let list = request.state.db.read(users::list).await?;
    let content = pages::users(request.csrf_token(), &list, request.admin.user_id, form);
    Ok(request.page(Section::Users, "Admins", status, content))
}

pub async fn users_list(request: AdminRequest) -> Result<Response, AppError> {
    users_page(&request, StatusCode::OK, &NewAccountForm::default()).await
}

pub async fn add_user(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let typed_name = fields.required("username")?;
    let password = fields.required("password")?.to_string();
    let confirm = fields.required("confirm_password")?;
    let username = Username::parse(typed_name);
    let (password_error, confirm_error) = check_new_password(typed_name, &password, confirm);
    let mut taken = None;
    if let (Ok(username), None, None) = (&username, &password_error, &confirm_error) {
        let hash = request.state.passwords.hash(password).await;
        let name = username.as_str().to_string();
        match request
            .write(move |tx, actor| users::insert(tx, actor, &name, &hash))
            .await?
        {
            Ok(_) => {
                let message = format!("Added admin {}.", username.as_str());
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

/// Why an account could not be deleted, if it could not.
enum Deletion {
    Done(String),
    Yourself,
    LastAdmin,
    Missing,
}

pub async fn delete_user(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let me = request.admin.user_id;
    if id.0 == me {
        return Ok(request.redirect_with_message(LIST, "You cannot delete your own account."));
    }
    let outcome = request
        .write(move |tx, actor| {
            let Some(user) = users::get(tx, id.0)? else {
                return Ok(Deletion::Missing);
            };
            if user.user_id == me {
                return Ok(Deletion::Yourself);
            }
            if users::count(tx)? <= 1 {
                return Ok(Deletion::LastAdmin);
            }
            users::delete(tx, actor, user.user_id)?;
            Ok(Deletion::Done(user.username))
        })
        .await?;
    let message = match outcome {
        Deletion::Done(name) => format!("Deleted admin {name}; their sessions have ended."),
        Deletion::Yourself => "You cannot delete your own account.".to_string(),
        Deletion::LastAdmin => "The last admin cannot be deleted.".to_string(),
        Deletion::Missing => return Err(AppError::NotFound),
    };
    Ok(request.redirect_with_message(LIST, &message))
}
