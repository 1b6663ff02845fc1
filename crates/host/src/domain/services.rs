//! The four callout services of a registration, their endpoint paths and their settings.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::fields::{FieldErrors, length, parse_line, rules};

/// A callout service a registration can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    FetchAttendee,
    FetchList,
    EventNotification,
    LaunchExternalUrl,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 4] = [
        ServiceKind::FetchAttendee,
        ServiceKind::FetchList,
        ServiceKind::EventNotification,
        ServiceKind::LaunchExternalUrl,
    ];

    /// Name in URLs, JSON and the store, such as `fetch-attendee`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::FetchAttendee => "fetch-attendee",
            ServiceKind::FetchList => "fetch-list",
            ServiceKind::EventNotification => "event-notification",
            ServiceKind::LaunchExternalUrl => "launch-external-url",
        }
    }

    pub fn parse(text: &str) -> Option<ServiceKind> {
        ServiceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// Returns the service as first created: disabled, default path, empty settings.
    pub fn default_config(self) -> ServiceConfig {
        let settings = match self {
            ServiceKind::FetchAttendee => ServiceSettings::FetchAttendee {
                attendee_types: Vec::new(),
            },
            ServiceKind::FetchList => ServiceSettings::FetchList { lists: Vec::new() },
            ServiceKind::EventNotification => ServiceSettings::EventNotification {
                workflow_steps: Vec::new(),
            },
            ServiceKind::LaunchExternalUrl => ServiceSettings::LaunchExternalUrl {
                version: LaunchVersion::V1,
                oauth: None,
            },
        };
        ServiceConfig {
            enabled: false,
            endpoint_path: EndpointPath(settings.default_path().to_owned()),
            settings,
        }
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Default endpoint paths on the connector.
pub mod default_paths {
    pub const FETCH_ATTENDEE: &str = "/concur/attendee/v2.0/fetch";
    pub const FETCH_LIST: &str = "/concur/list/v1.2/fetch";
    pub const EVENT_NOTIFICATION: &str = "/concur/v1.0/notify";
    pub const LAUNCH_EXTERNAL_URL_V1: &str = "/concur/form/v1.0/get";
    pub const LAUNCH_EXTERNAL_URL_V4: &str = "/launchexternalurl/v4/form";
}

/// Path of a service on the connector, joined to the registration's Host Name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EndpointPath(String);

impl EndpointPath {
    /// Accepts a path that begins with `/` and holds only RFC 3986 path
    /// characters, so that joining it to the origin cannot add a query,
    /// a fragment or another host.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if !text.starts_with('/') {
            return Err(rules::ENDPOINT_PATH_SLASH);
        }
        if text.len() > 255 {
            return Err(rules::ENDPOINT_PATH_LENGTH);
        }
        let allowed = |character: char| {
            character.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%".contains(character)
        };
        if !text.chars().all(allowed) || text.starts_with("//") {
            return Err(rules::ENDPOINT_PATH_CHARACTERS);
        }
        Ok(EndpointPath(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An attendee type code that uses the connector, 1 to 8 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttendeeTypeCode(String);

impl AttendeeTypeCode {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        parse_line(text.trim(), 1..=8, rules::ATTENDEE_TYPE_LENGTH).map(AttendeeTypeCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A list served by Fetch List.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfiguredList {
    pub list_name: String,
    pub category: String,
    /// Two uppercase letters, such as `EN`.
    pub language_code: String,
    /// Level of the connected list that this configuration serves, from 1.
    pub connected_list_level: u32,
}

/// A workflow step that sends Event Notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowStep {
    #[serde(rename = "External Validation - Submit")]
    ExternalValidationSubmit,
    #[serde(rename = "External Validation - Pre-Extract")]
    ExternalValidationPreExtract,
}

impl WorkflowStep {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStep::ExternalValidationSubmit => "External Validation - Submit",
            WorkflowStep::ExternalValidationPreExtract => "External Validation - Pre-Extract",
        }
    }

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        [
            WorkflowStep::ExternalValidationSubmit,
            WorkflowStep::ExternalValidationPreExtract,
        ]
        .into_iter()
        .find(|step| step.as_str() == text)
        .ok_or(rules::WORKFLOW_STEP)
    }
}

/// A workflow step and the workflows (expense report, travel request) it notifies for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowStepSubscription {
    pub step: WorkflowStep,
    pub expense_reports: bool,
    pub travel_requests: bool,
}

/// Version of Launch External URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaunchVersion {
    V1,
    V4,
}

impl LaunchVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchVersion::V1 => "V1",
            LaunchVersion::V4 => "V4",
        }
    }
}

/// The OAuth client of Launch External URL v4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClient {
    pub client_id: String,
    /// An absolute `https` URL.
    pub redirect_url: String,
}

/// Settings that depend on the kind of service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ServiceSettings {
    FetchAttendee {
        attendee_types: Vec<AttendeeTypeCode>,
    },
    FetchList {
        lists: Vec<ConfiguredList>,
    },
    EventNotification {
        workflow_steps: Vec<WorkflowStepSubscription>,
    },
    LaunchExternalUrl {
        version: LaunchVersion,
        /// Present exactly when `version` is V4.
        oauth: Option<OAuthClient>,
    },
}

impl ServiceSettings {
    pub fn kind(&self) -> ServiceKind {
        match self {
            ServiceSettings::FetchAttendee { .. } => ServiceKind::FetchAttendee,
            ServiceSettings::FetchList { .. } => ServiceKind::FetchList,
            ServiceSettings::EventNotification { .. } => ServiceKind::EventNotification,
            ServiceSettings::LaunchExternalUrl { .. } => ServiceKind::LaunchExternalUrl,
        }
    }

    /// Endpoint path used when the configuration names none.
    pub fn default_path(&self) -> &'static str {
        match self {
            ServiceSettings::FetchAttendee { .. } => default_paths::FETCH_ATTENDEE,
            ServiceSettings::FetchList { .. } => default_paths::FETCH_LIST,
            ServiceSettings::EventNotification { .. } => default_paths::EVENT_NOTIFICATION,
            ServiceSettings::LaunchExternalUrl {
                version: LaunchVersion::V1,
                ..
            } => default_paths::LAUNCH_EXTERNAL_URL_V1,
            ServiceSettings::LaunchExternalUrl {
                version: LaunchVersion::V4,
                ..
            } => default_paths::LAUNCH_EXTERNAL_URL_V4,
        }
    }

    /// Names of the settings that differ between two values of the same kind, for the audit trail.
    fn changed_names(&self, other: &ServiceSettings) -> Vec<&'static str> {
        match (self, other) {
            (
                ServiceSettings::FetchAttendee { attendee_types: a },
                ServiceSettings::FetchAttendee { attendee_types: b },
            ) => changed("attendee_types", a != b),
            (ServiceSettings::FetchList { lists: a }, ServiceSettings::FetchList { lists: b }) => {
                changed("lists", a != b)
            }
            (
                ServiceSettings::EventNotification { workflow_steps: a },
                ServiceSettings::EventNotification { workflow_steps: b },
            ) => changed("workflow_steps", a != b),
            (
                ServiceSettings::LaunchExternalUrl {
                    version: version_a,
                    oauth: oauth_a,
                },
                ServiceSettings::LaunchExternalUrl {
                    version: version_b,
                    oauth: oauth_b,
                },
            ) => {
                let client_a = oauth_a.as_ref().map(|oauth| &oauth.client_id);
                let client_b = oauth_b.as_ref().map(|oauth| &oauth.client_id);
                let redirect_a = oauth_a.as_ref().map(|oauth| &oauth.redirect_url);
                let redirect_b = oauth_b.as_ref().map(|oauth| &oauth.redirect_url);
                let mut names = changed("version", version_a != version_b);
                names.extend(changed("oauth_client_id", client_a != client_b));
                names.extend(changed("redirect_url", redirect_a != redirect_b));
                names
            }
            _ => vec!["settings"],
        }
    }
}

fn changed(name: &'static str, differs: bool) -> Vec<&'static str> {
    if differs { vec![name] } else { Vec::new() }
}

/// One service of a registration as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// The Enabled (Active) check box. It counts only while the
    /// registration is Verified; see [`super::Registration::service_is_active`].
    pub enabled: bool,
    pub endpoint_path: EndpointPath,
    pub settings: ServiceSettings,
}

impl ServiceConfig {
    /// Names of what differs from `earlier`, for the audit trail.
    pub fn changes_from(&self, earlier: &ServiceConfig) -> Vec<String> {
        let mut names = changed("enabled", self.enabled != earlier.enabled);
        names.extend(changed(
            "endpoint_path",
            self.endpoint_path != earlier.endpoint_path,
        ));
        names.extend(self.settings.changed_names(&earlier.settings));
        names.into_iter().map(str::to_owned).collect()
    }
}

/// All four services of a registration, by kind.
pub type Services = BTreeMap<ServiceKind, ServiceConfig>;

/// Services of a new registration: all four, disabled, at their default paths.
pub fn default_services() -> Services {
    ServiceKind::ALL
        .into_iter()
        .map(|kind| (kind, kind.default_config()))
        .collect()
}

/// A service configuration as entered, before validation.
#[derive(Debug, Clone, Default)]
pub struct ServiceInput {
    pub enabled: bool,
    /// `None` picks the default path of the service (and version).
    pub endpoint_path: Option<String>,
    pub settings: ServiceSettingsInput,
}

/// Service-specific settings as entered; the variant must match the service.
#[derive(Debug, Clone)]
pub enum ServiceSettingsInput {
    FetchAttendee {
        attendee_types: Vec<String>,
    },
    FetchList {
        lists: Vec<ConfiguredListInput>,
    },
    EventNotification {
        workflow_steps: Vec<WorkflowStepInput>,
    },
    LaunchExternalUrl {
        version: Option<String>,
        oauth_client_id: Option<String>,
        redirect_url: Option<String>,
    },
}

impl Default for ServiceSettingsInput {
    fn default() -> Self {
        ServiceSettingsInput::FetchAttendee {
            attendee_types: Vec::new(),
        }
    }
}

/// A configured list as entered.
#[derive(Debug, Clone, Default)]
pub struct ConfiguredListInput {
    pub list_name: Option<String>,
    pub category: Option<String>,
    pub language_code: Option<String>,
    pub connected_list_level: Option<i64>,
}

/// A workflow step subscription as entered.
#[derive(Debug, Clone, Default)]
pub struct WorkflowStepInput {
    pub step: Option<String>,
    pub expense_reports: bool,
    pub travel_requests: bool,
}

impl ServiceInput {
    /// Validates the input for `kind`. Disabling Fetch List removes its
    /// configured lists. The rule that only a Verified registration may
    /// enable a service is checked by [`super::Registrations`], because it
    /// depends on the stored registration.
    pub fn parse(&self, kind: ServiceKind) -> Result<ServiceConfig, FieldErrors> {
        let mut errors = FieldErrors::default();
        let settings = parse_settings(kind, &self.settings, self.enabled, &mut errors);
        let endpoint_path = match (&self.endpoint_path, &settings) {
            (Some(path), _) => errors.check("endpoint_path", EndpointPath::parse(path)),
            (None, Some(settings)) => Some(EndpointPath(settings.default_path().to_owned())),
            (None, None) => None,
        };
        match (endpoint_path, settings) {
            (Some(endpoint_path), Some(settings)) if errors.is_empty() => Ok(ServiceConfig {
                enabled: self.enabled,
                endpoint_path,
                settings,
            }),
            _ => Err(errors),
        }
    }
}

fn parse_settings(
    kind: ServiceKind,
    input: &ServiceSettingsInput,
    enabled: bool,
    errors: &mut FieldErrors,
) -> Option<ServiceSettings> {
    let before = errors.0.len();
    let settings = match (kind, input) {
        (ServiceKind::FetchAttendee, ServiceSettingsInput::FetchAttendee { attendee_types }) => {
            ServiceSettings::FetchAttendee {
                attendee_types: parse_attendee_types(attendee_types, errors),
            }
        }
        (ServiceKind::FetchList, ServiceSettingsInput::FetchList { lists }) => {
            let lists = parse_lists(lists, errors);
            ServiceSettings::FetchList {
                lists: if enabled { lists } else { Vec::new() },
            }
        }
        (
            ServiceKind::EventNotification,
            ServiceSettingsInput::EventNotification { workflow_steps },
        ) => ServiceSettings::EventNotification {
            workflow_steps: parse_workflow_steps(workflow_steps, errors),
        },
        (
            ServiceKind::LaunchExternalUrl,
            ServiceSettingsInput::LaunchExternalUrl {
                version,
                oauth_client_id,
                redirect_url,
            },
        ) => parse_launch(
            version.as_deref(),
            oauth_client_id.as_deref(),
            redirect_url.as_deref(),
            errors,
        )?,
        _ => {
            errors.push("settings", "do not match the service");
            return None;
        }
    };
    (errors.0.len() == before).then_some(settings)
}

fn parse_attendee_types(codes: &[String], errors: &mut FieldErrors) -> Vec<AttendeeTypeCode> {
    let mut parsed: Vec<AttendeeTypeCode> = Vec::new();
    for (index, code) in codes.iter().enumerate() {
        let field = format!("attendee_types[{index}]");
        let Some(code) = errors.check(&field, AttendeeTypeCode::parse(code)) else {
            continue;
        };
        if parsed.contains(&code) {
            errors.push(field, rules::DUPLICATE);
            continue;
        }
        parsed.push(code);
    }
    parsed
}

fn parse_lists(lists: &[ConfiguredListInput], errors: &mut FieldErrors) -> Vec<ConfiguredList> {
    let mut parsed: Vec<ConfiguredList> = Vec::new();
    for (index, list) in lists.iter().enumerate() {
        let field = |name: &str| format!("lists[{index}].{name}");
        let text = |errors: &mut FieldErrors, name: &str, value: &Option<String>| match value {
            Some(value) => errors.check(
                &field(name),
                parse_line(value.trim(), 1..=100, rules::LIST_TEXT_LENGTH),
            ),
            None => {
                errors.push(field(name), rules::REQUIRED);
                None
            }
        };
        let list_name = text(errors, "list_name", &list.list_name);
        let category = text(errors, "category", &list.category);
        let language_code = match &list.language_code {
            Some(code) => errors.check(&field("language_code"), parse_language_code(code)),
            None => {
                errors.push(field("language_code"), rules::REQUIRED);
                None
            }
        };
        let level = match list.connected_list_level {
            Some(level) => errors.check(
                &field("connected_list_level"),
                u32::try_from(level)
                    .ok()
                    .filter(|level| *level >= 1)
                    .ok_or(rules::CONNECTED_LIST_LEVEL),
            ),
            None => {
                errors.push(field("connected_list_level"), rules::REQUIRED);
                None
            }
        };
        if let (Some(list_name), Some(category), Some(language_code), Some(connected_list_level)) =
            (list_name, category, language_code, level)
        {
            let list = ConfiguredList {
                list_name,
                category,
                language_code,
                connected_list_level,
            };
            if parsed.contains(&list) {
                errors.push(format!("lists[{index}]"), rules::DUPLICATE);
                continue;
            }
            parsed.push(list);
        }
    }
    parsed
}

fn parse_language_code(code: &str) -> Result<String, &'static str> {
    let code = code.trim();
    if length(code) == 2
        && code
            .chars()
            .all(|character| character.is_ascii_alphabetic())
    {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(rules::LANGUAGE_CODE)
    }
}

fn parse_workflow_steps(
    steps: &[WorkflowStepInput],
    errors: &mut FieldErrors,
) -> Vec<WorkflowStepSubscription> {
    let mut parsed: Vec<WorkflowStepSubscription> = Vec::new();
    for (index, input) in steps.iter().enumerate() {
        let field = format!("workflow_steps[{index}]");
        let step = match &input.step {
            Some(step) => errors.check(&format!("{field}.step"), WorkflowStep::parse(step)),
            None => {
                errors.push(format!("{field}.step"), rules::REQUIRED);
                None
            }
        };
        if !input.expense_reports && !input.travel_requests {
            errors.push(field.clone(), rules::WORKFLOW_OBJECTS);
            continue;
        }
        let Some(step) = step else { continue };
        if parsed.iter().any(|earlier| earlier.step == step) {
            errors.push(format!("{field}.step"), rules::DUPLICATE);
            continue;
        }
        parsed.push(WorkflowStepSubscription {
            step,
            expense_reports: input.expense_reports,
            travel_requests: input.travel_requests,
        });
    }
    parsed
}

fn parse_launch(
    version: Option<&str>,
    oauth_client_id: Option<&str>,
    redirect_url: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<ServiceSettings> {
    let version = match version {
        Some("V1") => LaunchVersion::V1,
        Some("V4") => LaunchVersion::V4,
        Some(_) => {
            errors.push("version", rules::LAUNCH_VERSION);
            return None;
        }
        None => {
            errors.push("version", rules::REQUIRED);
            return None;
        }
    };
    if version == LaunchVersion::V1 {
        if oauth_client_id.is_some() {
            errors.push("oauth_client_id", rules::ONLY_FOR_V4);
        }
        if redirect_url.is_some() {
            errors.push("redirect_url", rules::ONLY_FOR_V4);
        }
        return Some(ServiceSettings::LaunchExternalUrl {
            version,
            oauth: None,
        });
    }

    let client_id = match oauth_client_id {
        Some(client_id) => errors.check(
            "oauth_client_id",
            parse_line(client_id.trim(), 1..=100, rules::OAUTH_CLIENT_ID_LENGTH),
        ),
        None => {
            errors.push("oauth_client_id", rules::REQUIRED_FOR_V4);
            None
        }
    };
    let redirect_url = match redirect_url {
        Some(url) => errors.check("redirect_url", parse_redirect_url(url)),
        None => {
            errors.push("redirect_url", rules::REQUIRED_FOR_V4);
            None
        }
    };
    Some(ServiceSettings::LaunchExternalUrl {
        version,
        oauth: Some(OAuthClient {
            client_id: client_id?,
            redirect_url: redirect_url?,
        }),
    })
}

fn parse_redirect_url(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.len() > 2000 {
        return Err(rules::REDIRECT_URL);
    }
    let url = url::Url::parse(text).map_err(|_| rules::REDIRECT_URL)?;
    if url.scheme() != "https" || url.host().is_none() {
        return Err(rules::REDIRECT_URL);
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_rule(result: Result<ServiceConfig, FieldErrors>) -> Option<(String, String)> {
        result
            .err()
            .and_then(|errors| errors.0.into_iter().next())
            .map(|error| (error.field, error.rule))
    }

    #[test]
    fn endpoint_path_must_begin_with_slash() {
        assert_eq!(
            EndpointPath::parse("concur/notify"),
            Err(rules::ENDPOINT_PATH_SLASH)
        );
    }

    #[test]
    fn endpoint_path_rejects_query() {
        assert_eq!(
            EndpointPath::parse("/notify?x=1"),
            Err(rules::ENDPOINT_PATH_CHARACTERS)
        );
    }

    #[test]
    fn endpoint_path_rejects_network_path() {
        assert_eq!(
            EndpointPath::parse("//other.example.com/notify"),
            Err(rules::ENDPOINT_PATH_CHARACTERS)
        );
    }

    #[test]
    fn default_paths_per_service() {
        let paths: Vec<String> = ServiceKind::ALL
            .into_iter()
            .map(|kind| kind.default_config().endpoint_path.0)
            .collect();

        assert_eq!(
            paths,
            [
                "/concur/attendee/v2.0/fetch",
                "/concur/list/v1.2/fetch",
                "/concur/v1.0/notify",
                "/concur/form/v1.0/get"
            ]
        );
    }

    #[test]
    fn launch_v4_defaults_to_v4_path() {
        let input = ServiceInput {
            enabled: false,
            endpoint_path: None,
            settings: ServiceSettingsInput::LaunchExternalUrl {
                version: Some("V4".to_owned()),
                oauth_client_id: Some("client-1".to_owned()),
                redirect_url: Some("https://connector.example.com/oauth".to_owned()),
            },
        };

        let config = input.parse(ServiceKind::LaunchExternalUrl).unwrap();
        assert_eq!(config.endpoint_path.as_str(), "/launchexternalurl/v4/form");
    }

    #[test]
    fn launch_v4_requires_http_redirect_to_be_https() {
        let input = ServiceInput {
            enabled: false,
            endpoint_path: None,
            settings: ServiceSettingsInput::LaunchExternalUrl {
                version: Some("V4".to_owned()),
                oauth_client_id: Some("client-1".to_owned()),
                redirect_url: Some("http://connector.example.com/oauth".to_owned()),
            },
        };

        assert_eq!(
            first_rule(input.parse(ServiceKind::LaunchExternalUrl)),
            Some(("redirect_url".to_owned(), rules::REDIRECT_URL.to_owned()))
        );
    }

    #[test]
    fn settings_of_other_service_are_rejected() {
        let input = ServiceInput::default();

        assert_eq!(
            first_rule(input.parse(ServiceKind::FetchList)),
            Some(("settings".to_owned(), "do not match the service".to_owned()))
        );
    }

    #[test]
    fn disabled_fetch_list_drops_lists() {
        let input = ServiceInput {
            enabled: false,
            endpoint_path: None,
            settings: ServiceSettingsInput::FetchList {
                lists: vec![ConfiguredListInput {
                    list_name: Some("Projects".to_owned()),
                    category: Some("Projects".to_owned()),
                    language_code: Some("en".to_owned()),
                    connected_list_level: Some(1),
                }],
            },
        };

        let config = input.parse(ServiceKind::FetchList).unwrap();
        assert_eq!(
            config.settings,
            ServiceSettings::FetchList { lists: Vec::new() }
        );
    }

    #[test]
    fn changes_name_enabled_and_path() {
        let earlier = ServiceKind::FetchAttendee.default_config();
        let mut later = earlier.clone();
        later.enabled = true;
        later.endpoint_path = EndpointPath::parse("/attendees").unwrap();

        assert_eq!(later.changes_from(&earlier), ["enabled", "endpoint_path"]);
    }
}
