//! Launch External URL from the sandbox: the launch fields of a report,
//! entry or allocation, saving their values, and the signed URL of the
//! connector's form that a Launch button opens.

use std::collections::BTreeMap;
use std::sync::Arc;

use protocol::{LaunchCredentials, LaunchSource, LaunchV1, LaunchV4};
use time::OffsetDateTime;

use super::model::{ExpenseReportId, LaunchItem, LaunchObject};
use crate::connector_access::{TokenError, TokenService};
use crate::crypto::{OpenError, PasswordCipher};
use crate::domain::launch_fields::{LaunchField, LaunchFieldId, LaunchObjectType};
use crate::domain::services::{LaunchVersion, ServiceKind, ServiceSettings};
use crate::domain::{Actor, FieldErrors};
use crate::public_origin::PublicOrigin;
use crate::store::{HostStore, StoreError};

/// Language the launch sends as `language_code`; the pages are in English.
const LANGUAGE_CODE: &str = "en";

/// Returns the name of the form input of a launch field, `custom_{code}`.
/// The prefix keeps codes from colliding with the entry's own inputs.
pub fn input_name(field: &LaunchField) -> String {
    format!("custom_{}", field.code)
}

/// Reason a launch or a save of launch field values did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("only employees keep expense reports")]
    NotEmployee,
    /// No such field in the actor's company, or no such object of the actor.
    #[error("launch field or object not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The report was submitted and not sent back.
    #[error("the report is in workflow step {step}, where it cannot be changed")]
    Locked { step: crate::workflow::Step },
    /// The field's registration no longer has its launch-external-url service enabled.
    #[error(
        "the launch-external-url service of the field's registration is disabled; ask an administrator to enable it"
    )]
    ServiceDisabled,
    /// The field's registration lost its Verified state when its Host Name,
    /// User Name or Password changed, so no callout may reach its connector.
    #[error(
        "the connector of the field's registration is not available: the registration is not verified; ask an administrator to run Test Connection"
    )]
    RegistrationUnverified,
    #[error("the registration's password could not be decrypted")]
    Decrypt(#[from] OpenError),
    #[error("the launch code could not be issued")]
    LaunchCode(#[source] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A launch field with its value on one object.
#[derive(Debug, Clone)]
pub struct FieldValue {
    pub field: LaunchField,
    pub value: String,
}

/// The URL that a Launch button loads in its popup, and the popup's size.
#[derive(Debug, Clone)]
pub struct LaunchTarget {
    /// The connector's form with the signed query; it carries a signature
    /// and, for version V4, a launch code, so it is never logged.
    pub url: String,
    pub width: u16,
    pub height: u16,
}

/// Builds launch URLs and reads and writes launch field values.
pub struct Launcher {
    store: Arc<dyn HostStore>,
    cipher: Arc<PasswordCipher>,
    public_origin: PublicOrigin,
    tokens: Arc<TokenService>,
}

impl Launcher {
    pub fn new(
        store: Arc<dyn HostStore>,
        cipher: Arc<PasswordCipher>,
        public_origin: PublicOrigin,
        tokens: Arc<TokenService>,
    ) -> Self {
        Launcher {
            store,
            cipher,
            public_origin,
            tokens,
        }
    }

    /// Returns the launch fields of `object_type` in the actor's company
    /// with their values on the object `object_id`; empty values where
    /// none is stored.
    pub async fn values(
        &self,
        actor: &Actor,
        object_type: LaunchObjectType,
        object_id: i64,
    ) -> Result<Vec<FieldValue>, LaunchError> {
        let fields = self.store.launch_fields(actor.company.id).await?;
        let mut values = self
            .store
            .custom_field_values(actor.company.id, object_type, object_id)
            .await?;
        Ok(fields
            .into_iter()
            .filter(|field| field.object_type == object_type)
            .map(|field| {
                let value = values.remove(&field.id).unwrap_or_default();
                FieldValue { field, value }
            })
            .collect())
    }

    /// Returns the object of the actor with its report, when it exists, the
    /// actor has the employee role and keeps the report.
    pub async fn owned_item(
        &self,
        actor: &Actor,
        object: LaunchObject,
    ) -> Result<LaunchItem, LaunchError> {
        if !actor.is_employee() {
            return Err(LaunchError::NotEmployee);
        }
        let item = self
            .store
            .launch_item(actor.company.id, object)
            .await?
            .ok_or(LaunchError::NotFound)?;
        if item.report.owner != actor.user.id {
            return Err(LaunchError::NotFound);
        }
        Ok(item)
    }

    /// Checks the launch field values that `submitted` contains for the
    /// fields of the object's type, without saving them. A field whose
    /// input is absent keeps its stored value.
    pub async fn parse_values(
        &self,
        actor: &Actor,
        object_type: LaunchObjectType,
        submitted: impl Fn(&str) -> Option<String>,
    ) -> Result<BTreeMap<LaunchFieldId, String>, FieldErrors> {
        let fields = match self.store.launch_fields(actor.company.id).await {
            Ok(fields) => fields,
            Err(error) => {
                tracing::error!(error = %connector::server::errors::error_chain(&error), "reading launch fields failed");
                let mut errors = FieldErrors::default();
                errors.push("launch_fields", "could not be read; try again later");
                return Err(errors);
            }
        };
        let mut errors = FieldErrors::default();
        let mut values = BTreeMap::new();
        for field in fields
            .iter()
            .filter(|field| field.object_type == object_type)
        {
            let name = input_name(field);
            let Some(text) = submitted(&name) else {
                continue;
            };
            if let Some(value) = errors.check(&name, field.parse_value(&text)) {
                values.insert(field.id, value);
            }
        }
        errors.into_result(values)
    }

    /// Stores values checked by [`Self::parse_values`] on one object of
    /// `report`; [`LaunchError::Locked`] when the report was submitted meanwhile.
    pub async fn save_values(
        &self,
        report: ExpenseReportId,
        object: LaunchObject,
        values: &BTreeMap<LaunchFieldId, String>,
    ) -> Result<(), LaunchError> {
        let now = OffsetDateTime::now_utc();
        for (field, value) in values {
            let locked = self
                .store
                .set_custom_field_value(report, *field, object.id(), value, now)
                .await?;
            if let Some(step) = locked {
                return Err(LaunchError::Locked { step });
            }
        }
        Ok(())
    }

    /// Returns the launch field `id` of the actor's company, when it
    /// belongs to objects of `object`'s type.
    pub async fn field_for(
        &self,
        actor: &Actor,
        id: LaunchFieldId,
        object: LaunchObject,
    ) -> Result<LaunchField, LaunchError> {
        let field = self
            .store
            .launch_field(actor.company.id, id)
            .await?
            .ok_or(LaunchError::NotFound)?;
        if field.object_type != object.object_type() {
            let mut errors = FieldErrors::default();
            errors.push(
                "launch_object",
                format!(
                    "must be a {} object, the type of the launch field",
                    field.object_type
                ),
            );
            return Err(LaunchError::Invalid(errors));
        }
        Ok(field)
    }

    /// Builds the signed URL of the field's Launch External URL form for
    /// `item`, which the caller checked the actor keeps and may change.
    /// A version V4 launch issues a single-use launch code.
    pub async fn target(
        &self,
        actor: &Actor,
        field: &LaunchField,
        item: &LaunchItem,
    ) -> Result<LaunchTarget, LaunchError> {
        let registration = self
            .store
            .registration(actor.company.id, field.registration_id)
            .await?
            .ok_or(LaunchError::ServiceDisabled)?;
        let service = registration
            .services
            .get(&ServiceKind::LaunchExternalUrl)
            .filter(|service| service.enabled)
            .ok_or(LaunchError::ServiceDisabled)?;
        if !registration.service_is_active(ServiceKind::LaunchExternalUrl) {
            return Err(LaunchError::RegistrationUnverified);
        }
        let ServiceSettings::LaunchExternalUrl { version, oauth } = &service.settings else {
            return Err(LaunchError::ServiceDisabled);
        };
        let password = self.cipher.open(&registration.password)?;
        let credentials = LaunchCredentials {
            username: registration.user_name.as_str(),
            password: password.expose(),
        };
        let item_url = self.item_url(item.object);
        let nonce = uuid::Uuid::new_v4().to_string();

        let query = match (version, oauth) {
            (LaunchVersion::V1, _) => LaunchV1 {
                company_domain: actor.company.domain(),
                user_id: actor.user.login.clone(),
                item_url,
                nonce,
            }
            .to_query(credentials),
            (LaunchVersion::V4, Some(client)) => {
                let code = self
                    .tokens
                    .issue_launch_code(actor.user.id, actor.company.id, registration.id, client)
                    .await
                    .map_err(LaunchError::LaunchCode)?;
                LaunchV4 {
                    logged_in_user_id: actor.user.login.clone(),
                    report_owner_user_id: item.report.owner_login.clone(),
                    report_owner_employee_id: item.report.owner.0.to_string(),
                    company_domain: actor.company.domain(),
                    item_url,
                    custom_field_launched_from: field.code.clone(),
                    expense_ids: match item.object {
                        LaunchObject::Allocation(_) => item
                            .entry
                            .iter()
                            .map(|entry| entry.id.0.to_string())
                            .collect(),
                        _ => Vec::new(),
                    },
                    source: source_of(field.object_type),
                    is_mobile: false,
                    nonce,
                    client_auth_code: code,
                    language_code: LANGUAGE_CODE.to_owned(),
                }
                .to_query(credentials)
            }
            // A V4 service always has its OAuth client; the service rules require it.
            (LaunchVersion::V4, None) => return Err(LaunchError::ServiceDisabled),
        };

        tracing::info!(
            launch_field_id = field.id.0,
            launch_object = %item.object,
            registration_id = registration.id.0,
            user_id = actor.user.id.0,
            version = version.as_str(),
            "launch URL issued"
        );
        Ok(LaunchTarget {
            url: format!(
                "{}{}?{query}",
                registration.host_name.as_str(),
                service.endpoint_path.as_str()
            ),
            width: field.popup_width,
            height: field.popup_height,
        })
    }

    /// Returns the URL of an object in the item web services.
    pub fn item_url(&self, object: LaunchObject) -> String {
        let collection = match object {
            LaunchObject::Header(_) => "reports",
            LaunchObject::Entry(_) => "entries",
            LaunchObject::Allocation(_) => "allocations",
        };
        format!(
            "{}/api/expense/v1/items/{collection}/{}",
            self.public_origin.as_str(),
            object.id()
        )
    }
}

fn source_of(object_type: LaunchObjectType) -> LaunchSource {
    match object_type {
        LaunchObjectType::Header => LaunchSource::Header,
        LaunchObjectType::Entry => LaunchSource::Entry,
        LaunchObjectType::Allocation => LaunchSource::Allocation,
    }
}
