//! Two-factor sign-in's pages (SPEC §11): turning it on (the QR code and
//! the secret as text), the recovery codes shown once, turning it off, and
//! the login's second step.

use maud::{Markup, PreEscaped, html};

use super::layout::{Field, csrf_field, field};

/// Turning two-factor on: scan or type the secret, then prove it with a code.
pub struct SetupPage<'a> {
    pub csrf_token: &'a str,
    /// The secret in groups of four.
    pub secret: &'a str,
    /// The `otpauth://` address as an inline SVG QR code.
    pub qr_svg: Option<&'a str>,
    pub required: bool,
    pub error: Option<&'a str>,
}

pub fn setup(page: &SetupPage) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Two-factor sign-in" }
            @if page.required {
                p.flash.flash-error role="alert" {
                    "The owner requires two-factor sign-in for this account: turn it on to continue."
                }
            }
            p { "With two-factor sign-in, logging in needs your password and a six-digit code from an authenticator app on your phone (such as Aegis, Google Authenticator or 1Password)." }
            ol {
                li { "In the app, add an account by scanning this QR code, or by typing the key below." }
                li { "Type the six-digit code the app shows, to turn two-factor sign-in on." }
            }
            @if let Some(svg) = page.qr_svg {
                div.qr-code { (PreEscaped(svg)) }
            }
            p { "Key: " code.secret-key { (page.secret) } }
            form.stacked-form method="post" action="/admin/two-factor" {
                (csrf_field(page.csrf_token))
                input type="hidden" name="action" value="on";
                (field(&Field {
                    error: page.error, autocomplete: Some("one-time-code"),
                    hint: Some("Six digits, from the app."),
                    ..Field::new("code", "Code")
                }))
                div.form-actions {
                    button.button.primary type="submit" { "Turn on two-factor sign-in" }
                }
            }
        }
    }
}

/// The recovery codes, shown this once.
pub fn recovery_codes(codes: &[String]) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Two-factor sign-in is on" }
            p { "Keep these recovery codes somewhere safe, such as on paper: each logs you in once instead of a code from the app, if you lose your phone. They are shown only now." }
            ol.recovery-codes {
                @for code in codes { li { code { (code) } } }
            }
            p.muted { "To print them, use your browser's Print command: only the codes are printed." }
            p { a.button href="/admin" { "Continue to the admin area" } }
        }
    }
}

/// Two-factor is on: how many recovery codes are left, and turning it off.
pub struct OnPage<'a> {
    pub csrf_token: &'a str,
    pub codes_left: usize,
    pub password_error: Option<&'a str>,
    pub code_error: Option<&'a str>,
}

pub fn on(page: &OnPage) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Two-factor sign-in" }
            p { "Two-factor sign-in is on: logging in needs your password and a code from your authenticator app." }
            p { "Recovery codes left: " strong { (page.codes_left) } " of 10." }
            h2 { "Turn it off" }
            form.stacked-form method="post" action="/admin/two-factor" {
                (csrf_field(page.csrf_token))
                input type="hidden" name="action" value="off";
                (field(&Field {
                    kind: "password", error: page.password_error,
                    autocomplete: Some("current-password"),
                    ..Field::new("password", "Your password")
                }))
                (field(&Field {
                    error: page.code_error, autocomplete: Some("one-time-code"),
                    hint: Some("Six digits from the app, or a recovery code."),
                    ..Field::new("code", "Code")
                }))
                div.form-actions {
                    button.button.danger type="submit" { "Turn off two-factor sign-in" }
                }
            }
        }
    }
}

/// The login's second step.
pub fn login_code(csrf_token: &str, error: Option<&str>) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Enter your code" }
            p { "Your password was right. Now type the six-digit code from your authenticator app, or one of your recovery codes." }
            form.stacked-form method="post" action="/admin/login/code" {
                (csrf_field(csrf_token))
                (field(&Field {
                    error, autocomplete: Some("one-time-code"),
                    hint: Some("This step must be finished within 5 minutes of the password."),
                    ..Field::new("code", "Code")
                }))
                div.form-actions {
                    button.button.primary type="submit" { "Log in" }
                }
            }
            p.muted { a href="/admin/login" { "Start again" } }
        }
    }
}
