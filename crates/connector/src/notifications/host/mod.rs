//! The host's web services a validating connector calls: token, object, workflow, exceptions.

mod error;
mod http;
mod object_path;
mod token;

use reqwest::Method;
use serde_json::json;

pub use error::HostError;
pub use object_path::ObjectPath;
pub use token::{TOKEN_PATH, UserTokens};

use self::http::{Body, HttpClient, Reply};
use self::token::{ClientCredentials, TokenCache, request_user_tokens};
use super::object::HostObject;
use crate::config::{HostConfig, Secret};

/// A workflow action on an object waiting in an External Validation step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowAction {
    Approve,
    /// Back to the employee, with a comment shown to them (1 to 2000 characters).
    SendBack { comment: String },
}

/// An exception to add to an entry, or to the header when `entry_id` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewException {
    pub entry_id: Option<String>,
    /// 1 to 32 characters.
    pub code: String,
    /// 1 to 2000 characters.
    pub message: String,
}

/// Client of one host, with the registration's client credentials and a cached token.
pub struct HostClient {
    http: HttpClient,
    credentials: ClientCredentials,
    tokens: TokenCache,
}

impl HostClient {
    /// Builds the client from a validated `[host]` section; reads the extra CA files.
    pub fn new(config: &HostConfig) -> anyhow::Result<HostClient> {
        Ok(HostClient {
            http: HttpClient::new(config)?,
            credentials: ClientCredentials {
                client_id: config.client_id.clone(),
                client_secret: config.client_secret.clone(),
            },
            tokens: TokenCache::default(),
        })
    }

    /// Returns the host origin.
    pub fn origin(&self) -> &outbound::Origin {
        self.http.origin()
    }

    /// Checks that `object_uri` is under the host origin and returns its path.
    pub fn object_path(&self, object_uri: &str) -> Result<ObjectPath, HostError> {
        ObjectPath::within(self.http.origin(), object_uri).map_err(HostError::ObjectUriRejected)
    }

    /// Reads the object as JSON.
    pub async fn get_object(&self, path: &ObjectPath) -> Result<HostObject, HostError> {
        let reply = self
            .send_authorized(Method::GET, path.as_str(), || Body::Empty)
            .await?;
        if reply.status != 200 {
            return Err(reply.status_error("GET", path.as_str(), reply.status));
        }
        serde_json::from_slice(&reply.body).map_err(|error| HostError::InvalidResponse {
            call: "GET {ObjectURI}",
            reason: format!("not the documented object JSON: {error}"),
        })
    }

    /// Sends a workflow action; `409` becomes [`HostError::NotWaiting`].
    pub async fn send_workflow_action(
        &self,
        path: &ObjectPath,
        action: &WorkflowAction,
    ) -> Result<(), HostError> {
        let body = match action {
            WorkflowAction::Approve => json!({"action": "approve"}),
            WorkflowAction::SendBack { comment } => {
                json!({"action": "send_back", "comment": comment})
            }
        };
        let workflow = path.child("workflow");
        let reply = self
            .send_authorized(Method::POST, &workflow, || Body::Json(body.clone()))
            .await?;
        match reply.status {
            200..=299 => Ok(()),
            409 => Err(HostError::NotWaiting {
                detail: error::error_detail(&reply.body),
            }),
            status => Err(reply.status_error("POST", &workflow, status)),
        }
    }

    /// Adds an exception to the object.
    pub async fn post_exception(
        &self,
        path: &ObjectPath,
        exception: &NewException,
    ) -> Result<(), HostError> {
        let body = json!({
            "entry_id": exception.entry_id,
            "code": exception.code,
            "message": exception.message,
        });
        let exceptions = path.child("exceptions");
        let reply = self
            .send_authorized(Method::POST, &exceptions, || Body::Json(body.clone()))
            .await?;
        match reply.status {
            200..=299 => Ok(()),
            status => Err(reply.status_error("POST", &exceptions, status)),
        }
    }

    /// Exchanges a launch's `client_auth_code` for the user's tokens, with
    /// `client_secret` when given and the registration's client secret otherwise.
    pub async fn exchange_launch_code(
        &self,
        code: &Secret,
        client_id: &str,
        client_secret: Option<&Secret>,
        redirect_uri: &str,
    ) -> Result<UserTokens, HostError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("client_secret", self.secret_or_own(client_secret)),
        ];
        request_user_tokens(&self.http, "authorization_code", &form).await
    }

    /// Gets new user tokens with a refresh token from [`Self::exchange_launch_code`].
    pub async fn refresh_user_tokens(
        &self,
        refresh: &Secret,
        client_id: &str,
        client_secret: Option<&Secret>,
    ) -> Result<UserTokens, HostError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
            ("client_id", client_id),
            ("client_secret", self.secret_or_own(client_secret)),
        ];
        request_user_tokens(&self.http, "refresh_token", &form).await
    }

    fn secret_or_own<'a>(&'a self, client_secret: Option<&'a Secret>) -> &'a str {
        client_secret
            .unwrap_or(&self.credentials.client_secret)
            .expose()
    }

    /// Writes a custom field of an item with the client-credentials token.
    pub async fn put_custom_field(
        &self,
        item: &ObjectPath,
        field: &str,
        value: &str,
    ) -> Result<(), HostError> {
        let path = custom_field_path(item, field);
        let body = json!({ "value": value });
        let reply = self
            .send_authorized(Method::PUT, &path, || Body::Json(body.clone()))
            .await?;
        match reply.status {
            200..=299 => Ok(()),
            status => Err(reply.status_error("PUT", &path, status)),
        }
    }

    /// Writes a custom field of an item with a user's access token; `401`
    /// is [`HostError::Unauthorized`], so that the caller can refresh the token.
    pub async fn put_custom_field_as_user(
        &self,
        item: &ObjectPath,
        field: &str,
        value: &str,
        access: &Secret,
    ) -> Result<(), HostError> {
        let path = custom_field_path(item, field);
        let body = Body::Json(json!({ "value": value }));
        let reply = self.http.send(Method::PUT, &path, Some(access), body).await?;
        match reply.status {
            200..=299 => Ok(()),
            401 => Err(HostError::Unauthorized),
            status => Err(reply.status_error("PUT", &path, status)),
        }
    }

    /// Sends with the cached access token; on `401`, gets another token and
    /// sends once more. A second `401` is [`HostError::Unauthorized`].
    async fn send_authorized<'a>(
        &self,
        method: Method,
        path: &str,
        body: impl Fn() -> Body<'a>,
    ) -> Result<Reply, HostError> {
        let token = self
            .tokens
            .access_token(&self.http, &self.credentials)
            .await?;
        let reply = self
            .http
            .send(method.clone(), path, Some(&token), body())
            .await?;
        if reply.status != 401 {
            return Ok(reply);
        }

        tracing::info!(path = %path.chars().take(300).collect::<String>(), "the host rejected the access token; getting another");
        let token = self
            .tokens
            .replace_rejected(&self.http, &self.credentials, &token)
            .await?;
        let reply = self.http.send(method, path, Some(&token), body()).await?;
        if reply.status == 401 {
            return Err(HostError::Unauthorized);
        }
        Ok(reply)
    }
}

/// Path of a custom field below an item: `{item}/custom-fields/{code}`.
fn custom_field_path(item: &ObjectPath, field: &str) -> String {
    item.child(&format!("custom-fields/{field}"))
}
