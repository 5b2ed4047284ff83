//! `motodex export-site DIR` (SPEC §12): the public catalogue as plain
//! files, made by the live site's own page templates with [`Links::Files`]
//! (relative file names instead of paths), so that it works opened from a
//! USB stick (`file://`) or put on any static host:
//!
//! ```text
//! index.html, page-2.html, …        the catalogue, 12 bikes a page
//! makers/<id>.html, <id>-page-2.html each maker's bikes (instead of the filter)
//! bikes/<id>.html                    a page per bike
//! images/<id>.jpg, <id>-small.jpg    the photos and their thumbnails
//! static/…                           the stylesheet, icons and search.js
//! search.html, search-index.js       the search: a script and a JSON index
//! ```
//!
//! Everything is read in one snapshot of the database, so the pages agree
//! with each other even while the site is being changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::assets;
use crate::db::{Db, DbError, DbResult, catalogue, images, makers, settings};
use crate::domain::records::{Bike, Filter, Maker};
use crate::views::catalogue::{PAGE_SIZE, bike_page_with, card_image, listing, search_page};
use crate::views::links::{Links, files};
use crate::views::{Chrome, layout};

/// The folders and files an export writes: with `--force`, these are
/// replaced, and anything else in the folder is kept.
const OWN_FOLDERS: [&str; 4] = ["bikes", "makers", "images", "static"];

/// What was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub pages: u64,
    pub bikes: u64,
    pub photos: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{0} is not empty")]
    NotEmpty(PathBuf),
    #[error("{0} is a file, not a folder")]
    NotAFolder(PathBuf),
    #[error("{path} could not be written: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Reports progress: called with the steps done and the steps in all.
pub type Progress<'a> = &'a dyn Fn(u64, u64);

/// One bike in the search index, as the search page shows it, with its
/// model and maker name folded by motodex's own rule ([`catalogue::fold`]):
/// JavaScript's `toLowerCase` folds some letters otherwise (`ſ`, a final
/// `Σ`, `İ`), and the exported search must find what the live one finds.
#[derive(Serialize)]
struct Entry<'a> {
    href: String,
    img: String,
    alt: String,
    maker: &'a str,
    model: &'a str,
    year: &'a str,
    engine: &'a str,
    maker_folded: String,
    model_folded: String,
}

/// Writes the site into `dir`; see the module documentation.
pub fn export(db: &Db, dir: &Path, force: bool, progress: Progress) -> Result<Exported, SiteError> {
    prepare(dir, force)?;
    let mut failed = None;
    // One read: every page of the site from the same snapshot, even while
    // an admin writes.
    let exported = db.read_now(|conn| {
        let mut out = Out {
            dir,
            failed: &mut failed,
            done: 0,
            total: 0,
            progress,
        };
        write_site(conn, &mut out)
    })?;
    match failed {
        Some(err) => Err(err),
        None => Ok(exported),
    }
}

/// Refuses a folder that is not empty unless `force`; then clears what a
/// previous export wrote, so pages of deleted bikes do not linger.
fn prepare(dir: &Path, force: bool) -> Result<(), SiteError> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SiteError::Write { path, source }
    };
    if dir.exists() && !dir.is_dir() {
        return Err(SiteError::NotAFolder(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(write_error(dir))?
        .filter_map(Result::ok)
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(SiteError::NotEmpty(dir.to_path_buf()));
    }
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if OWN_FOLDERS.contains(&name.as_str()) && path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(write_error(&path))?;
        } else if is_own_file(&name) && path.is_file() {
            std::fs::remove_file(&path).map_err(write_error(&path))?;
        }
    }
    Ok(())
}

/// `index.html`, `page-N.html`, `search.html`, `search-index.js`.
fn is_own_file(name: &str) -> bool {
    name == "index.html"
        || name == files::SEARCH
        || name == files::SEARCH_INDEX
        || name
            .strip_prefix("page-")
            .and_then(|rest| rest.strip_suffix(".html"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes files under the export's folder, remembering the first failure
/// (after which nothing more is written) and counting progress.
struct Out<'a> {
    dir: &'a Path,
    failed: &'a mut Option<SiteError>,
    done: u64,
    total: u64,
    progress: Progress<'a>,
}

impl Out<'_> {
    /// False once a write has failed.
    fn write(&mut self, name: &str, bytes: &[u8]) -> bool {
        if self.failed.is_some() {
            return false;
        }
        let path = self.dir.join(name);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, bytes));
        if let Err(source) = written {
            *self.failed = Some(SiteError::Write { path, source });
            return false;
        }
        true
    }

    fn step(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(500) || self.done == self.total {
            (self.progress)(self.done, self.total);
        }
    }
}

fn extension(content_type: &str) -> Option<&'static str> {
    match content_type {
        "image/jpeg" => Some("jpg"),
        "image/png" => Some("png"),
        "image/gif" => Some("gif"),
        "image/webp" => Some("webp"),
        _ => None,
    }
}

fn write_site(conn: &crate::db::Connection, out: &mut Out) -> DbResult<Exported> {
    let site = settings::site(conn)?;
    let usage = makers::list_with_usage(conn)?;
    let makers: Vec<Maker> = usage
        .iter()
        .map(|m| Maker {
            maker_id: m.maker_id,
            name: m.name.clone(),
        })
        .collect();
    let bikes: u64 = usage.iter().map(|m| m.bikes as u64).sum();
    let list_pages = |n: u64| n.div_ceil(PAGE_SIZE).max(1);
    let photo_count = images::count_shown(conn)?;
    out.total = photo_count
        + bikes
        + list_pages(bikes)
        + usage
            .iter()
            .map(|m| list_pages(m.bikes as u64))
            .sum::<u64>()
        + 1;
    let mut exported = Exported::default();

    assets::each(|name, data| {
        out.write(&files::asset(name), data);
    });

    let mut photos = HashMap::new();
    images::each_shown(conn, |image_id, content_type, data, thumbnail| {
        if let Some(extension) = extension(content_type) {
            let fine = out.write(&files::photo(image_id, extension, false), data)
                && out.write(&files::photo(image_id, extension, true), thumbnail);
            photos.insert(image_id, extension);
            exported.photos += 1;
            out.step();
            fine
        } else {
            true
        }
    })?;

    let top = Links::Files {
        up: "",
        photos: &photos,
    };
    let below = Links::Files {
        up: "../",
        photos: &photos,
    };
    let page = |links: Links, title: &str, content| {
        layout::page(&Chrome::exported(title, &site, links), content).into_string()
    };

    let mut index = Vec::with_capacity(usize::try_from(bikes).unwrap_or(0));
    let mut example: Option<Bike> = None;
    // The catalogue's pages, each bike's page, and the index, in the
    // catalogue's order (which the search keeps).
    let everything = Filter::default();
    let pages = list_pages(bikes);
    for number in 1..=pages {
        let results = catalogue::search(conn, &everything, number, PAGE_SIZE)?;
        let content = listing(&crate::views::catalogue::Listing {
            links: top,
            makers: &makers,
            filter: &everything,
            results: &results,
        });
        if !out.write(
            &files::catalogue(number),
            page(top, "Motorbikes", content).as_bytes(),
        ) {
            return Ok(exported);
        }
        exported.pages += 1;
        out.step();
        for bike in &results.items {
            let title = format!("{} {}", bike.maker, bike.model);
            let html = page(below, &title, bike_page_with(&below, bike));
            if !out.write(&files::bike(bike.bike_id), html.as_bytes()) {
                return Ok(exported);
            }
            let (img, alt) = card_image(&top, bike);
            index.push(
                serde_json::to_string(&Entry {
                    href: files::bike(bike.bike_id),
                    img: img.into_owned(),
                    alt: alt.to_string(),
                    maker: &bike.maker,
                    model: &bike.model,
                    year: &bike.year,
                    engine: &bike.engine,
                    maker_folded: catalogue::fold(&bike.maker),
                    model_folded: catalogue::fold(&bike.model),
                })
                .unwrap_or_default(),
            );
            exported.bikes += 1;
            exported.pages += 1;
            out.step();
        }
        if example.is_none() {
            example = results.items.first().cloned();
        }
    }

    for maker in &makers {
        let filter = Filter {
            maker_id: Some(maker.maker_id),
            search: String::new(),
        };
        let count = usage
            .iter()
            .find(|m| m.maker_id == maker.maker_id)
            .map_or(0, |m| m.bikes as u64);
        for number in 1..=list_pages(count) {
            let results = catalogue::search(conn, &filter, number, PAGE_SIZE)?;
            let content = listing(&crate::views::catalogue::Listing {
                links: below,
                makers: &makers,
                filter: &filter,
                results: &results,
            });
            let html = page(below, &maker.name, content);
            if !out.write(&files::maker(maker.maker_id, number), html.as_bytes()) {
                return Ok(exported);
            }
            exported.pages += 1;
            out.step();
        }
    }

    let search = page(top, "Search", search_page(&top, example.as_ref()));
    out.write(files::SEARCH, search.as_bytes());
    exported.pages += 1;
    let mut script = String::with_capacity(index.iter().map(|e| e.len() + 2).sum::<usize>() + 64);
    script.push_str("window.motodexIndex = {\"bikes\": [\n");
    script.push_str(&index.join(",\n"));
    script.push_str("\n]};\n");
    out.write(files::SEARCH_INDEX, script.as_bytes());
    out.step();
    Ok(exported)
}
