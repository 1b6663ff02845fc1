//! Rows of expense entries and expected expenses as every engine reads
//! them, and their checks into domain values.

use crate::domain::RegistrationId;
use crate::sandbox::model::{
    EntryAttendee, EntryFields, EntryList, ExpenseEntry, ExpenseEntryId, ListBinding, ListChoice,
};
use crate::sandbox::values::{Amount, BusinessPurpose, CurrencyCode, ExpenseType, parse_date};
use time::OffsetDateTime;

use super::{StoreError, invalid_value, to_millis};
use crate::sandbox::values::format_date;

/// An entry row as read, before its text columns are checked.
pub(crate) struct EntryRow {
    pub(crate) id: i64,
    pub(crate) expense_type: String,
    pub(crate) transaction_date: String,
    pub(crate) amount_cents: i64,
    pub(crate) currency: String,
    pub(crate) business_purpose: String,
    pub(crate) list_registration_id: Option<i64>,
    pub(crate) list_name: Option<String>,
    pub(crate) list_category: Option<String>,
    pub(crate) list_choices: Option<String>,
}

/// The field columns of an expense entry or an expected expense, as read.
pub(crate) struct FieldColumns {
    pub(crate) expense_type: String,
    pub(crate) transaction_date: String,
    pub(crate) amount_cents: i64,
    pub(crate) currency: String,
    pub(crate) business_purpose: String,
}

impl FieldColumns {
    /// Checks the columns; `table` names the table in the error.
    pub(crate) fn into_fields(self, table: &'static str) -> Result<EntryFields, StoreError> {
        Ok(EntryFields {
            expense_type: ExpenseType::parse(&self.expense_type)
                .map_err(|_| invalid_value(table))?,
            transaction_date: parse_date(&self.transaction_date)
                .map_err(|_| invalid_value(table))?,
            amount: Amount::from_cents(self.amount_cents),
            currency: CurrencyCode::from_stored(self.currency),
            business_purpose: BusinessPurpose::from_stored(self.business_purpose),
        })
    }
}

pub(crate) fn entry_from_row(
    row: EntryRow,
    attendees: Vec<EntryAttendee>,
) -> Result<ExpenseEntry, StoreError> {
    let fields = FieldColumns {
        expense_type: row.expense_type,
        transaction_date: row.transaction_date,
        amount_cents: row.amount_cents,
        currency: row.currency,
        business_purpose: row.business_purpose,
    }
    .into_fields("expense_entries")?;
    let list = match (row.list_registration_id, row.list_name, row.list_category) {
        (Some(registration_id), Some(list_name), Some(category)) => {
            let chosen: Vec<ListChoice> =
                serde_json::from_str(row.list_choices.as_deref().unwrap_or("[]"))
                    .map_err(|_| invalid_value("expense_entries.list_choices"))?;
            Some(EntryList {
                binding: ListBinding {
                    registration_id: RegistrationId(registration_id),
                    list_name,
                    category,
                },
                chosen,
            })
        }
        _ => None,
    };
    Ok(ExpenseEntry {
        id: ExpenseEntryId(row.id),
        fields,
        list,
        attendees,
    })
}

/// Values of an entry row's fields and list value, in column order from
/// `expense_type` to `updated_at`. The list columns are NULL for an entry
/// without a list binding.
pub(crate) struct EntryColumns {
    pub(crate) expense_type: &'static str,
    pub(crate) transaction_date: String,
    pub(crate) amount_cents: i64,
    pub(crate) currency: String,
    pub(crate) business_purpose: String,
    pub(crate) registration_id: Option<i64>,
    pub(crate) list_name: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) choices: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) text: Option<String>,
    pub(crate) at: i64,
}

impl EntryColumns {
    pub(crate) fn of(
        fields: &EntryFields,
        list: Option<&EntryList>,
        at: OffsetDateTime,
    ) -> Result<EntryColumns, StoreError> {
        let choices = list
            .map(|list| serde_json::to_string(&list.chosen))
            .transpose()
            .map_err(|error| StoreError::Database(Box::new(error)))?;
        Ok(EntryColumns {
            expense_type: fields.expense_type.as_str(),
            transaction_date: format_date(fields.transaction_date),
            amount_cents: fields.amount.cents(),
            currency: fields.currency.as_str().to_owned(),
            business_purpose: fields.business_purpose.as_str().to_owned(),
            registration_id: list.map(|list| list.binding.registration_id.0),
            list_name: list.map(|list| list.binding.list_name.clone()),
            category: list.map(|list| list.binding.category.clone()),
            choices,
            code: list.map(EntryList::long_code),
            text: list.and_then(EntryList::leaf_text).map(str::to_owned),
            at: to_millis(at),
        })
    }
}
