//! Generated demonstration secrets, kept in the state directory (mode 0600)
//! so that later runs keep the same logins and the same registration.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct DemoSecrets {
    /// Password of the connector's Basic credentials.
    pub connector_password: String,
    /// Password of the host's demo administrator.
    pub admin_password: String,
    /// Password of the host's demo employee.
    pub employee_password: String,
    /// Password of the host's demo approver; generated when an older
    /// secrets file lacks it.
    #[serde(default = "generate_password")]
    pub approver_password: String,
    /// Base64 key that encrypts connector passwords in the host's database.
    pub host_key: String,
}

impl DemoSecrets {
    /// Reads the secrets file, or generates and writes one.
    pub fn load_or_create(path: &Path) -> anyhow::Result<DemoSecrets> {
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let secrets: DemoSecrets = serde_json::from_str(&text).with_context(|| {
                format!("{} is not a valid secrets file; delete it to generate new secrets", path.display())
            })?;
            if !text.contains("\"approver_password\"") {
                // A file of an earlier version: keep the generated approver password.
                std::fs::remove_file(path).with_context(|| format!("cannot replace {}", path.display()))?;
                write_private(path, &serde_json::to_vec_pretty(&secrets)?)?;
            }
            return Ok(secrets);
        }
        let secrets = DemoSecrets {
            connector_password: generate_password(),
            admin_password: generate_password(),
            employee_password: generate_password(),
            approver_password: generate_password(),
            host_key: host::crypto::generate_key_base64(),
        };
        write_private(path, &serde_json::to_vec_pretty(&secrets)?)?;
        Ok(secrets)
    }
}

fn generate_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
