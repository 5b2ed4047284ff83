//! The admin area's catalogue pages: the bike table, the bike form and the
//! delete confirmation, with who added and last changed each bike.

use std::collections::HashMap;

use maud::{Markup, html};

use super::backups::{self, BackupNotice};
use super::catalogue::{image_alt, image_src, pagination, thumbnail_src};
use super::layout::{Field, csrf_field, field};
use super::text::Text;
use crate::clock::local_text;
use crate::domain::records::{Authorship, Bike, Draft, Maker, Page};

/// `/admin`: the backup notice, then the bike table, with who added and
/// last changed each bike; `may_change` offers adding, editing and deleting
/// (a contributor's role does not). One template for both: the 28 KB table
/// rendered on its own and then wrapped would be copied once more.
pub fn bike_list(
    notice: &BackupNotice,
    search: &str,
    results: &Page<Bike>,
    authors: &HashMap<i64, Authorship>,
    may_change: bool,
) -> Markup {
    html! {
        (backups::notice(notice))
        div.page-head {
            h1 { "Bikes" }
            @if may_change { a.button.primary href="/admin/add" { "Add a bike" } }
        }
        form.filters method="get" action="/admin" role="search" {
            div.field {
                label for="search" { "Search model or maker" }
                input #search type="search" name="search" value=(search) maxlength="100";
            }
            div.filter-actions {
                button.button type="submit" { "Search" }
                @if !search.is_empty() { a.button.secondary href="/admin" { "Clear" } }
            }
        }
        @if results.items.is_empty() {
            div.empty-state {
                @if search.is_empty() {
                    p { "There are no bikes yet." }
                    @if may_change { a.button.primary href="/admin/add" { "Add the first bike" } }
                } @else {
                    p { "No bikes match “" (search) "”." }
                    a.button href="/admin" { "Show all bikes" }
                }
            }
        } @else {
            p.result-count.muted {
                (results.total) @if results.total == 1 { " bike" } @else { " bikes" }
                @if results.page_count() > 1 { " · page " (results.page) " of " (results.page_count()) }
            }
            div.table-wrap tabindex="0" role="region" aria-label="Bikes" {
                table.data-table.bike-rows {
                    thead {
                        tr {
                            th scope="col" { span.visually-hidden { "Photo" } }
                            th scope="col" { "Maker" }
                            th scope="col" { "Model" }
                            th scope="col" { "Year" }
                            th scope="col" { "Engine" }
                            th scope="col" { "Added · changed by" }
                            @if may_change { th scope="col" { span.visually-hidden { "Actions" } } }
                        }
                    }
                    tbody {
                        @for bike in &results.items {
                            tr {
                                td { img.thumb src=(Text(&thumbnail_src(bike))) alt=(image_alt(bike)) width="64" height="48" loading="lazy"; }
                                td { (Text(&bike.maker)) }
                                td { a href={ "/bikes/" (bike.bike_id) } { (Text(&bike.model)) } }
                                td { (Text(&bike.year)) }
                                td { (Text(&bike.engine)) }
                                // Who added and last changed it, short: the edit form has the times.
                                td.authorship {
                                    @match authors.get(&bike.bike_id) {
                                        None => span.muted { "not known" },
                                        Some(authorship) => {
                                            @match &authorship.added {
                                                Some(added) => { "added by " (Text(&added.username)) }
                                                None => { "added by: not known" }
                                            }
                                            br;
                                            span.muted {
                                                @match &authorship.changed {
                                                    Some(changed) => { "changed by " (Text(&changed.username)) }
                                                    None => { "not changed since" }
                                                }
                                            }
                                        }
                                    }
                                }
                                @if may_change { td.actions {
                                    a.button href={ "/admin/edit/" (bike.bike_id) } aria-label={ "Edit " (Text(&bike.maker)) " " (Text(&bike.model)) } { "Edit" }
                                    // Deleting asks first, on its own page: no JavaScript needed.
                                    a.button.danger href={ "/admin/delete/" (bike.bike_id) } aria-label={ "Delete " (Text(&bike.maker)) " " (Text(&bike.model)) } { "Delete" }
                                } }
                            }
                        }
                    }
                }
            }
            (pagination(results, |page| admin_link(search, page)))
        }
    }
}

fn admin_link(search: &str, page: u64) -> String {
    let mut query: Vec<(&str, String)> = Vec::new();
    if !search.is_empty() {
        query.push(("search", search.to_string()));
    }
    if page > 1 {
        query.push(("page", page.to_string()));
    }
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    if encoded.is_empty() {
        "/admin".to_string()
    } else {
        format!("/admin?{encoded}")
    }
}

/// The bike form's values as typed (or as stored, when editing starts).
#[derive(Debug, Default, Clone)]
pub struct BikeValues {
    pub maker_id: String,
    /// A maker to add with the bike, typed beside the list.
    pub new_maker: String,
    pub model: String,
    pub year: String,
    pub engine: String,
    pub image_url: String,
    /// The photo of a rejected try, held on the server for the next one.
    pub kept_photo: Option<KeptPhoto>,
}

/// A photo held from a rejected form: its token (sent back in a hidden
/// field), the file's name and size, for the form to show.
#[derive(Debug, Clone)]
pub struct KeptPhoto {
    pub token: String,
    pub name: String,
    pub bytes: usize,
}

impl BikeValues {
    pub fn of(bike: &Bike) -> BikeValues {
        BikeValues {
            maker_id: bike.maker_id.to_string(),
            model: bike.model.clone(),
            year: bike.year.clone(),
            engine: bike.engine.clone(),
            image_url: bike.image_url.clone(),
            ..BikeValues::default()
        }
    }

    pub fn of_draft(draft: &Draft) -> BikeValues {
        BikeValues {
            maker_id: draft.maker_id.map(|id| id.to_string()).unwrap_or_default(),
            new_maker: draft.new_maker.clone(),
            model: draft.model.clone(),
            year: draft.year.clone(),
            engine: draft.engine.clone(),
            image_url: draft.image_url.clone(),
            kept_photo: None,
        }
    }
}

/// The message beside each field of a rejected bike form.
#[derive(Debug, Default, Clone)]
pub struct BikeErrors {
    pub maker: Option<String>,
    pub new_maker: Option<String>,
    pub model: Option<String>,
    pub year: Option<String>,
    pub engine: Option<String>,
    pub image_url: Option<String>,
    pub image: Option<String>,
}

impl BikeErrors {
    /// Every message, each after its field's name, for a page that shows
    /// them away from the form (a draft that cannot be published).
    pub fn messages(&self) -> Vec<String> {
        [
            ("Maker", &self.maker),
            ("New maker", &self.new_maker),
            ("Model", &self.model),
            ("Year", &self.year),
            ("Engine", &self.engine),
            ("Photo address", &self.image_url),
            ("Photo", &self.image),
        ]
        .into_iter()
        .filter_map(|(field, message)| message.as_ref().map(|m| format!("{field}: {m}")))
        .collect()
    }

    pub fn is_empty(&self) -> bool {
        [
            &self.maker,
            &self.new_maker,
            &self.model,
            &self.year,
            &self.engine,
            &self.image_url,
            &self.image,
        ]
        .iter()
        .all(|e| e.is_none())
    }
}

/// Adding a new bike, or editing a stored one; for a contributor, the same
/// as drafts for an editor to publish (SPEC §10).
pub enum BikeFormKind<'a> {
    Add,
    Edit(&'a Bike),
    NewDraft,
    Draft(&'a Draft),
}

pub const PHOTO_HINT: &str = "JPEG, PNG, GIF or WebP, at most 5 MB. Large photos are scaled down, and hidden details such as the place a photo was taken are removed.";
/// A kept photo that is gone (expired, pushed out by newer ones, or never
/// this account's): the file must be chosen again.
pub const KEPT_PHOTO_GONE: &str = "The photo kept from your last try is no longer here (photos are kept for 10 minutes): choose it again.";

pub fn bike_form(
    csrf_token: &str,
    kind: &BikeFormKind,
    makers: &[Maker],
    values: &BikeValues,
    errors: &BikeErrors,
    authorship: &Authorship,
) -> Markup {
    let (heading, action, submit) = match kind {
        BikeFormKind::Add => (
            "Add a bike".to_string(),
            "/admin/add".to_string(),
            "Add bike",
        ),
        BikeFormKind::Edit(bike) => (
            format!("Edit {} {}", bike.maker, bike.model),
            format!("/admin/edit/{}", bike.bike_id),
            "Save changes",
        ),
        BikeFormKind::NewDraft => (
            "Add a bike".to_string(),
            "/admin/add".to_string(),
            "Send for review",
        ),
        BikeFormKind::Draft(draft) => (
            format!("Edit your draft of {} {}", draft.maker, draft.model),
            format!("/admin/drafts/{}/edit", draft.draft_id),
            "Send for review",
        ),
    };
    let cancel = match kind {
        BikeFormKind::NewDraft | BikeFormKind::Draft(_) => "/admin/drafts",
        _ => "/admin",
    };
    html! {
        div.page-head { h1 { (heading) } }
        @match kind {
            BikeFormKind::Edit(_) => { (authorship_line(authorship)) }
            BikeFormKind::NewDraft => {
                p.muted { "An editor publishes your bike: until then it is a draft, on your " a href="/admin/drafts" { "Drafts" } " page." }
            }
            BikeFormKind::Draft(draft) => { (super::drafts::returned_note(draft)) }
            BikeFormKind::Add => {}
        }
        @if !errors.is_empty() {
            p.flash.flash-error role="alert" { "Please correct the marked fields." }
        }
        form.stacked-form method="post" action=(action) enctype="multipart/form-data" {
            (csrf_field(csrf_token))
            (maker_select(makers, &values.maker_id, errors.maker.as_deref()))
            (field(&Field {
                value: &values.new_maker, error: errors.new_maker.as_deref(), required: false,
                hint: Some("Not in the list? Type its name here: it is added together with the bike (and used instead of the list)."),
                ..Field::new("new_maker", "Or a new maker")
            }))
            (field(&Field { value: &values.model, error: errors.model.as_deref(), hint: Some("For example Panigale V4; up to 100 characters."), ..Field::new("model", "Model") }))
            (field(&Field { value: &values.year, error: errors.year.as_deref(), hint: Some("The model year, for example 2023."), ..Field::new("year", "Year") }))
            (field(&Field { value: &values.engine, error: errors.engine.as_deref(), hint: Some("For example 998cc or Electric; up to 50 characters."), ..Field::new("engine", "Engine") }))
            @match kind {
                BikeFormKind::Edit(bike) => {
                    div.field {
                        strong { "Current photo" }
                        img src=(image_src(bike)) alt=(image_alt(bike)) width="240" height="180";
                    }
                }
                BikeFormKind::Draft(draft) if draft.has_photo => {
                    div.field {
                        strong { "Photo of this draft" }
                        img src={ "/admin/drafts/" (draft.draft_id) "/photo" } alt={ "The photo of " (draft.maker) " " (draft.model) } width="240" height="180";
                    }
                }
                _ => {}
            }
            (photo_input(errors.image.as_deref(), replacing(kind), values.kept_photo.as_ref()))
            (field(&Field {
                value: &values.image_url, error: errors.image_url.as_deref(), required: false,
                hint: Some("Or the address of a photo on the web (https://…). An uploaded photo replaces this address; empty it to remove the photo."),
                ..Field::new("image_url", "Photo address (optional)")
            }))
            div.form-actions {
                button.button.primary type="submit" { (submit) }
                a.button.secondary href=(cancel) { "Cancel" }
            }
        }
        @if let BikeFormKind::Edit(bike) = kind {
            p {
                a href={ "/admin/edit/" (bike.bike_id) "/history" } { "History of this bike" }
                " · "
                a href={ "/admin/delete/" (bike.bike_id) } { "Delete this bike…" }
            }
        }
    }
}

/// Whether the form's photo field replaces one shown above it.
fn replacing(kind: &BikeFormKind) -> bool {
    match kind {
        BikeFormKind::Edit(bike) => !bike.image_url.is_empty(),
        BikeFormKind::Draft(draft) => draft.has_photo,
        _ => false,
    }
}

/// "Added by alice on 2026-12-01 14:03 · last changed by bob on …", in the
/// server's local time; what is not known says so.
pub fn authorship_line(authorship: &Authorship) -> Markup {
    html! {
        p.muted.authorship {
            @match &authorship.added {
                Some(added) => { "Added by " strong { (added.username) } " on " (local_text(added.at)) }
                None => { "Who added it is not known" }
            }
            " · "
            @match &authorship.changed {
                Some(changed) => { "last changed by " strong { (changed.username) } " on " (local_text(changed.at)) "." }
                None => { "not changed since." }
            }
        }
    }
}

/// The hint, and the error when there is one, read out with the field (as
/// `layout::field` does for text inputs).
fn described_by(id: &str, error: Option<&str>) -> String {
    match error {
        Some(_) => format!("{id}-error {id}-hint"),
        None => format!("{id}-hint"),
    }
}

fn maker_select(makers: &[Maker], selected: &str, error: Option<&str>) -> Markup {
    html! {
        div.field.has-error[error.is_some()] {
            label for="maker_id" { "Maker" }
            // Not `required`: a new maker typed below stands in for the list.
            select #maker_id name="maker_id" aria-invalid=[error.map(|_| "true")] aria-describedby=(described_by("maker_id", error)) {
                option value="" disabled selected[selected.is_empty()] { "Choose a maker…" }
                @for maker in makers {
                    option value=(maker.maker_id) selected[maker.maker_id.to_string() == selected] { (maker.name) }
                }
            }
            p.hint #maker_id-hint { "Choose one, or type a new maker below." }
            @if let Some(error) = error { p.field-error #maker_id-error role="alert" { (error) } }
        }
    }
}

fn photo_input(error: Option<&str>, replacing: bool, kept: Option<&KeptPhoto>) -> Markup {
    html! {
        div.field.has-error[error.is_some()] {
            label for="image" { @if replacing { "Replace it with a new photo (optional)" } @else { "Upload a photo (optional)" } }
            @if let Some(kept) = kept {
                // A browser never fills a file field in again: the photo of
                // the rejected try waits on the server under this token.
                input type="hidden" name="held_photo" value=(kept.token);
                p.kept-photo #image-kept {
                    "Kept from your last try: " strong { (kept.name) } " (" (size_text(kept.bytes)) "). "
                    "It is saved with the bike unless you choose another file or drop it."
                }
            }
            input #image type="file" name="image" accept="image/jpeg,image/png,image/gif,image/webp"
                aria-invalid=[error.map(|_| "true")] aria-describedby=(photo_described_by(error, kept.is_some()));
            p.hint #image-hint { (PHOTO_HINT) }
            @if let Some(error) = error { p.field-error #image-error role="alert" { (error) } }
            @if kept.is_some() {
                div.checkbox-field {
                    input #drop_held_photo type="checkbox" name="drop_held_photo" value="1";
                    label for="drop_held_photo" { "Drop the kept photo" }
                }
            }
        }
    }
}

fn photo_described_by(error: Option<&str>, kept: bool) -> String {
    let ids = described_by("image", error);
    if kept {
        format!("image-kept {ids}")
    } else {
        ids
    }
}

/// "12 KB", "1.4 MB".
fn size_text(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// "Delete Ducati Panigale V4 and its photo?" with a POST form; the table's
/// Delete button leads here, so nothing is deleted by a single click.
pub fn delete_bike(csrf_token: &str, bike: &Bike, has_photo: bool, trash_days: u64) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Delete this bike?" }
            div.confirm-box role="alert" {
                p { strong { "Delete " (bike.maker) " " (bike.model) " (" (bike.year) ")" @if has_photo { " and its photo" } "?" } }
                p.muted { "It disappears from the catalogue at once. " (kept_for(trash_days)) }
            }
            img.bike-photo src=(image_src(bike)) alt=(image_alt(bike)) width="400" height="300";
            form.stacked-form method="post" action={ "/admin/delete/" (bike.bike_id) } {
                (csrf_field(csrf_token))
                div.form-actions {
                    button.button.danger type="submit" { "Delete bike" }
                    a.button.secondary href="/admin" { "Keep it" }
                }
            }
        }
    }
}

/// What the trash does with a deleted bike or maker, for the confirmation pages.
pub fn kept_for(trash_days: u64) -> String {
    match trash_days {
        0 => "This cannot be undone, except from a backup.".to_string(),
        1 => "The trash keeps it for a day: until then it can be restored.".to_string(),
        days => format!("The trash keeps it for {days} days: until then it can be restored."),
    }
}
