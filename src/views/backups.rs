//! `/admin/backups`: the list with downloads, "Back up now", the owner's
//! restore (upload or pick) and its confirmation page; and the line on
//! `/admin` that says how the last backup went.

use maud::{Markup, html};

use super::layout::csrf_field;
use crate::clock::local_text as local_time;
use crate::domain::records::{BackupFile, BackupOutcome, Counts};

/// What `/admin` says about backups.
pub struct BackupNotice {
    pub last: Option<BackupOutcome>,
    /// The newest backup in the folder, when none was written in this run.
    pub newest: Option<i64>,
    /// Older than two intervals (or missing when one is due).
    pub overdue: bool,
    /// Automatic backups are switched off.
    pub off: bool,
    /// The database file was replaced under the server: this sentence.
    pub replaced: Option<&'static str>,
}

pub fn notice(n: &BackupNotice) -> Markup {
    let failed = matches!(n.last, Some(BackupOutcome::Failed { .. }));
    let warn = failed || n.overdue;
    let written = match &n.last {
        Some(BackupOutcome::Written { at }) => Some(*at),
        _ => n.newest,
    };
    if let Some(sentence) = n.replaced {
        return html! { p.backup-status.flash.flash-error role="alert" { (sentence) } };
    }
    html! {
        p.backup-status.flash[warn].flash-error[warn].muted[!warn] role=[warn.then_some("status")] {
            @if let Some(BackupOutcome::Failed { at, reason }) = &n.last {
                "The last backup failed (" (local_time(*at)) "). " (reason) " "
            } @else if n.overdue {
                @match written {
                    Some(at) => { "The newest backup is from " (local_time(at)) ", more than two backup intervals ago. " }
                    None => { "No backup has been written yet. " }
                }
            } @else if let Some(at) = written {
                "Last backup: " (local_time(at)) ", checked. "
            } @else if n.off {
                "Automatic backups are off. "
            } @else {
                "No backup yet. "
            }
            a href="/admin/backups" { "Backups" }
        }
    }
}

pub struct BackupsPage<'a> {
    pub backups: &'a [BackupFile],
    pub folder: &'a str,
    pub notice: &'a BackupNotice,
    pub owner: bool,
    pub csrf_token: &'a str,
    /// Why the last upload or pick could not be restored.
    pub error: Option<&'a str>,
}

pub fn list(p: &BackupsPage) -> Markup {
    html! {
        div.page-head {
            h1 { "Backups" }
            form.inline-form method="post" action="/admin/backups/now" {
                (csrf_field(p.csrf_token))
                button.button.primary type="submit" { "Back up now" }
            }
        }
        (notice(p.notice))
        p.muted {
            "Backups are kept on the server, in the folder “" (p.folder) "”. "
            a href="/admin/backup" { "Download a copy of the database as it is now" } "."
        }
        @if let Some(error) = p.error {
            p.flash.flash-error role="alert" id="restore-error" { (error) }
        }
        @if p.backups.is_empty() {
            div.empty-state { p { "There are no backups yet." } }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label="Backups" {
                table.data-table.backup-rows {
                    thead {
                        tr {
                            th scope="col" { "Taken" }
                            th scope="col" { "Size" }
                            th scope="col" { "Bikes" }
                            th scope="col" { "Makers" }
                            th scope="col" { "Admins" }
                            th scope="col" { span.visually-hidden { "Actions" } }
                        }
                    }
                    tbody {
                        @for b in p.backups {
                            tr {
                                td {
                                    (local_time(b.taken_at))
                                    @if b.before_restore { br; span.muted { "before a restore" } }
                                }
                                td data-label="Size" { (b.size_text()) }
                                @match b.counts {
                                    Some(c) => { td data-label="Bikes" { (c.bikes) } td data-label="Makers" { (c.makers) } td data-label="Admins" { (c.admins) } }
                                    None => { td colspan="3" { "cannot be read" } }
                                }
                                td.actions {
                                    a.button href={ "/admin/backups/file/" (b.name) } download=(b.name) aria-label={ "Download the backup of " (local_time(b.taken_at)) } { "Download" }
                                    @if p.owner && b.counts.is_some() {
                                        form.inline-form method="post" action="/admin/backups/pick" {
                                            (csrf_field(p.csrf_token))
                                            input type="hidden" name="name" value=(b.name);
                                            button.button type="submit" aria-label={ "Restore the backup of " (local_time(b.taken_at)) } { "Restore…" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if p.owner {
            section.card {
                h2 { "Restore from a file" }
                p { "A backup downloaded from here, or a database from the Flask course. It is checked first; you confirm on the next page." }
                form.stacked-form method="post" action="/admin/backups/restore" enctype="multipart/form-data" {
                    (csrf_field(p.csrf_token))
                    div.field {
                        label for="file" { "Backup file (up to 1 GB)" }
                        input #file type="file" name="file" required accept=".db,.sqlite,.sqlite3,application/vnd.sqlite3" aria-describedby=[p.error.map(|_| "restore-error")];
                    }
                    div.form-actions { button.button type="submit" { "Check this file" } }
                }
            }
        } @else {
            p.muted { "Only the owner (the first admin account) can restore a backup." }
        }
    }
}

fn counts_rows(c: &Counts) -> Markup {
    html! { td { (c.bikes) } td { (c.makers) } td { (c.admins) } }
}

/// The confirmation page: what the file holds beside what the site holds now.
pub fn confirm(
    source: &str,
    incoming: &Counts,
    current: &Counts,
    pending: &str,
    csrf_token: &str,
) -> Markup {
    html! {
        section.card {
            h1 { "Restore this backup?" }
            div.confirm-box role="alert" {
                p { strong { "Everything on the site will be replaced by the contents of " (source) "." } }
                p.muted { "Everyone, you included, is logged out and logs in again with the accounts in the backup. The current contents are saved as a backup first." }
            }
            div.table-wrap tabindex="0" role="region" aria-label="What changes" {
                table.data-table {
                    thead { tr { th scope="col" { span.visually-hidden { "Database" } } th scope="col" { "Bikes" } th scope="col" { "Makers" } th scope="col" { "Admins" } } }
                    tbody {
                        tr { th scope="row" { "Now" } (counts_rows(current)) }
                        tr { th scope="row" { "After the restore" } (counts_rows(incoming)) }
                    }
                }
            }
            form.stacked-form method="post" action="/admin/backups/confirm" {
                (csrf_field(csrf_token))
                input type="hidden" name="pending" value=(pending);
                div.form-actions {
                    button.button.danger type="submit" { "Restore" }
                    a.button.secondary href="/admin/backups" { "Keep the current contents" }
                }
            }
        }
    }
}
