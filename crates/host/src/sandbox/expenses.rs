//! Operations on expense reports, each checking the employee role and the report's owner first.

use std::sync::Arc;

use protocol::SearchBy;
use time::OffsetDateTime;

use super::callouts::ExpenseCallouts;
use super::model::{
    EntryAttendee, EntryFields, EntryList, ExpenseEntry, ExpenseEntryId, ExpenseReport,
    ExpenseReportId, ExpenseReportSummary, ListBinding, ListChoice, NewExpenseReport,
};
use super::requests::{AttendeeSearchInput, list_query, list_request};
use super::sources::{AvailableList, Sources};
use super::values::{
    Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName, parse_date, rules,
};
use crate::dispatch::{AttendeeResults, CalloutFailure, ListResults};
use crate::domain::{Actor, FieldErrors, ServiceKind};
use crate::store::{HostStore, StoreError};
use crate::workflow::Step;

/// Most reports one employee may keep; it bounds the report list page.
pub const MAX_REPORTS_PER_EMPLOYEE: usize = 500;
/// Most entries of one report; it bounds the report page.
pub const MAX_ENTRIES_PER_REPORT: usize = 200;
/// Most attendees of one entry.
pub const MAX_ATTENDEES_PER_ENTRY: usize = 50;

/// Reason an expense operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ExpenseError {
    /// Only users with the employee role keep expense reports.
    #[error("only employees keep expense reports")]
    NotEmployee,
    /// No such report of the actor, or no such entry in it; other
    /// employees' reports are reported the same way.
    #[error("expense report or entry not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The report or travel request was submitted and is not sent back, so
    /// the employee may not change it.
    #[error("the object is in workflow step {step}, where it cannot be changed")]
    Locked { step: Step },
    /// A search callout failed; the page shows the failure's user message.
    #[error("{}", .failure.user_message(*.service))]
    Callout {
        service: ServiceKind,
        failure: CalloutFailure,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExpenseError {
    pub(crate) fn invalid(field: &str, rule: &str) -> ExpenseError {
        let mut errors = FieldErrors::default();
        errors.push(field, rule);
        ExpenseError::Invalid(errors)
    }
}

/// An entry's fields as typed into the form; `list` is the key of an
/// available list ([`list_key`]) or blank for none.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub expense_type: String,
    pub transaction_date: String,
    pub amount: String,
    pub currency: String,
    pub business_purpose: String,
    pub list: String,
}

/// Returns the form value that names `list`: its position among the
/// available lists, stable while the configuration stays the same.
pub fn list_key(sources: &Sources, binding: &ListBinding) -> Option<String> {
    sources
        .lists
        .iter()
        .position(|list| list.binding == *binding)
        .map(|index| index.to_string())
}

/// The expense reports of every employee, reached through an [`Actor`].
pub struct Expenses {
    store: Arc<dyn HostStore>,
    callouts: Arc<dyn ExpenseCallouts>,
}

impl Expenses {
    pub fn new(store: Arc<dyn HostStore>, callouts: Arc<dyn ExpenseCallouts>) -> Self {
        Expenses { store, callouts }
    }

    /// Lists the actor's reports, newest first.
    pub async fn reports(&self, actor: &Actor) -> Result<Vec<ExpenseReportSummary>, ExpenseError> {
        require_employee(actor)?;
        Ok(self
            .store
            .expense_reports(actor.company.id, actor.user.id)
            .await?)
    }

    /// Creates an empty report kept by the actor.
    pub async fn create_report(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<ExpenseReportId, ExpenseError> {
        require_employee(actor)?;
        let name = ReportName::parse(name).map_err(|rule| ExpenseError::invalid("name", rule))?;
        let count = self
            .store
            .expense_reports(actor.company.id, actor.user.id)
            .await?
            .len();
        if count >= MAX_REPORTS_PER_EMPLOYEE {
            return Err(ExpenseError::invalid(
                "name",
                "cannot be added: an employee keeps at most 500 reports",
            ));
        }

        let report = NewExpenseReport {
            company_id: actor.company.id,
            owner: actor.user.id,
            name,
            created_at: OffsetDateTime::now_utc(),
        };
        let id = self.store.insert_expense_report(&report).await?;
        tracing::info!(
            report_id = id.0,
            user_id = actor.user.id.0,
            "expense report created"
        );
        Ok(id)
    }

    /// Returns one of the actor's reports with its entries.
    pub async fn report(
        &self,
        actor: &Actor,
        id: ExpenseReportId,
    ) -> Result<ExpenseReport, ExpenseError> {
        require_employee(actor)?;
        self.store
            .expense_report(actor.company.id, actor.user.id, id)
            .await?
            .ok_or(ExpenseError::NotFound)
    }

    /// Returns one entry of one of the actor's reports, with the report.
    pub async fn entry(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
    ) -> Result<(ExpenseReport, ExpenseEntry), ExpenseError> {
        let report = self.report(actor, report).await?;
        let entry = report.entry(entry).cloned().ok_or(ExpenseError::NotFound)?;
        Ok((report, entry))
    }

    /// Returns an entry like [`Self::entry`], when the report may still be changed.
    async fn editable_entry(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
    ) -> Result<(ExpenseReport, ExpenseEntry), ExpenseError> {
        let (report, entry) = self.entry(actor, report, entry).await?;
        ensure_editable(report.step)?;
        Ok((report, entry))
    }

    /// Returns the lists and attendee types of the active services of the actor's company.
    pub async fn sources(&self, actor: &Actor) -> Result<Sources, ExpenseError> {
        require_employee(actor)?;
        let registrations = self.store.registrations(actor.company.id).await?;
        Ok(Sources::of(&registrations))
    }

    /// Adds an entry to one of the actor's reports.
    pub async fn create_entry(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        input: &EntryInput,
    ) -> Result<ExpenseEntryId, ExpenseError> {
        let report = self.report(actor, report).await?;
        ensure_editable(report.step)?;
        let sources = self.sources(actor).await?;
        let (fields, binding) = parse_entry(input, &sources)?;
        if report.entries.len() >= MAX_ENTRIES_PER_REPORT {
            return Err(ExpenseError::invalid(
                "expense_type",
                "cannot be added: a report has at most 200 entries",
            ));
        }

        let list = binding.map(|binding| EntryList {
            binding,
            chosen: Vec::new(),
        });
        let id = self
            .store
            .insert_expense_entry(report.id, &fields, list.as_ref(), OffsetDateTime::now_utc())
            .await?;
        tracing::info!(
            report_id = report.id.0,
            entry_id = id.0,
            "expense entry created"
        );
        Ok(id)
    }

    /// Changes an entry's fields. Binding the list field to another list
    /// clears the items chosen from the earlier one.
    pub async fn update_entry(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        input: &EntryInput,
    ) -> Result<(), ExpenseError> {
        let (report, entry) = self.editable_entry(actor, report, entry).await?;
        let sources = self.sources(actor).await?;
        let (fields, binding) = parse_entry(input, &sources)?;

        let list = match (binding, entry.list) {
            (Some(binding), Some(stored)) if stored.binding == binding => Some(stored),
            (Some(binding), _) => Some(EntryList {
                binding,
                chosen: Vec::new(),
            }),
            (None, _) => None,
        };
        self.store
            .update_expense_entry(
                report.id,
                entry.id,
                &fields,
                list.as_ref(),
                OffsetDateTime::now_utc(),
            )
            .await?;
        Ok(())
    }

    /// Checks an entry's fields as [`Self::update_entry`] would, without saving them.
    pub async fn check_entry(&self, actor: &Actor, input: &EntryInput) -> Result<(), ExpenseError> {
        let sources = self.sources(actor).await?;
        parse_entry(input, &sources).map(|_| ())
    }

    /// Deletes an entry with its attendees.
    pub async fn delete_entry(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
    ) -> Result<(), ExpenseError> {
        let (report, entry) = self.editable_entry(actor, report, entry).await?;
        self.store.delete_expense_entry(report.id, entry.id).await?;
        tracing::info!(
            report_id = report.id.0,
            entry_id = entry.id.0,
            "expense entry deleted"
        );
        Ok(())
    }

    /// Searches level `level` (from 1) of the entry's list for items whose
    /// text begins with `typed`, under the items chosen at the levels above.
    pub async fn search_list(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        level: usize,
        typed: &str,
    ) -> Result<ListResults, ExpenseError> {
        let (_, entry) = self.entry(actor, report, entry).await?;
        let (list, parents) = self.list_level(actor, &entry, level).await?;
        let query = list_query(typed).map_err(|rule| ExpenseError::invalid("query", rule))?;

        let request = list_request(&list, &parents, query, SearchBy::Text);
        self.callouts
            .fetch_list(actor, list.binding.registration_id, &request)
            .await
            .map_err(list_failure)
    }

    /// Chooses the item with `short_code` at level `level` of the entry's
    /// list and clears the levels below. The item is fetched again by code,
    /// so that the entry keeps only what the connector returned.
    pub async fn choose_list_item(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        level: usize,
        short_code: &str,
    ) -> Result<(), ExpenseError> {
        let (report, entry) = self.editable_entry(actor, report, entry).await?;
        let (list, mut chosen) = self.list_level(actor, &entry, level).await?;
        // A `*` would make the query a pattern rather than the one code.
        let short_code = short_code.trim();
        if short_code.is_empty()
            || short_code.contains('*')
            || short_code.chars().any(char::is_control)
        {
            return Err(ExpenseError::invalid("short_code", rules::NOT_OFFERED));
        }

        let request = list_request(&list, &chosen, short_code.to_owned(), SearchBy::Code);
        let found = self
            .callouts
            .fetch_list(actor, list.binding.registration_id, &request)
            .await
            .map_err(list_failure)?;
        let item = found
            .items
            .into_iter()
            .find(|item| item.short_code == short_code)
            .ok_or_else(|| ExpenseError::invalid("short_code", rules::NOT_OFFERED))?;

        chosen.push(ListChoice {
            short_code: item.short_code,
            text: item.text,
        });
        let list = EntryList {
            binding: list.binding,
            chosen,
        };
        self.store
            .update_expense_entry(
                report.id,
                entry.id,
                &entry.fields,
                Some(&list),
                OffsetDateTime::now_utc(),
            )
            .await?;
        Ok(())
    }

    /// Clears the item chosen at `level` and every level below it.
    pub async fn clear_list_level(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        level: usize,
    ) -> Result<(), ExpenseError> {
        let (report, entry) = self.editable_entry(actor, report, entry).await?;
        let Some(mut list) = entry.list else {
            return Err(ExpenseError::invalid("list", rules::LIST));
        };
        if level == 0 || level > list.chosen.len() {
            return Err(ExpenseError::invalid("level", rules::LEVEL));
        }

        list.chosen.truncate(level - 1);
        self.store
            .update_expense_entry(
                report.id,
                entry.id,
                &entry.fields,
                Some(&list),
                OffsetDateTime::now_utc(),
            )
            .await?;
        Ok(())
    }

    /// Searches attendees of a configured type through its connector.
    pub async fn search_attendees(
        &self,
        actor: &Actor,
        input: &AttendeeSearchInput,
    ) -> Result<AttendeeResults, ExpenseError> {
        let sources = self.sources(actor).await?;
        let (source, request) = input
            .parse(&sources, &actor.user.login)
            .map_err(ExpenseError::Invalid)?;
        self.callouts
            .fetch_attendees(actor, source.registration_id, &request)
            .await
            .map_err(attendee_failure)
    }

    /// Adds the attendee of this type and external id to the entry. The
    /// attendee is searched again by external id, so that the entry keeps
    /// only what the connector returned; adding one twice changes nothing.
    pub async fn add_attendee(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee_type: &str,
        external_id: &str,
    ) -> Result<(), ExpenseError> {
        let (report, entry) = self.editable_entry(actor, report, entry).await?;
        let external_id = external_id.trim();
        if external_id.is_empty() || external_id.contains('*') {
            return Err(ExpenseError::invalid("external_id", rules::NOT_OFFERED));
        }
        if entry.attendees.len() >= MAX_ATTENDEES_PER_ENTRY {
            return Err(ExpenseError::invalid(
                "external_id",
                "cannot be added: an entry has at most 50 attendees",
            ));
        }

        let input = AttendeeSearchInput {
            attendee_type: attendee_type.to_owned(),
            external_id: external_id.to_owned(),
            ..AttendeeSearchInput::default()
        };
        // NOTE: ExternalID matches as "begins with", so an id that begins
        // more than 25 others may fall outside the first page and be refused.
        let found = self.search_attendees(actor, &input).await?;
        let attendee = found
            .attendees
            .into_iter()
            .find(|attendee| attendee.external_id == external_id)
            .ok_or_else(|| ExpenseError::invalid("external_id", rules::NOT_OFFERED))?;

        let picked = EntryAttendee {
            external_id: attendee.external_id,
            first_name: attendee.first_name,
            last_name: attendee.last_name,
            company: attendee.company,
            attendee_type_code: attendee_type.trim().to_owned(),
        };
        match self
            .store
            .add_entry_attendee(report.id, entry.id, &picked)
            .await
        {
            Ok(()) | Err(StoreError::Duplicate) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes an attendee from the entry; removing an absent one changes nothing.
    pub async fn remove_attendee(
        &self,
        actor: &Actor,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee_type: &str,
        external_id: &str,
    ) -> Result<(), ExpenseError> {
        let (report, entry) = self.editable_entry(actor, report, entry).await?;
        self.store
            .remove_entry_attendee(report.id, entry.id, attendee_type, external_id)
            .await?;
        Ok(())
    }

    /// Returns the entry's list as currently configured and the items
    /// chosen above `level`, when `level` can be searched. That requires the
    /// list to be configured on an active service, `level` to be one of its
    /// levels, and every level above it to have an item chosen.
    async fn list_level(
        &self,
        actor: &Actor,
        entry: &ExpenseEntry,
        level: usize,
    ) -> Result<(AvailableList, Vec<ListChoice>), ExpenseError> {
        let Some(list) = &entry.list else {
            return Err(ExpenseError::invalid("list", rules::LIST));
        };
        let sources = self.sources(actor).await?;
        let Some(available) = sources.list(&list.binding) else {
            return Err(list_failure(CalloutFailure::ServiceNotActive));
        };
        let levels = usize::try_from(available.levels).unwrap_or(usize::MAX);
        if level == 0 || level > levels || level > list.chosen.len() + 1 {
            return Err(ExpenseError::invalid("level", rules::LEVEL));
        }
        Ok((available.clone(), list.chosen[..level - 1].to_vec()))
    }
}

/// Checks that the employee may change an object in `step`.
pub(crate) fn ensure_editable(step: Step) -> Result<(), ExpenseError> {
    if step.is_editable() {
        Ok(())
    } else {
        Err(ExpenseError::Locked { step })
    }
}

pub(crate) fn require_employee(actor: &Actor) -> Result<(), ExpenseError> {
    if actor.is_employee() {
        Ok(())
    } else {
        Err(ExpenseError::NotEmployee)
    }
}

fn list_failure(failure: CalloutFailure) -> ExpenseError {
    callout_error(ServiceKind::FetchList, failure)
}

fn attendee_failure(failure: CalloutFailure) -> ExpenseError {
    callout_error(ServiceKind::FetchAttendee, failure)
}

fn callout_error(service: ServiceKind, failure: CalloutFailure) -> ExpenseError {
    ExpenseError::Callout { service, failure }
}

/// Validates the fields of an entry or an expected expense, adding each broken rule to `errors`.
pub(crate) fn parse_fields(input: &EntryInput, errors: &mut FieldErrors) -> Option<EntryFields> {
    let expense_type = errors.check("expense_type", ExpenseType::parse(&input.expense_type));
    let transaction_date = errors.check("transaction_date", parse_date(&input.transaction_date));
    let amount = errors.check("amount", Amount::parse(&input.amount));
    let currency = errors.check("currency", CurrencyCode::parse(&input.currency));
    let business_purpose = errors.check(
        "business_purpose",
        BusinessPurpose::parse(&input.business_purpose),
    );
    Some(EntryFields {
        expense_type: expense_type?,
        transaction_date: transaction_date?,
        amount: amount?,
        currency: currency?,
        business_purpose: business_purpose?,
    })
}

/// Validates the entry form, collecting every broken rule.
fn parse_entry(
    input: &EntryInput,
    sources: &Sources,
) -> Result<(EntryFields, Option<ListBinding>), ExpenseError> {
    let mut errors = FieldErrors::default();
    let fields = parse_fields(input, &mut errors);
    let list = input.list.trim();
    let binding = if list.is_empty() {
        Some(None)
    } else {
        let found = list
            .parse::<usize>()
            .ok()
            .and_then(|index| sources.lists.get(index))
            .map(|list| Some(list.binding.clone()));
        errors.check("list", found.ok_or(rules::LIST))
    };

    match (fields, binding) {
        (Some(fields), Some(binding)) if errors.is_empty() => Ok((fields, binding)),
        _ => Err(ExpenseError::Invalid(errors)),
    }
}
