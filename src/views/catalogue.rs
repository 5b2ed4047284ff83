//! The public catalogue: the bike list with its filters, and a bike's page.

use maud::{Markup, html};

use crate::assets;
use crate::domain::records::{self, Bike, Filter, Maker, Page};

/// The image to show for a bike: its own, or the embedded placeholder.
pub fn image_src(bike: &Bike) -> String {
    if bike.image_url.is_empty() {
        assets::url("placeholder.svg").to_string()
    } else {
        bike.image_url.clone()
    }
}

/// The image for a list (catalogue cards, the admin table): an uploaded
/// photo's thumbnail, or what [`image_src`] gives.
pub fn thumbnail_src(bike: &Bike) -> String {
    records::thumbnail_url(&bike.image_url).unwrap_or_else(|| image_src(bike))
}

pub fn image_alt(bike: &Bike) -> String {
    if bike.image_url.is_empty() {
        format!("No photo yet of the {} {}", bike.maker, bike.model)
    } else {
        format!("The {} {}", bike.maker, bike.model)
    }
}

pub fn home(makers: &[Maker], filter: &Filter, results: &Page<Bike>) -> Markup {
    let filtered = filter.maker_id.is_some() || !filter.search.is_empty();
    html! {
        h1 { "Motorbikes" }
        form.filters method="get" action="/" role="search" {
            div.field {
                label for="maker_id" { "Maker" }
                select #maker_id name="maker_id" {
                    option value="" { "All makers" }
                    @for maker in makers {
                        option value=(maker.maker_id) selected[filter.maker_id == Some(maker.maker_id)] { (maker.name) }
                    }
                }
            }
            div.field {
                label for="search" { "Search model or maker" }
                input #search type="search" name="search" value=(filter.search) maxlength="100";
            }
            div.filter-actions {
                button.button.primary type="submit" { "Show bikes" }
                @if filtered {
                    a.button.secondary href="/" { "Clear" }
                }
            }
        }
        @if results.items.is_empty() {
            div.empty-state {
                @if filtered {
                    p { "No bikes match your search. Try another maker or fewer letters." }
                    a.button href="/" { "Show all bikes" }
                } @else {
                    p { "The catalogue is empty. Admins can add bikes from the admin area." }
                    a.button href="/admin" { "Go to the admin area" }
                }
            }
        } @else {
            p.result-count.muted {
                (results.total) @if results.total == 1 { " bike" } @else { " bikes" }
                @if results.page_count() > 1 { " · page " (results.page) " of " (results.page_count()) }
            }
            ul.bike-grid {
                @for bike in &results.items {
                    li.bike-card {
                        a href={ "/bikes/" (bike.bike_id) } {
                            img.bike-thumb src=(thumbnail_src(bike)) alt=(image_alt(bike)) loading="lazy" width="400" height="300";
                            div.bike-card-body {
                                span.bike-maker { (bike.maker) }
                                span.bike-model { (bike.model) }
                                span.bike-meta { (bike.year) " · " (bike.engine) }
                            }
                        }
                    }
                }
            }
            (pagination(results, |page| page_link("/", filter, page)))
        }
    }
}

/// `/?maker_id=…&search=…&page=N`, keeping the current filter.
fn page_link(base: &str, filter: &Filter, page: u64) -> String {
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(id) = filter.maker_id {
        query.push(("maker_id", id.to_string()));
    }
    if !filter.search.is_empty() {
        query.push(("search", filter.search.clone()));
    }
    if page > 1 {
        query.push(("page", page.to_string()));
    }
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    if encoded.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{encoded}")
    }
}

/// Page links: first, last, and two either side of the current page.
pub fn pagination<T>(results: &Page<T>, link: impl Fn(u64) -> String) -> Markup {
    let (current, last) = (results.page, results.page_count());
    if last <= 1 {
        return html! {};
    }
    let shown = |p: u64| p == 1 || p == last || p.abs_diff(current) <= 2;
    html! {
        nav.pagination aria-label="Pages" {
            @if current > 1 {
                a href=(link(current - 1)) rel="prev" { "← Previous" }
            } @else {
                span.disabled { "← Previous" }
            }
            @for p in 1..=last {
                @if shown(p) {
                    @if p == current {
                        span aria-current="page" { (p) }
                    } @else {
                        a href=(link(p)) aria-label={ "Page " (p) } { (p) }
                    }
                } @else if shown(p - 1) {
                    span.gap { "…" }
                }
            }
            @if current < last {
                a href=(link(current + 1)) rel="next" { "Next →" }
            } @else {
                span.disabled { "Next →" }
            }
        }
    }
}

pub fn bike_page(bike: &Bike) -> Markup {
    html! {
        article.bike-detail {
            img.bike-photo src=(image_src(bike)) alt=(image_alt(bike)) width="800" height="600";
            div.bike-info {
                p.bike-maker { (bike.maker) }
                h1 { (bike.model) }
                dl.specs {
                    div { dt { "Maker" } dd { (bike.maker) } }
                    div { dt { "Model" } dd { (bike.model) } }
                    div { dt { "Year" } dd { (bike.year) } }
                    div { dt { "Engine" } dd { (bike.engine) } }
                }
                div.form-actions {
                    a.button href={ "/?maker_id=" (bike.maker_id) } { "More from " (bike.maker) }
                    a.button.secondary href="/" { "← All bikes" }
                }
            }
        }
    }
}
