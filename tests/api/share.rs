//! `/admin/share` (SPEC §13): each address other devices can open, with a
//! QR code that a reader decodes to exactly that address; the note when
//! only this computer can open the site; the network setting, applied at
//! the next start of the real binary when no `--host` is given.

use std::net::{IpAddr, Ipv4Addr};

use crate::helpers::binary::{self, Running, listening_url};
use crate::helpers::catalogue::*;
use crate::helpers::*;

/// The dark modules of one inline QR drawing (the SVG renderer's
/// `M{x} {y}h{w}v{h}H{x}V{y}` rectangles on a white `viewBox`), read back
/// by an independent decoder.
fn decode(svg: &str) -> String {
    let view_box = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a viewBox");
    let mut size = view_box.split(' ').map(|n| n.parse::<usize>().unwrap());
    let (width, height) = (size.next().unwrap(), size.next().unwrap());
    let path = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the modules' path");
    let mut dark = vec![false; width * height];
    for rect in path.split('M').filter(|r| !r.is_empty()) {
        let numbers: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let (left, top, w, h) = (numbers[0], numbers[1], numbers[2], numbers[3]);
        for y in top..top + h {
            for x in left..left + w {
                dark[y * width + x] = true;
            }
        }
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        if dark[y * width + x] { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one code in the drawing");
    grids[0].decode().expect("the code decodes").1
}

/// Every inline QR drawing of a page, in order.
fn codes(page: &str) -> Vec<String> {
    page.split("<svg role=\"img\"")
        .skip(1)
        .map(|rest| rest.split("</svg>").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_decoder_reads_a_code_drawn_by_motodex() {
    let url = "http://192.168.1.20:5000/";
    let drawing = motodex::qr::svg(url, "test").unwrap();
    assert_eq!(decode(&codes(&drawing)[0]), url);
}

#[tokio::test]
async fn on_every_interface_each_lan_address_has_a_qr_code_that_decodes_to_it() {
    let app = spawn_app_with(|config| config.host = IpAddr::V4(Ipv4Addr::UNSPECIFIED)).await;
    create_admin(&app, ADMIN, PASSWORD);
    let c = client();
    login(&app, &c, ADMIN, PASSWORD).await;
    let share = page(&c, &app.url("/admin/share"), 200).await;
    let port = app.state.listening.addr.port();
    let expected: Vec<String> = motodex::network::lan_addresses(
        motodex::network::interfaces(),
        app.state.listening.addr.ip(),
    )
    .iter()
    .map(|address| address.url(port, false))
    .collect();
    let decoded: Vec<String> = codes(&share).iter().map(|svg| decode(svg)).collect();
    assert_eq!(decoded, expected, "each code says its listed address");
    for url in &expected {
        assert!(
            share.contains(&format!(">{url}</a>")),
            "{url} as text: {share}"
        );
    }
    if expected.is_empty() {
        println!("this machine has no LAN address; only the message was checked");
        assert!(share.contains("this computer has no address other devices can reach"));
    }
    assert!(
        !share.contains("reachable from this computer only"),
        "{share}"
    );
    assert!(share.contains("Now other devices on this network can open the site."));
}

#[tokio::test]
async fn on_loopback_the_page_says_classmates_cannot_reach_it_and_how_to_change_that() {
    let (app, c) = logged_in_app().await;
    let share = page(&c, &app.url("/admin/share"), 200).await;
    assert!(
        share.contains("This site is reachable from this computer only."),
        "{share}"
    );
    assert!(share.contains("Classmates' phones and computers cannot open it yet."));
    assert!(share.contains("<code>--host 0.0.0.0</code>"));
    assert!(share.contains("On Windows, allow motodex when the firewall asks."));
    assert!(share.contains("A change needs a restart"));
    assert!(
        codes(&share).is_empty(),
        "no code of an address phones cannot open"
    );
    let local = format!("{}/", app.address);
    assert!(share.contains(&format!(">{local}</a>")), "{share}");
    // Tests choose their address as --host does, so the setting waits.
    assert!(share.contains("While motodex is started with --host"));
}

#[tokio::test]
async fn the_network_setting_is_saved_with_its_activity_entry() {
    let (app, c) = logged_in_app().await;
    let token = admin_token(&app, &c).await;
    let setting =
        || app.count("SELECT count(*) FROM settings WHERE key = 'open_to_network' AND value = '1'");
    let on = post_form(
        &c,
        &app.url("/admin/share/network"),
        &[
            ("csrf_token".into(), token.clone()),
            ("open_to_network".into(), "1".into()),
        ],
    )
    .await;
    let next = follow(&app, &c, on).await;
    assert!(next.contains("from the next start of motodex"), "{next}");
    assert!(next.contains("checked"), "the box is ticked now");
    assert_eq!(setting(), 1);
    let off = post_form(
        &c,
        &app.url("/admin/share/network"),
        &[("csrf_token".into(), token.clone())],
    )
    .await;
    assert_eq!(off.status(), 303);
    assert_eq!(setting(), 0);
    assert_eq!(
        app.count("SELECT count(*) FROM activity WHERE kind = 'settings' AND action = 'network'"),
        2
    );
    let forged = post_form(
        &c,
        &app.url("/admin/share/network"),
        &[
            ("csrf_token".into(), "forged".into()),
            ("open_to_network".into(), "1".into()),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(setting(), 0, "nothing was written");
}

/// Logs in to a running binary at `base` (`http://127.0.0.1:PORT`) and
/// ticks or clears the share page's network box.
async fn set_network_on(base: &str, open: bool) {
    let c = client();
    let form = page(&c, &format!("{base}/admin/login"), 200).await;
    let logged_in = c
        .post(format!("{base}/admin/login"))
        .form(&[
            ("csrf_token", csrf_token_of(&form).as_str()),
            ("username", ADMIN),
            ("password", PASSWORD),
        ])
        .status()
        .await;
    assert_eq!(logged_in, 303);
    let token = csrf_token_of(&page(&c, &format!("{base}/admin/share"), 200).await);
    let mut fields = vec![("csrf_token".to_string(), token)];
    if open {
        fields.push(("open_to_network".into(), "1".into()));
    }
    assert_eq!(
        post_form(&c, &format!("{base}/admin/share/network"), &fields)
            .await
            .status(),
        303
    );
}

fn start(db: &std::path::Path, extra: &[&str]) -> (Running, String) {
    let mut command = binary::motodex(db);
    command.args(["--port", "0", "--no-browser"]).args(extra);
    let mut server = Running::start(command);
    let banner = server.banner();
    (server, banner)
}

#[cfg(unix)]
#[tokio::test]
async fn the_network_setting_applies_at_the_next_start_unless_host_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    binary::create_admin(&db, ADMIN, PASSWORD);

    let (first, banner) = start(&db, &[]);
    let url = listening_url(&banner);
    assert!(url.starts_with("http://127.0.0.1:"), "{banner}");
    assert!(
        banner.contains("Only this computer can open the site."),
        "{banner}"
    );
    set_network_on(url.trim_end_matches('/'), true).await;
    assert_eq!(first.terminate().0, Some(0));

    let (second, banner) = start(&db, &[]);
    assert!(
        listening_url(&banner).starts_with("http://0.0.0.0:"),
        "{banner}"
    );
    assert!(
        banner.contains("Open to this network, as the share page's setting says"),
        "{banner}"
    );
    let port = listening_url(&banner)
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let local = format!("http://127.0.0.1:{port}");
    let c = client();
    page(&c, &format!("{local}/"), 200).await;
    assert_eq!(second.terminate().0, Some(0));

    // --host (or MOTODEX_HOST) decides while it is given.
    let (third, banner) = start(&db, &["--host", "127.0.0.1"]);
    assert!(
        listening_url(&banner).starts_with("http://127.0.0.1:"),
        "{banner}"
    );
    assert!(!banner.contains("share page's setting"), "{banner}");
    assert_eq!(third.terminate().0, Some(0));
    let mut command = binary::motodex(&db);
    command
        .args(["--port", "0", "--no-browser"])
        .env("MOTODEX_HOST", "127.0.0.1");
    let mut fourth = Running::start(command);
    assert!(listening_url(&fourth.banner()).starts_with("http://127.0.0.1:"));
    let (_, _) = fourth.terminate();

    let (fifth, banner) = start(&db, &[]);
    set_network_on(
        &format!(
            "http://127.0.0.1:{}",
            listening_url(&banner)
                .trim_end_matches('/')
                .rsplit(':')
                .next()
                .unwrap()
        ),
        false,
    )
    .await;
    assert_eq!(fifth.terminate().0, Some(0));
    let (_sixth, banner) = start(&db, &[]);
    assert!(
        listening_url(&banner).starts_with("http://127.0.0.1:"),
        "closed again: {banner}"
    );
}
