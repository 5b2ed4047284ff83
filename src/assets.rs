//! Static files from `assets/`, embedded in the binary with rust-embed.
//! URLs carry a content hash (`/static/style.css?v=1a2b3c4d`), so browsers
//! may cache them for a year and still see a new version the moment it ships.

use std::sync::LazyLock;

use http::{HeaderValue, StatusCode, header};
use rust_embed::RustEmbed;
use warp::reply::Response;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

struct Asset {
    name: String,
    url: String,
    etag: String,
    version: String,
}

/// A handful of files, looked up on every page (a catalogue card's
/// placeholder, the layout's style sheet and icon): a list compared name by
/// name beats hashing the name.
static INDEX: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    Assets::iter()
        .filter_map(|name| {
            let file = Assets::get(&name)?;
            let hash = hex::encode(file.metadata.sha256_hash());
            let version = hash[..12].to_string();
            Some(Asset {
                url: format!("/static/{name}?v={version}"),
                etag: format!("\"{hash}\""),
                version,
                name: name.into_owned(),
            })
        })
        .collect()
});

fn find(name: &str) -> Option<&'static Asset> {
    INDEX.iter().find(|asset| asset.name == name)
}

/// The cache-busting URL of an embedded asset.
pub fn url(name: &str) -> &'static str {
    find(name).map_or("/static/missing", |asset| asset.url.as_str())
}

/// Every embedded asset's name and bytes (for an exported site).
pub fn each(mut each: impl FnMut(&str, &[u8])) {
    for name in Assets::iter() {
        if let Some(file) = Assets::get(&name) {
            each(&name, &file.data);
        }
    }
}

/// Answers `GET /static/<name>`: the file with its content type, an ETag,
/// and long caching when the URL names the current version.
pub fn respond(name: &str, version: Option<&str>, if_none_match: Option<&str>) -> Option<Response> {
    let asset = find(name)?;
    let cache = if version == Some(asset.version.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut response =
        if if_none_match.is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag)) {
            let mut not_modified = Response::new(Vec::new().into());
            *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
            not_modified
        } else {
            let file = Assets::get(name)?;
            let mut full = Response::new(file.data.into_owned().into());
            let mime = mime_guess::from_path(name).first_or_octet_stream();
            let content_type = if mime.type_() == "text" || mime.subtype() == "svg" {
                format!("{mime}; charset=utf-8")
            } else {
                mime.to_string()
            };
            full.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&content_type).ok()?,
            );
            full
        };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::ETAG, HeaderValue::from_str(&asset.etag).ok()?);
    Some(response)
}
