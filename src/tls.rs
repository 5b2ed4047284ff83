//! HTTPS: loading the PEM certificate chain and private key given with
//! `--tls-cert`/`--tls-key` into a rustls server configuration.
//!
//! warp 0.4 has no TLS of its own; `server.rs` wraps each accepted TCP
//! connection in the `TlsAcceptor` made here before handing it to hyper.
//! rustls uses the `ring` provider: it cross-compiles for musl and
//! windows-gnu with nothing but the target's C compiler.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;

/// Reads and checks both files; every failure is one sentence saying what to do.
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, String> {
    let certs = load_certs(&files.cert)?;
    let key = load_key(&files.key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS could not be set up: {e}."))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!(
                "The TLS certificate {} and key {} cannot be used together ({e}). Check that --tls-key is the private key of the first certificate in --tls-cert.",
                files.cert.display(),
                files.key.display()
            )
        })?;
    // Only HTTP/1.1 is served.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read(path: &Path, what: &str, flag: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        let cause = match e.kind() {
            std::io::ErrorKind::NotFound => "the file does not exist".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        format!(
            "Cannot read the TLS {what} {} ({cause}). Check the path given to {flag}.",
            path.display()
        )
    })
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read(path, "certificate", "--tls-cert")?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_pem(path, "certificate", "--tls-cert", &e))?;
    if certs.is_empty() {
        return Err(format!(
            "{} holds no PEM certificate (a block starting with -----BEGIN CERTIFICATE-----). Give --tls-cert the certificate chain in PEM format.",
            path.display()
        ));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = read(path, "private key", "--tls-key")?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(format!(
            "{} holds no PEM private key (a block starting with -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY). Give --tls-key the private key in PEM format.",
            path.display()
        )),
        Err(e) => Err(bad_pem(path, "private key", "--tls-key", &e)),
    }
}

fn bad_pem(path: &Path, what: &str, flag: &str, err: &pem::Error) -> String {
    let cause = match err {
        pem::Error::MissingSectionEnd { .. } => {
            "a -----BEGIN line has no matching -----END line".to_string()
        }
        pem::Error::IllegalSectionStart { .. } => "a -----BEGIN line is malformed".to_string(),
        pem::Error::Base64Decode(_) => {
            "the text between -----BEGIN and -----END is not valid base64".to_string()
        }
        other => other.to_string(),
    };
    format!(
        "{} is not a readable PEM {what} file ({cause}). Give {flag} a PEM file.",
        path.display()
    )
}
