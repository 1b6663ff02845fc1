//! The launch field page: the company's launch fields and the form that creates one.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::registrations::FieldView;
use super::{ErrorPlacement, Layout, NoticeQuery, render_with_status, see_other};
use crate::domain::DomainError;
use crate::domain::launch_admin::{create_launch_field, launch_registrations, list_launch_fields};
use crate::domain::launch_fields::{LaunchFieldInput, LaunchObjectType};
use crate::sandbox::pages::OptionView;
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::form::FormFields;
use crate::web::session::{Manager, SignedIn};

/// One row of the launch field list.
struct FieldRow {
    code: String,
    label: String,
    object_type: &'static str,
    kind: &'static str,
    size: String,
    registration: String,
}

/// The form's values as submitted, or the defaults of a new field.
struct FormValues {
    registration_id: String,
    code: String,
    label: String,
    object_type: String,
    multiline: bool,
    popup_width: String,
    popup_height: String,
}

impl FormValues {
    fn defaults() -> Self {
        FormValues {
            registration_id: String::new(),
            code: String::new(),
            label: String::new(),
            object_type: LaunchObjectType::Entry.as_str().to_owned(),
            multiline: false,
            popup_width: "800".to_owned(),
            popup_height: "600".to_owned(),
        }
    }

    fn submitted(fields: &FormFields) -> Self {
        let text = |name: &str| fields.text(name).unwrap_or_default().to_owned();
        FormValues {
            registration_id: text("registration_id"),
            code: text("code"),
            label: text("label"),
            object_type: text("object_type"),
            multiline: fields.text("multiline") == Some("true"),
            popup_width: text("popup_width"),
            popup_height: text("popup_height"),
        }
    }

    /// Returns the domain input. A size or id that is not a whole number
    /// becomes `None`, which the domain reports with the field's rule.
    fn input(&self) -> LaunchFieldInput {
        let number = |text: &str| text.trim().parse::<i64>().ok();
        LaunchFieldInput {
            registration_id: number(&self.registration_id),
            code: self.code.trim().to_owned(),
            label: self.label.clone(),
            object_type: self.object_type.clone(),
            multiline: self.multiline,
            popup_width: number(&self.popup_width),
            popup_height: number(&self.popup_height),
        }
    }
}

#[derive(Template)]
#[template(path = "launch_fields.html")]
struct LaunchFieldsPage {
    layout: Layout,
    csrf_token: String,
    rows: Vec<FieldRow>,
    registrations: Vec<OptionView>,
    registration_errors: Vec<String>,
    code: FieldView,
    label: FieldView,
    object_types: Vec<OptionView>,
    object_type_errors: Vec<String>,
    multiline: bool,
    popup_width: FieldView,
    popup_height: FieldView,
    other_errors: Vec<String>,
    notice: Option<&'static str>,
    message: Option<&'static str>,
}

async fn page(
    state: &WebState,
    signed_in: &SignedIn,
    values: FormValues,
    mut errors: ErrorPlacement,
) -> Result<LaunchFieldsPage, PageError> {
    let actor = &signed_in.actor;
    let fields = list_launch_fields(state.store.as_ref(), actor).await?;
    let all_registrations = state.registrations.list(actor).await?;
    let launchable = launch_registrations(state.store.as_ref(), actor).await?;

    let rows = fields
        .iter()
        .map(|field| FieldRow {
            code: field.code.clone(),
            label: field.label.clone(),
            object_type: field.object_type.as_str(),
            kind: if field.multiline {
                "Multi-line"
            } else {
                "Single line"
            },
            size: format!("{} × {}", field.popup_width, field.popup_height),
            registration: all_registrations
                .iter()
                .find(|registration| registration.id == field.registration_id)
                .map(|registration| registration.name.to_string())
                .unwrap_or_default(),
        })
        .collect();
    let registrations = launchable
        .iter()
        .map(|registration| OptionView {
            value: registration.id.0.to_string(),
            label: registration.name.to_string(),
            selected: registration.id.0.to_string() == values.registration_id,
        })
        .collect();
    let object_types = LaunchObjectType::ALL
        .into_iter()
        .map(|kind| OptionView {
            value: kind.as_str().to_owned(),
            label: kind.as_str().to_owned(),
            selected: kind.as_str() == values.object_type,
        })
        .collect();
    Ok(LaunchFieldsPage {
        layout: Layout::signed_in("Launch fields", signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        rows,
        registrations,
        registration_errors: errors.take("registration_id"),
        code: FieldView::new(values.code, &mut errors, "code"),
        label: FieldView::new(values.label, &mut errors, "label"),
        object_types,
        object_type_errors: errors.take("object_type"),
        multiline: values.multiline,
        popup_width: FieldView::new(values.popup_width, &mut errors, "popup_width"),
        popup_height: FieldView::new(values.popup_height, &mut errors, "popup_height"),
        other_errors: errors.rest(),
        notice: None,
        message: None,
    })
}

/// `GET /launch-fields`: the company's launch fields and the New launch field form.
pub(crate) async fn list(
    State(state): State<WebState>,
    Manager(signed_in): Manager,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut page = page(
        &state,
        &signed_in,
        FormValues::defaults(),
        ErrorPlacement::none(),
    )
    .await?;
    if query.notice.as_deref() == Some("created") {
        page.notice = Some("The launch field was created.");
    }
    Ok(render_with_status(StatusCode::OK, &page))
}

/// `POST /launch-fields`: creates a launch field.
pub(crate) async fn create(
    State(state): State<WebState>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    form.signed_in.manager()?;
    let values = FormValues::submitted(&form.fields);

    match create_launch_field(state.store.as_ref(), &form.signed_in.actor, &values.input()).await {
        Ok(_) => Ok(see_other("/launch-fields?notice=created")),
        Err(DomainError::Invalid(errors)) => {
            let mut page =
                page(&state, &form.signed_in, values, ErrorPlacement::new(errors)).await?;
            page.message =
                Some("The launch field was not created. Correct the fields marked below.");
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}
