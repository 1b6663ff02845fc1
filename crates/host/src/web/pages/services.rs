//! Configure Service: the form of each of the four services, and deactivating a registration.
//!
//! Repeated settings (attendee types, configured lists) are rows of inputs
//! with the same names. Without JavaScript, a row is added by the
//! "Add a row" button, which shows the form again with one more blank row,
//! and removed by its "Remove" check box, which takes effect on Save.
//! Blank rows are ignored.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::registrations::FieldView;
use super::{
    ErrorPlacement, Layout, registration_of, render, render_with_status, see_other, service_label,
};
use crate::domain::services::{
    ConfiguredListInput, LaunchVersion, ServiceConfig, ServiceSettings, WorkflowStep,
    WorkflowStepInput,
};
use crate::domain::{
    Actor, DomainError, Registration, ServiceInput, ServiceKind, ServiceSettingsInput,
};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::form::FormFields;
use crate::web::session::{Manager, SignedIn};

/// Most rows of one repeated setting accepted from a form; far above any
/// real configuration, it bounds the page a hostile form can make.
const MAX_ROWS: usize = 200;

/// The workflow steps that can send notifications, with the prefix of their check box names.
const STEPS: [(WorkflowStep, &str); 2] = [
    (WorkflowStep::ExternalValidationSubmit, "submit"),
    (WorkflowStep::ExternalValidationPreExtract, "pre_extract"),
];

/// A configured list as the form contains it: text, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ListDraft {
    list_name: String,
    category: String,
    language_code: String,
    level: String,
}

impl ListDraft {
    fn is_blank(&self) -> bool {
        [
            &self.list_name,
            &self.category,
            &self.language_code,
            &self.level,
        ]
        .iter()
        .all(|text| text.trim().is_empty())
    }
}

/// The workflows that one step sends notifications for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct StepDraft {
    expense_reports: bool,
    travel_requests: bool,
}

/// The values of the Configure Service form, as stored or as submitted.
/// It contains the settings of every kind, but only the page's kind is used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ServiceDraft {
    enabled: bool,
    endpoint_path: String,
    attendee_types: Vec<String>,
    lists: Vec<ListDraft>,
    steps: [StepDraft; 2],
    version: String,
    oauth_client_id: String,
    redirect_url: String,
    /// Blank rows shown after the filled ones.
    blank_rows: usize,
}

impl ServiceDraft {
    fn stored(config: &ServiceConfig) -> Self {
        let mut draft = ServiceDraft {
            enabled: config.enabled,
            endpoint_path: config.endpoint_path.as_str().to_owned(),
            version: LaunchVersion::V1.as_str().to_owned(),
            blank_rows: 1,
            ..ServiceDraft::default()
        };
        match &config.settings {
            ServiceSettings::FetchAttendee { attendee_types } => {
                draft.attendee_types = attendee_types
                    .iter()
                    .map(|code| code.as_str().to_owned())
                    .collect();
            }
            ServiceSettings::FetchList { lists } => {
                draft.lists = lists
                    .iter()
                    .map(|list| ListDraft {
                        list_name: list.list_name.clone(),
                        category: list.category.clone(),
                        language_code: list.language_code.clone(),
                        level: list.connected_list_level.to_string(),
                    })
                    .collect();
            }
            ServiceSettings::EventNotification { workflow_steps } => {
                for subscription in workflow_steps {
                    if let Some(index) = STEPS
                        .iter()
                        .position(|(step, _)| *step == subscription.step)
                    {
                        draft.steps[index] = StepDraft {
                            expense_reports: subscription.expense_reports,
                            travel_requests: subscription.travel_requests,
                        };
                    }
                }
            }
            ServiceSettings::LaunchExternalUrl { version, oauth } => {
                draft.version = version.as_str().to_owned();
                if let Some(oauth) = oauth {
                    draft.oauth_client_id = oauth.client_id.clone();
                    draft.redirect_url = oauth.redirect_url.clone();
                }
            }
        }
        draft
    }

    /// Reads a submitted form, leaving out rows marked for removal and
    /// blank rows.
    fn submitted(fields: &FormFields) -> Result<Self, PageError> {
        let removed_types = fields.all("attendee_type_remove");
        let attendee_types: Vec<String> = fields
            .all("attendee_type")
            .into_iter()
            .enumerate()
            .filter(|(index, _)| !removed_types.contains(&index.to_string().as_str()))
            .map(|(_, code)| code.to_owned())
            .collect();

        let names = fields.all("list_name");
        let categories = fields.all("list_category");
        let languages = fields.all("list_language_code");
        let levels = fields.all("list_level");
        let removed_lists = fields.all("list_remove");
        let row_count = [names.len(), categories.len(), languages.len(), levels.len()]
            .into_iter()
            .max()
            .unwrap_or(0);
        if row_count > MAX_ROWS || attendee_types.len() > MAX_ROWS {
            return Err(PageError::MalformedForm(
                "it has more rows than a service accepts",
            ));
        }
        let cell = |values: &[&str], index: usize| {
            values.get(index).copied().unwrap_or_default().to_owned()
        };
        let lists: Vec<ListDraft> = (0..row_count)
            .filter(|index| !removed_lists.contains(&index.to_string().as_str()))
            .map(|index| ListDraft {
                list_name: cell(&names, index),
                category: cell(&categories, index),
                language_code: cell(&languages, index),
                level: cell(&levels, index),
            })
            .collect();

        let mut steps = [StepDraft::default(); 2];
        for (draft, (_, key)) in steps.iter_mut().zip(STEPS) {
            draft.expense_reports = fields.checked(&format!("{key}_expense_reports"));
            draft.travel_requests = fields.checked(&format!("{key}_travel_requests"));
        }

        Ok(ServiceDraft {
            enabled: fields.checked("enabled"),
            endpoint_path: fields.text("endpoint_path").unwrap_or_default().to_owned(),
            attendee_types: attendee_types
                .into_iter()
                .filter(|code| !code.trim().is_empty())
                .collect(),
            lists: lists.into_iter().filter(|list| !list.is_blank()).collect(),
            steps,
            version: fields.text("version").unwrap_or_default().to_owned(),
            oauth_client_id: fields
                .text("oauth_client_id")
                .unwrap_or_default()
                .to_owned(),
            redirect_url: fields.text("redirect_url").unwrap_or_default().to_owned(),
            blank_rows: 1,
        })
    }

    /// Builds the domain's input for `kind`. Blank optional fields are absent, so
    /// a blank endpoint path picks the service's default path.
    fn input(&self, kind: ServiceKind) -> ServiceInput {
        let optional = |text: &str| {
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_owned())
        };
        let settings = match kind {
            ServiceKind::FetchAttendee => ServiceSettingsInput::FetchAttendee {
                attendee_types: self.attendee_types.clone(),
            },
            ServiceKind::FetchList => ServiceSettingsInput::FetchList {
                lists: self
                    .lists
                    .iter()
                    .map(|list| ConfiguredListInput {
                        list_name: optional(&list.list_name),
                        category: optional(&list.category),
                        language_code: optional(&list.language_code),
                        // A level that is not a number is passed as 0, which
                        // the domain rejects with its rule for this field:
                        // a whole number of at least 1.
                        connected_list_level: optional(&list.level)
                            .map(|level| level.parse::<i64>().unwrap_or(0)),
                    })
                    .collect(),
            },
            ServiceKind::EventNotification => ServiceSettingsInput::EventNotification {
                workflow_steps: self
                    .subscribed_steps()
                    .into_iter()
                    .map(|(_, input)| input)
                    .collect(),
            },
            ServiceKind::LaunchExternalUrl => ServiceSettingsInput::LaunchExternalUrl {
                version: optional(&self.version),
                oauth_client_id: optional(&self.oauth_client_id),
                redirect_url: optional(&self.redirect_url),
            },
        };
        ServiceInput {
            enabled: self.enabled,
            endpoint_path: optional(&self.endpoint_path),
            settings,
        }
    }

    /// Returns the steps with at least one workflow checked, with their index in [`STEPS`].
    fn subscribed_steps(&self) -> Vec<(usize, WorkflowStepInput)> {
        self.steps
            .iter()
            .zip(STEPS)
            .enumerate()
            .filter(|(_, (draft, _))| draft.expense_reports || draft.travel_requests)
            .map(|(index, (draft, (step, _)))| {
                let input = WorkflowStepInput {
                    step: Some(step.as_str().to_owned()),
                    expense_reports: draft.expense_reports,
                    travel_requests: draft.travel_requests,
                };
                (index, input)
            })
            .collect()
    }
}

/// One attendee type row.
struct TextRow {
    index: usize,
    value: String,
    errors: Vec<String>,
}

/// One configured list row.
struct ListRow {
    index: usize,
    list_name: FieldView,
    category: FieldView,
    language_code: FieldView,
    level: FieldView,
    errors: Vec<String>,
}

/// One workflow step with its two check boxes.
struct StepView {
    key: &'static str,
    label: &'static str,
    expense_reports: bool,
    travel_requests: bool,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "service_form.html")]
struct ServicePage {
    layout: Layout,
    csrf_token: String,
    registration_id: i64,
    registration_name: String,
    verified: bool,
    slug: &'static str,
    label: &'static str,
    enabled: bool,
    enabled_errors: Vec<String>,
    endpoint_path: FieldView,
    default_paths: &'static str,
    attendee_types: Vec<TextRow>,
    lists: Vec<ListRow>,
    steps: Vec<StepView>,
    version_v4: bool,
    version_errors: Vec<String>,
    oauth_client_id: FieldView,
    redirect_url: FieldView,
    other_errors: Vec<String>,
    message: Option<&'static str>,
}

impl ServicePage {
    fn new(
        signed_in: &SignedIn,
        registration: &Registration,
        kind: ServiceKind,
        draft: ServiceDraft,
        mut errors: ErrorPlacement,
        message: Option<&'static str>,
    ) -> Self {
        let label = service_label(kind);
        let blank = draft.blank_rows;

        let mut attendee_types: Vec<TextRow> = Vec::new();
        let mut lists: Vec<ListRow> = Vec::new();
        let mut steps: Vec<StepView> = Vec::new();
        match kind {
            ServiceKind::FetchAttendee => {
                let filled = draft.attendee_types.iter().cloned();
                for (index, value) in filled
                    .chain(std::iter::repeat_n(String::new(), blank))
                    .enumerate()
                {
                    let errors = errors.take(&format!("attendee_types[{index}]"));
                    attendee_types.push(TextRow {
                        index,
                        value,
                        errors,
                    });
                }
            }
            ServiceKind::FetchList => {
                let filled = draft.lists.iter().cloned();
                for (index, list) in filled
                    .chain(std::iter::repeat_n(ListDraft::default(), blank))
                    .enumerate()
                {
                    let field = |name: &str| format!("lists[{index}].{name}");
                    lists.push(ListRow {
                        index,
                        list_name: FieldView::new(list.list_name, &mut errors, &field("list_name")),
                        category: FieldView::new(list.category, &mut errors, &field("category")),
                        language_code: FieldView::new(
                            list.language_code,
                            &mut errors,
                            &field("language_code"),
                        ),
                        level: FieldView::new(
                            list.level,
                            &mut errors,
                            &field("connected_list_level"),
                        ),
                        errors: errors.take(&format!("lists[{index}]")),
                    });
                }
            }
            ServiceKind::EventNotification => {
                let subscribed = draft.subscribed_steps();
                for (index, ((step, key), step_draft)) in STEPS.iter().zip(draft.steps).enumerate()
                {
                    let mut step_errors = Vec::new();
                    if let Some(position) = subscribed
                        .iter()
                        .position(|(subscribed, _)| *subscribed == index)
                    {
                        step_errors.extend(errors.take(&format!("workflow_steps[{position}]")));
                        step_errors
                            .extend(errors.take(&format!("workflow_steps[{position}].step")));
                    }
                    steps.push(StepView {
                        key,
                        label: step.as_str(),
                        expense_reports: step_draft.expense_reports,
                        travel_requests: step_draft.travel_requests,
                        errors: step_errors,
                    });
                }
            }
            ServiceKind::LaunchExternalUrl => {}
        }

        ServicePage {
            layout: Layout::signed_in(&format!("{label}: {}", registration.name), signed_in),
            csrf_token: signed_in.session.csrf_token.clone(),
            registration_id: registration.id.0,
            registration_name: registration.name.to_string(),
            verified: registration.verified,
            slug: kind.as_str(),
            label,
            enabled: draft.enabled,
            enabled_errors: errors.take("enabled"),
            endpoint_path: FieldView::new(draft.endpoint_path, &mut errors, "endpoint_path"),
            default_paths: default_paths(kind),
            attendee_types,
            lists,
            steps,
            version_v4: draft.version == LaunchVersion::V4.as_str(),
            version_errors: errors.take("version"),
            oauth_client_id: FieldView::new(draft.oauth_client_id, &mut errors, "oauth_client_id"),
            redirect_url: FieldView::new(draft.redirect_url, &mut errors, "redirect_url"),
            other_errors: errors.rest(),
            message,
        }
    }
}

/// Returns the default endpoint path of a service, as the form's hint states it.
fn default_paths(kind: ServiceKind) -> &'static str {
    use crate::domain::services::default_paths::*;
    match kind {
        ServiceKind::FetchAttendee => FETCH_ATTENDEE,
        ServiceKind::FetchList => FETCH_LIST,
        ServiceKind::EventNotification => EVENT_NOTIFICATION,
        // Both paths, because the default follows the chosen version.
        ServiceKind::LaunchExternalUrl => {
            "/concur/form/v1.0/get for V1, /launchexternalurl/v4/form for V4"
        }
    }
}

/// Summarizes a service's settings in one line, for the registration page.
pub(crate) fn service_summary(settings: &ServiceSettings) -> String {
    match settings {
        ServiceSettings::FetchAttendee { attendee_types } if attendee_types.is_empty() => {
            "No attendee types".to_owned()
        }
        ServiceSettings::FetchAttendee { attendee_types } => {
            let codes: Vec<&str> = attendee_types.iter().map(|code| code.as_str()).collect();
            format!("Attendee types: {}", codes.join(", "))
        }
        ServiceSettings::FetchList { lists } => match lists.len() {
            0 => "No configured lists".to_owned(),
            1 => "1 configured list".to_owned(),
            count => format!("{count} configured lists"),
        },
        ServiceSettings::EventNotification { workflow_steps } if workflow_steps.is_empty() => {
            "No workflow steps".to_owned()
        }
        ServiceSettings::EventNotification { workflow_steps } => {
            let steps: Vec<&str> = workflow_steps
                .iter()
                .map(|step| step.step.as_str())
                .collect();
            format!("Workflow steps: {}", steps.join("; "))
        }
        ServiceSettings::LaunchExternalUrl { version, oauth } => match oauth {
            Some(oauth) => format!(
                "Version {}, OAuth client id {}",
                version.as_str(),
                oauth.client_id
            ),
            None => format!("Version {}", version.as_str()),
        },
    }
}

/// Loads the registration and the kind named by the path; an unknown kind is `404`.
async fn target(
    state: &WebState,
    actor: &Actor,
    id: &str,
    service: &str,
) -> Result<(Registration, ServiceKind), PageError> {
    let kind = ServiceKind::parse(service).ok_or(PageError::NotFound)?;
    let registration = registration_of(state, actor, id).await?;
    Ok((registration, kind))
}

/// `GET /registrations/{id}/services/{service}`: the form with the stored configuration.
pub(crate) async fn form(
    State(state): State<WebState>,
    Manager(signed_in): Manager,
    Path((id, service)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (registration, kind) = target(&state, &signed_in.actor, &id, &service).await?;

    let config = registration
        .services
        .get(&kind)
        .cloned()
        .unwrap_or_else(|| kind.default_config());
    let draft = ServiceDraft::stored(&config);
    let page = ServicePage::new(
        &signed_in,
        &registration,
        kind,
        draft,
        ErrorPlacement::none(),
        None,
    );
    Ok(render(&page))
}

/// `POST /registrations/{id}/services/{service}`: saves the configuration,
/// or shows the form again with one more blank row for "Add a row".
pub(crate) async fn configure(
    State(state): State<WebState>,
    Path((id, service)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let actor = form.signed_in.manager()?;
    let (registration, kind) = target(&state, actor, &id, &service).await?;
    let mut draft = ServiceDraft::submitted(&form.fields)?;

    if form.fields.checked("add_row") {
        draft.blank_rows += 1;
        let page = ServicePage::new(
            &form.signed_in,
            &registration,
            kind,
            draft,
            ErrorPlacement::none(),
            None,
        );
        return Ok(render(&page));
    }

    let input = draft.input(kind);
    let (status, errors, message) = match state
        .registrations
        .configure_service(actor, registration.id, kind, &input)
        .await
    {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/registrations/{}?notice=service-saved",
                registration.id.0
            )));
        }
        Err(DomainError::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorPlacement::new(errors),
            "The service was not saved. Correct the fields marked below.",
        ),
        Err(DomainError::Conflict) => (
            StatusCode::CONFLICT,
            ErrorPlacement::none(),
            "The registration was changed by another request and the service was not saved. Reload it and try again.",
        ),
        Err(other) => return Err(other.into()),
    };
    let page = ServicePage::new(
        &form.signed_in,
        &registration,
        kind,
        draft,
        errors,
        Some(message),
    );
    Ok(render_with_status(status, &page))
}

/// `POST /registrations/{id}/deactivate`: makes every enabled service
/// inactive, keeping its other settings (Fetch List loses its configured
/// lists, as making it inactive always does).
pub(crate) async fn deactivate(
    State(state): State<WebState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let actor = form.signed_in.manager()?;
    let registration = registration_of(&state, actor, &id).await?;
    let id = registration.id;

    for (kind, config) in &registration.services {
        if !config.enabled {
            continue;
        }
        let mut draft = ServiceDraft::stored(config);
        draft.enabled = false;
        // NOTE: each service is saved on its own, so a failure part-way
        // leaves the earlier services inactive; the page then shows which.
        state
            .registrations
            .configure_service(actor, id, *kind, &draft.input(*kind))
            .await?;
    }
    Ok(see_other(&format!(
        "/registrations/{}?notice=deactivated",
        id.0
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str) -> FormFields {
        FormFields::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn submitted_lists_skip_blank_and_removed_rows() {
        let body = "list_name=A&list_category=C&list_language_code=EN&list_level=1\
                    &list_name=B&list_category=C&list_language_code=EN&list_level=1\
                    &list_name=&list_category=&list_language_code=&list_level=\
                    &list_remove=1";

        let draft = ServiceDraft::submitted(&fields(body)).unwrap();

        let names: Vec<&str> = draft
            .lists
            .iter()
            .map(|list| list.list_name.as_str())
            .collect();
        assert_eq!(names, ["A"]);
    }

    #[test]
    fn submitted_attendee_types_skip_removed() {
        let draft = ServiceDraft::submitted(&fields(
            "attendee_type=BUSGUEST&attendee_type=SPOUSE&attendee_type_remove=0",
        ))
        .unwrap();

        assert_eq!(draft.attendee_types, ["SPOUSE"]);
    }

    #[test]
    fn submitted_rejects_too_many_rows() {
        let body = "attendee_type=X&".repeat(MAX_ROWS + 1);

        assert!(ServiceDraft::submitted(&fields(&body)).is_err());
    }

    #[test]
    fn stored_config_round_trips_through_form_input() {
        let config = ServiceKind::LaunchExternalUrl.default_config();

        let input = ServiceDraft::stored(&config).input(ServiceKind::LaunchExternalUrl);

        assert_eq!(
            input.parse(ServiceKind::LaunchExternalUrl).ok(),
            Some(config)
        );
    }

    #[test]
    fn list_level_not_a_number() {
        let draft = ServiceDraft {
            enabled: true,
            lists: vec![ListDraft {
                list_name: "Projects".to_owned(),
                category: "Projects".to_owned(),
                language_code: "EN".to_owned(),
                level: "first".to_owned(),
            }],
            ..ServiceDraft::default()
        };

        let errors = draft
            .input(ServiceKind::FetchList)
            .parse(ServiceKind::FetchList)
            .unwrap_err();

        assert_eq!(errors.0[0].field, "lists[0].connected_list_level");
        assert_eq!(errors.0[0].rule, crate::domain::rules::CONNECTED_LIST_LEVEL);
    }

    #[test]
    fn checked_steps_become_subscriptions() {
        let draft = ServiceDraft::submitted(&fields("pre_extract_travel_requests=on")).unwrap();

        let steps = draft.subscribed_steps();

        assert_eq!(steps.len(), 1);
        assert_eq!(
            steps[0].1.step.as_deref(),
            Some("External Validation - Pre-Extract")
        );
        assert!(steps[0].1.travel_requests);
    }
}
