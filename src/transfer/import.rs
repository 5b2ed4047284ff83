//! The spreadsheet import (SPEC §12), one engine for `motodex import` and
//! `/admin/import`: [`check`] reads every row through the form rules of
//! SPEC §5 and says what would happen (added, changed, unchanged, makers
//! created) or what is wrong, with line, column and reason; [`apply`] checks
//! again inside the write transaction and writes only when every row is
//! fine, so an import is all or nothing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::csv_file::{COLUMNS, CsvFile, PROBLEM_COLUMN, Row, column_letter, normalise};
use super::guard::unguard;
use super::photos::{PHOTO_COLUMN, Photos};
use crate::db::activity::{self, Entry};
use crate::db::{Connection, DbResult, Transaction, bikes, transfer, versions};
use crate::domain::activity::{Actor, Change, Kind, Record};
use crate::domain::records::Photo;
use crate::domain::{Engine, Id, ImageUrl, MakerName, Model, Year};

/// Problems listed at most; the rest are counted ("and N more").
pub const MAX_PROBLEMS: usize = 1000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// An unknown maker name creates the maker instead of being a problem.
    pub create_makers: bool,
    /// A row whose `bike_id` exists changes that bike.
    pub update: bool,
}

/// Something wrong with the file: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    /// The column as the spreadsheet shows it: "C (year)".
    pub column: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// What an import does (or would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub new_makers: u64,
    /// Rows that bring a photo.
    pub photos: u64,
}

impl Counts {
    /// "3 bikes added, 2 changed, 1 unchanged, 1 new maker" (`would`: "3
    /// bikes to add, 2 to change, …").
    pub fn describe(&self, would: bool) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let (add, change, same) = if would {
            ("to add", "to change", "unchanged")
        } else {
            ("added", "changed", "unchanged")
        };
        let mut parts = vec![
            format!("{} {add}", plural(self.added, "bike", "bikes")),
            format!("{} {change}", self.changed),
            format!("{} {same}", self.unchanged),
        ];
        if self.photos > 0 {
            parts.push(format!(
                "{} {}",
                plural(self.photos, "photo", "photos"),
                if would { "to store" } else { "stored" }
            ));
        }
        if self.new_makers > 0 {
            parts.push(if would {
                format!(
                    "{} to create",
                    plural(self.new_makers, "new maker", "new makers")
                )
            } else {
                format!("{} created", plural(self.new_makers, "maker", "makers"))
            });
        }
        parts.join(", ")
    }
}

/// What becomes of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Change(i64),
    Unchanged(i64),
    /// The row has a problem.
    Refused,
}

#[derive(Debug, Clone)]
enum MakerRef {
    Existing(i64),
    /// Index into [`Checked::new_makers`].
    New(usize),
}

/// A row that passed every check.
#[derive(Debug, Clone)]
struct Valid {
    maker: MakerRef,
    model: Model,
    year: Year,
    engine: Engine,
    image_url: ImageUrl,
    photo: Option<Arc<Photo>>,
}

impl Valid {
    /// The row as it is written, its new maker (if any) by the id it was
    /// given (`maker_ids`, in the order of [`Checked::new_makers`]).
    fn values<'a>(&'a self, maker_ids: &[i64]) -> transfer::BikeValues<'a> {
        transfer::BikeValues {
            maker_id: match self.maker {
                MakerRef::Existing(id) => id,
                MakerRef::New(at) => maker_ids[at],
            },
            model: self.model.as_str(),
            year: self.year.value(),
            engine: self.engine.as_str(),
            image_url: self.image_url.as_str(),
        }
    }
}

/// The outcome of [`check`].
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub counts: Counts,
    /// One per row of the file, in order.
    pub actions: Vec<Action>,
    /// The first [`MAX_PROBLEMS`] problems, in file order.
    pub problems: Vec<Problem>,
    /// How many problems there are in all.
    pub problem_count: usize,
    /// Each row's problems as one sentence (empty when fine), for the
    /// problems file.
    pub row_problems: Vec<String>,
    pub new_makers: Vec<String>,
    valid: Vec<Option<Valid>>,
}

impl Checked {
    pub fn is_fine(&self) -> bool {
        self.problem_count == 0
    }

    fn problem(&mut self, row: Option<usize>, problem: Problem) {
        if let Some(row) = row {
            let text = &mut self.row_problems[row];
            if !text.is_empty() {
                text.push(' ');
            }
            match &problem.column {
                Some(column) => text.push_str(&format!("{column}: {}", problem.reason)),
                None => text.push_str(&problem.reason),
            }
        }
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        }
    }
}

/// Reports progress: called with the rows done so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Where each known column is in the file.
#[derive(Debug, Default)]
struct Layout {
    at: HashMap<&'static str, usize>,
    /// Columns with no name, which must stay empty.
    unnamed: Vec<usize>,
    width: usize,
}

impl Layout {
    fn cell<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        let index = *self.at.get(column)?;
        Some(unguard(row.cells.get(index).map_or("", String::as_str)))
    }

    fn column(&self, header: &[String], column: &str) -> Option<String> {
        let index = *self.at.get(column)?;
        Some(column_name(header, index))
    }
}

fn column_name(header: &[String], index: usize) -> String {
    let name = header.get(index).map_or("", |n| n.trim());
    if name.is_empty() {
        column_letter(index)
    } else {
        format!("{} ({name})", column_letter(index))
    }
}

/// Reads the header: every column known, none twice, the required ones there.
fn layout(file: &CsvFile, checked: &mut Checked) -> Option<Layout> {
    let mut layout = Layout {
        width: file.header.len(),
        ..Layout::default()
    };
    let line = file.header_line;
    let mut fine = true;
    for (index, name) in file.header.iter().enumerate() {
        let normal = normalise(unguard(name));
        if normal.is_empty() {
            layout.unnamed.push(index);
            continue;
        }
        if normal == PROBLEM_COLUMN {
            continue;
        }
        let Some(known) = COLUMNS.iter().find(|c| **c == normal) else {
            checked.problem(None, Problem {
                line,
                column: Some(column_name(&file.header, index)),
                reason: format!(
                    "Unknown column “{}”. The columns are maker (or maker_id), model, year, engine, and optionally image_url, photo and bike_id.",
                    name.trim()
                ),
            });
            fine = false;
            continue;
        };
        if layout.at.insert(known, index).is_some() {
            checked.problem(
                None,
                Problem {
                    line,
                    column: Some(column_name(&file.header, index)),
                    reason: format!("The column “{known}” appears twice."),
                },
            );
            fine = false;
        }
    }
    match (
        layout.at.contains_key("maker"),
        layout.at.contains_key("maker_id"),
    ) {
        (false, false) => {
            checked.problem(
                None,
                Problem {
                    line,
                    column: None,
                    reason: "The file needs a column “maker” (the maker's name) or “maker_id”."
                        .into(),
                },
            );
            fine = false;
        }
        (true, true) => {
            checked.problem(
                None,
                Problem {
                    line,
                    column: None,
                    reason: "The file has both “maker” and “maker_id”: keep one of them.".into(),
                },
            );
            fine = false;
        }
        _ => {}
    }
    for required in ["model", "year", "engine"] {
        if !layout.at.contains_key(required) {
            checked.problem(
                None,
                Problem {
                    line,
                    column: None,
                    reason: format!("The file needs a column “{required}”."),
                },
            );
            fine = false;
        }
    }
    fine.then_some(layout)
}

/// A maker name's key, as the maker pages compare them (SPEC §6).
fn folded(name: &str) -> String {
    crate::domain::names::key(name)
}

/// The key of a maker name, worked out once per name (`keys` remembers
/// them): a file names the same few makers on every row, and making the key
/// (normalised, look-alikes folded) for each row was two thirds of the
/// check's time.
fn key_of<'k>(keys: &'k mut HashMap<String, String>, name: &str) -> &'k str {
    if !keys.contains_key(name) {
        keys.insert(name.to_string(), folded(name));
    }
    &keys[name]
}

/// Checks every row of `file` against the database as `conn` sees it,
/// and each row's photo by what became of it in `photos`.
pub fn check(
    conn: &Connection,
    file: &CsvFile,
    options: Options,
    photos: &Photos,
    progress: Progress,
) -> DbResult<Checked> {
    let rows = file.rows.len();
    let mut checked = Checked {
        actions: vec![Action::Refused; rows],
        row_problems: vec![String::new(); rows],
        valid: vec![None; rows],
        ..Checked::default()
    };
    let Some(layout) = layout(file, &mut checked) else {
        return Ok(checked);
    };
    let makers = transfer::makers(conn)?;
    // A Flask-course database may hold two makers of one name: a name
    // stands for the first, or for the bike's own maker when it has it.
    let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
    for maker in &makers {
        by_name
            .entry(folded(&maker.name))
            .or_default()
            .push(maker.maker_id);
    }
    let maker_ids: HashSet<i64> = makers.iter().map(|m| m.maker_id).collect();
    let mut new_makers: HashMap<String, usize> = HashMap::new();
    let mut keys: HashMap<String, String> = HashMap::new();
    let mut seen_ids: HashMap<i64, u64> = HashMap::new();
    let this_year = crate::domain::current_year();

    for (index, row) in file.rows.iter().enumerate() {
        if index % 1000 == 0 {
            progress(index as u64);
        }
        let line = row.line;
        let before = checked.problem_count;
        let refuse = |checked: &mut Checked, column: &str, reason: String| {
            checked.problem(
                Some(index),
                Problem {
                    line,
                    column: layout.column(&file.header, column),
                    reason,
                },
            );
        };
        if row.cells.len() != layout.width {
            checked.problem(Some(index), Problem {
                line,
                column: None,
                reason: format!(
                    "This row has {} cells but the header has {}; check for a stray separator or a missing quote.",
                    row.cells.len(),
                    layout.width
                ),
            });
            continue;
        }
        for &unnamed in &layout.unnamed {
            if !row.cells[unnamed].trim().is_empty() {
                checked.problem(
                    Some(index),
                    Problem {
                        line,
                        column: Some(column_letter(unnamed)),
                        reason: "This cell is in a column without a name in the header row.".into(),
                    },
                );
            }
        }

        let maker = if let Some(name) = layout.cell(row, "maker") {
            match MakerName::parse(name) {
                Err(reason) => {
                    refuse(&mut checked, "maker", reason);
                    None
                }
                Ok(name) => match by_name.get(key_of(&mut keys, name.as_str())) {
                    Some(ids) => Some(MakerRef::Existing(ids[0])),
                    None if options.create_makers => {
                        let next = new_makers.len();
                        let key = key_of(&mut keys, name.as_str()).to_string();
                        let at = *new_makers.entry(key).or_insert(next);
                        if at == checked.new_makers.len() {
                            checked.new_makers.push(name.as_str().to_string());
                        }
                        Some(MakerRef::New(at))
                    }
                    None => {
                        refuse(
                            &mut checked,
                            "maker",
                            format!(
                                "There is no maker “{}”. Add it on the Makers page first, or let the import create missing makers (--create-makers; on the web, the “Create makers” box).",
                                name.as_str()
                            ),
                        );
                        None
                    }
                },
            }
        } else {
            let cell = layout.cell(row, "maker_id").unwrap_or("");
            match cell.trim().parse::<Id>() {
                Ok(Id(id)) if maker_ids.contains(&id) => Some(MakerRef::Existing(id)),
                Ok(Id(id)) => {
                    refuse(
                        &mut checked,
                        "maker_id",
                        format!("There is no maker with id {id}."),
                    );
                    None
                }
                Err(()) => {
                    refuse(
                        &mut checked,
                        "maker_id",
                        "Enter the maker's id, a whole number (or use a column “maker” with its name).".into(),
                    );
                    None
                }
            }
        };
        let model = Model::parse(layout.cell(row, "model").unwrap_or(""))
            .map_err(|reason| refuse(&mut checked, "model", reason))
            .ok();
        let year = Year::parse(layout.cell(row, "year").unwrap_or(""), this_year)
            .map_err(|reason| refuse(&mut checked, "year", reason))
            .ok();
        let engine = Engine::parse(layout.cell(row, "engine").unwrap_or(""))
            .map_err(|reason| refuse(&mut checked, "engine", reason))
            .ok();
        let bike_id = match layout.cell(row, "bike_id").map(str::trim) {
            None | Some("") => None,
            Some(cell) => match cell.parse::<Id>() {
                Err(()) => {
                    refuse(
                        &mut checked,
                        "bike_id",
                        "A bike_id is a whole number; leave it empty to add a new bike.".into(),
                    );
                    None
                }
                Ok(_) if !options.update => {
                    refuse(
                        &mut checked,
                        "bike_id",
                        "A bike_id is only used to change existing bikes: let the import update bikes (--update; on the web, the “Update existing bikes” box), or empty this column to add the rows as new bikes.".into(),
                    );
                    None
                }
                Ok(Id(id)) => {
                    if let Some(first) = seen_ids.insert(id, line) {
                        refuse(
                            &mut checked,
                            "bike_id",
                            format!("Bike {id} is already changed by line {first}."),
                        );
                        None
                    } else {
                        match transfer::bike(conn, id)? {
                            Some(current) => Some((id, current)),
                            None => {
                                refuse(
                                    &mut checked,
                                    "bike_id",
                                    format!(
                                        "There is no bike {id} (it may have been deleted). Empty the bike_id to add this row as a new bike."
                                    ),
                                );
                                None
                            }
                        }
                    }
                }
            },
        };
        // A file without an image_url column leaves the pictures of the
        // bikes it changes alone (a sample drawing, an uploaded photo);
        // an empty cell in that column removes one.
        let image_url = match (layout.cell(row, "image_url"), &bike_id) {
            (None, Some((_, current))) => ImageUrl::parse(current.image_url.trim()),
            (cell, _) => ImageUrl::parse(cell.unwrap_or("")),
        }
        .map_err(|reason| refuse(&mut checked, "image_url", reason))
        .ok();
        let photo = match layout.cell(row, PHOTO_COLUMN).map(str::trim) {
            None | Some("") => None,
            Some(_)
                if layout
                    .cell(row, "image_url")
                    .is_some_and(|cell| !cell.trim().is_empty()) =>
            {
                refuse(
                    &mut checked,
                    PHOTO_COLUMN,
                    "This row has both an image_url and a photo: keep one of them.".into(),
                );
                None
            }
            Some(_) if !photos.given => {
                refuse(
                    &mut checked,
                    PHOTO_COLUMN,
                    "This row names a photo, but no photos came with the file: import a zip holding the CSV file and the photos (on the command line, or --photos with the folder or zip of photos).".into(),
                );
                None
            }
            Some(name) => match photos.by_name.get(name) {
                Some(Ok(photo)) => Some(Arc::clone(photo)),
                Some(Err(reason)) => {
                    refuse(&mut checked, PHOTO_COLUMN, format!("“{name}”: {reason}"));
                    None
                }
                None => {
                    refuse(
                        &mut checked,
                        PHOTO_COLUMN,
                        format!("The photo “{name}” was not found."),
                    );
                    None
                }
            },
        };
        if checked.problem_count > before {
            continue;
        }
        let (Some(mut maker), Some(model), Some(year), Some(engine), Some(image_url)) =
            (maker, model, year, engine, image_url)
        else {
            continue;
        };
        if let (MakerRef::Existing(first), Some((_, current)), Some(name)) =
            (&maker, &bike_id, layout.cell(row, "maker"))
            && *first != current.maker_id
            && by_name
                .get(&folded(name))
                .is_some_and(|ids| ids.contains(&current.maker_id))
        {
            maker = MakerRef::Existing(current.maker_id);
        }
        let action = match &bike_id {
            None => Action::Add,
            Some((id, current)) => {
                // Compared as the forms would store them: a stored value
                // that differs only by surrounding spaces (an old row
                // written by hand) is unchanged, so an exported file
                // imported again changes nothing.
                let same = photo.is_none()
                    && matches!(maker, MakerRef::Existing(m) if m == current.maker_id)
                    && current.model.trim() == model.as_str()
                    && current.year.trim() == year.value().to_string()
                    && current.engine.trim() == engine.as_str()
                    && current.image_url.trim() == image_url.as_str();
                if same {
                    Action::Unchanged(*id)
                } else {
                    Action::Change(*id)
                }
            }
        };
        match action {
            Action::Add => checked.counts.added += 1,
            Action::Change(_) => checked.counts.changed += 1,
            Action::Unchanged(_) => checked.counts.unchanged += 1,
            Action::Refused => {}
        }
        if photo.is_some() {
            checked.counts.photos += 1;
        }
        checked.actions[index] = action;
        checked.valid[index] = Some(Valid {
            maker,
            model,
            year,
            engine,
            image_url,
            photo,
        });
    }
    checked.counts.new_makers = checked.new_makers.len() as u64;
    progress(rows as u64);
    Ok(checked)
}

/// Checks `file` again inside the transaction and, when every row is fine,
/// writes it: the makers to create, the changed bikes and the new ones (each
/// kind with one statement, see `db::transfer::add_bikes`), then the
/// photos. Returns what was done, or the check with its problems (nothing
/// written). Writes the import and its one activity entry (every maker
/// and bike it added or changed, before and after), so that one undo takes
/// the whole import back, photos included. Returns the counts and the
/// entry's id.
pub fn apply(
    tx: &Transaction,
    actor: &Actor,
    file: &CsvFile,
    options: Options,
    photos: &Photos,
    checking: Progress,
    writing: Progress,
) -> DbResult<Result<(Counts, i64), Checked>> {
    let checked = check(tx, file, options, photos, checking)?;
    if !checked.is_fine() {
        return Ok(Err(checked));
    }
    let mut changes = Vec::new();
    let mut maker_ids = Vec::with_capacity(checked.new_makers.len());
    for name in &checked.new_makers {
        let maker_id = transfer::add_maker(tx, name)?;
        maker_ids.push(maker_id);
        changes.push(Change {
            record: Record::Maker,
            id: maker_id,
            before: None,
            after: Some(versions::maker_json(name)),
        });
    }
    let logged = |tx: &Transaction, bike_id| -> DbResult<_> {
        Ok(bikes::get(tx, bike_id)?.map(|bike| versions::bike_json(&bike)))
    };
    // The rows to write, in file order; each bike's values before the
    // change are read first, for the entry.
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut before = HashMap::new();
    for (action, valid) in checked.actions.iter().zip(&checked.valid) {
        let Some(valid) = valid else { continue };
        match action {
            Action::Add => added.push(valid.values(&maker_ids)),
            Action::Change(id) => {
                before.insert(*id, logged(tx, *id)?);
                changed.push((*id, valid.values(&maker_ids)));
            }
            Action::Unchanged(_) | Action::Refused => {}
        }
    }
    writing(0);
    transfer::update_bikes(tx, &changed)?;
    let added_ids = transfer::add_bikes(tx, &added)?;
    // Which bike each written row is (with its values before), in file
    // order, and its photo stored.
    let mut next_added = added_ids.iter().copied();
    let mut written = Vec::with_capacity(added.len() + changed.len());
    for (action, valid) in checked.actions.iter().zip(&checked.valid) {
        let Some(valid) = valid else { continue };
        let (bike_id, before) = match action {
            Action::Add => match next_added.next() {
                Some(id) => (id, None),
                None => continue,
            },
            Action::Change(id) => (*id, before.remove(id).flatten()),
            Action::Unchanged(_) | Action::Refused => continue,
        };
        if let Some(photo) = &valid.photo {
            transfer::set_photo(tx, bike_id, photo)?;
        }
        written.push((bike_id, before));
    }
    // The added bikes as stored, read back in one pass over their ids
    // rather than looked up one by one.
    let mut stored = Vec::with_capacity(added_ids.len());
    if let (Some(&first), Some(&last)) = (added_ids.first(), added_ids.last()) {
        transfer::each_bike_between(tx, first, last, |bike| {
            stored.push((bike.bike_id, versions::bike_json(&bike)));
        })?;
    }
    let mut stored = stored.into_iter().peekable();
    for (index, (bike_id, before)) in written.into_iter().enumerate() {
        if index % 1000 == 0 {
            writing(index as u64);
        }
        let after = match stored.next_if(|(id, _)| *id == bike_id) {
            Some((_, after)) => Some(after),
            None => logged(tx, bike_id)?,
        };
        changes.push(Change {
            record: Record::Bike,
            id: bike_id,
            before,
            after,
        });
    }
    let entry_id = activity::record(
        tx,
        actor,
        Entry {
            kind: Kind::Import,
            action: "import",
            record_id: None,
            description: format!("imported a spreadsheet: {}", checked.counts.describe(false)),
            changes,
            undoes: Vec::new(),
        },
    )?;
    writing(file.rows.len() as u64);
    Ok(Ok((checked.counts, entry_id)))
}

/// The problems file: the original rows with a `problem` column, formula
/// guard and all, to fix in the spreadsheet and import again. (Problems of
/// the header row are on the preview only: no row could carry them.)
pub fn problems_csv(file: &CsvFile, checked: &Checked) -> Vec<u8> {
    use super::export::{BOM, csv_writer};
    use super::guard::guard;
    let mut out = BOM.to_vec();
    {
        let mut writer = csv_writer(&mut out);
        let header_has_problem = file
            .header
            .iter()
            .position(|h| normalise(h) == PROBLEM_COLUMN);
        let keep = |(i, _): &(usize, &String)| Some(*i) != header_has_problem;
        // As wide as the widest row, so that no cell is lost and the
        // problem is always the last column.
        let width = file
            .rows
            .iter()
            .map(|r| r.cells.iter().enumerate().filter(keep).count())
            .chain([file.header.iter().enumerate().filter(keep).count()])
            .max()
            .unwrap_or(0);
        let mut header: Vec<String> = file
            .header
            .iter()
            .enumerate()
            .filter(keep)
            .map(|(_, h)| guard(h).into_owned())
            .collect();
        header.resize(width, String::new());
        header.push(PROBLEM_COLUMN.to_string());
        let _ = writer.write_record(&header);
        for (row, problem) in file.rows.iter().zip(&checked.row_problems) {
            let mut cells: Vec<String> = row
                .cells
                .iter()
                .enumerate()
                .filter(keep)
                .map(|(_, c)| guard(unguard(c)).into_owned())
                .collect();
            cells.resize(width, String::new());
            cells.push(guard(problem).into_owned());
            let _ = writer.write_record(&cells);
        }
        let _ = writer.flush();
    }
    out
}

/// The template: the header and two example rows.
pub fn template_csv() -> Vec<u8> {
    use super::export::{BOM, csv_writer};
    let mut out = BOM.to_vec();
    {
        let mut writer = csv_writer(&mut out);
        for row in [
            ["maker", "model", "year", "engine", "image_url"],
            ["Honda", "CB500F", "2022", "471cc", ""],
            [
                "Zero",
                "SR/F",
                "2023",
                "Electric",
                "https://example.com/zero-srf.jpg",
            ],
        ] {
            let _ = writer.write_record(row);
        }
        let _ = writer.flush();
    }
    out
}
