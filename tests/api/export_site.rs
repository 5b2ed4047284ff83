//! `motodex export-site DIR [--force]` (SPEC §12), run as the real binary:
//! every page is there, every link and image of every page is a relative
//! name of a file inside DIR, no page has inline script, the search (run
//! with node on a stand-in for the page) finds what the live search finds,
//! the site's title and introduction come from the settings, and a folder
//! that is not empty is refused without --force.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::helpers::binary::{motodex, run};
use crate::helpers::catalogue::*;
use crate::helpers::*;

fn export_site(db: &Path, dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = motodex(db);
    command.arg("export-site").arg(dir).args(args);
    run(command)
}

/// Adds `n` Honda bikes, so the catalogue and Honda's list have pages.
fn add_bikes(app: &TestApp, n: u32) {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
         INSERT INTO bikes (maker_id, model, year, engine, image_url)
         SELECT (SELECT maker_id FROM makers WHERE name = 'Honda'), 'Extra ' || i, 2001, '125cc', '' FROM k",
        [n],
    )
    .unwrap();
}

/// Gives the first Honda a photo through the edit form.
async fn add_photo(app: &TestApp, c: &reqwest::Client) -> i64 {
    let bike = app.count(
        "SELECT min(bike_id) FROM bikes WHERE maker_id = (SELECT maker_id FROM makers WHERE name = 'Honda')",
    );
    let maker = maker_id(app, "Honda");
    let model = text(
        app,
        &format!("SELECT model FROM bikes WHERE bike_id = {bike}"),
    );
    let token = admin_token(app, c).await;
    let fields = with_token(&bike_fields(maker, &model), &token);
    let response = post_multipart(
        c,
        &app.url(&format!("/admin/edit/{bike}")),
        &fields,
        Some(png_upload(800, 600)),
    )
    .await;
    assert_eq!(response.status(), 303);
    bike
}

fn bike_fields(maker_id: i64, model: &str) -> Vec<(String, String)> {
    bike(maker_id, model)
}

/// Every value of `attribute="…"` in `html`.
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let needle = format!(" {attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].replace("&amp;", "&"))
        })
        .collect()
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

#[tokio::test]
async fn every_page_is_exported_and_every_link_is_a_relative_name_of_a_file_inside_the_folder() {
    let (app, c) = logged_in_app().await;
    add_bikes(&app, 30);
    let photo_bike = add_photo(&app, &c).await;
    rusqlite::Connection::open(&app.db_path)
        .unwrap()
        .execute("INSERT INTO makers (name) VALUES ('Bimota')", [])
        .unwrap();
    let image = text(
        &app,
        &format!("SELECT image_url FROM bikes WHERE bike_id = {photo_bike}"),
    );
    let image_id: i64 = image.trim_start_matches("/images/").parse().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("site");

    let (code, stdout, stderr) = export_site(&app.db_path, &dir, &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let bikes_total = bikes(&app);
    assert!(
        stdout.contains(&format!("{bikes_total} bikes, 1 photo")),
        "{stdout}"
    );

    let files: BTreeSet<String> = html_files(&dir).iter().map(|p| relative(&dir, p)).collect();
    let pages = (bikes_total as u64).div_ceil(12);
    assert!(pages >= 3);
    for page in 2..=pages {
        assert!(files.contains(&format!("page-{page}.html")), "page {page}");
    }
    assert!(!files.contains(&format!("page-{}.html", pages + 1)));
    assert!(files.contains("index.html") && files.contains("search.html"));
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let ids = |sql: &str| -> Vec<i64> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for bike in ids("SELECT bike_id FROM bikes") {
        assert!(files.contains(&format!("bikes/{bike}.html")), "bike {bike}");
    }
    for maker in ids("SELECT maker_id FROM makers") {
        assert!(
            files.contains(&format!("makers/{maker}.html")),
            "maker {maker}"
        );
    }
    let honda = maker_id(&app, "Honda");
    assert!(
        files.contains(&format!("makers/{honda}-page-3.html")),
        "Honda's list has pages"
    );
    for name in [
        format!("images/{image_id}.png"),
        format!("images/{image_id}-small.png"),
        "static/style.css".into(),
        "static/search.js".into(),
        "static/placeholder.svg".into(),
        "search-index.js".into(),
    ] {
        assert!(dir.join(&name).is_file(), "{name}");
    }
    let served = client()
        .get(app.url(&image))
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dir.join(format!("images/{image_id}.png"))).unwrap(),
        served
    );

    let root = dir.canonicalize().unwrap();
    let mut checked = 0;
    for file in html_files(&dir) {
        let html = std::fs::read_to_string(&file).unwrap();
        let shown = relative(&dir, &file);
        let folder = file.parent().unwrap();
        for link in attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
            .chain(attribute_values(&html, "action"))
        {
            if let Some(id) = link.strip_prefix('#') {
                assert!(html.contains(&format!(" id=\"{id}\"")), "{shown}: {link}");
                continue;
            }
            assert!(
                !link.starts_with('/') && !link.contains(':') && !link.contains('?'),
                "{shown}: {link} is not a relative file name"
            );
            let target = folder
                .join(&link)
                .canonicalize()
                .unwrap_or_else(|_| panic!("{shown}: {link} leads to no file"));
            assert!(
                target.starts_with(&root) && target.is_file(),
                "{shown}: {link}"
            );
            checked += 1;
        }
        // No inline script: every script is a file, and no element has
        // an event handler or a javascript: address.
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find("</script>").unwrap()];
            assert!(
                tag.contains(" src=\"") && tag.ends_with('>'),
                "{shown}: {tag}"
            );
        }
        assert!(
            !html.contains("javascript:") && !html.contains(" onclick="),
            "{shown}"
        );
        assert!(!html.contains("/admin"), "{shown}: no admin links");
    }
    assert!(checked > 500, "{checked} links checked");
    let bike_page = std::fs::read_to_string(dir.join(format!("bikes/{photo_bike}.html"))).unwrap();
    assert!(
        bike_page.contains(&format!("src=\"../images/{image_id}.png\"")),
        "{bike_page}"
    );
    assert!(
        bike_page.contains(&format!("href=\"../makers/{honda}.html\"")),
        "{bike_page}"
    );
}

/// Runs `static/search.js` with node on a stand-in for the search page,
/// as a browser would with `?search=term`: the status line and the
/// bikes' page names, in order.
fn node_search(dir: &Path, term: &str) -> (String, Vec<String>) {
    let harness = r#"
        const fs = require("fs");
        const [dir, term] = process.argv.slice(1);
        function node() {
            return {
                textContent: "", value: "", attrs: {}, children: [], parts: {},
                setAttribute(k, v) { this.attrs[k] = v; },
                appendChild(child) { this.children.push(child); },
                querySelector(s) { return this.parts[s] || (this.parts[s] = node()); },
            };
        }
        const page = {};
        for (const id of ["search", "search-status", "search-results", "bike-card-template"]) page[id] = node();
        page["bike-card-template"].content = { firstElementChild: { cloneNode: () => node() } };
        globalThis.window = { location: { search: "?search=" + encodeURIComponent(term) } };
        globalThis.document = { getElementById: (id) => page[id], title: "Search · motodex" };
        eval(fs.readFileSync(dir + "/search-index.js", "utf8"));
        eval(fs.readFileSync(dir + "/static/search.js", "utf8"));
        console.log(JSON.stringify({
            status: page["search-status"].textContent,
            hrefs: page["search-results"].children.map((card) => card.parts["a"].attrs.href),
        }));
    "#;
    let output = std::process::Command::new("node")
        .arg("-e")
        .arg(harness)
        .arg(dir)
        .arg(term)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let hrefs = found["hrefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    (found["status"].as_str().unwrap().to_string(), hrefs)
}

#[tokio::test]
async fn the_search_index_holds_every_bike_and_the_search_script_finds_what_the_live_search_finds()
{
    let app = app_with_admin().await;
    add_bikes(&app, 20);
    // Letters JavaScript's toLowerCase folds otherwise than motodex: a long
    // s (motodex: "s"), a word's last capital sigma (JavaScript: "ς",
    // motodex: "σ") and a dotted capital I (JavaScript: two characters,
    // motodex: itself).
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    for model in ["Faſt Lane", "ΟΔΟΣ 650", "İzmir Tourer"] {
        conn.execute(
            "INSERT INTO bikes (maker_id, model, year, engine, image_url)
             VALUES ((SELECT maker_id FROM makers WHERE name = 'Honda'), ?1, 2020, '650cc', '')",
            [model],
        )
        .unwrap();
    }
    drop(conn);
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = export_site(&app.db_path, out.path(), &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");

    let script = std::fs::read_to_string(out.path().join("search-index.js")).unwrap();
    let json = script
        .strip_prefix("window.motodexIndex = ")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("JSON assigned to one variable");
    let index: serde_json::Value = serde_json::from_str(json).unwrap();
    let entries = index["bikes"].as_array().unwrap();
    assert_eq!(entries.len() as i64, bikes(&app));
    let first = &entries[0];
    for field in ["href", "img", "alt", "maker", "model", "year", "engine"] {
        assert!(first[field].is_string(), "{field}: {first}");
    }

    let c = client();
    let differently_folded = ["fast", "δοσ", "ΔΟΣ 6", "i\u{307}zmir", "İzm"];
    let found_live = ["fast", "δοσ", "ΔΟΣ 6", "İzm"];
    for term in ["hon", "DUC", "a", "street", "zzz"]
        .into_iter()
        .chain(differently_folded)
    {
        let body = c
            .get(app.url(&format!("/api/bikes?search={term}")))
            .sent()
            .await
            .body()
            .await;
        let live: serde_json::Value = serde_json::from_str(&body).unwrap();
        let total = live["total"].as_u64().unwrap();
        if differently_folded.contains(&term) {
            assert_eq!(
                total > 0,
                found_live.contains(&term),
                "{term}: the live search finds what this test expects ({total})"
            );
        }
        let (status, hrefs) = node_search(out.path(), term);
        if total == 0 {
            assert!(status.starts_with("No bikes match"), "{term}: {status}");
            assert!(hrefs.is_empty());
            continue;
        }
        assert!(
            status.starts_with(&format!("{total} bike")),
            "{term}: {status} (live: {total})"
        );
        let live_first: Vec<String> = live["bikes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| format!("bikes/{}.html", b["bike_id"]))
            .collect();
        assert_eq!(
            hrefs[..live_first.len()],
            live_first[..],
            "{term}: same bikes, same order"
        );
    }
}

#[tokio::test]
async fn the_site_title_and_introduction_come_from_the_settings() {
    let app = app_with_admin().await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute_batch(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('site_title', 'Year 9 Bikes'), ('site_introduction', 'Bikes <we> like.');",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = export_site(&app.db_path, out.path(), &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let home = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(
        home.contains("<title>Motorbikes · Year 9 Bikes</title>"),
        "{home}"
    );
    assert!(home.contains("Bikes &lt;we&gt; like."), "escaped: {home}");
}

#[test]
fn a_folder_that_is_not_empty_is_refused_without_force_and_force_replaces_only_the_sites_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    crate::helpers::binary::create_admin(&db, ADMIN, PASSWORD);
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("notes.txt"), "mine").unwrap();

    let (code, stdout, stderr) = export_site(&db, &site, &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("is not empty, so nothing was written"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&site).unwrap().count(),
        1,
        "nothing written"
    );

    let (code, stdout, stderr) = export_site(&db, &site, &["--force"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let gone: i64 = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT min(bike_id) FROM bikes", [], |r| r.get(0))
            .unwrap()
    };
    assert!(site.join(format!("bikes/{gone}.html")).is_file());
    std::fs::write(site.join("page-99.html"), "an old page").unwrap();

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("DELETE FROM bikes WHERE bike_id = ?1", [gone])
        .unwrap();
    drop(conn);
    let (code, stdout, stderr) = export_site(&db, &site, &["--force"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        !site.join(format!("bikes/{gone}.html")).exists(),
        "a deleted bike's page goes"
    );
    assert!(
        !site.join("page-99.html").exists(),
        "an earlier export's page goes"
    );
    assert_eq!(
        std::fs::read_to_string(site.join("notes.txt")).unwrap(),
        "mine",
        "other files stay"
    );

    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let (code, _, stderr) = export_site(&db, &file, &[]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("is a file, not a folder"), "{stderr}");
}
