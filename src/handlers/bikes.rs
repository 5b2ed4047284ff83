//! The admin area's bikes: the list, adding and editing a bike (with an
//! uploaded photo), deleting one.

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use super::public::catalogue_query;
use crate::db::bikes::{self, BikeInput, Saved};
use crate::db::{catalogue, images, makers};
use crate::domain::records::{Filter, Maker};
use crate::domain::roles::Permission;
use crate::domain::{self, Engine, Id, ImageUrl, Model, Year};
use crate::error::AppError;
use crate::forms::{Fields, PhotoForm};
use crate::views::admin::{
    self as pages, BikeErrors, BikeFormKind, BikeValues, CHOOSE_PHOTO_AGAIN,
};
use crate::views::{self, Section};

/// Rows per page of the admin table.
pub const ADMIN_PAGE_SIZE: u64 = 50;
/// A `maker_id` that is no maker (any more): deleted meanwhile, or forged.
const UNKNOWN_MAKER: &str =
    "This maker does not exist (it may just have been deleted). Choose one from the list.";

pub async fn bike_list(request: AdminRequest, query: Fields) -> Result<Response, AppError> {
    let (Filter { search, .. }, page) = catalogue_query(&query);
    let filter = Filter {
        maker_id: None,
        search,
    };
    let (results, filter) = request
        .state
        .db
        .read(move |conn| {
            let results = catalogue::search(conn, &filter, page, ADMIN_PAGE_SIZE)?;
            Ok((results, filter))
        })
        .await?;
    let notice = super::backup::notice(&request.state).await;
    let content = maud::html! {
        (views::backups::notice(&notice))
        (views::admin::bike_list(&filter.search, &results, request.may(Permission::Catalogue)))
    };
    Ok(request.page(Section::Bikes, "Bikes", StatusCode::OK, content))
}

fn form_page(
    request: &AdminRequest,
    kind: &BikeFormKind,
    makers: &[Maker],
    values: &BikeValues,
    errors: &BikeErrors,
) -> Response {
    let title = match kind {
        BikeFormKind::Add => "Add a bike",
        BikeFormKind::Edit(_) => "Edit bike",
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let content = pages::bike_form(request.csrf_token(), kind, makers, values, errors);
    request.page(Section::Bikes, title, status, content)
}

pub async fn add_form(request: AdminRequest) -> Result<Response, AppError> {
    let makers = request.state.db.read(makers::list).await?;
    Ok(form_page(
        &request,
        &BikeFormKind::Add,
        &makers,
        &BikeValues::default(),
        &BikeErrors::default(),
    ))
}

pub async fn edit_form(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let (bike, makers) = request
        .state
        .db
        .read(move |conn| Ok((bikes::get(conn, id.0)?, makers::list(conn)?)))
        .await?;
    let bike = bike.ok_or(AppError::NotFound)?;
    let values = BikeValues::of(&bike);
    Ok(form_page(
        &request,
        &BikeFormKind::Edit(&bike),
        &makers,
        &values,
        &BikeErrors::default(),
    ))
}

pub async fn add(request: AdminRequest, form: PhotoForm) -> Result<Response, AppError> {
    save(request, None, form).await
}

pub async fn edit(request: AdminRequest, id: Id, form: PhotoForm) -> Result<Response, AppError> {
    save(request, Some(id), form).await
}

/// The form's fields as typed. The bike's id comes from the address only:
/// a `bike_id` field in the body is ignored, so it cannot redirect the write.
fn typed_values(fields: &Fields) -> Result<BikeValues, AppError> {
    Ok(BikeValues {
        // Absent when the browser had no maker to choose: a mistake to show
        // beside the field, not a malformed request.
        maker_id: fields.optional("maker_id")?.unwrap_or("").to_string(),
        model: fields.required("model")?.to_string(),
        year: fields.required("year")?.to_string(),
        engine: fields.required("engine")?.to_string(),
        image_url: fields.optional("image_url")?.unwrap_or("").to_string(),
    })
}

/// Checks every field against SPEC §5, collecting one message per field.
fn validate(values: &BikeValues, makers: &[Maker]) -> (Option<BikeInput>, BikeErrors) {
    let maker_id = match values.maker_id.trim().parse::<Id>() {
        Ok(id) if makers.iter().any(|m| m.maker_id == id.0) => Ok(id.0),
        Ok(_) => Err(UNKNOWN_MAKER.to_string()),
        Err(()) => Err("Choose a maker from the list.".to_string()),
    };
    let model = Model::parse(&values.model);
    let year = Year::parse(&values.year, domain::current_year());
    let engine = Engine::parse(&values.engine);
    let image_url = ImageUrl::parse(&values.image_url);
    let errors = BikeErrors {
        maker: maker_id.as_ref().err().cloned(),
        model: model.as_ref().err().cloned(),
        year: year.as_ref().err().cloned(),
        engine: engine.as_ref().err().cloned(),
        image_url: image_url.as_ref().err().cloned(),
        image: None,
    };
    let input = match (maker_id, model, year, engine, image_url) {
        (Ok(maker_id), Ok(model), Ok(year), Ok(engine), Ok(image_url)) => Some(BikeInput {
            maker_id,
            model,
            year,
            engine,
            image_url,
        }),
        _ => None,
    };
    (input, errors)
}

async fn save(
    request: AdminRequest,
    id: Option<Id>,
    form: PhotoForm,
) -> Result<Response, AppError> {
    let state = &request.state;
    let bike_id = id.map(|id| id.0);
    let (stored, makers) = state
        .db
        .read(move |conn| {
            Ok((
                bike_id
                    .map(|id| bikes::get(conn, id))
                    .transpose()?
                    .flatten(),
                makers::list(conn)?,
            ))
        })
        .await?;
    if bike_id.is_some() && stored.is_none() {
        return Err(AppError::NotFound);
    }
    let values = typed_values(&form.fields)?;
    let (input, mut errors) = validate(&values, &makers);

    // The cheap photo checks run on every upload so that a bad file is
    // reported together with the other mistakes; decoding waits until the
    // rest of the form is right.
    let upload = form.image;
    if let Some(bytes) = &upload {
        errors.image = crate::photo::precheck(bytes).err().map(|e| e.to_string());
    }
    let mut photo = None;
    if let (Some(_), Some(bytes), true) = (&input, &upload, errors.is_empty()) {
        match state.photos.process(bytes.clone()).await {
            Ok(processed) => photo = Some(processed),
            Err(refused) => errors.image = Some(refused.to_string()),
        }
    }

    if let (Some(input), true) = (input, errors.is_empty()) {
        match request
            .write(move |tx, actor| bikes::save(tx, actor, bike_id, &input, photo.as_ref()))
            .await?
        {
            Saved::Done { name, entry_id, .. } => {
                let verb = if bike_id.is_some() { "Saved" } else { "Added" };
                return Ok(request.redirect_with_undo(
                    "/admin",
                    &format!("{verb} {name}."),
                    entry_id,
                ));
            }
            Saved::NoSuchBike => return Err(AppError::NotFound),
            Saved::NoSuchMaker => errors.maker = Some(UNKNOWN_MAKER.to_string()),
        }
    }
    if upload.is_some() && errors.image.is_none() {
        errors.image = Some(CHOOSE_PHOTO_AGAIN.to_string());
    }
    let kind = match &stored {
        Some(bike) => BikeFormKind::Edit(bike),
        None => BikeFormKind::Add,
    };
    Ok(form_page(&request, &kind, &makers, &values, &errors))
}

pub async fn delete_confirm(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let (bike, has_photo) = request
        .state
        .db
        .read(move |conn| Ok((bikes::get(conn, id.0)?, images::bike_has_photo(conn, id.0)?)))
        .await?;
    let bike = bike.ok_or(AppError::NotFound)?;
    let content = pages::delete_bike(
        request.csrf_token(),
        &bike,
        has_photo,
        request.state.trash_days,
    );
    Ok(request.page(Section::Bikes, "Delete bike", StatusCode::OK, content))
}

pub async fn delete(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let (deleted, entry_id) = request
        .write(move |tx, actor| bikes::delete(tx, actor, id.0))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(request.redirect_with_undo(
        "/admin",
        &format!("Deleted {} {}.", deleted.maker, deleted.model),
        (request.state.trash_days > 0).then_some(entry_id),
    ))
}
