//! The registration list, New, Modify, the registration page and Test Connection.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use connector::Secret;

use super::callout_log::{CalloutLogView, callout_log_view};
use super::client_credentials::current_client_id;
use super::services::service_summary;
use super::verification::{VerificationSection, verification_section};
use super::{
    ErrorPlacement, Layout, NoticeQuery, display_time, notice_text, registration_id,
    registration_of, render, render_with_status, see_other, service_label,
};
use crate::domain::{DomainError, Registration, RegistrationInput, ServiceKind, TestOutcome};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::form::FormFields;
use crate::web::session::{Manager, SignedIn};

/// One row of the registration list.
struct RegistrationRow {
    id: i64,
    name: String,
    host_name: String,
    verified: bool,
    active: bool,
    active_services: String,
}

#[derive(Template)]
#[template(path = "registrations.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<RegistrationRow>,
}

/// `GET /registrations`: every registration of the company, inactive ones included.
pub(crate) async fn list(
    State(state): State<WebState>,
    Manager(signed_in): Manager,
) -> Result<Response, PageError> {
    let registrations = state.registrations.list(&signed_in.actor).await?;

    let rows = registrations
        .iter()
        .map(|registration| {
            let active: Vec<&str> = ServiceKind::ALL
                .into_iter()
                .filter(|kind| registration.service_is_active(*kind))
                .map(service_label)
                .collect();
            RegistrationRow {
                id: registration.id.0,
                name: registration.name.to_string(),
                host_name: registration.host_name.to_string(),
                verified: registration.verified,
                active: registration.is_active(),
                active_services: if active.is_empty() {
                    "None".to_owned()
                } else {
                    active.join(", ")
                },
            }
        })
        .collect();
    let page = ListPage {
        layout: Layout::signed_in("Registrations", &signed_in),
        rows,
    };
    Ok(render(&page))
}

/// A text input with its value and the rules it broke.
pub(crate) struct FieldView {
    pub value: String,
    pub errors: Vec<String>,
}

impl FieldView {
    pub(crate) fn new(value: impl Into<String>, errors: &mut ErrorPlacement, field: &str) -> Self {
        FieldView {
            value: value.into(),
            errors: errors.take(field),
        }
    }
}

/// New and Modify share one form; the password is never filled in.
#[derive(Template)]
#[template(path = "registration_form.html")]
struct RegistrationFormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    is_new: bool,
    csrf_token: String,
    name: FieldView,
    description: FieldView,
    host_name: FieldView,
    user_name: FieldView,
    password_errors: Vec<String>,
    other_errors: Vec<String>,
    message: Option<&'static str>,
}

/// Values of the registration form, as stored or as submitted.
struct RegistrationValues {
    name: String,
    description: String,
    host_name: String,
    user_name: String,
}

impl RegistrationValues {
    fn empty() -> Self {
        RegistrationValues {
            name: String::new(),
            description: String::new(),
            host_name: String::new(),
            user_name: String::new(),
        }
    }

    fn stored(registration: &Registration) -> Self {
        RegistrationValues {
            name: registration.name.to_string(),
            description: registration.description.to_string(),
            host_name: registration.host_name.to_string(),
            user_name: registration.user_name.to_string(),
        }
    }

    fn submitted(fields: &FormFields) -> Self {
        let text = |name: &str| fields.text(name).unwrap_or_default().to_owned();
        RegistrationValues {
            name: text("name"),
            description: text("description"),
            host_name: text("host_name"),
            user_name: text("user_name"),
        }
    }
}

fn form_page(
    signed_in: &SignedIn,
    target: Option<&Registration>,
    values: RegistrationValues,
    errors: ErrorPlacement,
    message: Option<&'static str>,
) -> RegistrationFormPage {
    let mut errors = errors;
    let (heading, action, cancel) = match target {
        Some(registration) => (
            format!("Modify {}", registration.name),
            format!("/registrations/{}/edit", registration.id.0),
            format!("/registrations/{}", registration.id.0),
        ),
        None => (
            "New registration".to_owned(),
            "/registrations".to_owned(),
            "/registrations".to_owned(),
        ),
    };
    RegistrationFormPage {
        layout: Layout::signed_in(&heading, signed_in),
        heading,
        action,
        cancel,
        is_new: target.is_none(),
        csrf_token: signed_in.session.csrf_token.clone(),
        name: FieldView::new(values.name, &mut errors, "name"),
        description: FieldView::new(values.description, &mut errors, "description"),
        host_name: FieldView::new(values.host_name, &mut errors, "host_name"),
        user_name: FieldView::new(values.user_name, &mut errors, "user_name"),
        password_errors: errors.take("password"),
        other_errors: errors.rest(),
        message,
    }
}

/// Re-renders a submitted form with its errors; other failures become error pages.
fn rejected_form(
    error: DomainError,
    signed_in: &SignedIn,
    target: Option<&Registration>,
    fields: &FormFields,
) -> Result<Response, PageError> {
    let (status, errors, message) = match error {
        DomainError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorPlacement::new(errors),
            Some("The registration was not saved. Correct the fields marked below."),
        ),
        DomainError::Conflict => (
            StatusCode::CONFLICT,
            ErrorPlacement::none(),
            Some(
                "The registration was changed by another request and was not saved. Reload it and try again.",
            ),
        ),
        other => return Err(other.into()),
    };
    let page = form_page(
        signed_in,
        target,
        RegistrationValues::submitted(fields),
        errors,
        message,
    );
    Ok(render_with_status(status, &page))
}

/// `GET /registrations/new`.
pub(crate) async fn new_form(Manager(signed_in): Manager) -> Response {
    let page = form_page(
        &signed_in,
        None,
        RegistrationValues::empty(),
        ErrorPlacement::none(),
        None,
    );
    render(&page)
}

/// `POST /registrations`: creates a registration. Blank fields count as missing.
pub(crate) async fn create(
    State(state): State<WebState>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let actor = form.signed_in.manager()?;
    let fields = &form.fields;
    let input = RegistrationInput {
        name: fields.non_blank("name").map(str::to_owned),
        description: fields.text("description").map(str::to_owned),
        host_name: fields.non_blank("host_name").map(str::to_owned),
        user_name: fields.non_blank("user_name").map(str::to_owned),
        password: fields.non_blank("password").map(Secret::new),
    };

    match state.registrations.create(actor, &input).await {
        Ok(registration) => Ok(see_other(&format!(
            "/registrations/{}?notice=created",
            registration.id.0
        ))),
        Err(error) => rejected_form(error, &form.signed_in, None, fields),
    }
}

/// The latest Test Connection as the registration page shows it.
struct TestView {
    succeeded: bool,
    at: String,
    duration_ms: u64,
    tls_version: String,
    cipher_suite: String,
    failure: String,
}

/// One service on the registration page.
struct ServiceRow {
    slug: &'static str,
    label: &'static str,
    enabled: bool,
    active: bool,
    endpoint_path: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "registration.html")]
struct RegistrationPage {
    layout: Layout,
    csrf_token: String,
    id: i64,
    name: String,
    description: String,
    host_name: String,
    user_name: String,
    verified: bool,
    active: bool,
    any_enabled: bool,
    test: Option<TestView>,
    services: Vec<ServiceRow>,
    callouts: CalloutLogView,
    verification: VerificationSection,
    client_id: Option<String>,
    notice: Option<&'static str>,
}

/// `GET /registrations/{id}`: the fields, the latest Test Connection, the
/// last Verify services report, the services, and the recent callouts with
/// the last errors.
pub(crate) async fn show(
    State(state): State<WebState>,
    Manager(signed_in): Manager,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let registration = registration_of(&state, &signed_in.actor, &id).await?;

    let test = registration.last_test_connection.as_ref().map(|result| {
        let (succeeded, tls_version, cipher_suite, failure) = match &result.outcome {
            TestOutcome::Succeeded {
                tls_version,
                cipher_suite,
            } => (
                true,
                tls_version.clone(),
                cipher_suite.clone(),
                String::new(),
            ),
            TestOutcome::Failed { message, .. } => {
                (false, String::new(), String::new(), message.clone())
            }
        };
        TestView {
            succeeded,
            at: display_time(result.at),
            duration_ms: result.duration_ms,
            tls_version,
            cipher_suite,
            failure,
        }
    });
    let services = ServiceKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let service = registration.services.get(&kind)?;
            Some(ServiceRow {
                slug: kind.as_str(),
                label: service_label(kind),
                enabled: service.enabled,
                active: registration.service_is_active(kind),
                endpoint_path: service.endpoint_path.as_str().to_owned(),
                summary: service_summary(&service.settings),
            })
        })
        .collect();
    let callouts = callout_log_view(&state, &signed_in.actor, registration.id).await?;
    let verification = verification_section(&state, &signed_in.actor, registration.id).await?;
    let page = RegistrationPage {
        layout: Layout::signed_in(registration.name.as_str(), &signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        id: registration.id.0,
        name: registration.name.to_string(),
        description: registration.description.to_string(),
        host_name: registration.host_name.to_string(),
        user_name: registration.user_name.to_string(),
        verified: registration.verified,
        active: registration.is_active(),
        any_enabled: registration
            .services
            .values()
            .any(|service| service.enabled),
        test,
        services,
        callouts,
        verification,
        client_id: current_client_id(&state, registration.id).await?,
        notice: notice_text(query.notice.as_deref()),
    };
    Ok(render(&page))
}

/// `GET /registrations/{id}/edit`: the Modify form; the password field starts blank.
pub(crate) async fn edit_form(
    State(state): State<WebState>,
    Manager(signed_in): Manager,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let registration = registration_of(&state, &signed_in.actor, &id).await?;

    let values = RegistrationValues::stored(&registration);
    let page = form_page(
        &signed_in,
        Some(&registration),
        values,
        ErrorPlacement::none(),
        None,
    );
    Ok(render(&page))
}

/// `POST /registrations/{id}/edit`: saves the fields; a blank password keeps the stored one.
pub(crate) async fn update(
    State(state): State<WebState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let actor = form.signed_in.manager()?;
    let registration = registration_of(&state, actor, &id).await?;
    let id = registration.id;
    let fields = &form.fields;
    let input = RegistrationInput {
        name: Some(fields.text("name").unwrap_or_default().to_owned()),
        description: Some(fields.text("description").unwrap_or_default().to_owned()),
        host_name: Some(fields.text("host_name").unwrap_or_default().to_owned()),
        user_name: Some(fields.text("user_name").unwrap_or_default().to_owned()),
        password: fields.non_blank("password").map(Secret::new),
    };

    match state.registrations.update(actor, id, &input).await {
        Ok(_) => Ok(see_other(&format!(
            "/registrations/{}?notice=updated",
            id.0
        ))),
        Err(error) => rejected_form(error, &form.signed_in, Some(&registration), fields),
    }
}

/// `POST /registrations/{id}/test-connection`: runs Test Connection; the
/// registration page then shows its result.
pub(crate) async fn test_connection(
    State(state): State<WebState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let actor = form.signed_in.manager()?;
    let id = registration_id(&id)?;

    state.registrations.test_connection(actor, id).await?;
    Ok(see_other(&format!("/registrations/{}?notice=tested", id.0)))
}
