//! Exceptions and approved amounts a connector records on an object of its company.

use time::OffsetDateTime;

use super::document::load_document;
use crate::connector_access::ConnectorGrant;
use crate::sandbox::values::Amount;
use crate::store::validation::ObjectException;
use crate::store::{HostStore, StoreError};
use crate::workflow::ObjectRef;

/// Most characters of an exception code.
pub const MAX_CODE_CHARS: usize = 32;
/// Most characters of an exception message.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// An exception to add, checked for length by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewException {
    /// The entry's id as the document shows it, or `None` for the header.
    pub entry_id: Option<String>,
    pub code: String,
    pub message: String,
}

/// Reason a record was not stored.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("object not found")]
    ObjectNotFound,
    /// The named entry is not one of the object's; the text names the field.
    #[error("{field} names no entry of this object")]
    EntryNotFound { field: &'static str },
    #[error("amount must not exceed the entry's amount {amount}")]
    AboveAmount { amount: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Adds an exception to an entry of the object, or to its header.
pub async fn add_exception(
    store: &dyn HostStore,
    grant: ConnectorGrant,
    object: ObjectRef,
    exception: &NewException,
) -> Result<(), RecordError> {
    let document = load_document(store, grant.company_id, object)
        .await?
        .ok_or(RecordError::ObjectNotFound)?;
    let entry_id = match &exception.entry_id {
        None => None,
        Some(id) => {
            let entry = document
                .entry(id)
                .ok_or(RecordError::EntryNotFound { field: "entry_id" })?;
            entry.id.parse::<i64>().ok()
        }
    };
    let stored = ObjectException {
        entry_id,
        code: exception.code.clone(),
        message: exception.message.clone(),
    };
    store
        .insert_exception(
            object,
            &stored,
            grant.registration_id,
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(())
}

/// Sets the approved amount of an entry: at most the entry's amount.
pub async fn set_approved_amount(
    store: &dyn HostStore,
    grant: ConnectorGrant,
    object: ObjectRef,
    entry_id: &str,
    amount: Amount,
) -> Result<(), RecordError> {
    let document = load_document(store, grant.company_id, object)
        .await?
        .ok_or(RecordError::ObjectNotFound)?;
    let entry = document
        .entry(entry_id)
        .ok_or(RecordError::EntryNotFound { field: "entry_id" })?;
    if amount.cents() > entry.amount_cents {
        return Err(RecordError::AboveAmount {
            amount: entry.amount.clone(),
        });
    }
    let id: i64 = entry
        .id
        .parse()
        .map_err(|_| RecordError::EntryNotFound { field: "entry_id" })?;
    store
        .set_approved_amount(
            object,
            id,
            amount.cents(),
            grant.registration_id,
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(())
}
