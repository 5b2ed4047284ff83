//! The public catalogue: the bike list with its filters, and a bike's page.

use std::borrow::Cow;
use std::fmt;

use maud::{Markup, Render, html};

use super::links::Links;
use super::text::{Text, escape};
use crate::domain::records::{Bike, Filter, Maker, Page};

/// Bikes per catalogue page.
pub const PAGE_SIZE: u64 = 12;

/// The image to show for a bike: its own, or the embedded placeholder.
pub fn image_src(bike: &Bike) -> Cow<'static, str> {
    photo_src(&Links::Live, bike, false).0
}

/// The image for a list (catalogue cards, the admin table): an uploaded
/// photo's thumbnail, or what [`image_src`] gives.
pub fn thumbnail_src(bike: &Bike) -> Cow<'static, str> {
    photo_src(&Links::Live, bike, true).0
}

/// The bike's photo (or its thumbnail) as `links` reach it, and whether
/// it is the bike's own; the placeholder when there is none.
fn photo_src(links: &Links, bike: &Bike, thumbnail: bool) -> (Cow<'static, str>, bool) {
    match (!bike.image_url.is_empty())
        .then(|| links.image(&bike.image_url, thumbnail))
        .flatten()
    {
        Some(src) => (Cow::Owned(src), true),
        None => (links.asset("placeholder.svg"), false),
    }
}

pub fn image_alt(bike: &Bike) -> Alt<'_> {
    Alt {
        bike,
        own_photo: !bike.image_url.is_empty(),
    }
}

/// A bike's image's alternative text: its own photo, or the placeholder.
/// Written straight into the page (or, with `to_string`, anywhere else).
pub struct Alt<'a> {
    bike: &'a Bike,
    own_photo: bool,
}

impl Alt<'_> {
    fn opening(&self) -> &'static str {
        if self.own_photo {
            "The "
        } else {
            "No photo yet of the "
        }
    }
}

impl Render for Alt<'_> {
    fn render_to(&self, out: &mut String) {
        out.push_str(self.opening());
        escape(&self.bike.maker, out);
        out.push(' ');
        escape(&self.bike.model, out);
    }
}

impl fmt::Display for Alt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Bike { maker, model, .. } = self.bike;
        write!(f, "{}{maker} {model}", self.opening())
    }
}

/// What the catalogue's list pages show around the bikes.
pub struct Listing<'a> {
    pub links: Links<'a>,
    pub makers: &'a [Maker],
    pub filter: &'a Filter,
    pub results: &'a Page<Bike>,
}

pub fn home(makers: &[Maker], filter: &Filter, results: &Page<Bike>) -> Markup {
    listing(&Listing {
        links: Links::Live,
        makers,
        filter,
        results,
    })
}

/// The catalogue: on the live site with its maker filter and search; on
/// exported files with a link to each maker's own pages and a search
/// form for the search page.
pub fn listing(l: &Listing) -> Markup {
    let (links, filter, results) = (&l.links, l.filter, l.results);
    let filtered = filter.maker_id.is_some() || !filter.search.is_empty();
    let maker = filter
        .maker_id
        .and_then(|id| l.makers.iter().find(|m| m.maker_id == id));
    html! {
        @match (links.is_live(), maker) {
            (false, Some(maker)) => h1 { (maker.name) },
            _ => h1 { "Motorbikes" },
        }
        @if links.is_live() {
            form.filters method="get" action=(Text(&links.search())) role="search" {
                div.field {
                    label for="maker_id" { "Maker" }
                    select #maker_id name="maker_id" {
                        option value="" { "All makers" }
                        @for maker in l.makers {
                            option value=(maker.maker_id) selected[filter.maker_id == Some(maker.maker_id)] { (Text(&maker.name)) }
                        }
                    }
                }
                div.field {
                    label for="search" { "Search model or maker" }
                    input #search type="search" name="search" value=(Text(&filter.search)) maxlength="100";
                }
                div.filter-actions {
                    button.button.primary type="submit" { "Show bikes" }
                    @if filtered {
                        a.button.secondary href=(links.home()) { "Clear" }
                    }
                }
            }
        } @else {
            (search_form(links, ""))
            nav.maker-links aria-label="Makers" {
                a href=(links.home()) aria-current=[maker.is_none().then_some("page")] { "All makers" }
                @for each in l.makers {
                    a href=(links.maker(each.maker_id)) aria-current=[(filter.maker_id == Some(each.maker_id)).then_some("page")] { (each.name) }
                }
            }
        }
        @if results.items.is_empty() {
            div.empty-state {
                @if let (false, Some(maker), true) = (links.is_live(), maker, filter.search.is_empty()) {
                    p { "There are no bikes by " (maker.name) " yet." }
                    a.button href=(links.home()) { "Show all bikes" }
                } @else if filtered {
                    p { "No bikes match your search. Try another maker or fewer letters." }
                    a.button href=(links.home()) { "Show all bikes" }
                } @else if links.is_live() {
                    p { "The catalogue is empty. Admins can add bikes from the admin area." }
                    a.button href="/admin" { "Go to the admin area" }
                } @else {
                    p { "The catalogue is empty." }
                }
            }
        } @else {
            p.result-count.muted {
                (results.total) @if results.total == 1 { " bike" } @else { " bikes" }
                @if results.page_count() > 1 { " · page " (results.page) " of " (results.page_count()) }
            }
            ul.bike-grid {
                @for bike in &results.items {
                    (bike_card(links, bike))
                }
            }
            (pagination(results, |page| links.catalogue(filter, page)))
        }
    }
}

/// A list card's image: its address and alternative text.
pub fn card_image<'a>(links: &Links, bike: &'a Bike) -> (Cow<'static, str>, Alt<'a>) {
    let (src, own_photo) = photo_src(links, bike, true);
    (src, Alt { bike, own_photo })
}

/// One bike in a list.
pub fn bike_card(links: &Links, bike: &Bike) -> Markup {
    let (src, alt) = card_image(links, bike);
    html! {
        li.bike-card {
            a href=(Text(&links.bike(bike.bike_id))) {
                img.bike-thumb src=(Text(&src)) alt=(alt) loading="lazy" width="400" height="300";
                div.bike-card-body {
                    span.bike-maker { (Text(&bike.maker)) }
                    span.bike-model { (Text(&bike.model)) }
                    span.bike-meta { (Text(&bike.year)) " · " (Text(&bike.engine)) }
                }
            }
        }
    }
}

/// The search box of an exported site, which sends to its search page.
fn search_form(links: &Links, search: &str) -> Markup {
    html! {
        form.filters.search-only method="get" action=(links.search()) role="search" {
            div.field {
                label for="search" { "Search model or maker" }
                input #search type="search" name="search" value=(search) maxlength="100";
            }
            div.filter-actions {
                button.button.primary type="submit" { "Search" }
            }
        }
    }
}

/// The search page of an exported site: `static/search.js` reads the
/// index (`search-index.js`), finds what the live search finds, and fills
/// the list with copies of the card in the `template` element, the same
/// markup as [`bike_card`]'s (made from `example`, any bike of the
/// catalogue, so that even the template's links lead somewhere).
pub fn search_page(links: &Links, example: Option<&Bike>) -> Markup {
    html! {
        h1 { "Search" }
        (search_form(links, ""))
        p #search-status .result-count.muted role="status" {
            noscript { "Searching needs JavaScript. Every bike is also listed on the " a href=(links.home()) { "catalogue pages" } "." }
        }
        ul #search-results .bike-grid {}
        @if let Some(example) = example {
            template #bike-card-template { (bike_card(links, example)) }
        }
        p { a.button.secondary href=(links.home()) { "← All bikes" } }
        script src=(links.search_index()) {}
        script src=(links.asset("search.js")) {}
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
                a href=(Text(&link(current - 1))) rel="prev" { "← Previous" }
            } @else {
                span.disabled { "← Previous" }
            }
            @for p in 1..=last {
                @if shown(p) {
                    @if p == current {
                        span aria-current="page" { (p) }
                    } @else {
                        a href=(Text(&link(p))) aria-label={ "Page " (p) } { (p) }
                    }
                } @else if shown(p - 1) {
                    span.gap { "…" }
                }
            }
            @if current < last {
                a href=(Text(&link(current + 1))) rel="next" { "Next →" }
            } @else {
                span.disabled { "Next →" }
            }
        }
    }
}

pub fn bike_page(bike: &Bike) -> Markup {
    bike_page_with(&Links::Live, bike)
}

/// A bike's page, with its links as `links` make them.
pub fn bike_page_with(links: &Links, bike: &Bike) -> Markup {
    let (src, own_photo) = photo_src(links, bike, false);
    html! {
        article.bike-detail {
            img.bike-photo src=(Text(&src)) alt=(Alt { bike, own_photo }) width="800" height="600";
            div.bike-info {
                p.bike-maker { (Text(&bike.maker)) }
                h1 { (Text(&bike.model)) }
                dl.specs {
                    div { dt { "Maker" } dd { (Text(&bike.maker)) } }
                    div { dt { "Model" } dd { (Text(&bike.model)) } }
                    div { dt { "Year" } dd { (Text(&bike.year)) } }
                    div { dt { "Engine" } dd { (Text(&bike.engine)) } }
                }
                div.form-actions {
                    a.button href=(Text(&links.maker(bike.maker_id))) { "More from " (Text(&bike.maker)) }
                    a.button.secondary href=(Text(&links.home())) { "← All bikes" }
                }
            }
        }
    }
}
