//! The read-only JSON API (SPEC §12): it shows exactly what the public
//! pages show — compared here with the HTML pages on the same database —
//! answers errors in JSON, lets any origin read it and never uses cookies.

use serde_json::Value;

use crate::helpers::*;

/// The sample catalogue (13 bikes, two pages) plus bikes whose text needs
/// escaping in HTML and in JSON.
async fn catalogue_app() -> TestApp {
    let app = spawn_app().await;
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute_batch(
        "INSERT INTO makers (name) VALUES ('Ural & Sons');
         INSERT INTO bikes (maker_id, model, year, engine, image_url)
           SELECT maker_id, 'Gear-Up \"2WD\" <Sahara>', 2024, '749cc', 'https://example.com/u.jpg'
           FROM makers WHERE name = 'Ural & Sons';
         INSERT INTO bikes (maker_id, model, year, engine, image_url)
           SELECT maker_id, 'Ирбит 皇帝', 1999, 'Electric', '' FROM makers WHERE name = 'Ural & Sons';",
    )
    .unwrap();
    app
}

async fn json(client: &reqwest::Client, url: &str, status: u16) -> Value {
    let response = client.get(url).sent().await;
    assert_eq!(response.status().as_u16(), status, "GET {url}");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.headers().get("set-cookie").is_none(), "{url}");
    serde_json::from_str(&response.body().await).expect("the body is JSON")
}

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The bike ids a catalogue page links to, in order.
fn linked_bikes(page: &str) -> Vec<i64> {
    page.split("href=\"/bikes/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// "13 bikes · page 1 of 2" → (13, 2); an empty result → (0, 1).
fn counts_shown(page: &str) -> (u64, u64) {
    let Some(at) = page.find("result-count") else {
        return (0, 1);
    };
    let text = &page[at..at + page[at..].find("</p>").unwrap()];
    let text = &text[text.find('>').unwrap() + 1..];
    let total = text.split_whitespace().next().unwrap().parse().unwrap();
    let pages = text
        .split(" of ")
        .nth(1)
        .map_or(1, |p| p.trim().parse().unwrap());
    (total, pages)
}

/// The text of the `<dd>` after `<dt>label</dt>` on a bike's page.
fn spec(page: &str, label: &str) -> String {
    let marker = format!("<dt>{label}</dt><dd>");
    let start = page.find(&marker).unwrap() + marker.len();
    unescape(&page[start..start + page[start..].find("</dd>").unwrap()])
}

#[tokio::test]
async fn the_bike_list_matches_the_catalogue_page_for_every_filter_search_and_page() {
    let app = catalogue_app().await;
    let c = client();
    let ducati = app.count("SELECT maker_id FROM makers WHERE name = 'Ducati'");
    let queries = [
        String::new(),
        "page=2".into(),
        "page=99".into(),
        "page=abc".into(),
        format!("maker_id={ducati}"),
        "maker_id=banana".into(),
        "maker_id=999".into(),
        "search=nInJa".into(),
        "search=%D0%98%D1%80".into(),
        "search=r&page=2".into(),
        format!("search=m&maker_id={ducati}"),
        "search=nothing-matches-this".into(),
    ];
    for query in queries {
        let html = page(&c, &app.url(&format!("/?{query}")), 200).await;
        let api = json(&c, &app.url(&format!("/api/bikes?{query}")), 200).await;
        let ids: Vec<i64> = api["bikes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["bike_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, linked_bikes(&html), "?{query}");
        let (total, pages) = counts_shown(&html);
        assert_eq!(api["total"].as_u64(), Some(total), "?{query}");
        assert_eq!(api["pages"].as_u64(), Some(pages), "?{query}");
        let shown_page = if query.contains("page=2") || query.contains("page=99") {
            pages
        } else {
            1
        };
        assert_eq!(api["page"].as_u64(), Some(shown_page), "?{query}");
    }
}

#[tokio::test]
async fn every_field_of_a_bike_is_what_its_page_shows() {
    let app = catalogue_app().await;
    let c = client();
    let all = json(&c, &app.url("/api/bikes"), 200).await;
    let second = json(&c, &app.url("/api/bikes?page=2"), 200).await;
    let listed: Vec<&Value> = all["bikes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["bikes"].as_array().unwrap())
        .collect();
    assert_eq!(listed.len(), 15);
    for bike in listed {
        let id = bike["bike_id"].as_i64().unwrap();
        let one = json(&c, &app.url(&format!("/api/bikes/{id}")), 200).await;
        assert_eq!(&one, bike, "the list and the bike agree");
        let html = page(&c, &app.url(&format!("/bikes/{id}")), 200).await;
        assert_eq!(bike["maker"].as_str().unwrap(), spec(&html, "Maker"));
        assert_eq!(bike["model"].as_str().unwrap(), spec(&html, "Model"));
        assert_eq!(
            bike["year"].as_i64().unwrap().to_string(),
            spec(&html, "Year")
        );
        assert_eq!(bike["engine"].as_str().unwrap(), spec(&html, "Engine"));
        assert_eq!(bike["url"], format!("/bikes/{id}"));
        let maker_id = bike["maker_id"].as_i64().unwrap();
        assert!(html.contains(&format!("href=\"/?maker_id={maker_id}\"")));
        let image = bike["image_url"].as_str().unwrap();
        if image.is_empty() {
            assert!(html.contains("/static/placeholder"), "{id}");
        } else {
            assert!(
                unescape(&html).contains(&format!("src=\"{image}\"")),
                "{id}"
            );
        }
    }
    let keys: Vec<&String> = all["bikes"][0].as_object().unwrap().keys().collect();
    let mut expected = vec![
        "bike_id",
        "engine",
        "image_url",
        "maker",
        "maker_id",
        "model",
        "url",
        "year",
    ];
    expected.sort();
    assert_eq!(keys, expected);
}

#[tokio::test]
async fn makers_are_the_filter_list_with_their_bike_counts() {
    let app = catalogue_app().await;
    let c = client();
    let html = page(&c, &app.url("/"), 200).await;
    let makers = json(&c, &app.url("/api/makers"), 200).await;
    let makers = makers.as_array().unwrap();
    let options: Vec<(i64, String)> = html
        .split("<option value=\"")
        .skip(2)
        .map(|rest| {
            let id = rest[..rest.find('"').unwrap()].parse().unwrap();
            let name = &rest[rest.find('>').unwrap() + 1..rest.find("</option>").unwrap()];
            (id, unescape(name))
        })
        .collect();
    let listed: Vec<(i64, String)> = makers
        .iter()
        .map(|m| {
            (
                m["maker_id"].as_i64().unwrap(),
                m["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, options);
    for maker in makers {
        let id = maker["maker_id"].as_i64().unwrap();
        let filtered = page(&c, &app.url(&format!("/?maker_id={id}")), 200).await;
        assert_eq!(
            maker["bikes"].as_u64().unwrap(),
            counts_shown(&filtered).0,
            "{maker}"
        );
    }
}

#[tokio::test]
async fn unknown_ids_and_addresses_under_api_are_json_404s() {
    let app = catalogue_app().await;
    let c = client();
    for path in [
        "/api/bikes/999999",
        "/api/bikes/abc",
        "/api/bikes/0",
        "/api/nothing",
        "/api",
        "/api/makers/1",
    ] {
        let body = json(&c, &app.url(path), 404).await;
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{path}: {body}"
        );
    }
    let bad = json(&c, &app.url("/api/bikes?search=%FF"), 400).await;
    assert!(bad["error"].as_str().unwrap().contains("UTF-8"), "{bad}");
}

#[tokio::test]
async fn only_get_and_head_are_answered_and_other_methods_get_a_json_405() {
    let app = catalogue_app().await;
    let c = client();
    let get = c.get(app.url("/api/bikes")).sent().await;
    let head = c.head(app.url("/api/bikes")).sent().await;
    assert_eq!(head.status(), 200);
    for name in [
        "content-type",
        "access-control-allow-origin",
        "content-length",
    ] {
        assert_eq!(head.headers().get(name), get.headers().get(name), "{name}");
    }
    assert!(head.body().await.is_empty());
    for path in ["/api/bikes", "/api/makers", "/api/bikes/1"] {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let response = c
                .request(method.parse().unwrap(), app.url(path))
                .body("{}")
                .sent()
                .await;
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], "GET, HEAD");
            assert_eq!(response.headers()["content-type"], "application/json");
            let body: Value = serde_json::from_str(&response.body().await).unwrap();
            assert!(body["error"].is_string());
        }
    }
}

#[tokio::test]
async fn the_api_needs_no_cookie_sets_none_and_ignores_a_session() {
    let (app, admin) = logged_in_app().await;
    let anonymous = client();
    let plain = json(&anonymous, &app.url("/api/bikes"), 200).await;
    // A signed-in admin gets the same public answer, and no cookie.
    let signed_in = json(&admin, &app.url("/api/bikes"), 200).await;
    assert_eq!(plain, signed_in);
}

#[tokio::test]
async fn a_change_shows_in_the_api_at_once() {
    let app = catalogue_app().await;
    let c = client();
    let before = json(&c, &app.url("/api/makers"), 200).await;
    app.state
        .db
        .write_now(|tx| {
            motodex::db::makers::insert(
                tx,
                &motodex::domain::activity::Actor::command_line(),
                &motodex::domain::MakerName::parse("Aprilia").unwrap(),
            )
        })
        .unwrap()
        .unwrap();
    let after = json(&c, &app.url("/api/makers"), 200).await;
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 1
    );
}
