//! `/admin/drafts` (SPEC §10): contributors' drafts waiting for an editor,
//! or returned with a comment; an editor publishes or returns each, its
//! author edits and sends it again.

use maud::{Markup, html};

use super::layout::csrf_field;
use crate::clock::local_text;
use crate::domain::records::Draft;

/// What the viewer may do with the drafts listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A contributor: sees and edits their own drafts.
    Author,
    /// An editor or above: publishes or returns any draft.
    Editor,
}

/// What was refused on one draft: its comment as typed and why, or why it
/// cannot be published.
#[derive(Debug, Default)]
pub struct Refusal<'a> {
    pub draft_id: i64,
    pub comment: &'a str,
    pub comment_error: Option<&'a str>,
    pub problems: Vec<String>,
}

pub fn drafts(csrf_token: &str, viewer: Viewer, drafts: &[Draft], refused: &Refusal) -> Markup {
    html! {
        div.page-head {
            h1 { "Drafts" }
            @if viewer == Viewer::Author { a.button.primary href="/admin/add" { "Add a bike" } }
        }
        p.muted {
            @match viewer {
                Viewer::Author => "Your bikes wait here until an editor publishes them. A draft sent back comes with a comment: edit it and send it again.",
                Viewer::Editor => "Contributors' bikes wait here: publish each one (it is checked like any bike form) or send it back with a comment.",
            }
        }
        @if drafts.is_empty() {
            div.empty-state { p { "There are no drafts." } }
        } @else {
            ul.draft-list {
                @for draft in drafts {
                    li.card.draft #{ "draft-" (draft.draft_id) } {
                        h2 {
                            (draft.maker) " " (draft.model)
                            " " span.muted { "(" (draft.year) ")" }
                        }
                        p {
                            "By " strong { (draft.author) } " · engine " (draft.engine)
                            @if !draft.new_maker.is_empty() { " · adds the maker " (draft.new_maker) }
                            @if draft.has_photo { " · with a photo" }
                        }
                        @if draft.has_photo {
                            img.thumb src={ "/admin/drafts/" (draft.draft_id) "/photo" }
                                alt={ "The photo sent with " (draft.maker) " " (draft.model) } width="160" height="120";
                        }
                        @if draft.returned {
                            div.confirm-box {
                                p { strong { "Sent back on " (local_text(draft.updated_at)) ":" } }
                                p.draft-comment { (draft.comment) }
                            }
                        } @else {
                            p.muted { "Waiting for an editor since " (local_text(draft.updated_at)) "." }
                        }
                        @if refused.draft_id == draft.draft_id && !refused.problems.is_empty() {
                            div.flash.flash-error role="alert" {
                                p { "This draft cannot be published as it is:" }
                                ul { @for problem in &refused.problems { li { (problem) } } }
                            }
                        }
                        (actions(csrf_token, viewer, draft, refused))
                    }
                }
            }
        }
    }
}

fn actions(csrf_token: &str, viewer: Viewer, draft: &Draft, refused: &Refusal) -> Markup {
    let id = draft.draft_id;
    let refused_here = refused.draft_id == id;
    let comment_id = format!("comment-{id}");
    let error_id = format!("comment-{id}-error");
    let error = refused.comment_error.filter(|_| refused_here);
    html! {
        @match viewer {
            Viewer::Author => {
                div.form-actions {
                    @let label = if draft.returned { "Edit and send again" } else { "Edit" };
                    // The visible words first, so a voice command finds it.
                    a.button href={ "/admin/drafts/" (id) "/edit" } aria-label={ (label) " " (draft.maker) " " (draft.model) } {
                        (label)
                    }
                }
            }
            Viewer::Editor => {
                form.inline-form method="post" action={ "/admin/drafts/" (id) "/publish" } {
                    (csrf_field(csrf_token))
                    button.button.primary type="submit" aria-label={ "Publish " (draft.maker) " " (draft.model) } { "Publish" }
                }
                @if !draft.returned {
                    form.stacked-form method="post" action={ "/admin/drafts/" (id) "/return" } {
                        (csrf_field(csrf_token))
                        div.field.has-error[error.is_some()] {
                            label for=(comment_id) { "Comment for " (draft.author) }
                            textarea id=(comment_id) name="comment" rows="3" maxlength="500" required
                                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.clone())] {
                                @if refused_here { (refused.comment) }
                            }
                            @if let Some(error) = error { p.field-error id=(error_id) role="alert" { (error) } }
                        }
                        div.form-actions {
                            button.button type="submit" aria-label={ "Send back " (draft.maker) " " (draft.model) } { "Send back" }
                        }
                    }
                }
            }
        }
    }
}

/// The comment on a returned draft, above the form that edits it.
pub fn returned_note(draft: &Draft) -> Markup {
    html! {
        @if draft.returned {
            div.confirm-box role="note" {
                p { strong { "Sent back on " (local_text(draft.updated_at)) ":" } }
                p.draft-comment { (draft.comment) }
            }
        }
    }
}
