//! The object document of `GET {ObjectURI}`: a report or travel request of
//! one company with its entries, exceptions and approved amounts.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::domain::CompanyId;
use crate::sandbox::model::{EntryFields, ExpenseEntry, ExpenseReportId};
use crate::sandbox::travel::model::TravelRequestId;
use crate::sandbox::values::{Amount, format_date};
use crate::store::validation::ObjectException;
use crate::store::{HostStore, StoreError};
use crate::workflow::{ObjectRef, WorkflowItem};

/// A report (`EXPRPT`) or travel request (`TRAVELREQ`), in the documented field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectDocument {
    pub id: String,
    pub object_type: &'static str,
    pub name: String,
    pub owner_login: String,
    /// The travel request's purpose; expense reports have none.
    pub purpose: Option<String>,
    /// The currency of every entry, or `None` when they differ or there is no entry.
    pub currency: Option<String>,
    /// The sum of the entries when they share one currency.
    pub total: Option<String>,
    pub workflow_step: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    pub custom_fields: BTreeMap<String, String>,
    pub entries: Vec<EntryDocument>,
    pub exceptions: Vec<ExceptionDocument>,
}

/// An expense entry, or an expected expense of a travel request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryDocument {
    pub id: String,
    pub expense_type: String,
    pub date: String,
    pub amount: String,
    pub currency: String,
    pub approved_amount: String,
    pub business_purpose: String,
    pub list_item: Option<ListItemDocument>,
    pub custom_fields: BTreeMap<String, String>,
    pub attendees: Vec<AttendeeDocument>,
    pub exceptions: Vec<ExceptionDocument>,
    /// The amount in hundredths, to check an approved amount against.
    #[serde(skip)]
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListItemDocument {
    pub list_name: String,
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttendeeDocument {
    pub external_id: String,
    pub first_name: String,
    pub last_name: String,
    pub attendee_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionDocument {
    pub code: String,
    pub message: String,
}

impl ObjectDocument {
    /// Finds an entry by its id as the document writes it.
    pub fn entry(&self, id: &str) -> Option<&EntryDocument> {
        self.entries.iter().find(|entry| entry.id == id)
    }
}

/// Reads an object of `company` with everything the document shows;
/// `None` when the company has no such object.
pub async fn load_document(
    store: &dyn HostStore,
    company: CompanyId,
    object: ObjectRef,
) -> Result<Option<ObjectDocument>, StoreError> {
    let Some(item) = store.workflow_item(company, object).await? else {
        return Ok(None);
    };
    let mut document = match object.object_type {
        protocol::ObjectType::ExpenseReport => {
            let report = store
                .expense_report(company, item.owner, ExpenseReportId(object.id))
                .await?;
            let Some(report) = report else {
                return Ok(None);
            };
            let entries = report.entries.iter().map(expense_entry).collect();
            header(&item, "EXPRPT", None, entries)
        }
        protocol::ObjectType::TravelRequest => {
            let request = store
                .travel_request(company, item.owner, TravelRequestId(object.id))
                .await?;
            let Some(request) = request else {
                return Ok(None);
            };
            let entries = request
                .expenses
                .iter()
                .map(|expense| entry(expense.id.0, &expense.fields))
                .collect();
            let mut document = header(
                &item,
                "TRAVELREQ",
                Some(request.purpose.as_str().to_owned()),
                entries,
            );
            document.start_date = Some(format_date(request.start_date));
            document.end_date = Some(format_date(request.end_date));
            document
        }
    };

    let approved: HashMap<i64, i64> = store.approved_amounts(object).await?.into_iter().collect();
    for entry in &mut document.entries {
        let cents = entry.id.parse().ok().and_then(|id| approved.get(&id));
        if let Some(cents) = cents {
            entry.approved_amount = Amount::from_cents(*cents).to_string();
        }
    }
    for exception in store.exceptions(object).await? {
        let shown = ExceptionDocument {
            code: exception.code.clone(),
            message: exception.message.clone(),
        };
        match on_entry(&mut document, &exception) {
            Some(entry) => entry.exceptions.push(shown),
            None => document.exceptions.push(shown),
        }
    }
    Ok(Some(document))
}

fn on_entry<'a>(
    document: &'a mut ObjectDocument,
    exception: &ObjectException,
) -> Option<&'a mut EntryDocument> {
    let id = exception.entry_id?.to_string();
    document.entries.iter_mut().find(|entry| entry.id == id)
}

fn header(
    item: &WorkflowItem,
    object_type: &'static str,
    purpose: Option<String>,
    entries: Vec<EntryDocument>,
) -> ObjectDocument {
    let first_currency = entries.first().map(|entry| entry.currency.clone());
    let one_currency =
        first_currency.filter(|currency| entries.iter().all(|entry| entry.currency == *currency));
    let total = one_currency.as_ref().map(|_| {
        let cents: i64 = entries.iter().map(|entry| entry.amount_cents).sum();
        Amount::from_cents(cents).to_string()
    });
    ObjectDocument {
        id: item.object.id.to_string(),
        object_type,
        name: item.name.clone(),
        owner_login: item.owner_login.clone(),
        purpose,
        currency: one_currency,
        total,
        workflow_step: item.step.as_str(),
        start_date: None,
        end_date: None,
        custom_fields: BTreeMap::new(),
        entries,
        exceptions: Vec::new(),
    }
}

fn expense_entry(expense: &ExpenseEntry) -> EntryDocument {
    let mut document = entry(expense.id.0, &expense.fields);
    document.list_item = expense.list.as_ref().and_then(|list| {
        let text = list.leaf_text()?;
        Some(ListItemDocument {
            list_name: list.binding.list_name.clone(),
            code: list.long_code(),
            text: text.to_owned(),
        })
    });
    document.attendees = expense
        .attendees
        .iter()
        .map(|attendee| AttendeeDocument {
            external_id: attendee.external_id.clone(),
            first_name: attendee.first_name.clone(),
            last_name: attendee.last_name.clone(),
            attendee_type: attendee.attendee_type_code.clone(),
        })
        .collect();
    document
}

fn entry(id: i64, fields: &EntryFields) -> EntryDocument {
    EntryDocument {
        id: id.to_string(),
        expense_type: fields.expense_type.label().to_owned(),
        date: format_date(fields.transaction_date),
        amount: fields.amount.to_string(),
        currency: fields.currency.as_str().to_owned(),
        approved_amount: fields.amount.to_string(),
        business_purpose: fields.business_purpose.as_str().to_owned(),
        list_item: None,
        custom_fields: BTreeMap::new(),
        attendees: Vec::new(),
        exceptions: Vec::new(),
        amount_cents: fields.amount.cents(),
    }
}
