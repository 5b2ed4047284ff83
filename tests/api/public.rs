//! The public catalogue (SPEC §4 "Public"), security headers and error pages.

use crate::helpers::*;

#[tokio::test]
async fn the_home_page_lists_the_sample_catalogue() {
    let app = spawn_app().await;
    let body = page(&client(), &app.url("/"), 200).await;
    assert!(body.contains("Panigale V4"));
    assert!(body.contains("13 bikes"));
    assert!(body.contains(r#"<option value="">All makers</option>"#));
}

#[tokio::test]
async fn a_new_database_without_sample_data_shows_an_empty_catalogue() {
    let app = spawn_app_with(|c| c.sample_data = false).await;
    let body = page(&client(), &app.url("/"), 200).await;
    assert!(body.contains("The catalogue is empty"));
    assert_eq!(app.count("SELECT count(*) FROM bikes"), 0);
}

#[tokio::test]
async fn the_maker_filter_shows_only_that_makers_bikes() {
    let app = spawn_app().await;
    let ducati = app.count("SELECT maker_id FROM makers WHERE name = 'Ducati'");
    let body = page(&client(), &app.url(&format!("/?maker_id={ducati}")), 200).await;
    assert!(body.contains("Panigale V4") && body.contains("Monster"));
    assert!(!body.contains("Ninja ZX-10R"));
    assert!(body.contains(&format!(
        r#"<option value="{ducati}" selected>Ducati</option>"#
    )));
}

#[tokio::test]
async fn search_is_a_case_insensitive_substring_of_model_or_maker() {
    let app = spawn_app().await;
    let c = client();
    let by_model = page(&c, &app.url("/?search=nInJa"), 200).await;
    assert!(by_model.contains("Ninja ZX-10R") && by_model.contains("1 bike"));
    let by_maker = page(&c, &app.url("/?search=kawa"), 200).await;
    assert!(by_maker.contains("Ninja ZX-10R") && by_maker.contains("Z900"));
}

#[tokio::test]
async fn filter_and_search_combine() {
    let app = spawn_app().await;
    let yamaha = app.count("SELECT maker_id FROM makers WHERE name = 'Yamaha'");
    let body = page(
        &client(),
        &app.url(&format!("/?maker_id={yamaha}&search=r")),
        200,
    )
    .await;
    assert!(body.contains("YZF-R1"));
    assert!(!body.contains("MT-07"), "MT-07 has no r");
    assert!(!body.contains("Bonneville"), "other makers are excluded");
}

#[tokio::test]
async fn nothing_matching_says_so() {
    let app = spawn_app().await;
    let body = page(&client(), &app.url("/?search=zzzzqq"), 200).await;
    assert!(body.contains("No bikes match your search"));
}

#[tokio::test]
async fn pages_split_the_catalogue_with_links() {
    let app = spawn_app().await;
    let c = client();
    let first = page(&c, &app.url("/"), 200).await;
    assert!(first.contains(r#"href="/?page=2""#));
    let second = page(&c, &app.url("/?page=2"), 200).await;
    assert!(second.contains("page 2 of 2"));
    assert_eq!(second.matches(r#"class="bike-card""#).count(), 1);
}

#[tokio::test]
async fn malformed_maker_id_and_page_are_ignored() {
    let app = spawn_app().await;
    let c = client();
    for query in [
        "maker_id=abc",
        "maker_id=-1",
        "page=abc",
        "page=0",
        "page=-3",
        "page=99999999999999999999",
        "maker_id=1.5&page=1e3",
    ] {
        let body = page(&c, &app.url(&format!("/?{query}")), 200).await;
        assert!(
            body.contains("bike-card") || body.contains("No bikes match"),
            "{query}"
        );
    }
    let past_end = page(&c, &app.url("/?page=500"), 200).await;
    assert!(
        past_end.contains("page 2 of 2"),
        "a page past the end shows the last page"
    );
}

#[tokio::test]
async fn sql_metacharacters_and_markup_in_search_are_harmless() {
    let app = spawn_app().await;
    let c = client();
    for search in ["' OR 1=1 --", "%", "_", "\\", "\"; DROP TABLE bikes; --"] {
        let body = page(
            &c,
            &app.url(&format!("/?search={}", urlencode(search))),
            200,
        )
        .await;
        assert!(
            body.contains("No bikes match"),
            "{search} must match literally"
        );
    }
    let body = page(
        &c,
        &app.url("/?search=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        200,
    )
    .await;
    assert!(!body.contains("<script>alert(1)"));
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(app.count("SELECT count(*) FROM bikes"), 13);
}

fn urlencode(value: &str) -> String {
    value.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_bike_page_shows_every_field() {
    let app = spawn_app().await;
    let id = app.count("SELECT bike_id FROM bikes WHERE model = 'Panigale V4'");
    let body = page(&client(), &app.url(&format!("/bikes/{id}")), 200).await;
    for text in [
        "Ducati",
        "Panigale V4",
        "2023",
        "1103cc",
        // The sample catalogue's drawing (tests/api/sample_pictures.rs).
        r#"src="/images/"#,
        r#"alt="The Ducati Panigale V4""#,
    ] {
        assert!(body.contains(text), "{text}");
    }
}

#[tokio::test]
async fn unknown_or_malformed_bike_ids_are_a_404_page_with_a_link_home() {
    let app = spawn_app().await;
    let c = client();
    for id in [
        "99999",
        "0",
        "-1",
        "99999999999999999999",
        "1.5",
        "0x10",
        "abc",
        "9223372036854775808",
    ] {
        let response = c.get(app.url(&format!("/bikes/{id}"))).sent().await;
        assert_eq!(response.status(), 404, "{id}");
        assert_eq!(
            response.headers()["content-type"],
            "text/html; charset=utf-8"
        );
        let body = response.body().await;
        assert!(
            body.contains("Page not found") && body.contains(r#"href="/""#),
            "{id}"
        );
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let c = client();
    for path in ["/", "/bikes/1", "/nope", "/static/style.css", "/admin"] {
        let response = c.get(app.url(path)).sent().await;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive}");
        }
        assert!(!csp.contains("script-src 'unsafe-inline'"));
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.get("server").is_none(), "{path}: no Server header");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS without TLS"
        );
    }
}

#[tokio::test]
async fn static_assets_have_content_types_etags_and_long_caching() {
    let app = spawn_app().await;
    let c = client();
    let home = page(&c, &app.url("/"), 200).await;
    let start = home.find("/static/style.css?v=").unwrap();
    let css_url = &home[start..start + home[start..].find('"').unwrap()];
    let response = c.get(app.url(css_url)).sent().await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_string();

    let again = c
        .get(app.url("/static/style.css"))
        .header("if-none-match", &etag)
        .sent()
        .await;
    assert_eq!(again.status(), 304);
    let svg = c.get(app.url("/static/placeholder.svg")).sent().await;
    assert_eq!(
        svg.headers()["content-type"],
        "image/svg+xml; charset=utf-8"
    );
    assert_eq!(c.get(app.url("/static/nope.css")).status().await, 404);
    assert_eq!(
        c.get(app.url("/static/..%2fschema.sql")).status().await,
        404
    );
}

#[tokio::test]
async fn wrong_methods_get_a_405_page() {
    let app = spawn_app().await;
    let response = client().delete(app.url("/")).sent().await;
    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert!(response.body().await.contains("Method not allowed"));
}

#[tokio::test]
async fn long_request_targets_get_414_and_huge_headers_431() {
    let app = spawn_app().await;
    let c = client();
    let long = c
        .get(app.url(&format!("/?search={}", "a".repeat(9000))))
        .sent()
        .await;
    assert_eq!(long.status(), 414);
    let big = c
        .get(app.url("/"))
        .header("x-filler", "b".repeat(17 * 1024))
        .sent()
        .await;
    assert_eq!(big.status(), 431);
    assert_eq!(
        c.get(app.url("/healthz")).status().await,
        200,
        "still serving"
    );
}

#[tokio::test]
async fn nul_bytes_and_invalid_utf8_in_the_query_get_a_400_page() {
    let app = spawn_app().await;
    let c = client();
    for query in ["search=a%00b", "search=%FF%FE"] {
        let response = c.get(app.url(&format!("/?{query}"))).sent().await;
        assert_eq!(response.status(), 400, "{query}");
        assert!(response.body().await.contains("Bad request"));
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = client().get(app.url("/healthz")).sent().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().await, "ok");
}

#[tokio::test]
async fn the_site_navigation_marks_catalogue_as_current_only_on_catalogue_pages() {
    let app = spawn_app().await;
    let c = client();
    let current = r#"<a href="/" aria-current="page">Catalogue</a>"#;
    for path in ["/", "/bikes/1", "/?search=ninja"] {
        let body = page(&c, &app.url(path), 200).await;
        assert!(body.contains(current), "{path} marks Catalogue");
    }
    for (path, status) in [("/admin/login", 200), ("/no-such-page", 404)] {
        let body = page(&c, &app.url(path), status).await;
        assert!(body.contains(r#"<a href="/">Catalogue</a>"#), "{path}");
        assert!(!body.contains("aria-current"), "{path} marks nothing");
    }
}
