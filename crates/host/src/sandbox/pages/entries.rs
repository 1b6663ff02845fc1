//! The entry pages: New entry, the entry page with its list field,
//! attendees, launch fields and allocations, Save and Delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;

use std::collections::BTreeMap;

use super::allocations::{AllocationSection, RejectedAllocation, allocation_section};
use super::launch::{
    CustomFieldView, FieldMode, SaveError, field_views, page_error, save_object_form,
    submitted_values,
};
use super::results::{AttendeeTableView, ItemView, ListResultsView, failure_text};
use super::{
    Employee, LAUNCH_SCRIPT_PATH, SCRIPT_PATH, entry_id, entry_path, notice_text, report_id,
    require_employee,
};
use crate::domain::FieldErrors;
use crate::domain::launch_fields::LaunchObjectType;
use crate::sandbox::expenses::{EntryInput, ExpenseError, list_key};
use crate::sandbox::model::{
    EntryAttendee, ExpenseEntry, ExpenseEntryId, ExpenseReport, ExpenseReportId, LaunchObject,
    ListChoice,
};
use crate::sandbox::requests::AttendeeSearchInput;
use crate::sandbox::sources::Sources;
use crate::sandbox::values::{ExpenseType, format_date};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::form::FormFields;
use crate::web::pages::registrations::FieldView;
use crate::web::pages::{ErrorPlacement, Layout, render_with_status, see_other};
use crate::web::session::SignedIn;

/// Shown above an entry form that failed validation.
pub(super) const NOT_SAVED: &str = "The entry was not saved. Correct the fields marked below.";

/// One option of a drop-down.
pub(crate) struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Returns the options of the expense type drop-down, with `selected` chosen.
pub(super) fn expense_type_options(selected: &str) -> Vec<OptionView> {
    ExpenseType::ALL
        .into_iter()
        .map(|kind| OptionView {
            value: kind.as_str().to_owned(),
            label: kind.label().to_owned(),
            selected: kind.as_str() == selected,
        })
        .collect()
}

/// The fields of the entry form with their values and broken rules.
pub(super) struct EntryForm {
    expense_types: Vec<OptionView>,
    expense_type_errors: Vec<String>,
    transaction_date: FieldView,
    amount: FieldView,
    currency: FieldView,
    business_purpose: FieldView,
    lists: Vec<OptionView>,
    list_errors: Vec<String>,
    other_errors: Vec<String>,
}

impl EntryForm {
    fn new(values: EntryInput, sources: &Sources, mut errors: ErrorPlacement) -> Self {
        let expense_types = expense_type_options(&values.expense_type);
        let mut lists = vec![OptionView {
            value: String::new(),
            label: "None".to_owned(),
            selected: values.list.is_empty(),
        }];
        lists.extend(
            sources
                .lists
                .iter()
                .enumerate()
                .map(|(index, list)| OptionView {
                    value: index.to_string(),
                    label: list.label(),
                    selected: values.list == index.to_string(),
                }),
        );
        EntryForm {
            expense_types,
            expense_type_errors: errors.take("expense_type"),
            transaction_date: FieldView::new(
                values.transaction_date,
                &mut errors,
                "transaction_date",
            ),
            amount: FieldView::new(values.amount, &mut errors, "amount"),
            currency: FieldView::new(values.currency, &mut errors, "currency"),
            business_purpose: FieldView::new(
                values.business_purpose,
                &mut errors,
                "business_purpose",
            ),
            lists,
            list_errors: errors.take("list"),
            other_errors: errors.rest(),
        }
    }
}

/// One level of the list field: the item chosen there, and its search.
pub(super) struct LevelView {
    number: usize,
    chosen: Option<ListChoice>,
    /// Whether the level can be searched: every level above it has an item chosen.
    searchable: bool,
    query: String,
    query_errors: Vec<String>,
    items: Vec<ItemView>,
    message: Option<String>,
    message_is_error: bool,
}

/// The list field of an entry.
pub(super) struct ListSection {
    label: String,
    /// Whether the bound list is still configured on an active service.
    configured: bool,
    /// Message of a search rejected at a level that the list does not have.
    message: Option<String>,
    long_code: String,
    leaf_text: String,
    api: String,
    levels: Vec<LevelView>,
}

/// The attendees of an entry and the attendee search.
pub(super) struct AttendeeSection {
    picked: Vec<EntryAttendee>,
    types: Vec<OptionView>,
    type_errors: Vec<String>,
    first_name: FieldView,
    last_name: FieldView,
    company: FieldView,
    external_id: FieldView,
    other_errors: Vec<String>,
    table: Option<AttendeeTableView>,
    /// Whether the table of results has rows to add from.
    has_results: bool,
    message: Option<String>,
    message_is_error: bool,
}

#[derive(Template)]
#[template(path = "expense_entry.html")]
struct EntryPage {
    layout: Layout,
    csrf_token: String,
    script_path: &'static str,
    report_id: i64,
    report_name: String,
    /// `None` on the New entry page.
    entry_id: Option<i64>,
    entry_path: String,
    form: EntryForm,
    list: Option<ListSection>,
    attendees: Option<AttendeeSection>,
    launch_script_path: &'static str,
    /// The `launch_object` of the entry form, `ENTRY:{id}`.
    launch_object: String,
    custom_fields: Vec<CustomFieldView>,
    /// `None` on the New entry page.
    allocations: Option<AllocationSection>,
    notice: Option<&'static str>,
    message: Option<String>,
}

/// Reason a search shows no results.
pub(super) enum SearchProblem {
    Invalid(FieldErrors),
    Failed(String),
}

impl SearchProblem {
    /// Sorts an operation's failure: invalid input and failed callouts are
    /// shown in the page, everything else becomes an error page.
    pub(super) fn of(error: ExpenseError) -> Result<SearchProblem, PageError> {
        match error {
            ExpenseError::Invalid(errors) => Ok(SearchProblem::Invalid(errors)),
            ExpenseError::Callout { .. } => {
                Ok(SearchProblem::Failed(failure_text(&error.to_string())))
            }
            other => Err(other.into()),
        }
    }
}

/// A list search run for the page, at one level.
pub(super) struct ListSearch {
    pub level: usize,
    pub query: String,
    pub outcome: Result<ListResultsView, SearchProblem>,
}

/// An attendee search run for the page, or a failed add.
pub(super) struct AttendeeSearch {
    pub input: AttendeeSearchInput,
    pub outcome: Result<Option<AttendeeTableView>, SearchProblem>,
}

/// Parts of the entry page beyond the stored entry: submitted values, searches and messages.
#[derive(Default)]
pub(super) struct PageExtras {
    /// Submitted field values and their errors; the stored values when `None`.
    pub form: Option<(EntryInput, ErrorPlacement)>,
    pub list_search: Option<ListSearch>,
    pub attendee_search: Option<AttendeeSearch>,
    /// Submitted launch field values of the entry form, with the form.
    pub custom: Option<BTreeMap<String, String>>,
    /// A rejected change of an allocation.
    pub allocation: Option<RejectedAllocation>,
    pub notice: Option<&'static str>,
    pub message: Option<String>,
}

/// Returns the form values of a stored entry.
fn stored_input(entry: &ExpenseEntry, sources: &Sources) -> EntryInput {
    EntryInput {
        expense_type: entry.fields.expense_type.as_str().to_owned(),
        transaction_date: format_date(entry.fields.transaction_date),
        amount: entry.fields.amount.to_string(),
        currency: entry.fields.currency.as_str().to_owned(),
        business_purpose: entry.fields.business_purpose.as_str().to_owned(),
        list: entry
            .list
            .as_ref()
            .and_then(|list| list_key(sources, &list.binding))
            .unwrap_or_default(),
    }
}

/// Reads the entry form.
pub(super) fn submitted_input(fields: &FormFields) -> EntryInput {
    let text = |name: &str| fields.text(name).unwrap_or_default().to_owned();
    EntryInput {
        expense_type: text("expense_type"),
        transaction_date: text("transaction_date"),
        amount: text("amount"),
        currency: text("currency"),
        business_purpose: text("business_purpose"),
        list: text("list"),
    }
}

/// Builds the list section of an entry, with the search shown at its level.
fn list_section(
    report: ExpenseReportId,
    entry: &ExpenseEntry,
    sources: &Sources,
    search: Option<ListSearch>,
) -> Option<ListSection> {
    let list = entry.list.as_ref()?;
    let available = sources.list(&list.binding);
    let level_count = available.map_or(list.chosen.len(), |available| {
        usize::try_from(available.levels)
            .unwrap_or(usize::MAX)
            .max(list.chosen.len())
    });
    let mut search = search;

    let levels = (1..=level_count)
        .map(|number| {
            let mut level = LevelView {
                number,
                chosen: list.chosen.get(number - 1).cloned(),
                searchable: available.is_some() && number <= list.chosen.len() + 1,
                query: String::new(),
                query_errors: Vec::new(),
                items: Vec::new(),
                message: None,
                message_is_error: false,
            };
            if let Some(found) = search.take_if(|search| search.level == number) {
                level.query = found.query;
                match found.outcome {
                    Ok(results) => {
                        level.message = results.message;
                        level.items = results.items;
                    }
                    Err(SearchProblem::Invalid(errors)) => {
                        let mut errors = ErrorPlacement::new(errors);
                        level.query_errors = errors.take("query");
                        let rest = errors.rest();
                        if !rest.is_empty() {
                            level.message = Some(rest.join("; "));
                            level.message_is_error = true;
                        }
                    }
                    Err(SearchProblem::Failed(message)) => {
                        level.message = Some(message);
                        level.message_is_error = true;
                    }
                }
            }
            level
        })
        .collect();
    // A search at a level the list does not have has no level to show its problem at.
    let message = search.map(|search| match search.outcome {
        Err(SearchProblem::Invalid(errors)) => ErrorPlacement::new(errors).rest().join("; "),
        Err(SearchProblem::Failed(message)) => message,
        Ok(_) => String::new(),
    });
    Some(ListSection {
        label: format!("{} — {}", list.binding.category, list.binding.list_name),
        configured: available.is_some(),
        message: message.filter(|message| !message.is_empty()),
        long_code: list.long_code(),
        leaf_text: list.leaf_text().unwrap_or_default().to_owned(),
        api: format!(
            "/expenses/api/list-search?report={}&entry={}",
            report.0, entry.id.0
        ),
        levels,
    })
}

/// Builds the attendee section of an entry.
fn attendee_section(
    entry: &ExpenseEntry,
    sources: &Sources,
    search: Option<AttendeeSearch>,
) -> AttendeeSection {
    let (input, outcome) = match search {
        Some(search) => (search.input, search.outcome),
        None => (AttendeeSearchInput::default(), Ok(None)),
    };
    let (mut errors, table, message, message_is_error) = match outcome {
        Ok(Some(table)) => {
            let message = table.message.clone();
            (ErrorPlacement::none(), Some(table), message, false)
        }
        Ok(None) => (ErrorPlacement::none(), None, None, false),
        Err(SearchProblem::Invalid(errors)) => (ErrorPlacement::new(errors), None, None, false),
        Err(SearchProblem::Failed(message)) => (ErrorPlacement::none(), None, Some(message), true),
    };
    let types = sources
        .attendee_types
        .iter()
        .map(|source| OptionView {
            value: source.code.clone(),
            label: source.code.clone(),
            selected: source.code == input.attendee_type.trim(),
        })
        .collect();
    AttendeeSection {
        picked: entry.attendees.clone(),
        types,
        type_errors: errors.take("attendee_type"),
        first_name: FieldView::new(input.first_name, &mut errors, "first_name"),
        last_name: FieldView::new(input.last_name, &mut errors, "last_name"),
        company: FieldView::new(input.company, &mut errors, "company"),
        external_id: FieldView::new(input.external_id, &mut errors, "external_id"),
        other_errors: errors.rest(),
        has_results: table.as_ref().is_some_and(|table| !table.rows.is_empty()),
        table,
        message,
        message_is_error,
    }
}

/// Renders the page of an existing entry.
pub(super) async fn entry_page(
    state: &WebState,
    signed_in: &SignedIn,
    report: &ExpenseReport,
    entry: &ExpenseEntry,
    extras: PageExtras,
    status: StatusCode,
) -> Result<Response, PageError> {
    let sources = state.expenses.sources(&signed_in.actor).await?;
    let (values, mut errors) = extras
        .form
        .unwrap_or_else(|| (stored_input(entry, &sources), ErrorPlacement::none()));
    let object = LaunchObject::Entry(entry.id);
    let mode = FieldMode::for_owner(report.step);
    let stored = state
        .launcher
        .values(&signed_in.actor, LaunchObjectType::Entry, entry.id.0)
        .await
        .map_err(page_error)?;
    let custom_fields = field_views(stored, object, mode, extras.custom.as_ref(), &mut errors);
    let allocations =
        allocation_section(state, signed_in, report, entry.id, mode, extras.allocation).await?;
    let title = format!(
        "{} entry of {}",
        entry.fields.expense_type.label(),
        report.name
    );
    let page = EntryPage {
        layout: Layout::signed_in(&title, signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        script_path: SCRIPT_PATH,
        report_id: report.id.0,
        report_name: report.name.to_string(),
        entry_id: Some(entry.id.0),
        entry_path: entry_path(report.id, entry.id),
        form: EntryForm::new(values, &sources, errors),
        list: list_section(report.id, entry, &sources, extras.list_search),
        attendees: Some(attendee_section(entry, &sources, extras.attendee_search)),
        launch_script_path: LAUNCH_SCRIPT_PATH,
        launch_object: object.to_string(),
        custom_fields,
        allocations: Some(allocations),
        notice: extras.notice,
        message: extras.message,
    };
    Ok(render_with_status(status, &page))
}

async fn new_entry_page(
    state: &WebState,
    signed_in: &SignedIn,
    report: &ExpenseReport,
    rejected: Option<(EntryInput, ErrorPlacement)>,
) -> Result<Response, PageError> {
    let sources = state.expenses.sources(&signed_in.actor).await?;
    let (status, message, (values, errors)) = match rejected {
        Some(rejected) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(NOT_SAVED.to_owned()),
            rejected,
        ),
        None => {
            let values = EntryInput {
                transaction_date: format_date(OffsetDateTime::now_utc().date()),
                // A new entry's list field is bound to the first list, if any.
                list: if sources.lists.is_empty() {
                    String::new()
                } else {
                    "0".to_owned()
                },
                ..EntryInput::default()
            };
            (StatusCode::OK, None, (values, ErrorPlacement::none()))
        }
    };
    let page = EntryPage {
        layout: Layout::signed_in(&format!("New entry of {}", report.name), signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        script_path: SCRIPT_PATH,
        report_id: report.id.0,
        report_name: report.name.to_string(),
        entry_id: None,
        entry_path: format!("/expenses/reports/{}/entries", report.id.0),
        form: EntryForm::new(values, &sources, errors),
        list: None,
        attendees: None,
        launch_script_path: LAUNCH_SCRIPT_PATH,
        launch_object: String::new(),
        custom_fields: Vec::new(),
        allocations: None,
        notice: None,
        message,
    };
    Ok(render_with_status(status, &page))
}

/// `GET /expenses/reports/{report}/entries/new`.
pub(crate) async fn new_form(
    State(state): State<WebState>,
    Employee(signed_in): Employee,
    Path(report): Path<String>,
) -> Result<Response, PageError> {
    let report = state
        .expenses
        .report(&signed_in.actor, report_id(&report)?)
        .await?;
    new_entry_page(&state, &signed_in, &report, None).await
}

/// `POST /expenses/reports/{report}/entries`: adds an entry and opens its page.
pub(crate) async fn create(
    State(state): State<WebState>,
    Path(report): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let actor = &form.signed_in.actor;
    let report = state.expenses.report(actor, report_id(&report)?).await?;
    let input = submitted_input(&form.fields);

    match state.expenses.create_entry(actor, report.id, &input).await {
        Ok(entry) => Ok(see_other(&format!(
            "{}?notice=entry-created",
            entry_path(report.id, entry)
        ))),
        Err(ExpenseError::Invalid(errors)) => {
            new_entry_page(
                &state,
                &form.signed_in,
                &report,
                Some((input, ErrorPlacement::new(errors))),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// The query of the entry page: a notice, and the fields of a list or attendee search.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EntryQuery {
    notice: Option<String>,
    list_level: Option<String>,
    list_query: Option<String>,
    attendee_search: Option<String>,
    attendee_type: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    external_id: Option<String>,
}

impl EntryQuery {
    pub(super) fn attendee_input(&self) -> AttendeeSearchInput {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        AttendeeSearchInput {
            attendee_type: text(&self.attendee_type),
            first_name: text(&self.first_name),
            last_name: text(&self.last_name),
            company: text(&self.company),
            external_id: text(&self.external_id),
        }
    }
}

/// Reads a list level; anything but a number from 1 is level 0, which every search rejects.
pub(super) fn parse_level(text: &str) -> usize {
    text.trim().parse().unwrap_or(0)
}

/// `GET /expenses/reports/{report}/entries/{entry}`: the entry, and the
/// results of the list or attendee search that the query requests. Each
/// search is one callout, so reloading the page sends it again.
pub(crate) async fn show(
    State(state): State<WebState>,
    Employee(signed_in): Employee,
    Path((report, entry)): Path<(String, String)>,
    Query(query): Query<EntryQuery>,
) -> Result<Response, PageError> {
    let actor = &signed_in.actor;
    let (report, entry) = state
        .expenses
        .entry(actor, report_id(&report)?, entry_id(&entry)?)
        .await?;

    let list_search = match &query.list_level {
        Some(level) => {
            let level = parse_level(level);
            let typed = query.list_query.clone().unwrap_or_default();
            let outcome = match state
                .expenses
                .search_list(actor, report.id, entry.id, level, &typed)
                .await
            {
                Ok(results) => Ok(ListResultsView::new(level, results)),
                Err(error) => Err(SearchProblem::of(error)?),
            };
            Some(ListSearch {
                level,
                query: typed,
                outcome,
            })
        }
        None => None,
    };
    let attendee_search = match &query.attendee_search {
        Some(_) => {
            let input = query.attendee_input();
            let outcome = match state.expenses.search_attendees(actor, &input).await {
                Ok(results) => Ok(Some(AttendeeTableView::new(&input.attendee_type, results))),
                Err(error) => Err(SearchProblem::of(error)?),
            };
            Some(AttendeeSearch { input, outcome })
        }
        None => None,
    };
    let extras = PageExtras {
        list_search,
        attendee_search,
        notice: notice_text(query.notice.as_deref()),
        ..PageExtras::default()
    };
    entry_page(&state, &signed_in, &report, &entry, extras, StatusCode::OK).await
}

/// Loads the report and entry named by the path of a posted form.
pub(super) async fn posted_entry(
    state: &WebState,
    form: &CheckedForm,
    report: &str,
    entry: &str,
) -> Result<(ExpenseReport, ExpenseEntry), PageError> {
    require_employee(&form.signed_in)?;
    let ids = (report_id(report)?, entry_id(entry)?);
    Ok(state
        .expenses
        .entry(&form.signed_in.actor, ids.0, ids.1)
        .await?)
}

/// `POST /expenses/reports/{report}/entries/{entry}`: saves the entry's fields.
pub(crate) async fn update(
    State(state): State<WebState>,
    Path((report, entry)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    let item = state
        .launcher
        .owned_item(&form.signed_in.actor, LaunchObject::Entry(entry.id))
        .await
        .map_err(page_error)?;

    match save_object_form(&state, &form, &item).await {
        Ok(()) => Ok(see_other(&format!(
            "{}?notice=entry-saved",
            entry_path(report.id, entry.id)
        ))),
        Err(SaveError::Invalid(errors)) => {
            let extras = PageExtras {
                form: Some((submitted_input(&form.fields), ErrorPlacement::new(errors))),
                custom: Some(submitted_values(&form.fields)),
                message: Some(NOT_SAVED.to_owned()),
                ..PageExtras::default()
            };
            entry_page(
                &state,
                &form.signed_in,
                &report,
                &entry,
                extras,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(SaveError::Page(error)) => Err(error),
    }
}

/// `POST /expenses/reports/{report}/entries/{entry}/delete`: deletes the entry.
pub(crate) async fn delete(
    State(state): State<WebState>,
    Path((report, entry)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    state
        .expenses
        .delete_entry(&form.signed_in.actor, report.id, entry.id)
        .await?;
    Ok(see_other(&format!(
        "/expenses/reports/{}?notice=entry-deleted",
        report.id.0
    )))
}

/// Returns the path of the entry page with an anchor, after a change to the entry.
pub(super) fn entry_anchor(
    report: ExpenseReportId,
    entry: ExpenseEntryId,
    notice: &str,
    anchor: &str,
) -> String {
    format!("{}?notice={notice}#{anchor}", entry_path(report, entry))
}
