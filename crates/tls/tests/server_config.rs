//! Loading server certificates and keys from PEM: accepted encodings and the errors for bad input.

mod common;

use std::fs;
use std::path::Path;

use common::{client_with_versions, handshake, names, pkcs8_to_sec1_pem};
use tls::Error;
use tls::client::{client_config, read_ca_pem_files};
use tls::dev_ca::{DevCa, IssuedCertificate};
use tls::server::{server_config_from_pem, server_config_from_pem_files};

fn issue_localhost() -> (DevCa, IssuedCertificate) {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca.issue_server(&names(&["localhost"])).unwrap();
    (ca, issued)
}

fn write(dir: &Path, name: &str, contents: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, contents).unwrap();
    path
}

#[tokio::test]
async fn pkcs8_key_file_loads_and_serves() {
    let (ca, issued) = issue_localhost();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = write(dir.path(), "server.pem", &issued.chain_pem);
    let key_path = write(dir.path(), "server.key", &issued.private_key_pem);

    let server = server_config_from_pem_files(&cert_path, &key_path).unwrap();
    let result = handshake(
        server,
        client_with_versions(ca.certificate_pem(), tls::PROTOCOL_VERSIONS),
        "localhost",
    )
    .await;

    assert!(
        issued
            .private_key_pem
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[tokio::test]
async fn sec1_key_file_loads_and_serves() {
    let (ca, issued) = issue_localhost();
    let sec1_pem = pkcs8_to_sec1_pem(&issued.private_key_pem);
    let dir = tempfile::tempdir().unwrap();
    let cert_path = write(dir.path(), "server.pem", &issued.chain_pem);
    let key_path = write(dir.path(), "server.key", &sec1_pem);

    let server = server_config_from_pem_files(&cert_path, &key_path).unwrap();
    let result = handshake(
        server,
        client_with_versions(ca.certificate_pem(), tls::PROTOCOL_VERSIONS),
        "localhost",
    )
    .await;

    assert!(sec1_pem.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[test]
fn key_mismatch_names_both_files() {
    let (_, issued) = issue_localhost();
    let (_, other) = issue_localhost();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = write(dir.path(), "server.pem", &issued.chain_pem);
    let key_path = write(dir.path(), "other.key", &other.private_key_pem);

    let error = server_config_from_pem_files(&cert_path, &key_path).unwrap_err();
    let message = error.to_string();

    assert!(
        matches!(error, Error::KeyMismatch { .. }),
        "error {error:?}"
    );
    assert!(
        message.contains(&*cert_path.to_string_lossy()),
        "message {message}"
    );
    assert!(
        message.contains(&*key_path.to_string_lossy()),
        "message {message}"
    );
    assert!(message.contains("does not match"), "message {message}");
}

#[test]
fn chain_with_intermediate_first_is_key_mismatch() {
    let root = DevCa::generate("test root").unwrap();
    let intermediate = root.issue_intermediate("test intermediate").unwrap();
    let issued = intermediate.issue_server(&names(&["localhost"])).unwrap();
    let mut certificates: Vec<&str> = issued
        .chain_pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .collect();
    certificates.reverse();
    let reversed = certificates.concat();

    let error =
        server_config_from_pem(reversed.as_bytes(), issued.private_key_pem.as_bytes()).unwrap_err();

    assert!(
        matches!(error, Error::KeyMismatch { .. }),
        "error {error:?}"
    );
}

#[test]
fn missing_key_file_is_read_error() {
    let (_, issued) = issue_localhost();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = write(dir.path(), "server.pem", &issued.chain_pem);
    let key_path = dir.path().join("absent.key");

    let error = server_config_from_pem_files(&cert_path, &key_path).unwrap_err();

    assert!(
        matches!(&error, Error::ReadFile { path, .. } if *path == key_path),
        "error {error:?}"
    );
    assert!(error.to_string().contains("absent.key"), "message {error}");
}

#[test]
fn certificate_in_key_file_is_no_key() {
    let (_, issued) = issue_localhost();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = write(dir.path(), "server.pem", &issued.chain_pem);
    let key_path = write(dir.path(), "server.key", &issued.chain_pem);

    let error = server_config_from_pem_files(&cert_path, &key_path).unwrap_err();

    assert!(
        matches!(&error, Error::NoPrivateKey { origin } if origin.ends_with("server.key")),
        "error {error:?}"
    );
}

#[test]
fn key_in_certificate_file_is_no_certificate() {
    let (_, issued) = issue_localhost();

    let error = server_config_from_pem(
        issued.private_key_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .unwrap_err();

    assert!(
        matches!(error, Error::NoCertificate { .. }),
        "error {error:?}"
    );
}

#[test]
fn encrypted_key_is_reported() {
    let (_, issued) = issue_localhost();
    // The block is never decrypted, so its body only has to be valid base64.
    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";

    let error =
        server_config_from_pem(issued.chain_pem.as_bytes(), encrypted.as_bytes()).unwrap_err();

    assert!(
        matches!(error, Error::EncryptedPrivateKey { .. }),
        "error {error:?}"
    );
}

#[test]
fn two_keys_are_rejected() {
    let (_, issued) = issue_localhost();
    let two_keys = format!("{}{}", issued.private_key_pem, issued.private_key_pem);

    let error =
        server_config_from_pem(issued.chain_pem.as_bytes(), two_keys.as_bytes()).unwrap_err();

    assert!(
        matches!(error, Error::SeveralPrivateKeys { count: 2, .. }),
        "error {error:?}"
    );
}

#[test]
fn truncated_pem_is_invalid_pem() {
    let (_, issued) = issue_localhost();
    let truncated = issued.chain_pem.replace("-----END CERTIFICATE-----", "");

    let error = server_config_from_pem(truncated.as_bytes(), issued.private_key_pem.as_bytes())
        .unwrap_err();

    assert!(matches!(error, Error::InvalidPem { .. }), "error {error:?}");
}

#[test]
fn oversized_file_is_rejected() {
    let (_, issued) = issue_localhost();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = write(dir.path(), "server.pem", &"#".repeat(2 * 1024 * 1024));
    let key_path = write(dir.path(), "server.key", &issued.private_key_pem);

    let error = server_config_from_pem_files(&cert_path, &key_path).unwrap_err();

    assert!(
        matches!(error, Error::FileTooLarge { .. }),
        "error {error:?}"
    );
}

#[test]
fn server_key_never_in_error_message() {
    let (_, issued) = issue_localhost();
    let (_, other) = issue_localhost();
    let key_body: String = other.private_key_pem.lines().nth(1).unwrap().to_owned();

    let error = server_config_from_pem(
        issued.chain_pem.as_bytes(),
        other.private_key_pem.as_bytes(),
    )
    .unwrap_err();

    assert!(!format!("{error} {error:?}").contains(&key_body));
}

#[test]
fn client_without_ca_is_rejected() {
    let error = client_config(&[]).unwrap_err();

    assert!(matches!(error, Error::NoTrustedCa), "error {error:?}");
}

#[test]
fn ca_file_without_certificate_is_rejected() {
    let (ca, issued) = issue_localhost();
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "ca.pem", ca.certificate_pem());
    let bad = write(dir.path(), "not-a-ca.pem", &issued.private_key_pem);

    let loaded = read_ca_pem_files(&[&good]).unwrap();
    let error = read_ca_pem_files(&[&good, &bad]).unwrap_err();

    assert_eq!(loaded, vec![ca.certificate_pem().as_bytes().to_vec()]);
    assert!(
        matches!(&error, Error::NoCertificate { origin } if origin.ends_with("not-a-ca.pem")),
        "error {error:?}"
    );
}

#[test]
fn invalid_server_names_are_rejected() {
    let ca = DevCa::generate("test CA").unwrap();

    for name in [
        "bad name",
        "",
        "exa mple.test",
        "*",
        "a.*.test",
        "-leading.test",
    ] {
        let error = ca.issue_server(&names(&[name])).unwrap_err();
        assert!(
            matches!(&error, Error::InvalidName { name: rejected } if rejected == name),
            "name {name:?}: {error:?}"
        );
    }
}

#[test]
fn no_server_names_is_rejected() {
    let ca = DevCa::generate("test CA").unwrap();

    let error = ca.issue_server(&[]).unwrap_err();

    assert!(matches!(error, Error::NoNames), "error {error:?}");
}
