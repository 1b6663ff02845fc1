//! Store traits not yet ported to PostgreSQL. Each method fails with
//! [`NotPorted`], so that a host on PostgreSQL answers those requests with
//! a database error instead of silently doing nothing.
//!
//! TODO: port each trait from the SQLite store and remove it here.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::domain::callout_log::CalloutRecord;
use crate::domain::launch_fields::{LaunchField, LaunchFieldId, LaunchObjectType, NewLaunchField};
use crate::domain::{AuditEntry, CompanyId, RegistrationId, UserId};
use crate::sandbox::model::{
    AllocationAdded, EntryAttendee, EntryFields, EntryList, ExpenseAllocation, ExpenseAllocationId,
    ExpenseEntryId, ExpenseReport, ExpenseReportId, ExpenseReportSummary, LaunchItem, LaunchObject,
    NewExpenseReport,
};
use crate::sandbox::travel::model::{
    ExpectedExpenseId, NewTravelRequest, TravelRequest, TravelRequestId, TravelRequestSummary,
};
use crate::store::validation::*;
use crate::workflow::ObjectRef;

use super::PostgresHostStore;
use crate::store::StoreError;

#[async_trait::async_trait]
impl crate::store::callout_log::CalloutLogStore for PostgresHostStore {
    async fn record_callout(
        &self,
        _registration: RegistrationId,
        _record: &CalloutRecord,
        _keep: usize,
    ) -> Result<(), StoreError> {
        Err(not_ported("CalloutLogStore::record_callout"))
    }

    async fn recent_callouts(
        &self,
        _company: CompanyId,
        _registration: RegistrationId,
        _limit: usize,
    ) -> Result<Vec<CalloutRecord>, StoreError> {
        Err(not_ported("CalloutLogStore::recent_callouts"))
    }
}

#[async_trait::async_trait]
impl crate::store::validation::ValidationStore for PostgresHostStore {
    async fn insert_exception(
        &self,
        _object: ObjectRef,
        _exception: &ObjectException,
        _registration: RegistrationId,
        _at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        Err(not_ported("ValidationStore::insert_exception"))
    }

    async fn exceptions(&self, _object: ObjectRef) -> Result<Vec<ObjectException>, StoreError> {
        Err(not_ported("ValidationStore::exceptions"))
    }

    async fn set_approved_amount(
        &self,
        _object: ObjectRef,
        _entry_id: i64,
        _cents: i64,
        _registration: RegistrationId,
        _at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        Err(not_ported("ValidationStore::set_approved_amount"))
    }

    async fn approved_amounts(&self, _object: ObjectRef) -> Result<Vec<(i64, i64)>, StoreError> {
        Err(not_ported("ValidationStore::approved_amounts"))
    }
}

#[async_trait::async_trait]
impl crate::store::expenses::ExpenseStore for PostgresHostStore {
    async fn insert_expense_report(
        &self,
        _report: &NewExpenseReport,
    ) -> Result<ExpenseReportId, StoreError> {
        Err(not_ported("ExpenseStore::insert_expense_report"))
    }

    async fn expense_reports(
        &self,
        _company: CompanyId,
        _owner: UserId,
    ) -> Result<Vec<ExpenseReportSummary>, StoreError> {
        Err(not_ported("ExpenseStore::expense_reports"))
    }

    async fn expense_report(
        &self,
        _company: CompanyId,
        _owner: UserId,
        _id: ExpenseReportId,
    ) -> Result<Option<ExpenseReport>, StoreError> {
        Err(not_ported("ExpenseStore::expense_report"))
    }

    async fn insert_expense_entry(
        &self,
        _report: ExpenseReportId,
        _fields: &EntryFields,
        _list: Option<&EntryList>,
        _at: OffsetDateTime,
    ) -> Result<ExpenseEntryId, StoreError> {
        Err(not_ported("ExpenseStore::insert_expense_entry"))
    }

    async fn update_expense_entry(
        &self,
        _report: ExpenseReportId,
        _entry: ExpenseEntryId,
        _fields: &EntryFields,
        _list: Option<&EntryList>,
        _at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        Err(not_ported("ExpenseStore::update_expense_entry"))
    }

    async fn delete_expense_entry(
        &self,
        _report: ExpenseReportId,
        _entry: ExpenseEntryId,
    ) -> Result<(), StoreError> {
        Err(not_ported("ExpenseStore::delete_expense_entry"))
    }

    async fn add_entry_attendee(
        &self,
        _report: ExpenseReportId,
        _entry: ExpenseEntryId,
        _attendee: &EntryAttendee,
    ) -> Result<(), StoreError> {
        Err(not_ported("ExpenseStore::add_entry_attendee"))
    }

    async fn remove_entry_attendee(
        &self,
        _report: ExpenseReportId,
        _entry: ExpenseEntryId,
        _attendee_type_code: &str,
        _external_id: &str,
    ) -> Result<(), StoreError> {
        Err(not_ported("ExpenseStore::remove_entry_attendee"))
    }
}

#[async_trait::async_trait]
impl crate::store::launch::LaunchStore for PostgresHostStore {
    async fn insert_launch_field(
        &self,
        _field: &NewLaunchField,
        _audit: &AuditEntry,
    ) -> Result<LaunchField, StoreError> {
        Err(not_ported("LaunchStore::insert_launch_field"))
    }

    async fn launch_fields(&self, _company: CompanyId) -> Result<Vec<LaunchField>, StoreError> {
        Err(not_ported("LaunchStore::launch_fields"))
    }

    async fn launch_field(
        &self,
        _company: CompanyId,
        _id: LaunchFieldId,
    ) -> Result<Option<LaunchField>, StoreError> {
        Err(not_ported("LaunchStore::launch_field"))
    }

    async fn launch_field_by_code(
        &self,
        _company: CompanyId,
        _code: &str,
    ) -> Result<Option<LaunchField>, StoreError> {
        Err(not_ported("LaunchStore::launch_field_by_code"))
    }

    async fn custom_field_values(
        &self,
        _company: CompanyId,
        _object_type: LaunchObjectType,
        _object_id: i64,
    ) -> Result<BTreeMap<LaunchFieldId, String>, StoreError> {
        Err(not_ported("LaunchStore::custom_field_values"))
    }

    async fn set_custom_field_value(
        &self,
        _field: LaunchFieldId,
        _object_id: i64,
        _value: &str,
        _at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        Err(not_ported("LaunchStore::set_custom_field_value"))
    }

    async fn add_expense_allocation(
        &self,
        _report: ExpenseReportId,
        _entry: ExpenseEntryId,
        _percentage: u8,
        _at: OffsetDateTime,
    ) -> Result<AllocationAdded, StoreError> {
        Err(not_ported("LaunchStore::add_expense_allocation"))
    }

    async fn remove_expense_allocation(
        &self,
        _report: ExpenseReportId,
        _entry: ExpenseEntryId,
        _allocation: ExpenseAllocationId,
    ) -> Result<(), StoreError> {
        Err(not_ported("LaunchStore::remove_expense_allocation"))
    }

    async fn expense_allocations(
        &self,
        _entry: ExpenseEntryId,
    ) -> Result<Vec<ExpenseAllocation>, StoreError> {
        Err(not_ported("LaunchStore::expense_allocations"))
    }

    async fn launch_item(
        &self,
        _company: CompanyId,
        _object: LaunchObject,
    ) -> Result<Option<LaunchItem>, StoreError> {
        Err(not_ported("LaunchStore::launch_item"))
    }
}

#[async_trait::async_trait]
impl crate::store::travel::TravelStore for PostgresHostStore {
    async fn insert_travel_request(
        &self,
        _request: &NewTravelRequest,
    ) -> Result<TravelRequestId, StoreError> {
        Err(not_ported("TravelStore::insert_travel_request"))
    }

    async fn travel_requests(
        &self,
        _company: CompanyId,
        _owner: UserId,
    ) -> Result<Vec<TravelRequestSummary>, StoreError> {
        Err(not_ported("TravelStore::travel_requests"))
    }

    async fn travel_request(
        &self,
        _company: CompanyId,
        _owner: UserId,
        _id: TravelRequestId,
    ) -> Result<Option<TravelRequest>, StoreError> {
        Err(not_ported("TravelStore::travel_request"))
    }

    async fn insert_expected_expense(
        &self,
        _request: TravelRequestId,
        _fields: &EntryFields,
        _at: OffsetDateTime,
    ) -> Result<ExpectedExpenseId, StoreError> {
        Err(not_ported("TravelStore::insert_expected_expense"))
    }

    async fn delete_expected_expense(
        &self,
        _request: TravelRequestId,
        _expense: ExpectedExpenseId,
    ) -> Result<(), StoreError> {
        Err(not_ported("TravelStore::delete_expected_expense"))
    }
}

/// A store operation that the PostgreSQL store does not implement yet.
#[derive(Debug, thiserror::Error)]
#[error("{operation} is not implemented on PostgreSQL yet")]
pub struct NotPorted {
    operation: &'static str,
}

fn not_ported(operation: &'static str) -> StoreError {
    StoreError::Database(Box::new(NotPorted { operation }))
}
