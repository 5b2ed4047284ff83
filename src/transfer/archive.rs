//! Reading a `.zip` that brings an import its spreadsheet and photos, with
//! limits checked on the archive's directory before anything is unpacked
//! (how many entries, how large each and all of them claim to be, how
//! much each claims to grow) and again while unpacking, since a hostile
//! archive may lie about its sizes. Entry names that could point outside
//! the archive (`..`, an absolute path, a backslash, a drive letter) make
//! the whole archive refused: an honest archiver never writes them.

use std::collections::HashMap;
use std::io::{Read, Seek};

/// Entries an archive may hold (a spreadsheet and its photos, and the
/// folders and system files archivers add).
pub const MAX_ENTRIES: usize = 10_000;
/// What one entry may unpack to; a photo is refused at 5 MB anyway, by
/// the photo checks, with its own sentence on its row.
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// What all the entries together may unpack to.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// How much an entry may grow when unpacked. Photos barely shrink when
/// zipped and a spreadsheet shrinks about tenfold; a thousandfold is a
/// "zip bomb", a small file that would fill the memory.
pub const MAX_RATIO: u64 = 100;
/// Below this, an entry's ratio is not held against it: a few kilobytes
/// cannot fill anything.
const RATIO_FLOOR: u64 = 64 * 1024;

/// An opened archive whose directory passed every limit.
pub struct Archive<R> {
    zip: zip::ZipArchive<R>,
    /// Entry names (as written, folders and system files left out) to
    /// their index and declared size.
    files: HashMap<String, (usize, u64)>,
}

/// An entry motodex cannot unpack.
enum Packing {
    Encrypted,
    Unknown,
}

/// Whether `bytes` start as a zip file does.
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Why a name is not a safe relative path inside an archive or a folder,
/// as the sentence that says so; `None` when it is one.
pub fn unsafe_name(name: &str) -> Option<String> {
    let reason = if name.contains('\\') {
        "it contains a backslash"
    } else if name.starts_with('/') {
        "it is an absolute path"
    } else if name.as_bytes().get(1) == Some(&b':') {
        "it starts with a drive letter"
    } else if name.split('/').any(|part| part == "..") {
        "it climbs out of its folder with “..”"
    } else if name.chars().any(char::is_control) {
        "it contains a control character"
    } else {
        return None;
    };
    Some(format!(
        "The name “{}” is refused: {reason}.",
        name.escape_debug()
    ))
}

/// Folders and the files operating systems add on their own (macOS's
/// `__MACOSX/` copies and `.DS_Store`, Windows's `Thumbs.db`), which an
/// import ignores.
fn is_system_file(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    name.starts_with("__MACOSX/")
        || last == ".DS_Store"
        || last.eq_ignore_ascii_case("Thumbs.db")
        || last.eq_ignore_ascii_case("desktop.ini")
}

fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

impl<R: Read + Seek> Archive<R> {
    /// Opens the archive and checks its directory against the limits, or
    /// says in one sentence why it is refused.
    pub fn open(reader: R) -> Result<Archive<R>, String> {
        let mut zip = zip::ZipArchive::new(reader).map_err(|_| {
            "This file starts like a zip or an Excel workbook but cannot be read as one: it may be damaged or incomplete. Import a CSV file (in Excel: File › Save As › “CSV UTF-8”), or make the zip again.".to_string()
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(format!(
                "This zip holds {} entries; at most {MAX_ENTRIES} are allowed. Import the photos in several parts.",
                zip.len()
            ));
        }
        // Every name is checked before any size, so that a hostile name is
        // named as such; then the total, then each entry.
        let mut entries = Vec::with_capacity(zip.len());
        for index in 0..zip.len() {
            let entry = zip.by_index_raw(index).map_err(|_| {
                "This zip file cannot be read: its directory is damaged.".to_string()
            })?;
            let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            if let Some(reason) = unsafe_name(&name) {
                return Err(format!(
                    "This zip is refused, so nothing was imported: it holds an entry that could point outside the archive. {reason}"
                ));
            }
            if entry.is_dir() || is_system_file(&name) {
                continue;
            }
            let packing = entry.encrypted().then_some(Packing::Encrypted).or_else(|| {
                (!matches!(
                    entry.compression(),
                    zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
                ))
                .then_some(Packing::Unknown)
            });
            entries.push((name, index, entry.size(), entry.compressed_size(), packing));
        }
        let total = entries
            .iter()
            .fold(0u64, |sum, entry| sum.saturating_add(entry.2));
        if total > MAX_TOTAL_BYTES {
            return Err(format!(
                "This zip is refused: its files would unpack to more than {} MB, the most an import takes. Import the photos in several parts.",
                megabytes(MAX_TOTAL_BYTES)
            ));
        }
        let mut files = HashMap::new();
        for (name, index, size, compressed, packing) in entries {
            match packing {
                Some(Packing::Encrypted) => {
                    return Err(format!(
                        "This zip is refused: “{name}” is protected by a password. Make the zip without a password."
                    ));
                }
                Some(Packing::Unknown) => {
                    return Err(format!(
                        "This zip is refused: “{name}” is packed with a method motodex does not read. Make the zip with your system's “Compress” or “Send to › Compressed folder”."
                    ));
                }
                None => {}
            }
            if size > MAX_ENTRY_BYTES {
                return Err(format!(
                    "This zip is refused: “{name}” would unpack to {} MB; at most {} MB per file are allowed.",
                    megabytes(size),
                    megabytes(MAX_ENTRY_BYTES)
                ));
            }
            let ratio = size / compressed.max(1);
            if size > RATIO_FLOOR && ratio > MAX_RATIO {
                return Err(format!(
                    "This zip is refused: “{name}” would grow {ratio} times when unpacked (a “zip bomb”); photos and spreadsheets never do."
                ));
            }
            files.insert(name, (index, size));
        }
        Ok(Archive { zip, files })
    }

    /// The names of the entries whose name ends with `suffix` (ignoring
    /// case), sorted.
    pub fn names_ending(&self, suffix: &str) -> Vec<String> {
        let suffix = suffix.to_ascii_lowercase();
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter(|n| n.to_ascii_lowercase().ends_with(&suffix))
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Whether the archive holds a workbook's parts rather than files of
    /// one's own (an `.xlsx` is a zip).
    pub fn is_workbook(&self) -> bool {
        self.files.contains_key("[Content_Types].xml")
    }

    /// The entry `name`, unpacked; `Ok(None)` when there is none. An entry
    /// larger than `most` bytes is refused with its size in megabytes.
    pub fn read(&mut self, name: &str, most: u64) -> Result<Option<Vec<u8>>, String> {
        let Some(&(index, size)) = self.files.get(name) else {
            return Ok(None);
        };
        if size > most {
            return Err(too_large(size, most));
        }
        let damaged = || format!("“{name}” in the zip is damaged; make the zip again.");
        let entry = self.zip.by_index(index).map_err(|_| damaged())?;
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // Never more than the directory declared, whatever the stream says.
        entry
            .take(size + 1)
            .read_to_end(&mut data)
            .map_err(|_| damaged())?;
        if data.len() as u64 != size {
            return Err(damaged());
        }
        Ok(Some(data))
    }
}

/// "This photo is 7 MB; the largest allowed is 5 MB."
pub fn too_large(size: u64, most: u64) -> String {
    format!(
        "This file is {:.1} MB; the largest allowed is {} MB.",
        size as f64 / (1024.0 * 1024.0),
        megabytes(most)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_the_folder_are_refused() {
        for name in [
            "../evil.jpg",
            "photos/../../evil.jpg",
            "/etc/passwd",
            "C:/Windows/evil.jpg",
            "c:evil.jpg",
            "photos\\..\\evil.jpg",
            "a\u{0}b.jpg",
        ] {
            assert!(unsafe_name(name).is_some(), "{name}");
        }
        for name in ["honda.jpg", "photos/honda cb500.jpg", "a..b.jpg", "ü.png"] {
            assert_eq!(unsafe_name(name), None, "{name}");
        }
    }

    #[test]
    fn system_files_are_ignored() {
        assert!(is_system_file("__MACOSX/photos/._a.jpg"));
        assert!(is_system_file("photos/.DS_Store"));
        assert!(is_system_file("Thumbs.db"));
        assert!(!is_system_file("photos/a.jpg"));
    }
}
