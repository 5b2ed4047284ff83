//! The admin area's bikes: the list, adding and editing a bike (with an
//! uploaded photo, kept across a rejected try, and a new maker typed beside
//! the list), deleting one.

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use super::public::catalogue_query;
use crate::db::bikes::{self, BikeInput, MakerChoice, Saved};
use crate::db::makers::{self, Taken};
use crate::db::{authors, catalogue, drafts, images};
use crate::domain::names::Clash;
use crate::domain::records::{Authorship, Bike, Draft, Filter, Maker};
use crate::domain::roles::Permission;
use crate::domain::{self, Engine, Id, ImageUrl, MakerName, Model, Year};
use crate::error::AppError;
use crate::forms::{Fields, PhotoForm};
use crate::photo::HeldPhoto;
use crate::views::admin::{
    self as pages, BikeErrors, BikeFormKind, BikeValues, KEPT_PHOTO_GONE, KeptPhoto,
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
    let (results, authorship, filter) = request
        .state
        .db
        .quick_read(move |conn| {
            let results = catalogue::search(conn, &filter, page, ADMIN_PAGE_SIZE)?;
            let ids: Vec<i64> = results.items.iter().map(|b| b.bike_id).collect();
            let authorship = authors::of_bikes(conn, &ids)?;
            Ok((results, authorship, filter.clone()))
        })
        .await?;
    let notice = super::backup::notice(&request.state).await;
    let content = views::admin::bike_list(
        &notice,
        &filter.search,
        &results,
        &authorship,
        request.may(Permission::Catalogue),
    );
    Ok(request.page(Section::Bikes, "Bikes", StatusCode::OK, content))
}

/// What a bike form is for.
pub(super) enum Target {
    /// A new bike (`None`), or a change to a stored one, with who added
    /// and changed it.
    Bike(Option<(Bike, Authorship)>),
    /// A contributor's new draft (`None`), or their draft sent again.
    Draft(Option<Draft>),
}

pub(super) fn form_page(
    request: &AdminRequest,
    target: &Target,
    makers: &[Maker],
    values: &BikeValues,
    errors: &BikeErrors,
) -> Response {
    let (kind, authorship) = match target {
        Target::Bike(Some((bike, authorship))) => (BikeFormKind::Edit(bike), authorship.clone()),
        Target::Bike(None) => (BikeFormKind::Add, Authorship::default()),
        Target::Draft(Some(draft)) => (BikeFormKind::Draft(draft), Authorship::default()),
        Target::Draft(None) => (BikeFormKind::NewDraft, Authorship::default()),
    };
    let (title, section) = match kind {
        BikeFormKind::Add => ("Add a bike", Section::Bikes),
        BikeFormKind::Edit(_) => ("Edit bike", Section::Bikes),
        BikeFormKind::NewDraft => ("Add a bike", Section::Drafts),
        BikeFormKind::Draft(_) => ("Edit draft", Section::Drafts),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let content = pages::bike_form(
        request.csrf_token(),
        &kind,
        makers,
        values,
        errors,
        &authorship,
    );
    request.page(section, title, status, content)
}

/// The bike (when `bike_id` is given; `None` when there is no such bike)
/// with who added and changed it, and every maker.
async fn read_form_data(
    request: &AdminRequest,
    bike_id: Option<i64>,
) -> Result<(Option<(Bike, Authorship)>, Vec<Maker>), AppError> {
    Ok(request
        .state
        .db
        .read(move |conn| {
            let stored = match bike_id.map(|id| bikes::get(conn, id)).transpose()? {
                Some(Some(bike)) => {
                    let authorship = authors::of_bike(conn, bike.bike_id)?;
                    Some((bike, authorship))
                }
                _ => None,
            };
            Ok((stored, makers::list(conn)?))
        })
        .await?)
}

pub async fn add_form(request: AdminRequest) -> Result<Response, AppError> {
    let makers = request.state.db.read(makers::list).await?;
    let target = if drafting(&request) {
        Target::Draft(None)
    } else {
        Target::Bike(None)
    };
    Ok(form_page(
        &request,
        &target,
        &makers,
        &BikeValues::default(),
        &BikeErrors::default(),
    ))
}

pub async fn edit_form(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let (stored, makers) = read_form_data(&request, Some(id.0)).await?;
    let (bike, _) = stored.as_ref().ok_or(AppError::NotFound)?;
    let values = BikeValues::of(bike);
    Ok(form_page(
        &request,
        &Target::Bike(stored),
        &makers,
        &values,
        &BikeErrors::default(),
    ))
}

/// A contributor's add form makes a draft (SPEC §10); the form of a role
/// that may change the catalogue, a bike.
fn drafting(request: &AdminRequest) -> bool {
    !request.may(Permission::Catalogue)
}

pub async fn add(request: AdminRequest, form: PhotoForm) -> Result<Response, AppError> {
    let makers = request.state.db.read(makers::list).await?;
    let target = if drafting(&request) {
        Target::Draft(None)
    } else {
        Target::Bike(None)
    };
    save(request, target, makers, form).await
}

pub async fn edit(request: AdminRequest, id: Id, form: PhotoForm) -> Result<Response, AppError> {
    let (stored, makers) = read_form_data(&request, Some(id.0)).await?;
    if stored.is_none() {
        return Err(AppError::NotFound);
    }
    save(request, Target::Bike(stored), makers, form).await
}

/// The form's fields as typed. The bike's id comes from the address only:
/// a `bike_id` field in the body is ignored, so it cannot redirect the write.
fn typed_values(fields: &Fields) -> Result<BikeValues, AppError> {
    Ok(BikeValues {
        // Absent when the browser had no maker to choose: a mistake to show
        // beside the field, not a malformed request.
        maker_id: fields.optional("maker_id")?.unwrap_or("").to_string(),
        new_maker: fields.optional("new_maker")?.unwrap_or("").to_string(),
        model: fields.required("model")?.to_string(),
        year: fields.required("year")?.to_string(),
        engine: fields.required("engine")?.to_string(),
        image_url: fields.optional("image_url")?.unwrap_or("").to_string(),
        kept_photo: None,
    })
}

/// Why a form's maker was refused, beside which field.
enum MakerRefused {
    List(String),
    New(String),
}

/// The maker a form names: a new one typed beside the list (checked as
/// the maker form checks it), or one chosen from the list.
fn chosen_maker(values: &BikeValues, makers: &[Maker]) -> Result<MakerChoice, MakerRefused> {
    if !values.new_maker.trim().is_empty() {
        let name = MakerName::parse(&values.new_maker).map_err(MakerRefused::New)?;
        return match makers::clash_among(makers, name.as_str(), None) {
            Some(clash) => Err(MakerRefused::New(taken_maker(clash, name.as_str()))),
            None => Ok(MakerChoice::New(name)),
        };
    }
    match values.maker_id.trim().parse::<Id>() {
        Ok(id) if makers.iter().any(|m| m.maker_id == id.0) => Ok(MakerChoice::Existing(id.0)),
        Ok(_) => Err(MakerRefused::List(UNKNOWN_MAKER.to_string())),
        Err(()) => Err(MakerRefused::List(
            "Choose a maker from the list, or type a new one.".to_string(),
        )),
    }
}

fn taken_maker(clash: Clash, typed: &str) -> String {
    match clash {
        Clash::Same(existing) => {
            format!("There is already a maker called “{existing}”: choose it from the list.")
        }
        looks_alike => super::makers::clash_message(looks_alike, typed),
    }
}

/// Checks every field against SPEC §5, collecting one message per field.
pub(super) fn validate(values: &BikeValues, makers: &[Maker]) -> (Option<BikeInput>, BikeErrors) {
    let maker = chosen_maker(values, makers);
    let model = Model::parse(&values.model);
    let year = Year::parse(&values.year, domain::current_year());
    let engine = Engine::parse(&values.engine);
    let image_url = ImageUrl::parse(&values.image_url);
    let errors = BikeErrors {
        maker: match &maker {
            Err(MakerRefused::List(message)) => Some(message.clone()),
            _ => None,
        },
        new_maker: match &maker {
            Err(MakerRefused::New(message)) => Some(message.clone()),
            _ => None,
        },
        model: model.as_ref().err().cloned(),
        year: year.as_ref().err().cloned(),
        engine: engine.as_ref().err().cloned(),
        image_url: image_url.as_ref().err().cloned(),
        image: None,
    };
    let input = match (maker, model, year, engine, image_url) {
        (Ok(maker), Ok(model), Ok(year), Ok(engine), Ok(image_url)) => Some(BikeInput {
            maker,
            model,
            year,
            engine,
            image_url,
        }),
        _ => None,
    };
    (input, errors)
}

/// The photo a form brings.
enum Brought {
    Nothing,
    Photo(HeldPhoto),
    /// The one kept from the last try is gone, or is not this account's.
    KeptGone,
}

/// A file chosen now, or else the one kept from the form's rejected last
/// try (unless dropped).
fn brought_photo(request: &AdminRequest, form: &PhotoForm) -> Result<Brought, AppError> {
    let held = &request.state.held_photos;
    let token = form
        .fields
        .optional("held_photo")?
        .filter(|t| !t.is_empty());
    let dropped = form.fields.optional("drop_held_photo")?.is_some();
    if let Some(token) = token {
        // Used now, replaced or dropped: either way not needed again
        // (another account's token is left alone).
        let kept = held.get(token, request.admin.user_id);
        if kept.is_some() {
            held.remove(token);
        }
        if form.image.is_none() && !dropped {
            return Ok(kept.map_or(Brought::KeptGone, Brought::Photo));
        }
    }
    let Some(bytes) = &form.image else {
        return Ok(Brought::Nothing);
    };
    let name = form
        .image_name
        .as_deref()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .filter(|n| !n.is_empty())
        .unwrap_or("the photo")
        .chars()
        .take(100)
        .collect();
    Ok(Brought::Photo(HeldPhoto {
        bytes: bytes.clone(),
        name,
    }))
}

/// Checks a bike form and saves it where `target` says; a rejected one
/// comes back with 422, everything typed and its photo kept.
pub(super) async fn save(
    request: AdminRequest,
    target: Target,
    makers: Vec<Maker>,
    form: PhotoForm,
) -> Result<Response, AppError> {
    let state = &request.state;
    let mut values = typed_values(&form.fields)?;
    let (input, mut errors) = validate(&values, &makers);

    let upload = match brought_photo(&request, &form)? {
        Brought::Nothing => None,
        Brought::Photo(photo) => Some(photo),
        Brought::KeptGone => {
            errors.image = Some(KEPT_PHOTO_GONE.to_string());
            None
        }
    };
    // The cheap photo checks run on every upload so that a bad file is
    // reported together with the other mistakes; decoding waits until the
    // rest of the form is right.
    if let Some(upload) = &upload {
        errors.image = crate::photo::precheck(&upload.bytes)
            .err()
            .map(|e| e.to_string());
    }
    let mut photo = None;
    if let (Some(_), Some(upload), true) = (&input, &upload, errors.is_empty()) {
        match state.photos.process(upload.bytes.clone()).await {
            Ok(processed) => photo = Some(processed),
            Err(refused) => errors.image = Some(refused.to_string()),
        }
    }

    if let (Some(input), true) = (input, errors.is_empty()) {
        match &target {
            Target::Bike(stored) => {
                let bike_id = stored.as_ref().map(|(bike, _)| bike.bike_id);
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
                    Saved::MakerTaken(Taken(clash)) => {
                        errors.new_maker = Some(taken_maker(clash, values.new_maker.trim()))
                    }
                }
            }
            Target::Draft(draft) => {
                let draft_id = draft.as_ref().map(|d| d.draft_id);
                let name = format!(
                    "{} {}",
                    maker_name(&input.maker, &makers),
                    input.model.as_str()
                );
                request
                    .write(move |tx, actor| {
                        drafts::submit(tx, actor, draft_id, &input, photo.as_ref())
                    })
                    .await?;
                return Ok(request.redirect_with_message(
                    "/admin/drafts",
                    &format!("Sent {name} for review: an editor publishes it."),
                ));
            }
        }
    }
    // A photo that passed its checks waits on the server for the corrected
    // form, so it need not be chosen again.
    if let (Some(upload), None) = (upload, &errors.image) {
        let bytes = upload.bytes.len();
        let name = upload.name.clone();
        let token = state.held_photos.hold(request.admin.user_id, upload, bytes);
        values.kept_photo = Some(KeptPhoto { token, name, bytes });
    }
    Ok(form_page(&request, &target, &makers, &values, &errors))
}

fn maker_name(choice: &MakerChoice, makers: &[Maker]) -> String {
    match choice {
        MakerChoice::New(name) => name.as_str().to_string(),
        MakerChoice::Existing(id) => makers
            .iter()
            .find(|m| m.maker_id == *id)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
    }
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
