//! Validated registration fields, each built by `parse`, and the field errors they report.

use std::fmt;

use connector::Secret;
use serde::{Deserialize, Serialize};

/// The rule texts reported in [`FieldError::rule`]; clients may match on them.
pub mod rules {
    pub const REQUIRED: &str = "required";
    pub const NAME_LENGTH: &str = "must be 1 to 100 characters";
    pub const NAME_UNIQUE: &str = "must be unique within the company";
    pub const DESCRIPTION_LENGTH: &str = "must be at most 500 characters";
    pub const NO_CONTROL_CHARACTERS: &str = "must not contain control characters";
    pub const HOST_NAME_URL: &str =
        "must be an https:// origin such as https://connector.example.com";
    pub const HOST_NAME_HTTPS: &str = "must use the https scheme";
    pub const HOST_NAME_USER_INFO: &str = "must not contain a user name or password";
    pub const HOST_NAME_PATH: &str = "must not contain a path";
    pub const HOST_NAME_QUERY: &str = "must not contain a query";
    pub const HOST_NAME_FRAGMENT: &str = "must not contain a fragment";
    pub const HOST_NAME_LENGTH: &str = "must be at most 255 characters";
    pub const CREDENTIAL_LENGTH: &str = "must be 10 to 50 characters";
    pub const USER_NAME_COLON: &str =
        "must not contain `:`, because Basic authentication splits at the first colon";
    pub const MUST_BE_STRING: &str = "must be a string";
    pub const MUST_BE_BOOLEAN: &str = "must be true or false";
    pub const MUST_BE_ARRAY: &str = "must be an array";
    pub const MUST_BE_OBJECT: &str = "must be an object";
    pub const UNKNOWN_FIELD: &str = "unknown field";
    pub const ENDPOINT_PATH_SLASH: &str = "must begin with `/`";
    pub const ENDPOINT_PATH_LENGTH: &str = "must be at most 255 characters";
    pub const ENDPOINT_PATH_CHARACTERS: &str = "must contain only URL path characters (letters, digits and -._~!$&'()*+,;=:@/%), no query or fragment";
    pub const ENABLE_UNVERIFIED: &str =
        "a service can be enabled only after a successful Test Connection";
    pub const ATTENDEE_TYPE_LENGTH: &str = "must be 1 to 8 characters";
    pub const DUPLICATE: &str = "must not repeat an earlier entry";
    pub const LIST_TEXT_LENGTH: &str = "must be 1 to 100 characters";
    pub const LANGUAGE_CODE: &str = "must be two letters, such as EN";
    pub const CONNECTED_LIST_LEVEL: &str = "must be a whole number of at least 1";
    pub const WORKFLOW_STEP: &str =
        "must be `External Validation - Submit` or `External Validation - Pre-Extract`";
    pub const WORKFLOW_OBJECTS: &str = "must apply to expense reports, travel requests or both";
    pub const LAUNCH_VERSION: &str = "must be V1 or V4";
    pub const REQUIRED_FOR_V4: &str = "required for version V4";
    pub const ONLY_FOR_V4: &str = "allowed only for version V4";
    pub const OAUTH_CLIENT_ID_LENGTH: &str = "must be 1 to 100 characters";
    pub const REDIRECT_URL: &str = "must be an absolute https URL of at most 2000 characters";
}

/// One broken rule: which field (a JSON path such as `lists[0].category`) and which rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.field, self.rule)
    }
}

/// Collects every broken rule of one input, so that a client learns all of them at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.0.push(FieldError::new(field, rule));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs a parser, keeping its value or recording its rule under `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, &'static str>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(rule) => {
                self.push(field, rule);
                None
            }
        }
    }

    /// Returns `value` when no rule was broken.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let texts: Vec<String> = self.0.iter().map(FieldError::to_string).collect();
        formatter.write_str(&texts.join("; "))
    }
}

/// Counts characters (Unicode scalar values), the unit of every length rule.
pub(crate) fn length(text: &str) -> usize {
    text.chars().count()
}

/// Checks a one-line text: no control characters, length within `range`.
pub(crate) fn parse_line(
    text: &str,
    range: std::ops::RangeInclusive<usize>,
    length_rule: &'static str,
) -> Result<String, &'static str> {
    if text.chars().any(char::is_control) {
        return Err(rules::NO_CONTROL_CHARACTERS);
    }
    if !range.contains(&length(text)) {
        return Err(length_rule);
    }
    Ok(text.to_owned())
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Wraps a value read back from the store, which contains only parsed values.
            pub fn from_stored(value: String) -> Self {
                $name(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// Name of a registration, 1 to 100 characters after trimming, unique within its company.
    RegistrationName
);
text_newtype!(
    /// Description of the back end a registration connects to; at most 500 characters, may span lines.
    Description
);
text_newtype!(
    /// An `https://` origin: scheme, lowercase host and an optional port, nothing else.
    HostName
);
text_newtype!(
    /// The Basic user name the host sends, 10 to 50 characters without `:`.
    CredentialUserName
);

impl RegistrationName {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        parse_line(text.trim(), 1..=100, rules::NAME_LENGTH).map(RegistrationName)
    }

    /// Returns the form that uniqueness is checked on, so two names differing only in case collide.
    pub fn unique_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl Description {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text
            .chars()
            .any(|character| character.is_control() && character != '\n' && character != '\t')
        {
            return Err(rules::NO_CONTROL_CHARACTERS);
        }
        if length(text) > 500 {
            return Err(rules::DESCRIPTION_LENGTH);
        }
        Ok(Description(text.to_owned()))
    }

    pub fn empty() -> Self {
        Description(String::new())
    }
}

impl HostName {
    /// Parses an origin. The host is lowercased (and IDNA-encoded), the
    /// default port 443 dropped, and a single trailing `/` accepted.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if length(text) > 255 {
            return Err(rules::HOST_NAME_LENGTH);
        }
        let url = url::Url::parse(text).map_err(|_| rules::HOST_NAME_URL)?;
        if url.scheme() != "https" {
            return Err(rules::HOST_NAME_HTTPS);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(rules::HOST_NAME_USER_INFO);
        }
        if url.path() != "/" {
            return Err(rules::HOST_NAME_PATH);
        }
        if url.query().is_some() {
            return Err(rules::HOST_NAME_QUERY);
        }
        if url.fragment().is_some() {
            return Err(rules::HOST_NAME_FRAGMENT);
        }
        if url.host().is_none() {
            return Err(rules::HOST_NAME_URL);
        }
        Ok(HostName(url.origin().ascii_serialization()))
    }
}

impl CredentialUserName {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let user_name = parse_line(text, 10..=50, rules::CREDENTIAL_LENGTH)?;
        if user_name.contains(':') {
            return Err(rules::USER_NAME_COLON);
        }
        Ok(CredentialUserName(user_name))
    }
}

/// The Basic password the host sends, 10 to 50 characters; kept in a
/// redacting [`Secret`] from parsing until it is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialPassword(Secret);

impl CredentialPassword {
    pub fn parse(password: &Secret) -> Result<Self, &'static str> {
        let text = password.expose();
        if text.chars().any(char::is_control) {
            return Err(rules::NO_CONTROL_CHARACTERS);
        }
        if !(10..=50).contains(&length(text)) {
            return Err(rules::CREDENTIAL_LENGTH);
        }
        Ok(CredentialPassword(password.clone()))
    }

    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_name_lowercases_host() {
        let host = HostName::parse("https://Connector.Example.COM").unwrap();

        assert_eq!(host.as_str(), "https://connector.example.com");
    }

    #[test]
    fn host_name_keeps_port() {
        let host = HostName::parse("https://connector.example.com:8443/").unwrap();

        assert_eq!(host.as_str(), "https://connector.example.com:8443");
    }

    #[test]
    fn host_name_drops_default_port() {
        let host = HostName::parse("https://connector.example.com:443").unwrap();

        assert_eq!(host.as_str(), "https://connector.example.com");
    }

    #[test]
    fn host_name_accepts_ip_address() {
        let host = HostName::parse("https://127.0.0.1:9443").unwrap();

        assert_eq!(host.as_str(), "https://127.0.0.1:9443");
    }

    #[test]
    fn host_name_cases() {
        let cases = [
            ("http://connector.example.com", rules::HOST_NAME_HTTPS),
            ("connector.example.com", rules::HOST_NAME_URL),
            ("https://", rules::HOST_NAME_URL),
            (
                "https://user:pw@connector.example.com",
                rules::HOST_NAME_USER_INFO,
            ),
            (
                "https://user@connector.example.com",
                rules::HOST_NAME_USER_INFO,
            ),
            (
                "https://connector.example.com/concur",
                rules::HOST_NAME_PATH,
            ),
            ("https://connector.example.com?a=b", rules::HOST_NAME_QUERY),
            ("https://connector.example.com?", rules::HOST_NAME_QUERY),
            (
                "https://connector.example.com#top",
                rules::HOST_NAME_FRAGMENT,
            ),
        ];
        for (text, rule) in cases {
            assert_eq!(HostName::parse(text), Err(rule), "{text}");
        }
    }

    #[test]
    fn host_name_too_long() {
        let text = format!("https://{}.example.com", "a".repeat(250));

        assert_eq!(HostName::parse(&text), Err(rules::HOST_NAME_LENGTH));
    }

    #[test]
    fn name_is_trimmed() {
        assert_eq!(RegistrationName::parse("  HR  ").unwrap().as_str(), "HR");
    }

    #[test]
    fn name_of_spaces_is_rejected() {
        assert_eq!(RegistrationName::parse("   "), Err(rules::NAME_LENGTH));
    }

    #[test]
    fn name_of_101_characters_is_rejected() {
        assert_eq!(
            RegistrationName::parse(&"n".repeat(101)),
            Err(rules::NAME_LENGTH)
        );
    }

    #[test]
    fn description_keeps_newlines() {
        assert!(Description::parse("first line\nsecond line").is_ok());
    }

    #[test]
    fn description_rejects_other_controls() {
        assert_eq!(
            Description::parse("bell\u{7}"),
            Err(rules::NO_CONTROL_CHARACTERS)
        );
    }

    #[test]
    fn user_name_counts_characters() {
        assert!(CredentialUserName::parse(&"é".repeat(50)).is_ok());
    }

    #[test]
    fn user_name_rejects_colon() {
        assert_eq!(
            CredentialUserName::parse("connector:user"),
            Err(rules::USER_NAME_COLON)
        );
    }

    #[test]
    fn password_of_nine_characters_is_rejected() {
        assert_eq!(
            CredentialPassword::parse(&Secret::new("123456789")),
            Err(rules::CREDENTIAL_LENGTH)
        );
    }

    #[test]
    fn password_of_fifty_characters_is_accepted() {
        assert!(CredentialPassword::parse(&Secret::new("p".repeat(50))).is_ok());
    }
}
