//! The photos an import brings: named in its `photo` column and found in a
//! folder (`motodex import FILE --photos DIR`) or in a zip (the command's
//! `--photos FILE.zip`, or the zip uploaded on `/admin/import`). Finding
//! them is here; checking and processing them is `crate::photo`'s, the
//! same as for an upload; what comes out is [`Photos`], which the import
//! engine turns into a problem on each row whose photo is missing or bad.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::Arc;

use super::archive::{Archive, too_large, unsafe_name};
use super::csv_file::{CsvFile, normalise};
use super::guard::unguard;
use crate::domain::records::Photo;

/// The column that names a row's photo.
pub const PHOTO_COLUMN: &str = "photo";

/// A reader an archive can be opened on: a file or bytes in memory.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Where the photos are.
pub enum Source {
    Folder(PathBuf),
    Zip(Box<Archive<Box<dyn ReadSeek>>>),
}

impl Source {
    /// The file `name` (as the `photo` cell wrote it), at most `most`
    /// bytes, or the sentence that says why not.
    pub fn read(&mut self, name: &str, most: u64) -> Result<Vec<u8>, String> {
        if let Some(reason) = unsafe_name(name) {
            return Err(reason);
        }
        match self {
            Source::Folder(dir) => read_in_folder(dir, name, most),
            Source::Zip(archive) => archive.read(name, most)?.ok_or_else(|| {
                let hint = archive
                    .names_ending("")
                    .into_iter()
                    .find(|n| n.eq_ignore_ascii_case(name) || n.ends_with(&format!("/{name}")));
                match hint {
                    Some(other) => format!(
                        "There is no file “{name}” in the zip; did you mean “{other}”? Names must match exactly, folders included."
                    ),
                    None => format!("There is no file “{name}” in the zip."),
                }
            }),
        }
    }
}

fn read_in_folder(dir: &std::path::Path, name: &str, most: u64) -> Result<Vec<u8>, String> {
    let folder = dir.display();
    let path = dir.join(name);
    let missing = || format!("There is no file “{name}” in the photos folder {folder}.");
    // A link inside the folder that points elsewhere is followed only
    // when it stays inside the folder.
    let (Ok(real), Ok(root)) = (path.canonicalize(), dir.canonicalize()) else {
        return Err(missing());
    };
    if !real.starts_with(&root) {
        return Err(format!(
            "“{name}” leads outside the photos folder {folder}, so it is not read."
        ));
    }
    let metadata = std::fs::metadata(&real).map_err(|_| missing())?;
    if !metadata.is_file() {
        return Err(format!("“{name}” in {folder} is a folder, not a photo."));
    }
    if metadata.len() > most {
        return Err(too_large(metadata.len(), most));
    }
    std::fs::read(&real).map_err(|e| format!("“{name}” in {folder} could not be read: {e}."))
}

/// What became of each photo the file names.
#[derive(Clone, Default)]
pub struct Photos {
    /// Whether photos came with the file at all (a folder or a zip).
    pub given: bool,
    /// By the name in the `photo` cell: the processed photo, or why not.
    pub by_name: HashMap<String, Result<Arc<Photo>, String>>,
}

impl Photos {
    /// Bytes held, to bound what waits for a confirmation.
    pub fn size(&self) -> usize {
        self.by_name
            .iter()
            .map(|(name, photo)| {
                name.len()
                    + match photo {
                        Ok(photo) => photo.data.len() + photo.thumbnail.len(),
                        Err(reason) => reason.len(),
                    }
            })
            .sum()
    }
}

/// The distinct names in the file's `photo` column, in file order (a
/// photo named by two rows is processed once).
pub fn photo_names(file: &CsvFile) -> Vec<String> {
    let Some(column) = file
        .header
        .iter()
        .position(|h| normalise(unguard(h)) == PHOTO_COLUMN)
    else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    file.rows
        .iter()
        .filter_map(|row| row.cells.get(column))
        .map(|cell| unguard(cell).trim())
        .filter(|name| !name.is_empty() && seen.insert(name.to_string()))
        .map(str::to_string)
        .collect()
}

/// Opens a zip that brings an import: the one spreadsheet it holds (its
/// name and bytes) and the archive as the source of the photos.
pub fn open_zip(reader: Box<dyn ReadSeek>) -> Result<(String, Vec<u8>, Source), String> {
    let mut archive = Archive::open(reader)?;
    let sheets = archive.names_ending(".csv");
    let name = match sheets.as_slice() {
        [one] => one.clone(),
        [] if archive.is_workbook() => {
            return Err("This is an Excel workbook, not a zip with a CSV file. In Excel choose File › Save As and the type “CSV UTF-8 (Comma delimited) (*.csv)”, then import that file (in a zip with the photos, if there are any).".into());
        }
        [] => {
            return Err(
                "This zip holds no .csv file: put the spreadsheet, saved as CSV, in the zip beside the photos."
                    .into(),
            );
        }
        several => {
            return Err(format!(
                "This zip holds {} CSV files ({}); put exactly one spreadsheet in it.",
                several.len(),
                several.join(", ")
            ));
        }
    };
    let bytes = archive
        .read(&name, super::archive::MAX_ENTRY_BYTES)?
        .unwrap_or_default();
    Ok((name, bytes, Source::Zip(Box::new(archive))))
}
