//! `/admin/settings`: the site's title and introduction (SPEC §13). The
//! form is a list of fieldsets, one per concern, so a new setting is one
//! more fieldset and one more field of [`SettingsForm`].

use maud::{Markup, html};

use super::layout::{Field, csrf_field, field};
use crate::domain::site::{INTRODUCTION_MAX, SiteErrors, TITLE_MAX};

/// What the form shows: the stored values, or what was typed and why it
/// was refused.
pub struct SettingsForm<'a> {
    pub title: &'a str,
    pub introduction: &'a str,
    pub errors: &'a SiteErrors,
    /// The owner's two-factor requirement; `None` for anyone else, who
    /// does not see it.
    pub require_two_factor: Option<bool>,
}

pub fn settings(csrf_token: &str, form: &SettingsForm) -> Markup {
    html! {
        div.page-head { h1 { "Site settings" } }
        section.card {
            form.stacked-form.settings-form method="post" action="/admin/settings" {
                (csrf_field(csrf_token))
                (public_site(form))
                @if let Some(required) = form.require_two_factor {
                    (sign_in(required))
                }
                div.form-actions { button.button.primary type="submit" { "Save settings" } }
            }
        }
    }
}

fn public_site(form: &SettingsForm) -> Markup {
    let title_hint = format!(
        "1 to {TITLE_MAX} characters, shown at the top of every public page and in the browser's tab."
    );
    let introduction_hint = format!(
        "Optional, plain text, at most {INTRODUCTION_MAX} characters: shown above the catalogue."
    );
    let error = form.errors.introduction.as_deref();
    let described = match error {
        Some(_) => "introduction-error introduction-hint",
        None => "introduction-hint",
    };
    html! {
        fieldset.settings-group {
            legend { "The public site" }
            (field(&Field {
                value: form.title,
                error: form.errors.title.as_deref(),
                hint: Some(&title_hint),
                autocomplete: Some("off"),
                ..Field::new("title", "Site title")
            }))
            div.field.has-error[error.is_some()] {
                label for="introduction" { "Introduction" }
                textarea #introduction name="introduction" rows="5"
                    aria-invalid=[error.map(|_| "true")] aria-describedby=(described) {
                    (form.introduction)
                }
                p.hint #introduction-hint { (introduction_hint) }
                @if let Some(error) = error {
                    p.field-error #introduction-error { (error) }
                }
            }
        }
    }
}

fn sign_in(required: bool) -> Markup {
    html! {
        fieldset.settings-group {
            legend { "Signing in" }
            div.checkbox-field {
                input #require_two_factor type="checkbox" name="require_two_factor" value="1"
                    checked[required] aria-describedby="require_two_factor-hint";
                label for="require_two_factor" { "Require two-factor sign-in for the owner and admins" }
            }
            p.hint #require_two_factor-hint {
                "An account without it is sent to turn it on right after logging in, and can open no other admin page until it has."
            }
        }
    }
}
