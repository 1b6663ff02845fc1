//! Version 4: report header, entry and allocation fields, HMAC-SHA256.

use super::query::{Parameters, check_nonce, write};
use super::signature::{Algorithm, sign, verify};
use super::{LaunchCredentials, LaunchError};

const NAMES: [&str; 13] = [
    "logged_in_user_id",
    "report_owner_user_id",
    "report_owner_employee_id",
    "company_domain",
    "item_url",
    "custom_field_launched_from",
    "expense_ids",
    "source",
    "is_mobile",
    "signature",
    "nonce",
    "client_auth_code",
    "language_code",
];

/// The form part the button belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchSource {
    Header,
    Entry,
    Allocation,
}

impl LaunchSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchSource::Header => "HEADER",
            LaunchSource::Entry => "ENTRY",
            LaunchSource::Allocation => "ALLOCATION",
        }
    }

    fn parse(value: &str) -> Result<LaunchSource, LaunchError> {
        match value {
            "HEADER" => Ok(LaunchSource::Header),
            "ENTRY" => Ok(LaunchSource::Entry),
            "ALLOCATION" => Ok(LaunchSource::Allocation),
            _ => Err(LaunchError::Invalid {
                name: "source",
                rule: "expected HEADER, ENTRY or ALLOCATION",
            }),
        }
    }
}

/// The parameters of a version 4 launch, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchV4 {
    pub logged_in_user_id: String,
    pub report_owner_user_id: String,
    pub report_owner_employee_id: String,
    pub company_domain: String,
    /// URL of the report header, entry or allocation in the host's web services.
    pub item_url: String,
    /// Name of the custom field whose button was clicked.
    pub custom_field_launched_from: String,
    /// Expense ids of an allocation; empty otherwise.
    pub expense_ids: Vec<String>,
    pub source: LaunchSource,
    pub is_mobile: bool,
    /// A fresh GUID per launch.
    pub nonce: String,
    /// Single-use code the connector exchanges for tokens at the host.
    pub client_auth_code: String,
    /// `en`, `en-GB` and the like: 2 to 5 characters.
    pub language_code: String,
}

impl LaunchV4 {
    fn signed_values(&self) -> [&str; 5] {
        [
            &self.company_domain,
            &self.logged_in_user_id,
            &self.report_owner_user_id,
            &self.report_owner_employee_id,
            &self.item_url,
        ]
    }

    /// Returns the Base64 HMAC-SHA256 signature of the parameters.
    pub fn signature(&self, credentials: LaunchCredentials<'_>) -> String {
        sign(
            Algorithm::HmacSha256,
            &self.signed_values(),
            credentials,
            &self.nonce,
        )
    }

    /// Writes the signed query string, without the leading `?`.
    pub fn to_query(&self, credentials: LaunchCredentials<'_>) -> String {
        let signature = self.signature(credentials);
        let expense_ids = self.expense_ids.join(",");
        write(&[
            ("logged_in_user_id", &self.logged_in_user_id),
            ("report_owner_user_id", &self.report_owner_user_id),
            ("report_owner_employee_id", &self.report_owner_employee_id),
            ("company_domain", &self.company_domain),
            ("item_url", &self.item_url),
            (
                "custom_field_launched_from",
                &self.custom_field_launched_from,
            ),
            ("expense_ids", &expense_ids),
            ("source", self.source.as_str()),
            ("is_mobile", if self.is_mobile { "true" } else { "false" }),
            ("signature", &signature),
            ("nonce", &self.nonce),
            ("client_auth_code", &self.client_auth_code),
            ("language_code", &self.language_code),
        ])
    }

    /// Reads a query string and verifies its signature with `credentials`.
    /// `expense_ids` may be absent or empty, `is_mobile` absent means false,
    /// and `language_code` absent means `en`. The other parameters are
    /// required, and the nonce must be a GUID.
    pub fn verify_query(
        query: &str,
        credentials: LaunchCredentials<'_>,
    ) -> Result<LaunchV4, LaunchError> {
        let parameters = Parameters::parse(query, &NAMES)?;
        let required = |name| parameters.required(name).map(str::to_owned);
        let expense_ids = match parameters.optional("expense_ids") {
            None | Some("") => Vec::new(),
            Some(ids) => ids.split(',').map(str::to_owned).collect(),
        };
        let is_mobile = match parameters.optional("is_mobile") {
            None => false,
            Some(value) if value.eq_ignore_ascii_case("true") => true,
            Some(value) if value.eq_ignore_ascii_case("false") => false,
            Some(_) => {
                return Err(LaunchError::Invalid {
                    name: "is_mobile",
                    rule: "expected true or false",
                });
            }
        };
        let language_code = parameters
            .optional("language_code")
            .unwrap_or("en")
            .to_owned();
        let valid_language = (2..=5).contains(&language_code.len())
            && language_code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid_language {
            return Err(LaunchError::Invalid {
                name: "language_code",
                rule: "expected 2 to 5 letters, digits or hyphens, such as en or en-GB",
            });
        }

        let launch = LaunchV4 {
            logged_in_user_id: required("logged_in_user_id")?,
            report_owner_user_id: required("report_owner_user_id")?,
            report_owner_employee_id: required("report_owner_employee_id")?,
            company_domain: required("company_domain")?,
            item_url: required("item_url")?,
            custom_field_launched_from: required("custom_field_launched_from")?,
            expense_ids,
            source: LaunchSource::parse(parameters.required("source")?)?,
            is_mobile,
            nonce: required("nonce")?,
            client_auth_code: required("client_auth_code")?,
            language_code,
        };
        let signature = parameters.required("signature")?;
        check_nonce(&launch.nonce)?;
        verify(
            Algorithm::HmacSha256,
            &launch.signed_values(),
            credentials,
            &launch.nonce,
            signature,
        )?;
        Ok(launch)
    }
}
