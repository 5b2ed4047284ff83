//! HTTPS with `--tls-cert`/`--tls-key`: a self-signed certificate made on
//! the spot, a login over TLS, the `__Host-` Secure cookie and HSTS; and
//! misbehaving clients that must not stall the server.

use std::sync::Arc;
use std::time::Duration;

use crate::helpers::{
    ADMIN, PASSWORD, ResponseExt, TestApp, create_admin, install_crypto, login, spawn_app_with,
};
use motodex::config::TlsFiles;
use tempfile::TempDir;

/// A self-signed certificate for localhost and 127.0.0.1, written as PEM
/// files; returns the folder (keep it alive), the files and the DER cert.
fn self_signed() -> (
    TempDir,
    TlsFiles,
    rustls::pki_types::CertificateDer<'static>,
) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("self-signed certificate");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    (dir, TlsFiles { cert, key }, certified.cert.der().clone())
}

/// A browser-like HTTPS client that trusts exactly `cert`.
fn https_client(cert: rustls::pki_types::CertificateDer<'static>) -> reqwest::Client {
    install_crypto();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).expect("trust the test certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("https client")
}

async fn tls_app() -> (TestApp, TempDir, reqwest::Client) {
    let (cert_dir, files, der) = self_signed();
    let app = spawn_app_with(|config| config.tls = Some(files)).await;
    (app, cert_dir, https_client(der))
}

#[tokio::test]
async fn logs_in_over_https_with_a_host_prefixed_secure_cookie_and_hsts() {
    let (mut app, _certs, client) = tls_app().await;
    assert!(
        app.address.starts_with("https://127.0.0.1:"),
        "{}",
        app.address
    );
    create_admin(&app, ADMIN, PASSWORD);

    let home = client
        .get(app.url("/"))
        .send()
        .await
        .expect("GET / over https");
    assert_eq!(home.status(), 200);
    let hsts = home
        .headers()
        .get("strict-transport-security")
        .expect("HSTS under TLS");
    assert!(hsts.to_str().unwrap().contains("max-age="), "{hsts:?}");

    let response = login(&app, &client, ADMIN, PASSWORD).await;
    assert_eq!(response.status(), 303, "login over https redirects");
    assert!(response.headers().contains_key("strict-transport-security"));
    let session_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-motodex_session="))
        .expect("a __Host-motodex_session cookie");
    let attributes: Vec<String> = session_cookie
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for wanted in ["secure", "httponly", "path=/", "samesite=lax"] {
        assert!(
            attributes.iter().any(|a| a == wanted),
            "{wanted} missing in {session_cookie}"
        );
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "no Domain: {session_cookie}"
    );

    // The Secure cookie comes back over HTTPS and opens the admin area.
    let admin = client
        .get(app.url("/admin"))
        .send()
        .await
        .expect("GET /admin");
    assert_eq!(admin.status(), 200);
    assert!(admin.body().await.contains("Log out"));
    app.stop().await;
}

#[tokio::test]
async fn every_answer_over_tls_carries_hsts_the_server_loops_own_included() {
    let (app, _certs, client) = tls_app().await;
    let long_target = format!("/?search={}", "q".repeat(9 * 1024));
    let big_cookie = format!("motodex_session={}", "c".repeat(20 * 1024));
    let checks = [
        (client.get(app.url("/no-such-page")), 404),
        (client.get(app.url(&long_target)), 414),
        (client.get(app.url("/")).header("cookie", big_cookie), 431),
        (
            client
                .get(app.url("/"))
                .header("host", "rebind.attacker.example"),
            421,
        ),
    ];
    for (request, status) in checks {
        let response = request.send().await.expect("an answer over https");
        assert_eq!(response.status().as_u16(), status);
        assert!(
            response.headers().contains_key("strict-transport-security"),
            "no HSTS on the {status}"
        );
    }
    // A panicking handler's 500 is made by the same function as the 414.
    let error = motodex::error::plain_error(http::StatusCode::INTERNAL_SERVER_ERROR, true);
    assert!(error.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn silent_and_plain_http_clients_do_not_block_https() {
    let (mut app, _certs, client) = tls_app().await;
    let addr = app.address.trim_start_matches("https://").to_string();

    // A client that connects and never starts its handshake...
    let _silent = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    // ...and one speaking plain HTTP to the HTTPS port.
    let plain = crate::helpers::client()
        .get(format!("http://{addr}/"))
        .send()
        .await;
    assert!(
        plain.is_err() || plain.unwrap().status() != 200,
        "plain HTTP must not be served on the HTTPS port"
    );

    // Neither holds up a real visitor.
    let started = std::time::Instant::now();
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .expect("GET / while a client stalls");
    assert_eq!(home.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "served in {:?}",
        started.elapsed()
    );
    app.stop().await;
}

#[tokio::test]
async fn an_untrusted_client_cannot_connect_but_the_server_goes_on() {
    let (mut app, _certs, client) = tls_app().await;
    // A client that does not trust this certificate fails its handshake.
    let (_other_dir, _other_files, other_der) = self_signed();
    let stranger = https_client(other_der);
    assert!(stranger.get(app.url("/")).send().await.is_err());
    assert_eq!(
        client
            .get(app.url("/"))
            .send()
            .await
            .expect("GET /")
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_tls_files_stop_the_start_before_anything_is_created() {
    let (cert_dir, files, _) = self_signed();
    let db_dir = tempfile::tempdir().unwrap();
    let db_path = db_dir.path().join("database.db");
    let garbage = cert_dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let missing = cert_dir.path().join("missing.pem");

    let cases = [
        (
            TlsFiles {
                cert: missing.clone(),
                key: files.key.clone(),
            },
            "does not exist",
        ),
        (
            TlsFiles {
                cert: files.cert.clone(),
                key: missing.clone(),
            },
            "does not exist",
        ),
        (
            TlsFiles {
                cert: garbage.clone(),
                key: files.key.clone(),
            },
            "no PEM certificate",
        ),
        (
            TlsFiles {
                cert: files.cert.clone(),
                key: garbage.clone(),
            },
            "no PEM private key",
        ),
        // The certificate given as the key and the other way round.
        (
            TlsFiles {
                cert: files.key.clone(),
                key: files.cert.clone(),
            },
            "no PEM certificate",
        ),
    ];
    for (tls, wanted) in cases {
        let mut config = motodex::Config::for_tests(db_path.clone());
        config.tls = Some(tls.clone());
        let err = match motodex::App::build(config).await {
            Ok(_) => panic!("started with {tls:?}"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(wanted), "{tls:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one sentence: {err}");
        assert!(
            !db_path.exists(),
            "no database is created when TLS files are bad"
        );
    }

    // A key that belongs to another certificate.
    let (_other_dir, other_files, _) = self_signed();
    let mut config = motodex::Config::for_tests(db_path.clone());
    config.tls = Some(TlsFiles {
        cert: files.cert.clone(),
        key: other_files.key.clone(),
    });
    let err = match motodex::App::build(config).await {
        Ok(_) => panic!("started with a key of another certificate"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("cannot be used together"), "{err}");
}
