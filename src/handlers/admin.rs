//! The admin area's catalogue pages.

use std::sync::Arc;

use http::StatusCode;
use warp::reply::Response;

use super::admin_page;
use super::public::catalogue_query;
use crate::app::AppState;
use crate::auth::Admin;
use crate::db::bikes::{self, Filter};
use crate::error::AppError;
use crate::forms::Fields;
use crate::views::{self, Section};

/// Rows per page of the admin table.
pub const ADMIN_PAGE_SIZE: u64 = 50;

pub async fn bike_list(
    state: Arc<AppState>,
    admin: Admin,
    query: Fields,
    cookie: Option<String>,
) -> Result<Response, AppError> {
    let (Filter { search, .. }, page) = catalogue_query(&query);
    let filter = Filter {
        maker_id: None,
        search,
    };
    let (results, filter) = state
        .db
        .read(move |conn| Ok((bikes::search(conn, &filter, page, ADMIN_PAGE_SIZE)?, filter)))
        .await?;
    let content = views::admin::bike_list(&admin.csrf_token, &filter.search, &results);
    Ok(admin_page(
        &state,
        &admin,
        cookie.as_deref(),
        Section::Bikes,
        "Bikes",
        StatusCode::OK,
        content,
    ))
}
