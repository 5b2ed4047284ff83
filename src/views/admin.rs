//! The admin area's catalogue pages.

use maud::{Markup, html};

use super::catalogue::{image_alt, image_src, pagination};
use super::layout::csrf_field;
use crate::db::bikes::{Bike, Page};

pub fn bike_list(csrf_token: &str, search: &str, results: &Page<Bike>) -> Markup {
    html! {
        div.page-head {
            h1 { "Bikes" }
            a.button.primary href="/admin/add" { "Add a bike" }
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
                    a.button.primary href="/admin/add" { "Add the first bike" }
                } @else {
                    p { "No bikes match “" (search) "”." }
                    a.button href="/admin" { "Show all bikes" }
                }
            }
        } @else {
            p.result-count.muted { (results.total) " bikes" }
            div.table-wrap tabindex="0" role="region" aria-label="Bikes" {
                table.data-table {
                    thead {
                        tr {
                            th scope="col" { span.visually-hidden { "Photo" } }
                            th scope="col" { "Maker" }
                            th scope="col" { "Model" }
                            th scope="col" { "Year" }
                            th scope="col" { "Engine" }
                            th scope="col" { span.visually-hidden { "Actions" } }
                        }
                    }
                    tbody {
                        @for bike in &results.items {
                            tr {
                                td { img.thumb src=(image_src(bike)) alt=(image_alt(bike)) width="64" height="48" loading="lazy"; }
                                td { (bike.maker) }
                                td { a href={ "/bikes/" (bike.bike_id) } { (bike.model) } }
                                td { (bike.year) }
                                td { (bike.engine) }
                                td.actions {
                                    a.button href={ "/admin/edit/" (bike.bike_id) } aria-label={ "Edit " (bike.maker) " " (bike.model) } { "Edit" }
                                    " "
                                    form.inline-form method="post" action={ "/admin/delete/" (bike.bike_id) } {
                                        (csrf_field(csrf_token))
                                        button.button.danger type="submit" aria-label={ "Delete " (bike.maker) " " (bike.model) } { "Delete" }
                                    }
                                }
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
