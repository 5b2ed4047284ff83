//! `/admin/activity`, `/admin/undo/<entry>`, the history pages with their
//! "Restore this version", `/admin/trash` and `/admin/photos/<id>` (SPEC §8).
//! Every route goes through the admin request of [`super::gate`]; every
//! POST through `admin_form` (origin and CSRF checked before the handler).

use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::filters::query;
use super::gate::{admin, admin_form};
use super::{first_of, reply};
use crate::domain::Id;
use crate::domain::roles::Permission;
use crate::handlers::{activity, trash};
use crate::state::AppState;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let state = &state;
    let log = warp::path!("admin" / "activity")
        .and(warp::get())
        .and(admin(state, Permission::ActivityLog))
        .and(query())
        .then(activity::activity_page)
        .map(reply);
    let undo_all = warp::path!("admin" / "activity" / "undo")
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(activity::undo_all)
        .map(reply);
    let undo = warp::path!("admin" / "undo" / Id)
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(|id, request, _| activity::undo(request, id))
        .map(reply);
    let bike_history = warp::path!("admin" / "edit" / Id / "history")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|id, request| activity::bike_history(request, id))
        .map(reply);
    let maker_history = warp::path!("admin" / "makers" / "edit" / Id / "history")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|id, request| activity::maker_history(request, id))
        .map(reply);
    let restore_bike = warp::path!("admin" / "edit" / Id / "history" / Id / "restore")
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(|id, entry, request, _| activity::restore_bike_version(request, id, entry))
        .map(reply);
    let restore_maker = warp::path!("admin" / "makers" / "edit" / Id / "history" / Id / "restore")
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(|id, entry, request, _| activity::restore_maker_version(request, id, entry))
        .map(reply);
    let photo = warp::path!("admin" / "photos" / Id)
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|id, request| activity::photo(request, id))
        .map(reply);
    let trash_list = warp::path!("admin" / "trash")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(trash::trash_page)
        .map(reply);
    let trash_restore = warp::path!("admin" / "trash" / Id / "restore")
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(|id, request, _| trash::restore(request, id))
        .map(reply);
    let empty_confirm = warp::path!("admin" / "trash" / "empty")
        .and(warp::get())
        .and(admin(state, Permission::Ownership))
        .then(trash::empty_confirm)
        .map(reply);
    let empty = warp::path!("admin" / "trash" / "empty")
        .and(warp::post())
        .and(admin_form(state, Permission::Ownership))
        .then(|request, _| trash::empty(request))
        .map(reply);

    first_of(vec![
        log.boxed(),
        undo_all.boxed(),
        undo.boxed(),
        bike_history.boxed(),
        maker_history.boxed(),
        restore_bike.boxed(),
        restore_maker.boxed(),
        photo.boxed(),
        trash_list.boxed(),
        trash_restore.boxed(),
        empty_confirm.boxed(),
        empty.boxed(),
    ])
}
