//! Writing a development CA and a server certificate to a directory.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{DevCa, IssuedCertificate, subject_alt_names};
use crate::error::{Error, Result};
use crate::pem::{file_origin, read_pem_file};

/// Common name of a CA that [`write_dev_ca`] generates.
pub const DEV_CA_COMMON_NAME: &str = "callouts development CA";

/// Common name of the intermediate that [`write_dev_ca_with_intermediate`] generates.
pub const DEV_INTERMEDIATE_COMMON_NAME: &str = "callouts development intermediate CA";

/// Permissions of certificate files: readable by everyone.
const CERTIFICATE_MODE: u32 = 0o644;

/// Permissions of private key files: owner only.
const PRIVATE_KEY_MODE: u32 = 0o600;

/// Paths of the files written by [`write_dev_ca`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevCaFiles {
    /// `ca.pem`: the root CA certificate that clients trust.
    pub ca_certificate: PathBuf,
    /// `ca.key`: the root CA private key, mode 0600.
    pub ca_private_key: PathBuf,
    /// `server.pem`: the server certificate, followed by any intermediate.
    pub server_certificate: PathBuf,
    /// `server.key`: the server private key, mode 0600.
    pub server_private_key: PathBuf,
    /// Whether `ca.pem` and `ca.key` existed and were reused instead of generated.
    pub ca_reused: bool,
}

/// Writes a development CA and a server certificate for `names` into `dir`.
///
/// Writes `ca.pem`, `ca.key`, `server.pem` and `server.key`, creating `dir`
/// if needed; key files get mode 0600. When `ca.pem` and `ca.key` already
/// exist, the CA is reused and only the server certificate and key are
/// replaced, so clients that already trust the CA keep working. When only
/// one of the two exists, nothing is written.
pub fn write_dev_ca(dir: &Path, names: &[String]) -> Result<DevCaFiles> {
    write(dir, names, |ca| ca.issue_server(names))
}

/// Same as [`write_dev_ca`], but the server certificate is issued by a fresh
/// intermediate CA, and `server.pem` contains the server certificate followed by
/// the intermediate. The intermediate's key is not kept.
pub fn write_dev_ca_with_intermediate(dir: &Path, names: &[String]) -> Result<DevCaFiles> {
    write(dir, names, |ca| {
        ca.issue_intermediate(DEV_INTERMEDIATE_COMMON_NAME)?
            .issue_server(names)
    })
}

fn write(
    dir: &Path,
    names: &[String],
    issue: impl FnOnce(&DevCa) -> Result<IssuedCertificate>,
) -> Result<DevCaFiles> {
    // Invalid names fail here, before a new CA is written.
    subject_alt_names(names)?;
    fs::create_dir_all(dir).map_err(|source| Error::WriteFile {
        path: dir.to_path_buf(),
        source,
    })?;

    let files = DevCaFiles {
        ca_certificate: dir.join("ca.pem"),
        ca_private_key: dir.join("ca.key"),
        server_certificate: dir.join("server.pem"),
        server_private_key: dir.join("server.key"),
        ca_reused: false,
    };
    let (ca, ca_reused) = load_or_create_ca(&files.ca_certificate, &files.ca_private_key)?;

    let issued = issue(&ca)?;
    write_file(
        &files.server_private_key,
        issued.private_key_pem.as_bytes(),
        PRIVATE_KEY_MODE,
    )?;
    write_file(
        &files.server_certificate,
        issued.chain_pem.as_bytes(),
        CERTIFICATE_MODE,
    )?;
    Ok(DevCaFiles { ca_reused, ..files })
}

/// Loads the CA stored in the two files, or generates and stores one when neither exists.
fn load_or_create_ca(certificate_path: &Path, key_path: &Path) -> Result<(DevCa, bool)> {
    match (exists(certificate_path)?, exists(key_path)?) {
        (true, true) => {
            let certificate_pem = read_pem_file(certificate_path)?;
            let key_pem = read_pem_file(key_path)?;
            let ca = DevCa::load_with_origins(
                &String::from_utf8_lossy(&certificate_pem),
                &file_origin(certificate_path),
                &String::from_utf8_lossy(&key_pem),
                &file_origin(key_path),
            )?;
            Ok((ca, true))
        }
        (false, false) => {
            let ca = DevCa::generate(DEV_CA_COMMON_NAME)?;
            // The key goes first: a certificate without its key would be unusable yet trusted.
            write_file(key_path, ca.private_key_pem().as_bytes(), PRIVATE_KEY_MODE)?;
            write_file(
                certificate_path,
                ca.certificate_pem().as_bytes(),
                CERTIFICATE_MODE,
            )?;
            Ok((ca, false))
        }
        (true, false) => Err(Error::IncompleteCa {
            present: certificate_path.to_path_buf(),
            missing: key_path.to_path_buf(),
        }),
        (false, true) => Err(Error::IncompleteCa {
            present: key_path.to_path_buf(),
            missing: certificate_path.to_path_buf(),
        }),
    }
}

fn exists(path: &Path) -> Result<bool> {
    path.try_exists().map_err(|source| Error::ReadFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Replaces `path` with `contents` through a temporary file and a rename, so a
/// reader never sees a half-written file and a key is never readable by others.
fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let write_error = |source| Error::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let mut temporary_name = path.file_name().unwrap_or_default().to_os_string();
    temporary_name.push(".tmp");
    let temporary = path.with_file_name(temporary_name);

    // A leftover from an interrupted run may have other permissions, and the
    // mode below applies only to a file this call creates.
    match fs::remove_file(&temporary) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(write_error(error)),
        _ => {}
    }

    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    let mut file = options.open(&temporary).map_err(write_error)?;

    // The umask may have removed bits from the mode at creation.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(write_error)?;
    }
    #[cfg(not(unix))]
    let _ = mode;

    file.write_all(contents).map_err(write_error)?;
    file.sync_all().map_err(write_error)?;
    fs::rename(&temporary, path).map_err(write_error)
}
