//! Configuration of the Launch External URL pages.

use std::time::Duration;

use serde::Deserialize;

use super::Secret;

/// The pages the host opens in a popup window beside a form field: the
/// user picks an item of an imported list and the connector writes it to
/// the field through the host's web services.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LaunchConfig {
    /// Name of the imported list the user picks from. Setting it turns the
    /// launch pages on; empty (the default) leaves them off.
    /// Environment: `CALLOUTS_CONNECTOR_LAUNCH_LIST`.
    pub list: String,
    /// Code of the field that version 1 launches write to, because a
    /// version 1 query does not name the field. Setting it turns
    /// `paths.launch_v1` on. Environment: `CALLOUTS_CONNECTOR_LAUNCH_V1_FIELD`.
    pub v1_field: String,
    /// The registration's version 4 OAuth client id, sent when exchanging
    /// `client_auth_code`. With `redirect_url`, it turns `paths.launch_v4` on.
    /// Environment: `CALLOUTS_CONNECTOR_LAUNCH_OAUTH_CLIENT_ID`.
    pub oauth_client_id: String,
    /// The registration's version 4 redirect URL, sent as `redirect_uri`;
    /// the host compares it exactly. Environment: `CALLOUTS_CONNECTOR_LAUNCH_REDIRECT_URL`.
    pub redirect_url: String,
    /// The client secret sent with the version 4 code exchange and its
    /// refreshes: the web-services client secret of the registration whose
    /// launch service is version 4. Empty (the default) sends
    /// `host.client_secret`, which fits when one registration serves both
    /// the validation and the version 4 launches.
    /// Environment: `CALLOUTS_CONNECTOR_LAUNCH_OAUTH_CLIENT_SECRET`.
    pub oauth_client_secret: Secret,
    /// How long a used nonce is remembered and a launch with it rejected,
    /// in seconds. Default 900.
    pub replay_window_secs: u64,
    /// How long a launch session (the pages after the signed request)
    /// lasts, in seconds. Default 1800.
    pub session_secs: u64,
}

impl Default for LaunchConfig {
    fn default() -> Self {
        LaunchConfig {
            list: String::new(),
            v1_field: String::new(),
            oauth_client_id: String::new(),
            redirect_url: String::new(),
            oauth_client_secret: Secret::default(),
            replay_window_secs: 900,
            session_secs: 1800,
        }
    }
}

impl LaunchConfig {
    /// Tells whether the launch pages are on.
    pub fn is_enabled(&self) -> bool {
        !self.list.is_empty()
    }

    /// Tells whether version 1 launches are served.
    pub fn v1_enabled(&self) -> bool {
        self.is_enabled() && !self.v1_field.is_empty()
    }

    /// Tells whether version 4 launches are served.
    pub fn v4_enabled(&self) -> bool {
        self.is_enabled() && !self.oauth_client_id.is_empty() && !self.redirect_url.is_empty()
    }

    /// Returns the client secret of the version 4 OAuth client when it is
    /// not `host.client_secret`.
    pub fn oauth_client_secret(&self) -> Option<&Secret> {
        (!self.oauth_client_secret.expose().is_empty()).then_some(&self.oauth_client_secret)
    }

    pub fn replay_window(&self) -> Duration {
        Duration::from_secs(self.replay_window_secs)
    }

    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_secs)
    }
}
