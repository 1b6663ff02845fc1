//! Persistence of what connectors record on reports and travel requests:
//! exceptions and approved amounts.

use time::OffsetDateTime;

use super::StoreError;
use crate::domain::RegistrationId;
use crate::workflow::ObjectRef;

/// An exception on an object's header (`entry_id` `None`) or on one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectException {
    pub entry_id: Option<i64>,
    pub code: String,
    pub message: String,
}

/// Exceptions and approved amounts. [`super::HostStore`] requires it.
/// Callers check that the object and the entry belong to the caller's company.
#[async_trait::async_trait]
pub trait ValidationStore: Send + Sync {
    async fn insert_exception(
        &self,
        object: ObjectRef,
        exception: &ObjectException,
        registration: RegistrationId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Exceptions of an object, oldest first.
    async fn exceptions(&self, object: ObjectRef) -> Result<Vec<ObjectException>, StoreError>;

    /// Sets the approved amount of an entry of an object of `object.object_type`.
    async fn set_approved_amount(
        &self,
        object: ObjectRef,
        entry_id: i64,
        cents: i64,
        registration: RegistrationId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Approved amounts of the entries of an object that have one, as `(entry id, cents)`.
    async fn approved_amounts(&self, object: ObjectRef) -> Result<Vec<(i64, i64)>, StoreError>;
}
