//! Where the catalogue's links point. The live site links by path (`/`,
//! `/bikes/3`, `/static/style.css?v=…`); a site exported as plain files
//! (`motodex export-site`) links by relative file names (`../bikes/3.html`,
//! `../images/7-small.jpg`), so the same page templates work from a USB
//! stick (`file://`), where there is no server to find `index.html` in a
//! folder or to answer a query string.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::assets;
use crate::domain::records::Filter;

/// The links of the live site, or of exported files.
#[derive(Clone, Copy)]
pub enum Links<'a> {
    Live,
    Files {
        /// From the page's folder to the site's top: `""` or `"../"`.
        up: &'a str,
        /// The exported photos: image id to file extension.
        photos: &'a HashMap<i64, &'static str>,
    },
}

/// File names of the exported site, relative to its top folder.
pub mod files {
    /// The catalogue's page `page`.
    pub fn catalogue(page: u64) -> String {
        if page <= 1 {
            "index.html".to_string()
        } else {
            format!("page-{page}.html")
        }
    }

    /// Page `page` of a maker's bikes.
    pub fn maker(maker_id: i64, page: u64) -> String {
        if page <= 1 {
            format!("makers/{maker_id}.html")
        } else {
            format!("makers/{maker_id}-page-{page}.html")
        }
    }

    pub fn bike(bike_id: i64) -> String {
        format!("bikes/{bike_id}.html")
    }

    /// A stored photo, or its thumbnail.
    pub fn photo(image_id: i64, extension: &str, thumbnail: bool) -> String {
        if thumbnail {
            format!("images/{image_id}-small.{extension}")
        } else {
            format!("images/{image_id}.{extension}")
        }
    }

    pub fn asset(name: &str) -> String {
        format!("static/{name}")
    }

    pub const SEARCH: &str = "search.html";
    /// The search index: JSON, assigned to one variable so that a page
    /// opened from `file://` can load it with a script tag (browsers
    /// refuse `fetch` there).
    pub const SEARCH_INDEX: &str = "search-index.js";
}

impl Links<'_> {
    pub fn is_live(&self) -> bool {
        matches!(self, Links::Live)
    }

    /// The catalogue's first page.
    pub fn home(&self) -> Cow<'static, str> {
        match self {
            Links::Live => Cow::Borrowed("/"),
            Links::Files { .. } => Cow::Owned(self.catalogue(&Filter::default(), 1)),
        }
    }

    /// A page of the catalogue, kept to `filter`; exported sites have one
    /// list per maker instead of the filter, and search on their own page.
    pub fn catalogue(&self, filter: &Filter, page: u64) -> String {
        match self {
            Links::Live => live_catalogue(filter, page),
            Links::Files { up, .. } => match filter.maker_id {
                Some(maker_id) => format!("{up}{}", files::maker(maker_id, page)),
                None => format!("{up}{}", files::catalogue(page)),
            },
        }
    }

    pub fn maker(&self, maker_id: i64) -> String {
        self.catalogue(
            &Filter {
                maker_id: Some(maker_id),
                search: String::new(),
            },
            1,
        )
    }

    pub fn bike(&self, bike_id: i64) -> String {
        match self {
            Links::Live => format!("/bikes/{bike_id}"),
            Links::Files { up, .. } => format!("{up}{}", files::bike(bike_id)),
        }
    }

    pub fn asset(&self, name: &str) -> Cow<'static, str> {
        match self {
            Links::Live => Cow::Borrowed(assets::url(name)),
            Links::Files { up, .. } => Cow::Owned(format!("{up}{}", files::asset(name))),
        }
    }

    /// Where the search form goes.
    pub fn search(&self) -> String {
        match self {
            Links::Live => "/".to_string(),
            Links::Files { up, .. } => format!("{up}{}", files::SEARCH),
        }
    }

    /// The exported site's search index (a script).
    pub fn search_index(&self) -> String {
        match self {
            Links::Live => String::new(),
            Links::Files { up, .. } => format!("{up}{}", files::SEARCH_INDEX),
        }
    }

    /// A bike's `image_url` as this site shows it: an exported photo's
    /// file (`thumbnail`: its small copy); an address on the web as it is;
    /// on exported files, a path of the live server (which has no file
    /// there) is `None`, and the placeholder shows instead.
    pub fn image(&self, image_url: &str, thumbnail: bool) -> Option<String> {
        let stored = image_url
            .strip_prefix("/images/")
            .and_then(|id| id.parse::<i64>().ok());
        match self {
            Links::Live => Some(match stored {
                Some(id) if thumbnail => format!("/images/{id}/small"),
                _ => image_url.to_string(),
            }),
            Links::Files { up, photos } => match stored {
                Some(id) => photos
                    .get(&id)
                    .map(|extension| format!("{up}{}", files::photo(id, extension, thumbnail))),
                None if image_url.starts_with("https://") || image_url.starts_with("http://") => {
                    Some(image_url.to_string())
                }
                None => None,
            },
        }
    }
}

/// `/?maker_id=…&search=…&page=N`. Only the search text needs encoding
/// (as a form would send it); the numbers are written as they are, without
/// building a query for serde on every link of every page.
fn live_catalogue(filter: &Filter, page: u64) -> String {
    let mut url = String::from("/");
    let mut next = '?';
    let mut add = |url: &mut String, pair: std::fmt::Arguments| {
        url.push(next);
        let _ = url.write_fmt(pair);
        next = '&';
    };
    if let Some(id) = filter.maker_id {
        add(&mut url, format_args!("maker_id={id}"));
    }
    if !filter.search.is_empty() {
        let search = serde_urlencoded::to_string([("search", &filter.search)]).unwrap_or_default();
        add(&mut url, format_args!("{search}"));
    }
    if page > 1 {
        add(&mut url, format_args!("page={page}"));
    }
    url
}
