//! The allocations of an entry on the entry page: adding one with a
//! percentage, saving its launch fields, and removing it.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use time::OffsetDateTime;

use super::entries::{PageExtras, entry_anchor, entry_page, posted_entry};
use super::launch::{
    CustomFieldView, FieldMode, SaveError, field_views, page_error, save_object_form,
    submitted_values,
};
use crate::domain::FieldErrors;
use crate::domain::launch_fields::{LaunchObjectType, launch_rules, parse_percentage};
use crate::sandbox::model::{
    AllocationAdded, ExpenseAllocationId, ExpenseEntry, ExpenseEntryId, ExpenseReport, LaunchObject,
};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::pages::registrations::FieldView;
use crate::web::pages::{ErrorPlacement, path_id, see_other};
use crate::web::session::SignedIn;

/// Most allocations of one entry; at least 1 percent each, so 100 is the
/// most that can add up to 100 percent.
const MAX_ALLOCATIONS: usize = 100;

/// One allocation of the entry page.
pub(crate) struct AllocationRow {
    pub id: i64,
    pub percentage: u8,
    pub path: String,
    pub launch_object: String,
    pub fields: Vec<CustomFieldView>,
    /// Broken rules of the allocation's form that no field claimed.
    pub errors: Vec<String>,
}

/// The allocations of an entry and the form that adds one.
pub(crate) struct AllocationSection {
    pub editable: bool,
    pub rows: Vec<AllocationRow>,
    /// The hint of the percentage input, with the percent not yet allocated.
    pub hint: String,
    pub percentage: FieldView,
}

/// A change of an allocation that broke rules: a percentage that could not
/// be added, or the launch field values of one allocation.
pub(crate) enum RejectedAllocation {
    Add {
        percentage: String,
        errors: FieldErrors,
    },
    Save {
        allocation: ExpenseAllocationId,
        submitted: BTreeMap<String, String>,
        errors: FieldErrors,
    },
}

/// Builds the allocation section of an entry page.
pub(crate) async fn allocation_section(
    state: &WebState,
    signed_in: &SignedIn,
    report: &ExpenseReport,
    entry: ExpenseEntryId,
    mode: FieldMode,
    rejected: Option<RejectedAllocation>,
) -> Result<AllocationSection, PageError> {
    let actor = &signed_in.actor;
    let allocations = state
        .store
        .expense_allocations(entry)
        .await
        .map_err(PageError::StoreUnavailable)?;
    let (mut add_errors, typed, mut save) = match rejected {
        Some(RejectedAllocation::Add { percentage, errors }) => {
            (ErrorPlacement::new(errors), percentage, None)
        }
        Some(RejectedAllocation::Save {
            allocation,
            submitted,
            errors,
        }) => (
            ErrorPlacement::none(),
            String::new(),
            Some((allocation, submitted, ErrorPlacement::new(errors))),
        ),
        None => (ErrorPlacement::none(), String::new(), None),
    };

    let mut rows = Vec::with_capacity(allocations.len());
    for allocation in &allocations {
        let object = LaunchObject::Allocation(allocation.id);
        let values = state
            .launcher
            .values(actor, LaunchObjectType::Allocation, allocation.id.0)
            .await
            .map_err(page_error)?;
        let (submitted, mut errors) = match save.take_if(|(id, _, _)| *id == allocation.id) {
            Some((_, submitted, errors)) => (Some(submitted), errors),
            None => (None, ErrorPlacement::none()),
        };
        let fields = field_views(values, object, mode, submitted.as_ref(), &mut errors);
        rows.push(AllocationRow {
            id: allocation.id.0,
            percentage: allocation.percentage,
            path: format!(
                "/expenses/reports/{}/entries/{}/allocations/{}",
                report.id.0, entry.0, allocation.id.0
            ),
            launch_object: object.to_string(),
            fields,
            errors: errors.rest(),
        });
    }
    let allocated: u32 = allocations
        .iter()
        .map(|allocation| u32::from(allocation.percentage))
        .sum();
    let percentage = FieldView::new(typed, &mut add_errors, "percentage");
    Ok(AllocationSection {
        editable: mode.editable,
        rows,
        hint: format!(
            "A whole number from 1 to 100. {} percent of the entry is not allocated yet.",
            100u32.saturating_sub(allocated)
        ),
        percentage,
    })
}

/// Reads the allocation id of a path; anything but a positive integer is `404`.
fn allocation_id(text: &str) -> Result<ExpenseAllocationId, PageError> {
    path_id(text).map(ExpenseAllocationId)
}

/// `POST …/entries/{entry}/allocations`: adds an allocation with the typed percentage.
pub(crate) async fn add(
    State(state): State<WebState>,
    Path((report, entry)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    if !report.step.is_editable() {
        return Err(PageError::Locked(report.step));
    }
    let typed = form
        .fields
        .text("percentage")
        .unwrap_or_default()
        .to_owned();
    let count = state
        .store
        .expense_allocations(entry.id)
        .await
        .map_err(PageError::StoreUnavailable)?
        .len();

    let rule = match parse_percentage(&typed) {
        Err(rule) => Some(rule.to_owned()),
        Ok(_) if count >= MAX_ALLOCATIONS => {
            Some("cannot be added: an entry has at most 100 allocations".to_owned())
        }
        Ok(percentage) => {
            let added = state
                .store
                .add_expense_allocation(report.id, entry.id, percentage, OffsetDateTime::now_utc())
                .await
                .map_err(PageError::StoreUnavailable)?;
            match added {
                AllocationAdded::Added(id) => {
                    tracing::info!(
                        report_id = report.id.0,
                        entry_id = entry.id.0,
                        allocation_id = id.0,
                        "expense allocation added"
                    );
                    return Ok(see_other(&entry_anchor(
                        report.id,
                        entry.id,
                        "allocation-added",
                        "allocations",
                    )));
                }
                AllocationAdded::EntryNotFound => return Err(PageError::NotFound),
                AllocationAdded::OverFullAllocation { allocated } => Some(format!(
                    "{} ({allocated} of 100 are allocated already)",
                    launch_rules::PERCENTAGE_TOTAL
                )),
            }
        }
    };
    let mut errors = FieldErrors::default();
    errors.push("percentage", rule.unwrap_or_default());
    let rejected = RejectedAllocation::Add {
        percentage: typed,
        errors,
    };
    let message = "The allocation was not added. Correct the percentage.";
    rejected_page(&state, &form, (&report, &entry), rejected, message).await
}

/// `POST …/allocations/{allocation}`: saves the allocation's launch fields.
pub(crate) async fn save(
    State(state): State<WebState>,
    Path((report, entry, allocation)): Path<(String, String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    let allocation = allocation_id(&allocation)?;
    let item = state
        .launcher
        .owned_item(&form.signed_in.actor, LaunchObject::Allocation(allocation))
        .await
        .map_err(page_error)?;
    if item.entry.as_ref().map(|found| found.id) != Some(entry.id) {
        return Err(PageError::NotFound);
    }

    match save_object_form(&state, &form, &item).await {
        Ok(()) => Ok(see_other(&entry_anchor(
            report.id,
            entry.id,
            "allocation-saved",
            &format!("allocation-{}", allocation.0),
        ))),
        Err(SaveError::Invalid(errors)) => {
            let rejected = RejectedAllocation::Save {
                allocation,
                submitted: submitted_values(&form.fields),
                errors,
            };
            let message = "The allocation was not saved. Correct the fields marked below.";
            rejected_page(&state, &form, (&report, &entry), rejected, message).await
        }
        Err(SaveError::Page(error)) => Err(error),
    }
}

/// Renders the entry page with a rejected allocation change and `message`, as `422`.
pub(super) async fn rejected_page(
    state: &WebState,
    form: &CheckedForm,
    (report, entry): (&ExpenseReport, &ExpenseEntry),
    rejected: RejectedAllocation,
    message: &str,
) -> Result<Response, PageError> {
    let extras = PageExtras {
        allocation: Some(rejected),
        message: Some(message.to_owned()),
        ..PageExtras::default()
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    entry_page(state, &form.signed_in, report, entry, extras, status).await
}

/// `POST …/allocations/{allocation}/delete`: removes the allocation and its launch field values.
pub(crate) async fn remove(
    State(state): State<WebState>,
    Path((report, entry, allocation)): Path<(String, String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    if !report.step.is_editable() {
        return Err(PageError::Locked(report.step));
    }
    let allocation = allocation_id(&allocation)?;
    state
        .store
        .remove_expense_allocation(report.id, entry.id, allocation)
        .await
        .map_err(PageError::StoreUnavailable)?;
    tracing::info!(
        report_id = report.id.0,
        entry_id = entry.id.0,
        allocation_id = allocation.0,
        "expense allocation removed"
    );
    Ok(see_other(&entry_anchor(
        report.id,
        entry.id,
        "allocation-removed",
        "allocations",
    )))
}
