//! `/admin/makers`: the makers with their bike counts, adding, renaming and
//! deleting (only a maker no bike uses).

use std::sync::Arc;

use http::StatusCode;
use warp::reply::Response;

use super::account::check_csrf;
use super::{admin_page, redirect_with_message};
use crate::app::AppState;
use crate::auth::Admin;
use crate::db::makers::{self, Deleted, Maker, Renamed, Taken};
use crate::domain::{Id, MakerName};
use crate::error::AppError;
use crate::forms::Fields;
use crate::views::Section;
use crate::views::makers::{self as pages, MakerForm};

const LIST: &str = "/admin/makers";

fn taken(Taken(existing): Taken) -> String {
    format!("There is already a maker called “{existing}”.")
}

async fn list_page(
    state: &AppState,
    admin: &Admin,
    cookie: Option<&str>,
    status: StatusCode,
    form: &MakerForm<'_>,
) -> Result<Response, AppError> {
    let list = state.db.read(makers::list_with_usage).await?;
    let content = pages::makers(&admin.csrf_token, &list, form);
    Ok(admin_page(
        state,
        admin,
        cookie,
        Section::Makers,
        "Makers",
        status,
        content,
    ))
}

pub async fn list(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    list_page(
        &state,
        &admin,
        cookie.as_deref(),
        StatusCode::OK,
        &MakerForm::default(),
    )
    .await
}

pub async fn add(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
    fields: Fields,
) -> Result<Response, AppError> {
    check_csrf(&admin.csrf_token, &fields)?;
    let typed = fields.required("name")?;
    let refusal = match MakerName::parse(typed) {
        Err(message) => message,
        Ok(name) => {
            let message = format!("Added maker {}.", name.as_str());
            match state.db.write(move |tx| makers::insert(tx, &name)).await? {
                Ok(_) => return Ok(redirect_with_message(&state, LIST, &message)),
                Err(existing) => taken(existing),
            }
        }
    };
    let form = MakerForm {
        name: typed,
        error: Some(&refusal),
    };
    list_page(
        &state,
        &admin,
        cookie.as_deref(),
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
    )
    .await
}

async fn find(state: &AppState, id: Id) -> Result<Maker, AppError> {
    state
        .db
        .read(move |conn| makers::get(conn, id.0))
        .await?
        .ok_or(AppError::NotFound)
}

fn edit_page(
    state: &AppState,
    admin: &Admin,
    cookie: Option<&str>,
    maker: &Maker,
    status: StatusCode,
    form: &MakerForm,
) -> Response {
    let content = pages::edit_maker(&admin.csrf_token, maker, form);
    admin_page(
        state,
        admin,
        cookie,
        Section::Makers,
        "Rename maker",
        status,
        content,
    )
}

pub async fn edit_form(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
    id: Id,
) -> Result<Response, AppError> {
    let maker = find(&state, id).await?;
    let form = MakerForm {
        name: &maker.name,
        error: None,
    };
    Ok(edit_page(
        &state,
        &admin,
        cookie.as_deref(),
        &maker,
        StatusCode::OK,
        &form,
    ))
}

pub async fn edit(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
    id: Id,
    fields: Fields,
) -> Result<Response, AppError> {
    check_csrf(&admin.csrf_token, &fields)?;
    let maker = find(&state, id).await?;
    let typed = fields.required("name")?;
    let refusal = match MakerName::parse(typed) {
        Err(message) => message,
        Ok(name) => {
            let new_name = name.as_str().to_string();
            match state
                .db
                .write(move |tx| makers::rename(tx, id.0, &name))
                .await?
            {
                Renamed::Done { old } if old == new_name => {
                    return Ok(redirect_with_message(
                        &state,
                        LIST,
                        &format!("Saved maker {new_name}."),
                    ));
                }
                Renamed::Done { old } => {
                    return Ok(redirect_with_message(
                        &state,
                        LIST,
                        &format!("Renamed {old} to {new_name}."),
                    ));
                }
                Renamed::Taken(existing) => taken(existing),
                Renamed::Missing => return Err(AppError::NotFound),
            }
        }
    };
    let form = MakerForm {
        name: typed,
        error: Some(&refusal),
    };
    Ok(edit_page(
        &state,
        &admin,
        cookie.as_deref(),
        &maker,
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
    ))
}

pub async fn delete_confirm(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
    id: Id,
) -> Result<Response, AppError> {
    let (maker, bikes) = state
        .db
        .read(move |conn| Ok((makers::get(conn, id.0)?, makers::bike_count(conn, id.0)?)))
        .await?;
    let maker = maker.ok_or(AppError::NotFound)?;
    let content = pages::delete_maker(&admin.csrf_token, &maker, bikes);
    Ok(admin_page(
        &state,
        &admin,
        cookie.as_deref(),
        Section::Makers,
        "Delete maker",
        StatusCode::OK,
        content,
    ))
}

pub async fn delete(
    state: Arc<AppState>,
    admin: Admin,
    cookie: Option<String>,
    id: Id,
    fields: Fields,
) -> Result<Response, AppError> {
    check_csrf(&admin.csrf_token, &fields)?;
    match state.db.write(move |tx| makers::delete(tx, id.0)).await? {
        Deleted::Done(name) => Ok(redirect_with_message(
            &state,
            LIST,
            &format!("Deleted maker {name}."),
        )),
        Deleted::InUse(bikes) => {
            // The confirmation page offers no delete button for a maker in
            // use; this is a bike added since, or a form sent from elsewhere.
            let maker = find(&state, id).await?;
            let content = pages::delete_maker(&admin.csrf_token, &maker, bikes);
            Ok(admin_page(
                &state,
                &admin,
                cookie.as_deref(),
                Section::Makers,
                "Delete maker",
                StatusCode::CONFLICT,
                content,
            ))
        }
        Deleted::Missing => Err(AppError::NotFound),
    }
}
