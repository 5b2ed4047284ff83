//! The admin area: `/admin` and the bike pages, `/admin/makers`,
//! `/admin/users`, `/admin/change-password` and `/admin/backup`. Every
//! route matches its path and method first, then goes through the admin
//! request of [`super::gate`] (which checks a form before it reaches the
//! handler).

use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::filters::{client_addr, query};
use super::gate::{admin, admin_backup_upload, admin_form, admin_photo_form, admin_upload_form};
use super::{first_of, reply, to_the_end};
use crate::domain::Id;
use crate::domain::roles::Permission;
use crate::handlers::{backup, bikes, drafts, export, import, makers, password, two_factor, users};
use crate::state::AppState;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    first_of(vec![
        bike_routes(&state),
        draft_routes(&state),
        maker_routes(&state),
        account_routes(&state),
        transfer_routes(&state),
        backup_routes(&state),
    ])
}

fn backup_routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("admin" / "backups")
        .and(warp::get())
        .and(admin(state, Permission::Backups))
        .then(backup::backups_page)
        .map(reply);
    let download = warp::path!("admin" / "backups" / "file" / String)
        .and(warp::get())
        .and(admin(state, Permission::Backups))
        .then(|name, request| backup::download_file(request, name))
        .map(reply);
    let now = warp::path!("admin" / "backups" / "now")
        .and(warp::post())
        .and(admin_form(state, Permission::Backups))
        .then(|request, _| backup::back_up_now(request))
        .map(reply);
    let pick = warp::path!("admin" / "backups" / "pick")
        .and(warp::post())
        .and(admin_form(state, Permission::Ownership))
        .then(backup::pick)
        .map(reply);
    let upload = warp::path!("admin" / "backups" / "restore")
        .and(warp::post())
        .and(admin_backup_upload(state, Permission::Ownership))
        .then(backup::upload)
        .map(reply);
    let confirm = warp::path!("admin" / "backups" / "confirm")
        .and(warp::post())
        .and(admin_form(state, Permission::Ownership))
        .then(backup::confirm)
        .map(reply);
    first_of(vec![
        list.boxed(),
        download.boxed(),
        now.boxed(),
        pick.boxed(),
        upload.boxed(),
        confirm.boxed(),
    ])
}

/// The spreadsheet export and import.
fn transfer_routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let export_csv = warp::path!("admin" / "export.csv")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(export::export_csv)
        .map(reply);
    let import_form = warp::path!("admin" / "import")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(import::import_form)
        .map(reply);
    let upload = warp::path!("admin" / "import")
        .and(warp::post())
        .and(admin_upload_form(
            state,
            Permission::Catalogue,
            import::FILE_FIELD,
        ))
        .then(import::upload)
        .map(reply);
    let confirm = warp::path!("admin" / "import" / "confirm")
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(import::confirm)
        .map(reply);
    let template = warp::path!("admin" / "import" / "template.csv")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(import::template)
        .map(reply);
    let problems = warp::path!("admin" / "import" / String / "problems.csv")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|token, request| import::problems_csv(request, token))
        .map(reply);
    first_of(vec![
        export_csv.boxed(),
        import_form.boxed(),
        upload.boxed(),
        confirm.boxed(),
        template.boxed(),
        problems.boxed(),
    ])
}

fn bike_routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("admin")
        .and(warp::get())
        .and(admin(state, Permission::SignedIn))
        .and(query())
        .then(bikes::bike_list)
        .map(reply);
    // Open to contributors too: their add form makes a draft (SPEC §10).
    let add_form = warp::path!("admin" / "add")
        .and(warp::get())
        .and(admin(state, Permission::SignedIn))
        .then(bikes::add_form)
        .map(reply);
    let add = warp::path!("admin" / "add")
        .and(warp::post())
        .and(admin_photo_form(state, Permission::SignedIn))
        .then(bikes::add)
        .map(reply);
    let edit_form = warp::path!("admin" / "edit" / Id)
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|id, request| bikes::edit_form(request, id))
        .map(reply);
    let edit = warp::path!("admin" / "edit" / Id)
        .and(warp::post())
        .and(admin_photo_form(state, Permission::Catalogue))
        .then(|id, request, form| bikes::edit(request, id, form))
        .map(reply);
    let delete_confirm = warp::path!("admin" / "delete" / Id)
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|id, request| bikes::delete_confirm(request, id))
        .map(reply);
    let delete = warp::path!("admin" / "delete" / Id)
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(|id, request, _| bikes::delete(request, id))
        .map(reply);
    let download_backup = warp::path!("admin" / "backup")
        .and(warp::get())
        .and(admin(state, Permission::Backups))
        .then(backup::backup)
        .map(reply);

    first_of(vec![
        list.boxed(),
        add_form.boxed(),
        add.boxed(),
        edit_form.boxed(),
        edit.boxed(),
        delete_confirm.boxed(),
        delete.boxed(),
        download_backup.boxed(),
    ])
}

/// Contributors' drafts (SPEC §10).
fn draft_routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("admin" / "drafts")
        .and(warp::get())
        .and(admin(state, Permission::SignedIn))
        .then(drafts::list)
        .map(reply);
    let photo = warp::path!("admin" / "drafts" / Id / "photo")
        .and(warp::get())
        .and(admin(state, Permission::SignedIn))
        .then(|id, request| drafts::photo(request, id))
        .map(reply);
    let edit_form = warp::path!("admin" / "drafts" / Id / "edit")
        .and(warp::get())
        .and(admin(state, Permission::SignedIn))
        .then(|id, request| drafts::edit_form(request, id))
        .map(reply);
    let edit = warp::path!("admin" / "drafts" / Id / "edit")
        .and(warp::post())
        .and(admin_photo_form(state, Permission::SignedIn))
        .then(|id, request, form| drafts::edit(request, id, form))
        .map(reply);
    let publish = warp::path!("admin" / "drafts" / Id / "publish")
        .and(warp::post())
        .and(admin_form(state, Permission::ReviewDrafts))
        .then(|id, request, _| drafts::publish(request, id))
        .map(reply);
    let send_back = warp::path!("admin" / "drafts" / Id / "return")
        .and(warp::post())
        .and(admin_form(state, Permission::ReviewDrafts))
        .then(|id, request, fields| drafts::send_back(request, id, fields))
        .map(reply);
    first_of(vec![
        list.boxed(),
        photo.boxed(),
        edit_form.boxed(),
        edit.boxed(),
        publish.boxed(),
        send_back.boxed(),
    ])
}

fn maker_routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("admin" / "makers")
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(makers::list)
        .map(reply);
    let add = warp::path!("admin" / "makers" / "add")
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(makers::add)
        .map(reply);
    let edit_form = warp::path!("admin" / "makers" / "edit" / Id)
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|id, request| makers::edit_form(request, id))
        .map(reply);
    let edit = warp::path!("admin" / "makers" / "edit" / Id)
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(|id, request, fields| makers::edit(request, id, fields))
        .map(reply);
    let delete_confirm = warp::path!("admin" / "makers" / "delete" / Id)
        .and(warp::get())
        .and(admin(state, Permission::Catalogue))
        .then(|id, request| makers::delete_confirm(request, id))
        .map(reply);
    let delete = warp::path!("admin" / "makers" / "delete" / Id)
        .and(warp::post())
        .and(admin_form(state, Permission::Catalogue))
        .then(|id, request, _| makers::delete(request, id))
        .map(reply);

    first_of(vec![
        list.boxed(),
        add.boxed(),
        edit_form.boxed(),
        edit.boxed(),
        delete_confirm.boxed(),
        delete.boxed(),
    ])
}

fn account_routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let two_factor_page = warp::path!("admin" / "two-factor")
        .and(warp::get())
        .and(admin(state, Permission::SignedIn))
        .then(two_factor::page)
        .map(reply);
    let two_factor_change = warp::path!("admin" / "two-factor")
        .and(warp::post())
        .and(admin_form(state, Permission::SignedIn))
        .then(|request, fields| to_the_end(two_factor::change(request, fields)))
        .map(reply);
    let password_form = warp::path!("admin" / "change-password")
        .and(warp::get())
        .and(admin(state, Permission::ChangeOwnPassword))
        .then(password::change_password_form)
        .map(reply);
    let change_password = warp::path!("admin" / "change-password")
        .and(warp::post())
        .and(admin_form(state, Permission::ChangeOwnPassword))
        .and(client_addr())
        .then(|request, fields, client| {
            to_the_end(password::change_password(request, fields, client))
        })
        .map(reply);
    let list = warp::path!("admin" / "users")
        .and(warp::get())
        .and(admin(state, Permission::Accounts))
        .then(users::users_list)
        .map(reply);
    let add = warp::path!("admin" / "users" / "add")
        .and(warp::post())
        .and(admin_form(state, Permission::Accounts))
        .then(users::add_user)
        .map(reply);
    let delete_confirm = warp::path!("admin" / "users" / "delete" / Id)
        .and(warp::get())
        .and(admin(state, Permission::Accounts))
        .then(|id, request| users::delete_confirm(request, id))
        .map(reply);
    let delete = warp::path!("admin" / "users" / "delete" / Id)
        .and(warp::post())
        .and(admin_form(state, Permission::Accounts))
        .then(|id, request, _| users::delete_user(request, id))
        .map(reply);
    let account = warp::path!("admin" / "users" / Id)
        .and(warp::get())
        .and(admin(state, Permission::Accounts))
        .then(|id, request| users::account(request, id))
        .map(reply);
    let role = warp::path!("admin" / "users" / Id / "role")
        .and(warp::post())
        .and(admin_form(state, Permission::Accounts))
        .then(|id, request, fields| users::change_role(request, id, fields))
        .map(reply);
    let temporary_password = warp::path!("admin" / "users" / Id / "temporary-password")
        .and(warp::post())
        .and(admin_form(state, Permission::Accounts))
        .then(|id, request, fields| users::set_temporary_password(request, id, fields))
        .map(reply);
    let expires = warp::path!("admin" / "users" / Id / "expires")
        .and(warp::post())
        .and(admin_form(state, Permission::Accounts))
        .then(|id, request, fields| users::set_expiry(request, id, fields))
        .map(reply);
    let unlock = warp::path!("admin" / "users" / Id / "unlock")
        .and(warp::post())
        .and(admin_form(state, Permission::Accounts))
        .then(|id, request, _| users::lift_lockout(request, id))
        .map(reply);
    let make_owner = warp::path!("admin" / "users" / Id / "make-owner")
        .and(warp::post())
        .and(admin_form(state, Permission::Ownership))
        .and(client_addr())
        .then(|id, request, fields, client| {
            to_the_end(users::make_owner(request, id, fields, client))
        })
        .map(reply);
    let batch_form = warp::path!("admin" / "users" / "batch")
        .and(warp::get())
        .and(admin(state, Permission::Accounts))
        .then(users::batch_form)
        .map(reply);
    let batch = warp::path!("admin" / "users" / "batch")
        .and(warp::post())
        .and(admin_form(state, Permission::Accounts))
        .and(warp::header::optional::<String>("host"))
        .then(users::batch)
        .map(reply);

    first_of(vec![
        two_factor_page.boxed(),
        two_factor_change.boxed(),
        password_form.boxed(),
        change_password.boxed(),
        list.boxed(),
        add.boxed(),
        delete_confirm.boxed(),
        delete.boxed(),
        batch_form.boxed(),
        batch.boxed(),
        account.boxed(),
        role.boxed(),
        temporary_password.boxed(),
        expires.boxed(),
        unlock.boxed(),
        make_owner.boxed(),
    ])
}
