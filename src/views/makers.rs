//! The admin's maker pages: the list with its add form, renaming, deleting.

use maud::{Markup, html};

use super::layout::{Field, csrf_field, field};
use crate::domain::records::{Maker, MakerUsage};

/// The maker name as typed, and why it was refused.
#[derive(Debug, Default)]
pub struct MakerForm<'a> {
    pub name: &'a str,
    pub error: Option<&'a str>,
}

const NAME_HINT: &str = "Up to 60 characters. Each maker appears once, whatever the capitals.";

/// The admin bike list searched for this maker's name.
fn bikes_of(maker: &str) -> String {
    format!(
        "/admin?{}",
        serde_urlencoded::to_string([("search", maker)]).unwrap_or_default()
    )
}

fn bikes(count: i64) -> String {
    if count == 1 {
        "1 bike".to_string()
    } else {
        format!("{count} bikes")
    }
}

pub fn makers(csrf_token: &str, makers: &[MakerUsage], form: &MakerForm) -> Markup {
    html! {
        div.page-head { h1 { "Makers" } }
        // The form comes first: it is what this page is mostly for, and a
        // refused name is then seen at once, however long the list.
        section.card {
            h2 { "Add a maker" }
            form.stacked-form method="post" action="/admin/makers/add" {
                (csrf_field(csrf_token))
                (field(&Field { value: form.name, error: form.error, hint: Some(NAME_HINT), ..Field::new("name", "Name") }))
                div.form-actions { button.button.primary type="submit" { "Add maker" } }
            }
        }
        h2 { "All makers" }
        @if makers.is_empty() {
            div.empty-state { p { "There are no makers yet." } }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label="Makers" {
                table.data-table {
                    thead {
                        tr {
                            th scope="col" { "Name" }
                            th scope="col" { "Bikes" }
                            th scope="col" { span.visually-hidden { "Actions" } }
                        }
                    }
                    tbody {
                        @for maker in makers {
                            tr {
                                td { (maker.name) }
                                td {
                                    @if maker.bikes == 0 {
                                        span.muted { "none" }
                                    } @else {
                                        a href=(bikes_of(&maker.name)) { (bikes(maker.bikes)) }
                                    }
                                }
                                td.actions {
                                    a.button href={ "/admin/makers/edit/" (maker.maker_id) } aria-label={ "Rename " (maker.name) } { "Rename" }
                                    a.button.danger href={ "/admin/makers/delete/" (maker.maker_id) } aria-label={ "Delete " (maker.name) } { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn edit_maker(csrf_token: &str, maker: &Maker, form: &MakerForm) -> Markup {
    html! {
        div.page-head { h1 { "Rename " (maker.name) } }
        form.stacked-form method="post" action={ "/admin/makers/edit/" (maker.maker_id) } {
            (csrf_field(csrf_token))
            (field(&Field { value: form.name, error: form.error, hint: Some(NAME_HINT), ..Field::new("name", "Name") }))
            p.muted { "Every bike of this maker shows the new name." }
            p { a href={ "/admin/makers/edit/" (maker.maker_id) "/history" } { "History of this maker" } }
            div.form-actions {
                button.button.primary type="submit" { "Save name" }
                a.button.secondary href="/admin/makers" { "Cancel" }
            }
        }
    }
}

/// Asks before deleting a maker, or, when bikes still use it, says why it
/// cannot be deleted and how many bikes are in the way.
pub fn delete_maker(csrf_token: &str, maker: &Maker, bike_count: i64, trash_days: u64) -> Markup {
    html! {
        section.card.narrow {
            @if bike_count > 0 {
                h1 { (maker.name) " cannot be deleted" }
                div.confirm-box role="alert" {
                    p { strong { (bikes(bike_count)) " still " @if bike_count == 1 { "uses" } @else { "use" } " " (maker.name) "." } }
                    p.muted { "Delete those bikes or give them another maker first; then " (maker.name) " can be deleted." }
                }
                div.form-actions {
                    a.button.primary href=(bikes_of(&maker.name)) { "See the bikes" }
                    a.button.secondary href="/admin/makers" { "Back" }
                }
            } @else {
                h1 { "Delete this maker?" }
                div.confirm-box role="alert" {
                    p { strong { "Delete the maker " (maker.name) "?" } }
                    p.muted { "No bike uses it. " (super::admin::kept_for(trash_days)) }
                }
                form.stacked-form method="post" action={ "/admin/makers/delete/" (maker.maker_id) } {
                    (csrf_field(csrf_token))
                    div.form-actions {
                        button.button.danger type="submit" { "Delete maker" }
                        a.button.secondary href="/admin/makers" { "Keep it" }
                    }
                }
            }
        }
    }
}
