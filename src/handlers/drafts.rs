//! `/admin/drafts` (SPEC §10): the list (a contributor sees their own), a
//! draft's photo, its author editing and sending it again, and an
//! editor's publish and return. Who may publish or return is decided by
//! the gate before these run; that a contributor's draft is their own,
//! here, before anything is written (403, as the gate answers).

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use super::bikes::{Target, form_page, save, validate};
use crate::db::drafts::{self, Published};
use crate::db::makers::{self, Taken};
use crate::domain::Id;
use crate::domain::names::Clash;
use crate::domain::records::Draft;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::forms::{Fields, PhotoForm};
use crate::views::Section;
use crate::views::admin::{BikeErrors, BikeValues};
use crate::views::drafts::{self as pages, Refusal, Viewer};

const LIST: &str = "/admin/drafts";
/// A comment sent back with a draft: enough for a few sentences.
const COMMENT_CHARS: usize = 500;

fn viewer(request: &AdminRequest) -> Viewer {
    if request.may(Permission::ReviewDrafts) {
        Viewer::Editor
    } else {
        Viewer::Author
    }
}

/// Another's draft, to a contributor: their role changes only their own.
fn not_theirs(request: &AdminRequest) -> AppError {
    AppError::NotAllowed {
        role: request.admin.role,
        permission: Permission::Catalogue,
    }
}

async fn list_page(
    request: &AdminRequest,
    status: StatusCode,
    refusal: &Refusal<'_>,
) -> Result<Response, AppError> {
    let viewer = viewer(request);
    let author = (viewer == Viewer::Author).then_some(request.admin.user_id);
    let list = request
        .state
        .db
        .read(move |conn| drafts::list(conn, author))
        .await?;
    let content = pages::drafts(request.csrf_token(), viewer, &list, refusal);
    Ok(request.page(Section::Drafts, "Drafts", status, content))
}

pub async fn list(request: AdminRequest) -> Result<Response, AppError> {
    list_page(&request, StatusCode::OK, &Refusal::default()).await
}

async fn find(request: &AdminRequest, id: Id) -> Result<Draft, AppError> {
    request
        .state
        .db
        .read(move |conn| drafts::get(conn, id.0))
        .await?
        .ok_or(AppError::NotFound)
}

/// The draft, when the viewer may see and edit it: its author, or a role
/// that changes the catalogue (an editor may correct a draft before
/// publishing it; it stays its author's).
async fn own(request: &AdminRequest, id: Id) -> Result<Draft, AppError> {
    let draft = find(request, id).await?;
    if draft.author_id != request.admin.user_id && !request.may(Permission::Catalogue) {
        return Err(not_theirs(request));
    }
    Ok(draft)
}

/// The photo sent with a draft (its thumbnail), for the draft's pages.
pub async fn photo(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    own(&request, id).await?;
    let (content_type, bytes) = request
        .state
        .db
        .read(move |conn| drafts::photo(conn, id.0))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut response = Response::new(bytes.into());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(crate::domain::records::photo_type(&content_type)),
    );
    Ok(response)
}

pub async fn edit_form(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let draft = own(&request, id).await?;
    let makers = request.state.db.read(makers::list).await?;
    let values = BikeValues::of_draft(&draft);
    Ok(form_page(
        &request,
        &Target::Draft(Some(draft)),
        &makers,
        &values,
        &BikeErrors::default(),
    ))
}

pub async fn edit(request: AdminRequest, id: Id, form: PhotoForm) -> Result<Response, AppError> {
    let draft = own(&request, id).await?;
    let makers = request.state.db.read(makers::list).await?;
    save(request, Target::Draft(Some(draft)), makers, form).await
}

/// Publishes a draft through SPEC §5's checks again: a draft that no longer
/// passes them (its maker deleted, a new maker's name taken since, a year
/// now out of range) is refused with 422, nothing written, the reasons on
/// the drafts page.
pub async fn publish(request: AdminRequest, id: Id) -> Result<Response, AppError> {
    let draft = find(&request, id).await?;
    let makers = request.state.db.read(makers::list).await?;
    let (input, errors) = validate(&BikeValues::of_draft(&draft), &makers);
    let Some(input) = input else {
        let refusal = Refusal {
            draft_id: draft.draft_id,
            problems: errors.messages(),
            ..Refusal::default()
        };
        return list_page(&request, StatusCode::UNPROCESSABLE_ENTITY, &refusal).await;
    };
    let published = request
        .write(move |tx, actor| drafts::publish(tx, actor, &draft, &input))
        .await?;
    let problem = match published {
        Published::Done { name, entry_id, .. } => {
            return Ok(request.redirect_with_undo(
                "/admin",
                &format!("Published {name}."),
                entry_id,
            ));
        }
        Published::NoSuchDraft => return Err(AppError::NotFound),
        Published::NoSuchMaker => {
            "Its maker has been deleted since: send it back to choose another.".to_string()
        }
        Published::MakerTaken(Taken(Clash::Same(existing) | Clash::LooksAlike(existing))) => {
            format!(
                "There is now a maker called “{existing}”: send it back to choose it from the list."
            )
        }
    };
    let refusal = Refusal {
        draft_id: id.0,
        problems: vec![problem],
        ..Refusal::default()
    };
    list_page(&request, StatusCode::UNPROCESSABLE_ENTITY, &refusal).await
}

/// Sends a draft back to its author with a comment (1–500 characters).
pub async fn send_back(
    request: AdminRequest,
    id: Id,
    fields: Fields,
) -> Result<Response, AppError> {
    let typed = fields.required("comment")?;
    let comment = typed.trim().to_string();
    let error = if comment.is_empty() {
        Some("Write what the contributor should change.".to_string())
    } else if comment.chars().count() > COMMENT_CHARS {
        Some(format!("Keep it to at most {COMMENT_CHARS} characters."))
    } else {
        None
    };
    if let Some(error) = error {
        find(&request, id).await?;
        let refusal = Refusal {
            draft_id: id.0,
            comment: typed,
            comment_error: Some(&error),
            problems: Vec::new(),
        };
        return list_page(&request, StatusCode::UNPROCESSABLE_ENTITY, &refusal).await;
    }
    let draft = find(&request, id).await?;
    let sent = request
        .write(move |tx, actor| drafts::send_back(tx, actor, id.0, &comment))
        .await?;
    if !sent {
        return Err(AppError::NotFound);
    }
    Ok(request.redirect_with_message(
        LIST,
        &format!(
            "Sent {} {} back to {}.",
            draft.maker, draft.model, draft.author
        ),
    ))
}
