//! The one layout every page shares.

use maud::{DOCTYPE, Markup, html};

use super::links::Links;
use super::text::Text;
use crate::domain::roles::{Permission, Role};
use crate::domain::site::{DEFAULT_TITLE, Site};

/// Which admin page is showing, to mark it in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Bikes,
    Makers,
    Users,
    Password,
    Activity,
    Trash,
    Import,
    Backups,
    TwoFactor,
    Share,
    Settings,
    Drafts,
    Other,
}

/// What an admin page shows around its content.
pub struct AdminBar<'a> {
    pub username: &'a str,
    pub csrf_token: &'a str,
    pub section: Section,
    /// The menu offers only what this role may open (SPEC §10).
    pub role: Role,
    /// A temporary password waits to be replaced: the change form is the
    /// only page that opens, so the menu offers nothing else.
    pub temporary_password: bool,
    /// Drafts waiting for review (shown to the roles that review them).
    pub drafts_waiting: i64,
}

/// Everything around a page's content.
pub struct Chrome<'a> {
    pub title: &'a str,
    /// A catalogue page, marked as the current one in the site navigation.
    pub in_catalogue: bool,
    pub admin: Option<AdminBar<'a>>,
    pub flash: Option<&'a str>,
    /// The activity entry the confirmation's Undo button undoes.
    pub flash_undo: Option<i64>,
    /// The site's title and introduction; `None` (error pages, which are
    /// made without the database): motodex's own name.
    pub site: Option<&'a Site>,
    /// Where the header's and footer's links point.
    pub links: Links<'a>,
}

impl<'a> Chrome<'a> {
    /// A page of the public catalogue.
    pub fn catalogue(title: &'a str) -> Chrome<'a> {
        Chrome {
            title,
            in_catalogue: true,
            admin: None,
            flash: None,
            flash_undo: None,
            site: None,
            links: Links::Live,
        }
    }

    /// A page of a catalogue exported as files.
    pub fn exported(title: &'a str, site: &'a Site, links: Links<'a>) -> Chrome<'a> {
        Chrome {
            links,
            site: Some(site),
            ..Chrome::catalogue(title)
        }
    }

    /// A page outside both the catalogue and the admin area: logging in,
    /// first-run setup, errors.
    pub fn plain(title: &'a str) -> Chrome<'a> {
        Chrome {
            in_catalogue: false,
            ..Chrome::catalogue(title)
        }
    }
}

pub fn page(chrome: &Chrome, content: Markup) -> Markup {
    let links = &chrome.links;
    let site_title = chrome
        .site
        .map_or(DEFAULT_TITLE, |site| site.title.as_str());
    let introduction = chrome
        .site
        .map(|site| site.introduction.as_str())
        .filter(|text| chrome.in_catalogue && !text.is_empty());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (Text(chrome.title)) " · " (Text(site_title)) }
                link rel="stylesheet" href=(Text(&links.asset("style.css")));
                link rel="icon" href=(Text(&links.asset("favicon.svg"))) type="image/svg+xml";
            }
            body {
                a.skip-link href="#main" { "Skip to content" }
                header.site-header {
                    div.container.header-inner {
                        a.brand href=(Text(&links.home())) {
                            img src=(Text(&links.asset("favicon.svg"))) alt="" width="28" height="28";
                            " " (Text(site_title))
                        }
                        nav.site-nav aria-label="Site" {
                            a href=(Text(&links.home())) aria-current=[chrome.in_catalogue.then_some("page")] { "Catalogue" }
                            @if let Some(bar) = &chrome.admin {
                                a href="/admin" aria-current="page" { "Admin" }
                                span.muted.nav-user { (Text(bar.username)) }
                                form.inline-form method="post" action="/admin/logout" {
                                    input type="hidden" name="csrf_token" value=(Text(bar.csrf_token));
                                    button.link-button type="submit" { "Log out" }
                                }
                            } @else if links.is_live() {
                                a href="/admin" { "Admin" }
                            }
                        }
                    }
                }
                main #main .container {
                    @if let Some(bar) = &chrome.admin {
                        (admin_nav(bar))
                    }
                    @if let Some(text) = introduction {
                        p.site-introduction { (Text(text)) }
                    }
                    @if let Some(message) = chrome.flash {
                        div.flash.flash-ok role="status" {
                            (Text(message))
                            @if let (Some(entry_id), Some(bar)) = (chrome.flash_undo, &chrome.admin) {
                                " "
                                form.inline-form method="post" action={ "/admin/undo/" (entry_id) } {
                                    input type="hidden" name="csrf_token" value=(Text(bar.csrf_token));
                                    button.link-button type="submit" { "Undo" }
                                }
                            }
                        }
                    }
                    (content)
                }
                footer.site-footer {
                    div.container {
                        "motodex — the bikes site of the Flask Made Easy course, in one file."
                    }
                }
            }
        }
    }
}

fn admin_nav(bar: &AdminBar) -> Markup {
    let may = |permission| !bar.temporary_password && bar.role.may(permission);
    let link = |section: Section, href: &str, label: &str| {
        html! { a href=(Text(href)) aria-current=[(section == bar.section).then_some("page")] { (Text(label)) } }
    };
    html! {
        nav.admin-nav aria-label="Admin" {
            @if may(Permission::SignedIn) { (link(Section::Bikes, "/admin", "Bikes")) }
            @if may(Permission::SignedIn) {
                a href="/admin/drafts" aria-current=[(bar.section == Section::Drafts).then_some("page")] {
                    "Drafts"
                    @if may(Permission::ReviewDrafts) && bar.drafts_waiting > 0 {
                        " " span.count-badge { (bar.drafts_waiting) span.visually-hidden { " waiting" } }
                    }
                }
            }
            @if may(Permission::Catalogue) { (link(Section::Makers, "/admin/makers", "Makers")) }
            @if may(Permission::Accounts) { (link(Section::Users, "/admin/users", "Accounts")) }
            @if may(Permission::ActivityLog) { (link(Section::Activity, "/admin/activity", "Activity")) }
            @if may(Permission::Catalogue) {
                (link(Section::Trash, "/admin/trash", "Trash"))
                (link(Section::Import, "/admin/import", "Import & export"))
            }
            (link(Section::Password, "/admin/change-password", "Change password"))
            (link(Section::TwoFactor, "/admin/two-factor", "Two-factor"))
            @if may(Permission::Backups) { (link(Section::Backups, "/admin/backups", "Backups")) }
            (link(Section::Share, "/admin/share", "Share"))
            @if may(Permission::Settings) { (link(Section::Settings, "/admin/settings", "Settings")) }
        }
    }
}

/// A form field with its label, the typed value, and its error beside it.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub error: Option<&'a str>,
    pub kind: &'a str,
    pub hint: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
    pub required: bool,
}

impl<'a> Field<'a> {
    pub fn new(name: &'a str, label: &'a str) -> Field<'a> {
        Field {
            name,
            label,
            value: "",
            error: None,
            kind: "text",
            hint: None,
            autocomplete: None,
            required: true,
        }
    }
}

pub fn field(f: &Field) -> Markup {
    let error_id = format!("{}-error", f.name);
    let hint_id = format!("{}-hint", f.name);
    let described = match (f.error.is_some(), f.hint.is_some()) {
        (true, true) => Some(format!("{error_id} {hint_id}")),
        (true, false) => Some(error_id.clone()),
        (false, true) => Some(hint_id.clone()),
        (false, false) => None,
    };
    html! {
        div.field.has-error[f.error.is_some()] {
            label for=(f.name) { (f.label) }
            input id=(f.name) name=(f.name) type=(f.kind) value=(f.value)
                required[f.required] autocomplete=[f.autocomplete]
                aria-invalid=[f.error.map(|_| "true")] aria-describedby=[described];
            @if let Some(hint) = f.hint {
                p.hint id=(hint_id) { (hint) }
            }
            @if let Some(error) = f.error {
                p.field-error id=(error_id) { (error) }
            }
        }
    }
}

/// The hidden CSRF field every POST form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}
