//! `/admin/makers`: the makers with their bike counts, adding, renaming and
//! deleting (only a maker no bike uses).

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::db::makers::{self, Deleted, Renamed, Taken};
use crate::domain::names::Clash;
use crate::domain::records::Maker;
use crate::domain::{Id, MakerName};
use crate::error::AppError;
use crate::forms::Fields;
use crate::state::AppState;
use crate::views::Section;
use crate::views::makers::{self as pages, MakerForm};

const LIST: &str = "/admin/makers";

fn taken(Taken(clash): Taken, typed: &str) -> String {
    clash_message(clash, typed)
}

/// Why a maker name typed as `typed` cannot be used, in one sentence.
pub(super) fn clash_message(clash: Clash, typed: &str) -> String {
    match clash {
        Clash::Same(existing) => format!("There is already a maker called “{existing}”."),
        Clash::LooksAlike(existing) => Clash::looks_alike_message(&existing, typed),
    }
}

async fn list_page(
    request: &AdminRequest,
    status: StatusCode,
    form: &MakerForm<'_>,
) -> Result<Response, AppError> {
    let list = request.state.db.read(makers::list_with_usage).await?;
    let content = pages::makers(request.csrf_token(), &list, form);
    Ok(request.page(Section::Makers, "Makers", status, content))
}

pub async fn list(request: AdminRequest) -> Result<Response, AppError> {
    list_page(&request, StatusCode::OK, &MakerForm::default()).await
}

pub async fn add(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let typed = fields.required("name")?;
    let refusal = match MakerName::parse(typed) {
        Err(message) => message,
        Ok(name) => {
            let message = format!("Added maker {}.", name.as_str());
            match request
                .write(move |tx, actor| makers::insert(tx, actor, &name))
                .await?
            {
                Ok((_, entry_id)) => {
                    return Ok(request.redirect_with_undo(LIST, &message, Some(entry_id)));
                }
                Err(existing) => taken(existing, typed),
            }
        }
    };
    let form = MakerForm {
        name: typed,
        error: Some(&refusal),
    };
    list_page(&request, StatusCode::UNPROCESSABLE_ENTITY, &form).await
}

async fn find(state: &AppState, id: Id) -> Result<Maker, AppError> {
    state
        .db
        .read(move |conn| makers::get(conn, id.0))
        .await?
        .ok_or(AppError::NotFound)
}

fn edit_page(
    request: &AdminRequest,
    maker: &Maker,
    status: StatusCode,
    form: &MakerForm,
) -> Response {
    let content = pages::edit_maker(request.csrf_token(), maker, form);
    request.page(Section::Makers, "Rename maker", status, content)
}

pub async fn edit_form(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let maker = find(&request.state, id).await?;
    let form = MakerForm {
        name: &maker.name,
        error: None,
    };
    Ok(edit_page(&request, &maker, StatusCode::OK, &form))
}

pub async fn edit(request: AdminRequest, id: Id, fields: Fields) -> Result<Response, AppError> {
    let maker = find(&request.state, id).await?;
    let typed = fields.required("name")?;
    let refusal = match MakerName::parse(typed) {
        Err(message) => message,
        Ok(name) => {
            let new_name = name.as_str().to_string();
            match request
                .write(move |tx, actor| makers::rename(tx, actor, id.0, &name))
                .await?
            {
                Renamed::Done { old, .. } if old == new_name => {
                    return Ok(
                        request.redirect_with_message(LIST, &format!("Saved maker {new_name}."))
                    );
                }
                Renamed::Done { old, entry_id } => {
                    return Ok(request.redirect_with_undo(
                        LIST,
                        &format!("Renamed {old} to {new_name}."),
                        entry_id,
                    ));
                }
                Renamed::Taken(existing) => taken(existing, typed),
                Renamed::Missing => return Err(AppError::NotFound),
            }
        }
    };
    let form = MakerForm {
        name: typed,
        error: Some(&refusal),
    };
    Ok(edit_page(
        &request,
        &maker,
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
    ))
}

pub async fn delete_confirm(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let (maker, bikes) = request
        .state
        .db
        .read(move |conn| Ok((makers::get(conn, id.0)?, makers::bike_count(conn, id.0)?)))
        .await?;
    let maker = maker.ok_or(AppError::NotFound)?;
    let content = pages::delete_maker(
        request.csrf_token(),
        &maker,
        bikes,
        request.state.trash_days,
    );
    Ok(request.page(Section::Makers, "Delete maker", StatusCode::OK, content))
}

pub async fn delete(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    match request
        .write(move |tx, actor| makers::delete(tx, actor, id.0))
        .await?
    {
        Deleted::Done(name, entry_id) => Ok(request.redirect_with_undo(
            LIST,
            &format!("Deleted maker {name}."),
            (request.state.trash_days > 0).then_some(entry_id),
        )),
        Deleted::InUse(bikes) => {
            // The confirmation page offers no delete button for a maker in
            // use; this is a bike added since, or a form sent from elsewhere.
            let maker = find(&request.state, id).await?;
            let content = pages::delete_maker(
                request.csrf_token(),
                &maker,
                bikes,
                request.state.trash_days,
            );
            Ok(request.page(
                Section::Makers,
                "Delete maker",
                StatusCode::CONFLICT,
                content,
            ))
        }
        Deleted::Missing => Err(AppError::NotFound),
    }
}
