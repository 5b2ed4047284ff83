//! `/admin/settings`: the site's title and introduction, saved with their
//! activity entry in one transaction (SPEC §13).

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::db::{settings, two_factor, users};
use crate::domain::site::{Site, SiteErrors};
use crate::error::AppError;
use crate::forms::Fields;
use crate::views::Section;
use crate::views::settings::{self as pages, SettingsForm};

const PAGE: &str = "/admin/settings";

fn settings_page(request: &AdminRequest, status: StatusCode, form: &SettingsForm) -> Response {
    let content = pages::settings(request.csrf_token(), form);
    request.page(Section::Settings, "Site settings", status, content)
}

/// The owner's two-factor requirement, for the owner only (SPEC §11).
async fn requirement(request: &AdminRequest) -> Result<Option<bool>, AppError> {
    let user_id = request.admin.user_id;
    Ok(request
        .state
        .db
        .read(move |conn| {
            let owner = users::owner_id(conn)? == Some(user_id);
            owner.then(|| two_factor::is_required(conn)).transpose()
        })
        .await?)
}

pub async fn settings_form(request: AdminRequest) -> Result<Response, AppError> {
    let site = request.state.db.read(settings::site).await?;
    let form = SettingsForm {
        title: &site.title,
        introduction: &site.introduction,
        errors: &SiteErrors::default(),
        require_two_factor: requirement(&request).await?,
    };
    Ok(settings_page(&request, StatusCode::OK, &form))
}

pub async fn save(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let title = fields.required("title")?;
    let introduction = fields.required("introduction")?;
    let owner = requirement(&request).await?.is_some();
    let require_two_factor = owner.then_some(fields.optional("require_two_factor")?.is_some());
    match Site::parse(title, introduction) {
        Ok(site) => {
            let saved = request
                .write(move |tx, actor| {
                    let site_saved = settings::save_site(tx, actor, &site)?.is_some();
                    let requirement_saved = match require_two_factor {
                        Some(required) => two_factor::set_required(tx, actor, required)?,
                        None => false,
                    };
                    Ok(site_saved || requirement_saved)
                })
                .await?;
            let message = if saved {
                "Saved the site settings."
            } else {
                "Nothing to save: the settings were already so."
            };
            Ok(request.redirect_with_message(PAGE, message))
        }
        Err(errors) => {
            let form = SettingsForm {
                title,
                introduction,
                errors: &errors,
                require_two_factor,
            };
            Ok(settings_page(
                &request,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
            ))
        }
    }
}
