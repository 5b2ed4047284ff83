//! The admin's import and export page, and an import's preview: what would
//! be added and changed, the first rows, and every problem with its line
//! and column, before anything is written.

use maud::{Markup, html};

use super::layout::csrf_field;
use crate::transfer::csv_file::CsvFile;
use crate::transfer::import::{Action, Checked, Options};

/// Rows the preview shows.
pub const PREVIEW_ROWS: usize = 20;

/// `GET /admin/import`, or the form again with why the file was refused.
pub fn import_form(csrf_token: &str, options: Options, error: Option<&str>) -> Markup {
    html! {
        div.page-head { h1 { "Import & export" } }
        section.card {
            h2 { "Export" }
            p { "Every bike as a spreadsheet (CSV, UTF-8), to open in Excel or LibreOffice, or to change and import again." }
            div.form-actions {
                a.button href="/admin/export.csv" download { "Download all bikes (CSV)" }
            }
        }
        section.card {
            h2 { "Import from a spreadsheet" }
            p {
                "A CSV file with a header row: " code { "maker" } " (or " code { "maker_id" } "), "
                code { "model" } ", " code { "year" } ", " code { "engine" } ", and optionally "
                code { "image_url" } ", " code { "photo" } " and " code { "bike_id" } ". Comma, semicolon or tab separated. "
                "You will see what would change before anything is imported."
            }
            p {
                "With photos: put the CSV file and the photos in one zip, and name each row's photo in its "
                code { "photo" } " column (" code { "honda-cb500f.jpg" } ", or " code { "photos/honda-cb500f.jpg" }
                " when it is in a folder of the zip). Each photo is checked and resized as an upload is."
            }
            p { a href="/admin/import/template.csv" download { "Download a template" } " with the header and two example rows." }
            (upload_form(csrf_token, options, error))
        }
    }
}

fn upload_form(csrf_token: &str, options: Options, error: Option<&str>) -> Markup {
    html! {
        form.stacked-form method="post" action="/admin/import" enctype="multipart/form-data" {
            (csrf_field(csrf_token))
            div.field.has-error[error.is_some()] {
                label for="file" { "CSV file (at most 5 MB), or a zip with the CSV file and its photos (at most 50 MB)" }
                input #file type="file" name="file" accept=".csv,text/csv,.zip,application/zip" required
                    aria-invalid=[error.map(|_| "true")] aria-describedby="file-hint file-error";
                p.hint #file-hint { "In Excel: File › Save As › “CSV UTF-8 (Comma delimited)”." }
                @if let Some(error) = error {
                    p.field-error #file-error { (error) }
                }
            }
            div.checkbox-field {
                input #create_makers type="checkbox" name="create_makers" value="1" checked[options.create_makers];
                label for="create_makers" { "Create makers the file names that do not exist yet" }
            }
            div.checkbox-field {
                input #update type="checkbox" name="update" value="1" checked[options.update];
                label for="update" { "Update existing bikes (rows with a " code { "bike_id" } ")" }
            }
            div.form-actions { button.button.primary type="submit" { "Check the file" } }
        }
    }
}

fn action_label(action: Action) -> &'static str {
    match action {
        Action::Add => "new",
        Action::Change(_) => "change",
        Action::Unchanged(_) => "unchanged",
        Action::Refused => "problem",
    }
}

/// What the preview needs besides the check.
pub struct Preview<'a> {
    pub csrf_token: &'a str,
    pub token: &'a str,
    pub name: &'a str,
    pub options: Options,
    pub file: &'a CsvFile,
    pub checked: &'a Checked,
}

/// `POST /admin/import`: the preview.
pub fn preview(p: &Preview) -> Markup {
    let counts = p.checked.counts;
    let shown = p.file.rows.len().min(PREVIEW_ROWS);
    html! {
        div.page-head { h1 { "Import " (p.name) } }
        @if p.checked.is_fine() {
            p.flash.flash-ok role="status" { "Every row is fine. Nothing has been imported yet: check the counts and the rows, then import." }
        } @else {
            p.flash.flash-error role="alert" {
                (p.checked.problem_count) @if p.checked.problem_count == 1 { " problem" } @else { " problems" }
                " found, so nothing can be imported. Fix them in the spreadsheet and upload the file again."
            }
        }
        section.card {
            h2 { "What the import does" }
            dl.specs {
                div { dt { "New bikes" } dd { (counts.added) } }
                div { dt { "Changed bikes" } dd { (counts.changed) } }
                div { dt { "Unchanged bikes" } dd { (counts.unchanged) } }
                @if counts.photos > 0 {
                    div { dt { "Photos" } dd { (counts.photos) } }
                }
                div { dt { "New makers" } dd {
                    (counts.new_makers)
                    @if !p.checked.new_makers.is_empty() {
                        " (" (p.checked.new_makers.iter().take(20).cloned().collect::<Vec<_>>().join(", "))
                        @if p.checked.new_makers.len() > 20 { ", …" }
                        ")"
                    }
                } }
                div { dt { "Options" } dd {
                    @if p.options.create_makers { "create missing makers" } @else { "makers must exist" }
                    "; "
                    @if p.options.update { "update bikes by bike_id" } @else { "add new bikes only" }
                } }
            }
            @if p.checked.is_fine() {
                form method="post" action="/admin/import/confirm" {
                    (csrf_field(p.csrf_token))
                    input type="hidden" name="token" value=(p.token);
                    div.form-actions {
                        button.button.primary type="submit" { "Import " (counts.added + counts.changed) " bikes" }
                        a.button.secondary href="/admin/import" { "Cancel" }
                    }
                }
            }
        }
        @if !p.checked.is_fine() {
            section.card {
                h2 { "Problems" }
                p { a href={ "/admin/import/" (p.token) "/problems.csv" } download { "Download the rows with their problems (CSV)" } ", fix them in the spreadsheet and upload the file again." }
                ul.problem-list {
                    @for problem in &p.checked.problems {
                        li {
                            strong { "Line " (problem.line) @if let Some(column) = &problem.column { ", column " (column) } ": " }
                            (problem.reason)
                        }
                    }
                }
                @let more = p.checked.problem_count - p.checked.problems.len();
                @if more > 0 {
                    p { "and " (more) " more." }
                }
            }
        }
        h2 { "The first " (shown) " of " (p.file.rows.len()) " rows" }
        div.table-wrap tabindex="0" role="region" aria-label="The first rows of the file" {
            table.data-table {
                thead {
                    tr {
                        th scope="col" { "Line" }
                        th scope="col" { "Result" }
                        @for name in &p.file.header { th scope="col" { (name) } }
                    }
                }
                tbody {
                    @for (row, action) in p.file.rows.iter().zip(&p.checked.actions).take(shown) {
                        tr {
                            td { (row.line) }
                            td { (action_label(*action)) }
                            @for cell in &row.cells { td { (cell) } }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "Upload another file" }
            (upload_form(p.csrf_token, p.options, None))
        }
    }
}
