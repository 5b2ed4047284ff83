//! `/admin/settings`: the site's title and introduction, saved with their
//! activity entry in one transaction (SPEC §13).

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::db::settings;
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

pub async fn settings_form(request: AdminRequest) -> Result<Response, AppError> {
    let site = request.state.db.read(settings::site).await?;
    let form = SettingsForm {
        title: &site.title,
        introduction: &site.introduction,
        errors: &SiteErrors::default(),
    };
    Ok(settings_page(&request, StatusCode::OK, &form))
}

pub async fn save(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let title = fields.required("title")?;
    let introduction = fields.required("introduction")?;
    match Site::parse(title, introduction) {
        Ok(site) => {
            let saved = request
                .write(move |tx, actor| settings::save_site(tx, actor, &site))
                .await?;
            let message = match saved {
                Some(_) => "Saved the site settings.",
                None => "Nothing to save: the settings were already so.",
            };
            Ok(request.redirect_with_message(PAGE, message))
        }
        Err(errors) => {
            let form = SettingsForm {
                title,
                introduction,
                errors: &errors,
            };
            Ok(settings_page(
                &request,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
            ))
        }
    }
}
