//! The classroom's pages (SPEC §13): `/admin/share` (every signed-in
//! account) with its network setting, and `/admin/settings`. Setting the
//! network and the site settings are for the owner and admins.

use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::gate::{admin, admin_form};
use super::{first_of, reply};
use crate::domain::roles::Permission;
use crate::handlers::{settings, share};
use crate::state::AppState;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let share_page = warp::path!("admin" / "share")
        .and(warp::get())
        .and(admin(&state, Permission::SignedIn))
        .then(share::share_page)
        .map(reply);
    let network = warp::path!("admin" / "share" / "network")
        .and(warp::post())
        .and(admin_form(&state, Permission::Settings))
        .then(share::set_network)
        .map(reply);
    let settings_form = warp::path!("admin" / "settings")
        .and(warp::get())
        .and(admin(&state, Permission::Settings))
        .then(settings::settings_form)
        .map(reply);
    let save_settings = warp::path!("admin" / "settings")
        .and(warp::post())
        .and(admin_form(&state, Permission::Settings))
        .then(settings::save)
        .map(reply);
    first_of(vec![
        share_page.boxed(),
        network.boxed(),
        settings_form.boxed(),
        save_settings.boxed(),
    ])
}
