//! Account pages: log in, first-admin setup, log out, change password.

use maud::{Markup, html};

use super::layout::{Field, csrf_field, field};

pub fn login(csrf_token: &str, next: &str, username: &str, error: Option<&str>) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Admin login" }
            @if let Some(error) = error {
                p.flash.flash-error role="alert" { (error) }
            }
            form.stacked-form method="post" action="/admin/login" {
                (csrf_field(csrf_token))
                input type="hidden" name="next" value=(next);
                (field(&Field { value: username, autocomplete: Some("username"), ..Field::new("username", "Username") }))
                (field(&Field { kind: "password", autocomplete: Some("current-password"), ..Field::new("password", "Password") }))
                div.checkbox-field {
                    input #remember type="checkbox" name="remember" value="1";
                    label for="remember" { "Remember me for 30 days" }
                }
                div.form-actions {
                    button.button.primary type="submit" { "Log in" }
                }
            }
            p.muted { "Forgot your password? Whoever runs motodex can set a new one with "
                code { "motodex reset-password USERNAME" } "." }
        }
    }
}

/// Values and messages of the username + new-password forms (setup, add admin).
#[derive(Default)]
pub struct NewAccountForm<'a> {
    pub username: &'a str,
    /// The role chosen on the add-account form (empty: admin).
    pub role: &'a str,
    pub role_error: Option<&'a str>,
    pub username_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub confirm_error: Option<&'a str>,
}

pub fn new_account_fields(form: &NewAccountForm) -> Markup {
    html! {
        (field(&Field {
            value: form.username, error: form.username_error, autocomplete: Some("username"),
            hint: Some("Letters, digits, dots, underscores and hyphens; up to 40."),
            ..Field::new("username", "Username")
        }))
        (password_fields("password", "Password", form.password_error, form.confirm_error))
    }
}

pub fn password_fields(
    name: &str,
    label: &str,
    error: Option<&str>,
    confirm_error: Option<&str>,
) -> Markup {
    html! {
        (field(&Field {
            kind: "password", error, autocomplete: Some("new-password"),
            hint: Some("At least 12 characters and hard to guess: a few unrelated words work well."),
            ..Field::new(name, label)
        }))
        (field(&Field {
            kind: "password", error: confirm_error, autocomplete: Some("new-password"),
            ..Field::new("confirm_password", "Type it again")
        }))
    }
}

pub fn setup(token: &str, form: &NewAccountForm) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Create the first admin" }
            p { "This account is the site's owner: it manages the catalogue and the other accounts. You can add more accounts later." }
            form.stacked-form method="post" action="/admin/setup" {
                input type="hidden" name="token" value=(token);
                (csrf_field(token))
                (new_account_fields(form))
                div.form-actions { button.button.primary type="submit" { "Create admin" } }
            }
        }
    }
}

pub fn setup_closed() -> Markup {
    html! {
        section.card.narrow {
            h1 { "Setup link not valid" }
            p { "This link has expired or an admin already exists. Log in instead, or restart motodex to get a new link if no admin exists yet." }
            a.button.primary href="/admin/login" { "Go to login" }
        }
    }
}

pub fn logout(csrf_token: &str) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Log out" }
            p { "Log out of the admin area on this browser?" }
            form.inline-form method="post" action="/admin/logout" {
                (csrf_field(csrf_token))
                button.button.primary type="submit" { "Log out" }
            }
        }
    }
}

#[derive(Default)]
pub struct ChangePasswordForm<'a> {
    /// The account logged in with a temporary password: it must choose
    /// its own before any other page opens.
    pub temporary: bool,
    pub current_error: Option<&'a str>,
    pub new_error: Option<&'a str>,
    pub confirm_error: Option<&'a str>,
}

pub fn change_password(csrf_token: &str, form: &ChangePasswordForm) -> Markup {
    html! {
        h1 { @if form.temporary { "Choose your own password" } @else { "Change your password" } }
        @if form.temporary {
            div.confirm-box role="status" {
                p { "You logged in with a temporary password. Choose your own now: the other admin pages open once you have." }
            }
        }
        form.stacked-form method="post" action="/admin/change-password" {
            (csrf_field(csrf_token))
            (field(&Field {
                kind: "password", error: form.current_error, autocomplete: Some("current-password"),
                hint: form.temporary.then_some("The temporary password you were given."),
                ..Field::new("current_password", "Current password")
            }))
            (password_fields("new_password", "New password", form.new_error, form.confirm_error))
            p.muted { "Your other logged-in browsers will be logged out." }
            div.form-actions { button.button.primary type="submit" { "Change password" } }
        }
    }
}
