//! The activity log, history, undo and trash pages (SPEC §8).

use maud::{Markup, html};
use serde_json::Value;

use super::layout::csrf_field;
use crate::clock::local_text;
use crate::domain::activity::{Change, Kind, LoggedEntry, Record, TrashItem};

/// The activity page's filters as typed (kept in the form).
#[derive(Debug, Default, Clone)]
pub struct ActivityQuery {
    pub user: String,
    pub kind: String,
    pub q: String,
    pub since: String,
}

impl ActivityQuery {
    /// The query string of this filter at `page`.
    pub fn href(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("user", &self.user),
            ("kind", &self.kind),
            ("q", &self.q),
            ("since", &self.since),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect();
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/admin/activity".to_string()
        } else {
            format!("/admin/activity?{query}")
        }
    }
}

/// What each entry links to: its record's edit page (when it still exists)
/// and its history.
pub struct Links {
    pub record: Option<String>,
    pub history: Option<String>,
}

/// The record an entry is mainly about, and its pages.
pub fn links_of(entry: &LoggedEntry, live: &dyn Fn(Record, i64) -> bool) -> Links {
    let main = entry
        .changes
        .iter()
        .find(|c| Some(c.id) == entry.record_id)
        .or(entry.changes.first());
    let Some(change) = main else {
        return Links {
            record: None,
            history: None,
        };
    };
    let (edit, history) = match change.record {
        Record::Bike => (
            format!("/admin/edit/{}", change.id),
            format!("/admin/edit/{}/history", change.id),
        ),
        Record::Maker => (
            format!("/admin/makers/edit/{}", change.id),
            format!("/admin/makers/edit/{}/history", change.id),
        ),
        Record::User => {
            return Links {
                record: None,
                history: None,
            };
        }
    };
    Links {
        record: live(change.record, change.id).then_some(edit),
        history: Some(history),
    }
}

fn undo_button(csrf_token: &str, entry: &LoggedEntry) -> Markup {
    html! {
        @if entry.undoable() && entry.undone_by.is_none() {
            form.inline-form method="post" action={ "/admin/undo/" (entry.entry_id) } {
                (csrf_field(csrf_token))
                button.button type="submit" aria-label={ "Undo: " (entry.description) } { "Undo" }
            }
        } @else if let Some(by) = entry.undone_by {
            span.muted { "undone (entry " (by) ")" }
        }
    }
}

pub struct ActivityPage<'a> {
    pub csrf_token: &'a str,
    pub query: &'a ActivityQuery,
    pub accounts: &'a [(i64, String)],
    pub entries: &'a [LoggedEntry],
    pub links: &'a [Links],
    pub page: i64,
    pub more: bool,
    /// The filter names one account (and is valid): offer "Undo all of these".
    pub undo_all_for: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn activity(p: &ActivityPage) -> Markup {
    let q = p.query;
    html! {
        div.page-head { h1 { "Activity" } }
        form.filters.activity-filters method="get" action="/admin/activity" aria-label="Filter the activity" {
            div.field {
                label for="user" { "Account" }
                select id="user" name="user" {
                    option value="" selected[q.user.is_empty()] { "Everyone" }
                    @for (id, name) in p.accounts {
                        option value=(id) selected[q.user == id.to_string()] { (name) }
                    }
                }
            }
            div.field {
                label for="kind" { "Kind" }
                select id="kind" name="kind" {
                    option value="" selected[q.kind.is_empty()] { "All kinds" }
                    @for kind in Kind::ALL {
                        option value=(kind.as_str()) selected[q.kind == kind.as_str()] { (kind.as_str()) }
                    }
                }
            }
            div.field {
                label for="q" { "Words" }
                input id="q" name="q" type="search" value=(q.q);
            }
            div.field.has-error[p.error.is_some()] {
                label for="since" { "Since (server time)" }
                input id="since" name="since" type="datetime-local" value=(q.since)
                    aria-invalid=[p.error.map(|_| "true")] aria-describedby=[p.error.map(|_| "since-error")];
                @if let Some(error) = p.error {
                    p.field-error id="since-error" { (error) }
                }
            }
            div.filter-actions { button.button.primary type="submit" { "Show" } }
        }
        @if let Some(name) = p.undo_all_for {
            form.inline-form method="post" action="/admin/activity/undo" {
                (csrf_field(p.csrf_token))
                input type="hidden" name="user" value=(q.user);
                input type="hidden" name="since" value=(q.since);
                button.button.danger type="submit" { "Undo all of these (" (name) "’s catalogue changes" @if !q.since.is_empty() { " since " (q.since.replace('T', " ")) } ")…" }
            }
        }
        @if p.entries.is_empty() {
            div.empty-state { p { "Nothing has been recorded" @if p.page > 1 { " on this page" } "." } }
        } @else {
            (entry_table(p.csrf_token, p.entries, p.links))
        }
        nav.pagination aria-label="Pages" {
            @if p.page > 1 {
                a href=(q.href(p.page - 1)) rel="prev" { "Newer" }
            }
            " "
            @if p.more {
                a href=(q.href(p.page + 1)) rel="next" { "Older" }
            }
        }
    }
}

fn entry_table(csrf_token: &str, entries: &[LoggedEntry], links: &[Links]) -> Markup {
    html! {
        div.table-wrap tabindex="0" role="region" aria-label="Activity" {
            table.data-table.log-rows {
                thead {
                    tr {
                        th scope="col" { "When" }
                        th scope="col" { "Who" }
                        th scope="col" { "What" }
                        th scope="col" { "From" }
                        th scope="col" { span.visually-hidden { "Actions" } }
                    }
                }
                tbody {
                    @for (entry, link) in entries.iter().zip(links) {
                        tr {
                            td { time datetime=(entry.at) { (local_text(entry.at)) } }
                            td {
                                @if let Some(id) = entry.user_id {
                                    a href={ "/admin/activity?user=" (id) } { (entry.username) }
                                } @else {
                                    (entry.username)
                                }
                            }
                            td { (entry.description) }
                            td { @if entry.client_addr.is_empty() { span.muted { "—" } } @else { (entry.client_addr) } }
                            td.actions {
                                @if let Some(href) = &link.record {
                                    a.button href=(href) { "Record" }
                                }
                                @if let Some(href) = &link.history {
                                    a.button href=(href) { "History" }
                                }
                                (undo_button(csrf_token, entry))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn field_text(values: &Value, field: &str) -> String {
    match values.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The fields that differ between two versions: (label, old, new).
fn changed_fields(record: Record, change: &Change) -> Vec<(&'static str, String, String)> {
    let fields: &[(&str, &'static str)] = match record {
        Record::Bike => &[
            ("maker", "Maker"),
            ("model", "Model"),
            ("year", "Year"),
            ("engine", "Engine"),
            ("image_url", "Image"),
        ],
        _ => &[("name", "Name")],
    };
    let empty = Value::Null;
    let before = change.before.as_ref().unwrap_or(&empty);
    let after = change.after.as_ref().unwrap_or(&empty);
    fields
        .iter()
        .filter(|(f, _)| field_text(before, f) != field_text(after, f))
        .map(|(f, label)| (*label, field_text(before, f), field_text(after, f)))
        .collect()
}

fn value_shown(label: &str, text: &str) -> Markup {
    let thumbnail = text
        .strip_prefix("/images/")
        .filter(|id| id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty());
    html! {
        @if text.is_empty() {
            span.muted { "(none)" }
        } @else if let (true, Some(id)) = (label == "Image", thumbnail) {
            img.history-photo src={ "/admin/photos/" (id) } alt={ "Photo " (id) } width="80" loading="lazy";
        } @else {
            (text)
        }
    }
}

pub struct HistoryPage<'a> {
    pub csrf_token: &'a str,
    pub title: &'a str,
    pub record: Record,
    pub record_id: i64,
    pub entries: &'a [LoggedEntry],
    /// The record's edit page, when it is live.
    pub edit: Option<String>,
}

pub fn history(p: &HistoryPage) -> Markup {
    let restore_base = match p.record {
        Record::Maker => format!("/admin/makers/edit/{}/history", p.record_id),
        _ => format!("/admin/edit/{}/history", p.record_id),
    };
    html! {
        div.page-head { h1 { "History of " (p.title) } }
        p {
            @if let Some(edit) = &p.edit { a href=(edit) { "Back to the edit form" } }
            @else { "This record is not live (it is in the trash or was deleted for good)." }
        }
        @if p.entries.is_empty() {
            div.empty-state { p { "No change to it has been recorded." } }
        }
        ol.history {
            @for entry in p.entries {
                @let change = entry.changes.iter().rev().find(|c| c.record == p.record && c.id == p.record_id);
                li.card {
                    p {
                        strong { (entry.username) } " " (entry.description)
                        br;
                        span.muted { time datetime=(entry.at) { (local_text(entry.at)) } " · entry " (entry.entry_id) }
                    }
                    @if let Some(change) = change {
                        @let fields = changed_fields(p.record, change);
                        @if !fields.is_empty() {
                            table.data-table.compact {
                                thead { tr { th scope="col" { "Field" } th scope="col" { "Before" } th scope="col" { "After" } } }
                                tbody {
                                    @for (label, old, new) in &fields {
                                        tr { th scope="row" { (label) } td { (value_shown(label, old)) } td { (value_shown(label, new)) } }
                                    }
                                }
                            }
                        }
                        div.form-actions {
                            (undo_button(p.csrf_token, entry))
                            @if change.after.is_some() {
                                form.inline-form method="post" action={ (restore_base) "/" (entry.entry_id) "/restore" } {
                                    (csrf_field(p.csrf_token))
                                    button.button type="submit" aria-label={ "Restore this version, of entry " (entry.entry_id) } { "Restore this version" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An undo or restore that could not be done: why, who changed the record
/// since, and where its history is.
pub fn refused(reason: &str, since: Option<&LoggedEntry>, history: Option<&str>) -> Markup {
    html! {
        section.card.narrow {
            h1 { "This cannot be undone" }
            div.confirm-box role="alert" {
                p { strong { (reason) } }
                @if let Some(later) = since {
                    p { "Changed since by " strong { (later.username) } " at " (local_text(later.at)) ": " (later.description) "." }
                }
                p.muted { "Nothing was changed." }
            }
            div.form-actions {
                @if let Some(href) = history { a.button.primary href=(href) { "See the history" } }
                a.button.secondary href="/admin/activity" { "Back to the activity" }
            }
        }
    }
}

pub struct UndoAllPage<'a> {
    pub csrf_token: &'a str,
    pub user: &'a str,
    pub since: &'a str,
    pub username: &'a str,
    pub undone: &'a [LoggedEntry],
    pub blocked: &'a [(LoggedEntry, String)],
}

pub fn undo_all_confirm(p: &UndoAllPage) -> Markup {
    html! {
        section.card {
            h1 { "Undo " (p.username) "’s changes?" }
            div.confirm-box role="alert" {
                p { strong { (p.undone.len()) " change" @if p.undone.len() != 1 { "s" } " will be undone" } ", newest first, as one change you can undo again." }
                @if !p.blocked.is_empty() {
                    p { strong { (p.blocked.len()) " cannot be undone" } " and will be left alone:" }
                    ul {
                        @for (entry, why) in p.blocked {
                            li { (local_text(entry.at)) ": " (entry.description) " — " (why) }
                        }
                    }
                }
            }
            @if !p.undone.is_empty() {
                h2 { "What will be undone" }
                ul {
                    @for entry in p.undone {
                        li { (local_text(entry.at)) ": " (entry.description) }
                    }
                }
                form.stacked-form method="post" action="/admin/activity/undo" {
                    (csrf_field(p.csrf_token))
                    input type="hidden" name="user" value=(p.user);
                    input type="hidden" name="since" value=(p.since);
                    input type="hidden" name="confirm" value="yes";
                    div.form-actions {
                        button.button.danger type="submit" { "Undo these " (p.undone.len()) }
                        a.button.secondary href="/admin/activity" { "Keep them" }
                    }
                }
            } @else {
                p { "There is nothing to undo." }
                a.button.secondary href="/admin/activity" { "Back to the activity" }
            }
        }
    }
}

pub fn trash(csrf_token: &str, items: &[TrashItem], days: u64, can_empty: bool) -> Markup {
    html! {
        div.page-head { h1 { "Trash" } }
        p.muted {
            @if days == 0 { "Deleted bikes and makers are deleted at once (--trash-days 0)." }
            @else { "Deleted bikes and makers stay here " (days) " days, then they are deleted for good." }
        }
        @if items.is_empty() {
            div.empty-state { p { "The trash is empty." } }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label="Trash" {
                table.data-table.log-rows {
                    thead {
                        tr {
                            th scope="col" { "What" }
                            th scope="col" { "Deleted by" }
                            th scope="col" { "When" }
                            th scope="col" { span.visually-hidden { "Actions" } }
                        }
                    }
                    tbody {
                        @for item in items {
                            tr {
                                td { (match item.record { Record::Maker => "Maker ", _ => "Bike " }) (item.name) }
                                td { (item.deleted_by) }
                                td { time datetime=(item.deleted_at) { (local_text(item.deleted_at)) } }
                                td.actions {
                                    form.inline-form method="post" action={ "/admin/trash/" (item.trash_id) "/restore" } {
                                        (csrf_field(csrf_token))
                                        button.button type="submit" aria-label={ "Restore " (item.name) } { "Restore" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if can_empty {
                div.form-actions { a.button.danger href="/admin/trash/empty" { "Empty the trash…" } }
            }
        }
    }
}

pub fn empty_trash_confirm(csrf_token: &str, count: i64) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Empty the trash?" }
            div.confirm-box role="alert" {
                p { strong { "Delete the " (count) " item" @if count != 1 { "s" } " in the trash for good?" } }
                p.muted { "They cannot be restored or undone afterwards." }
            }
            form.stacked-form method="post" action="/admin/trash/empty" {
                (csrf_field(csrf_token))
                div.form-actions {
                    button.button.danger type="submit" { "Empty the trash" }
                    a.button.secondary href="/admin/trash" { "Keep them" }
                }
            }
        }
    }
}
