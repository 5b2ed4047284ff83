//! The accounts pages (SPEC §10): the list, one account's page (role,
//! temporary password, expiry, lock-out, hand-over, delete), the delete
//! confirmation, and class accounts with their printable slips.

use maud::{Markup, PreEscaped, html};

use super::account::{NewAccountForm, new_account_fields, password_fields};
use super::layout::{Field, csrf_field, field};
use crate::domain::records::User;
use crate::domain::roles::Role;

/// An account as the pages show it: the record, and whether logins to it
/// are paused (the seconds until they work again).
pub struct Listed<'a> {
    pub user: &'a User,
    pub locked_for_secs: Option<i64>,
}

/// Who is looking: the signed-in account's id and role.
#[derive(Clone, Copy)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
}

impl Viewer {
    /// Whether this viewer may change `user` (a lower role, not itself).
    pub fn manages(&self, user: &User) -> bool {
        user.user_id != self.user_id && self.role.manages(user.role)
    }
}

fn role_options(viewer: Viewer, selected: &str) -> Markup {
    html! {
        @for role in Role::ALL.into_iter().filter(|r| viewer.role.may_give(*r)) {
            option value=(role.as_str()) selected[selected.eq_ignore_ascii_case(role.as_str())] {
                (role.label()) " — " (role.summary())
            }
        }
    }
}

fn role_select(viewer: Viewer, selected: &str, error: Option<&str>) -> Markup {
    html! {
        div.field.has-error[error.is_some()] {
            label for="role" { "Role" }
            select #role name="role" aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "role-error")] {
                (role_options(viewer, selected))
            }
            @if let Some(error) = error { p.field-error #role-error { (error) } }
        }
    }
}

fn minutes(secs: i64) -> i64 {
    (secs + 59) / 60
}

fn status(listed: &Listed, today: &str) -> Markup {
    let user = listed.user;
    html! {
        @if let Some(day) = user.expired(today) { span.badge.badge-warn { "Expired on " (day) } " " }
        @if let Some(secs) = listed.locked_for_secs { span.badge.badge-warn { "Locked out (" (minutes(secs)) " min)" } " " }
        @if user.temporary_password { span.badge { "Temporary password" } }
        @if user.expired(today).is_none() && listed.locked_for_secs.is_none() && !user.temporary_password { "Can log in" }
    }
}

pub fn list(
    csrf_token: &str,
    viewer: Viewer,
    accounts: &[Listed],
    today: &str,
    form: &NewAccountForm,
) -> Markup {
    html! {
        div.page-head {
            h1 { "Accounts" }
            a.button.primary href="/admin/users/batch" { "Add class accounts" }
        }
        div.table-wrap tabindex="0" role="region" aria-label="Accounts" {
            table.data-table.account-rows {
                thead { tr {
                    th scope="col" { "Username" }
                    th scope="col" { "Role" }
                    th scope="col" { "Last day" }
                    th scope="col" { "Status" }
                    th scope="col" { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for listed in accounts {
                        @let user = listed.user;
                        tr {
                            td { (user.username) @if user.user_id == viewer.user_id { " " span.muted { "(you)" } } }
                            td data-label="Role" { (user.role.label()) }
                            td data-label="Last day" { (user.expires_on.as_deref().unwrap_or("—")) }
                            td data-label="Status" { (status(listed, today)) }
                            td.actions {
                                @if viewer.manages(user) || (viewer.role == Role::Owner && user.user_id != viewer.user_id) {
                                    a.button href={ "/admin/users/" (user.user_id) } aria-label={ "Manage " (user.username) } { "Manage" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Add an account" }
        form.stacked-form method="post" action="/admin/users/add" {
            (csrf_field(csrf_token))
            (new_account_fields(form))
            (role_select(viewer, if form.role.is_empty() { "admin" } else { form.role }, form.role_error))
            div.form-actions { button.button.primary type="submit" { "Add account" } }
        }
    }
}

/// The messages beside the fields of one account's page.
#[derive(Default)]
pub struct AccountErrors<'a> {
    pub role: Option<&'a str>,
    pub password: Option<&'a str>,
    pub confirm: Option<&'a str>,
    pub expires: Option<&'a str>,
    pub typed_expires: Option<&'a str>,
    pub owner_password: Option<&'a str>,
}

pub fn account(
    csrf_token: &str,
    viewer: Viewer,
    listed: &Listed,
    today: &str,
    errors: &AccountErrors,
) -> Markup {
    let user = listed.user;
    let action = |what: &str| format!("/admin/users/{}/{what}", user.user_id);
    html! {
        h1 { "Account " (user.username) }
        p { (user.role.label()) ": " (user.role.summary()) ". " (status(listed, today)) }
        @if !viewer.manages(user) {
            p.muted { "Only an account of a higher role can change this one." }
        } @else {
            section.card {
                h2 { "Role" }
                form.stacked-form method="post" action=(action("role")) {
                    (csrf_field(csrf_token))
                    (role_select(viewer, user.role.as_str(), errors.role))
                    div.form-actions { button.button type="submit" { "Change role" } }
                }
            }
            section.card {
                h2 { "Temporary password" }
                p.muted { "For a forgotten password: " (user.username) " is logged out everywhere, and must choose a new password right after logging in with this one." }
                form.stacked-form method="post" action=(action("temporary-password")) {
                    (csrf_field(csrf_token))
                    (password_fields("password", "Temporary password", errors.password, errors.confirm))
                    div.form-actions { button.button type="submit" { "Set temporary password" } }
                }
            }
            section.card {
                h2 { "Last day" }
                form.stacked-form method="post" action=(action("expires")) {
                    (csrf_field(csrf_token))
                    (field(&Field {
                        kind: "date", required: false, error: errors.expires,
                        value: errors.typed_expires.or(user.expires_on.as_deref()).unwrap_or(""),
                        hint: Some("The last day this account can log in (YYYY-MM-DD); leave empty for no end."),
                        ..Field::new("expires", "Last day (optional)")
                    }))
                    div.form-actions { button.button type="submit" { "Save last day" } }
                }
            }
            @if let Some(secs) = listed.locked_for_secs {
                section.card {
                    h2 { "Locked out" }
                    p { "Too many failed logins: logins as " (user.username) " are paused for " (minutes(secs)) " more minutes." }
                    form.inline-form method="post" action=(action("unlock")) {
                        (csrf_field(csrf_token))
                        button.button type="submit" { "Lift the lock-out" }
                    }
                }
            }
        }
        @if viewer.role == Role::Owner && user.user_id != viewer.user_id {
            section.card {
                h2 { "Hand over ownership" }
                p.muted { (user.username) " becomes the owner; you become an admin. There is only ever one owner." }
                form.stacked-form method="post" action=(action("make-owner")) {
                    (csrf_field(csrf_token))
                    (field(&Field {
                        kind: "password", error: errors.owner_password, autocomplete: Some("current-password"),
                        ..Field::new("password", "Your password")
                    }))
                    div.form-actions { button.button.danger type="submit" { "Make " (user.username) " the owner" } }
                }
            }
        }
        @if viewer.manages(user) {
            p { a href={ "/admin/users/delete/" (user.user_id) } { "Delete this account…" } }
        }
        p { a href="/admin/users" { "Back to the accounts" } }
    }
}

/// A refused change to another account (403), saying why.
pub fn refusal(sentence: &str) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Not allowed" }
            p { (sentence) }
            a.button href="/admin/users" { "Back to the accounts" }
        }
    }
}

/// "Delete the account …?" with a POST form: nothing is deleted at one click.
pub fn delete_confirm(csrf_token: &str, user: &User) -> Markup {
    html! {
        section.card.narrow {
            h1 { "Delete this account?" }
            div.confirm-box role="alert" {
                p { strong { "Delete the " (user.role) " " (user.username) "?" } }
                p.muted { "They are logged out at once and can no longer log in. What they changed stays in the catalogue and the activity log." }
            }
            form.stacked-form method="post" action={ "/admin/users/delete/" (user.user_id) } {
                (csrf_field(csrf_token))
                div.form-actions {
                    button.button.danger type="submit" { "Delete account" }
                    a.button.secondary href="/admin/users" { "Keep it" }
                }
            }
        }
    }
}

/// The class-accounts form, as typed, with every problem listed.
pub struct BatchForm<'a> {
    pub names: &'a str,
    pub role: &'a str,
    pub expires: &'a str,
    pub problems: &'a [String],
    pub role_error: Option<&'a str>,
    pub expires_error: Option<&'a str>,
}

pub fn batch(csrf_token: &str, viewer: Viewer, form: &BatchForm) -> Markup {
    let names_error = (!form.problems.is_empty()).then_some("names-error");
    html! {
        h1 { "Add class accounts" }
        p { "One username a line, up to 100. Each account gets a temporary password of four words, printed on a slip to hand out; at the first login it must be replaced." }
        @if !form.problems.is_empty() {
            div.flash.flash-error role="alert" #names-error {
                p { "Nothing was created. Fix these lines and send the list again:" }
                ul { @for problem in form.problems { li { (problem) } } }
            }
        }
        form.stacked-form method="post" action="/admin/users/batch" {
            (csrf_field(csrf_token))
            div.field.has-error[names_error.is_some()] {
                label for="names" { "Usernames" }
                textarea #names name="names" rows="12" required aria-invalid=[names_error.map(|_| "true")]
                    aria-describedby={ "names-hint" @if let Some(id) = names_error { " " (id) } } { (form.names) }
                p.hint #names-hint { "Letters, digits, dots, underscores and hyphens, up to 40 each; for example anna.k" }
            }
            (role_select(viewer, if form.role.is_empty() { "contributor" } else { form.role }, form.role_error))
            (field(&Field {
                kind: "date", required: false, value: form.expires, error: form.expires_error,
                hint: Some("The last day these accounts can log in (YYYY-MM-DD), for example the end of term; leave empty for no end."),
                ..Field::new("expires", "Last day (optional)")
            }))
            div.form-actions {
                button.button.primary type="submit" { "Create accounts and print slips" }
                a.button.secondary href="/admin/users" { "Cancel" }
            }
        }
    }
}

/// One slip: an account and its temporary password.
pub struct Slip {
    pub username: String,
    pub password: String,
}

/// The printable slips, shown once: the passwords are in this answer only.
pub fn slips(login_url: &str, qr_svg: Option<&str>, role: Role, slips: &[Slip]) -> Markup {
    html! {
        div.no-print {
            h1 { "Slips for " (slips.len()) " new account" @if slips.len() != 1 { "s" } }
            div.confirm-box role="status" {
                p { strong { "Print this page now" } " (Ctrl+P, or ⌘P on a Mac): the temporary passwords are shown only this once, and are not stored anywhere readable. Cut along the dashed lines." }
                p.muted { "Lost a slip? Set a new temporary password on that account's page." }
            }
        }
        ul.slips aria-label="Account slips" {
            @for slip in slips {
                li.slip {
                    div.slip-qr { @if let Some(svg) = qr_svg { (PreEscaped(svg)) } }
                    dl {
                        dt { "Site" } dd.slip-url { (login_url) }
                        dt { "Username" } dd { code { (slip.username) } }
                        dt { "Temporary password" } dd { code.slip-password { (slip.password) } }
                    }
                    p.slip-note { "Log in as " (role) ", then choose your own password." }
                }
            }
        }
        p.no-print { a.button href="/admin/users" { "Back to the accounts" } }
    }
}
