//! Reading certificates and private keys from PEM files and bytes.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// Largest PEM file read, in bytes: a public CA bundle is a few hundred kilobytes.
pub(crate) const MAX_PEM_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a PEM file of at most [`MAX_PEM_FILE_BYTES`].
pub(crate) fn read_pem_file(path: &Path) -> Result<Vec<u8>> {
    let read_error = |source| Error::ReadFile {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;

    // Reading one byte past the limit distinguishes a file of exactly the limit from a larger one.
    let mut contents = Vec::new();
    file.take(MAX_PEM_FILE_BYTES + 1)
        .read_to_end(&mut contents)
        .map_err(read_error)?;
    if contents.len() as u64 > MAX_PEM_FILE_BYTES {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            max_bytes: MAX_PEM_FILE_BYTES,
        });
    }
    Ok(contents)
}

/// Parses every `CERTIFICATE` block, in file order; other blocks are skipped.
pub(crate) fn parse_certificates(pem: &[u8], origin: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| Error::InvalidPem {
            origin: origin.to_owned(),
            source,
        })?;
    if certificates.is_empty() {
        return Err(Error::NoCertificate {
            origin: origin.to_owned(),
        });
    }
    Ok(certificates)
}

/// Parses the single PKCS#8, SEC1 or PKCS#1 private key in `pem`.
pub(crate) fn parse_private_key(pem: &[u8], origin: &str) -> Result<PrivateKeyDer<'static>> {
    let mut keys = PrivateKeyDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| Error::InvalidPem {
            origin: origin.to_owned(),
            source,
        })?;

    match keys.len() {
        0 if contains(pem, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") => {
            Err(Error::EncryptedPrivateKey {
                origin: origin.to_owned(),
            })
        }
        0 => Err(Error::NoPrivateKey {
            origin: origin.to_owned(),
        }),
        1 => Ok(keys.remove(0)),
        count => Err(Error::SeveralPrivateKeys {
            origin: origin.to_owned(),
            count,
        }),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Describes a file as the origin of PEM input in error messages.
pub(crate) fn file_origin(path: &Path) -> String {
    path.display().to_string()
}
