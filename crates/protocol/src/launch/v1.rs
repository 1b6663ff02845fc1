//! Version 1: expense entry fields, HMAC-SHA1.

use super::query::{Parameters, check_nonce, write};
use super::signature::{Algorithm, sign, verify};
use super::{LaunchCredentials, LaunchError};

const NAMES: [&str; 5] = ["xcompanydomain", "xuserid", "itemurl", "nonce", "signature"];

/// The parameters of a version 1 launch, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchV1 {
    pub company_domain: String,
    pub user_id: String,
    /// URL of the expense entry in the host's web services.
    pub item_url: String,
    /// A fresh GUID per launch.
    pub nonce: String,
}

impl LaunchV1 {
    fn signed_values(&self) -> [&str; 3] {
        [&self.company_domain, &self.user_id, &self.item_url]
    }

    /// Returns the Base64 HMAC-SHA1 signature of the parameters.
    pub fn signature(&self, credentials: LaunchCredentials<'_>) -> String {
        sign(
            Algorithm::HmacSha1,
            &self.signed_values(),
            credentials,
            &self.nonce,
        )
    }

    /// Writes the signed query string, without the leading `?`.
    pub fn to_query(&self, credentials: LaunchCredentials<'_>) -> String {
        let signature = self.signature(credentials);
        write(&[
            ("xcompanydomain", &self.company_domain),
            ("xuserid", &self.user_id),
            ("itemurl", &self.item_url),
            ("nonce", &self.nonce),
            ("signature", &signature),
        ])
    }

    /// Reads a query string and verifies its signature with `credentials`.
    /// Every parameter is required and the nonce must be a GUID.
    pub fn verify_query(
        query: &str,
        credentials: LaunchCredentials<'_>,
    ) -> Result<LaunchV1, LaunchError> {
        let parameters = Parameters::parse(query, &NAMES)?;
        let launch = LaunchV1 {
            company_domain: parameters.required("xcompanydomain")?.to_owned(),
            user_id: parameters.required("xuserid")?.to_owned(),
            item_url: parameters.required("itemurl")?.to_owned(),
            nonce: parameters.required("nonce")?.to_owned(),
        };
        let signature = parameters.required("signature")?;
        check_nonce(&launch.nonce)?;
        verify(
            Algorithm::HmacSha1,
            &launch.signed_values(),
            credentials,
            &launch.nonce,
            signature,
        )?;
        Ok(launch)
    }
}
