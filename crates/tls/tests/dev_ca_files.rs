//! Writing a development CA to disk and reusing it.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{handshake, names};
use tls::Error;
use tls::client::{client_config, read_ca_pem_files};
use tls::dev_ca::{DevCa, write_dev_ca, write_dev_ca_with_intermediate};
use tls::server::server_config_from_pem_files;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn localhost() -> Vec<String> {
    names(&["localhost", "127.0.0.1", "::1"])
}

#[test]
fn first_write_creates_ca_and_server_files() {
    let dir = tempfile::tempdir().unwrap();

    let files = write_dev_ca(dir.path(), &localhost()).unwrap();

    assert!(!files.ca_reused);
    assert_eq!(files.ca_certificate, dir.path().join("ca.pem"));
    assert_eq!(files.ca_private_key, dir.path().join("ca.key"));
    assert_eq!(files.server_certificate, dir.path().join("server.pem"));
    assert_eq!(files.server_private_key, dir.path().join("server.key"));
    assert_eq!(mode(&files.ca_private_key), 0o600);
    assert_eq!(mode(&files.server_private_key), 0o600);
    assert_eq!(mode(&files.ca_certificate), 0o644);
    assert_eq!(mode(&files.server_certificate), 0o644);
}

#[test]
fn write_creates_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");

    let files = write_dev_ca(&nested, &localhost()).unwrap();

    assert!(files.server_certificate.is_file());
}

#[test]
fn no_temporary_files_left() {
    let dir = tempfile::tempdir().unwrap();

    write_dev_ca(dir.path(), &localhost()).unwrap();
    let mut entries: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();

    assert_eq!(entries, ["ca.key", "ca.pem", "server.key", "server.pem"]);
}

#[tokio::test]
async fn second_write_reuses_ca() {
    let dir = tempfile::tempdir().unwrap();
    let first = write_dev_ca(dir.path(), &localhost()).unwrap();
    let ca_pem_before = fs::read(&first.ca_certificate).unwrap();
    let ca_key_before = fs::read(&first.ca_private_key).unwrap();
    let server_pem_before = fs::read(&first.server_certificate).unwrap();
    // A client configured from the first run keeps trusting the CA.
    let client = client_config(&read_ca_pem_files(&[&first.ca_certificate]).unwrap()).unwrap();

    let second = write_dev_ca(dir.path(), &localhost()).unwrap();
    let server =
        server_config_from_pem_files(&second.server_certificate, &second.server_private_key)
            .unwrap();
    let result = handshake(server, client, "localhost").await;

    assert!(second.ca_reused);
    assert_eq!(fs::read(&second.ca_certificate).unwrap(), ca_pem_before);
    assert_eq!(fs::read(&second.ca_private_key).unwrap(), ca_key_before);
    assert_ne!(
        fs::read(&second.server_certificate).unwrap(),
        server_pem_before
    );
    assert_eq!(mode(&second.ca_private_key), 0o600);
    assert_eq!(mode(&second.server_private_key), 0o600);
    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[test]
fn rewrite_restores_key_mode() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_dev_ca(dir.path(), &localhost()).unwrap();
    fs::set_permissions(&files.server_private_key, fs::Permissions::from_mode(0o644)).unwrap();

    write_dev_ca(dir.path(), &localhost()).unwrap();

    assert_eq!(mode(&files.server_private_key), 0o600);
}

#[tokio::test]
async fn intermediate_write_serves_full_chain() {
    let dir = tempfile::tempdir().unwrap();

    let files = write_dev_ca_with_intermediate(dir.path(), &localhost()).unwrap();
    let chain = fs::read_to_string(&files.server_certificate).unwrap();
    let server =
        server_config_from_pem_files(&files.server_certificate, &files.server_private_key).unwrap();
    let client = client_config(&read_ca_pem_files(&[&files.ca_certificate]).unwrap()).unwrap();
    let result = handshake(server, client, "127.0.0.1").await;

    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[test]
fn missing_ca_key_is_incomplete_ca() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_dev_ca(dir.path(), &localhost()).unwrap();
    fs::remove_file(&files.ca_private_key).unwrap();
    let server_pem_before = fs::read(&files.server_certificate).unwrap();

    let error = write_dev_ca(dir.path(), &localhost()).unwrap_err();

    assert!(
        matches!(&error, Error::IncompleteCa { missing, .. } if *missing == files.ca_private_key),
        "error {error:?}"
    );
    assert_eq!(
        fs::read(&files.server_certificate).unwrap(),
        server_pem_before
    );
}

#[test]
fn foreign_ca_key_is_key_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_dev_ca(dir.path(), &localhost()).unwrap();
    let other = DevCa::generate("other CA").unwrap();
    fs::write(&files.ca_private_key, other.private_key_pem()).unwrap();

    let error = write_dev_ca(dir.path(), &localhost()).unwrap_err();

    assert!(
        matches!(error, Error::KeyMismatch { .. }),
        "error {error:?}"
    );
}

#[test]
fn server_certificate_as_ca_is_rejected() {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca.issue_server(&localhost()).unwrap();

    let error = DevCa::load(&issued.chain_pem, &issued.private_key_pem).unwrap_err();

    assert!(
        matches!(error, Error::NotCaCertificate { .. }),
        "error {error:?}"
    );
}

#[test]
fn sec1_ca_key_is_rejected() {
    let ca = DevCa::generate("test CA").unwrap();
    let sec1 = common::pkcs8_to_sec1_pem(&ca.private_key_pem());

    let error = DevCa::load(ca.certificate_pem(), &sec1).unwrap_err();

    assert!(
        matches!(error, Error::CaKeyNotPkcs8 { .. }),
        "error {error:?}"
    );
}

#[test]
fn invalid_name_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();

    let error = write_dev_ca(dir.path(), &names(&["localhost", "bad name"])).unwrap_err();

    assert!(
        matches!(error, Error::InvalidName { .. }),
        "error {error:?}"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn empty_names_write_nothing() {
    let dir = tempfile::tempdir().unwrap();

    let error = write_dev_ca(dir.path(), &[]).unwrap_err();

    assert!(matches!(error, Error::NoNames), "error {error:?}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}
