//! The notifications that entering a listed External Validation step queues.

use protocol::{EventDateTime, Notification, ObjectType};
use time::OffsetDateTime;

use super::model::ObjectRef;
use crate::domain::services::{ServiceSettings, WorkflowStep};
use crate::domain::{CompanyId, Registration, RegistrationId, ServiceKind};
use crate::notifications::NewNotification;
use crate::public_origin::PublicOrigin;

/// Returns the EventType of the notification for an object entering `step`.
pub fn event_type(object_type: ObjectType, step: WorkflowStep) -> &'static str {
    match (object_type, step) {
        (ObjectType::ExpenseReport, WorkflowStep::ExternalValidationSubmit) => {
            "Report Entered Expense Report Workflow Step - SUBMIT"
        }
        (ObjectType::ExpenseReport, WorkflowStep::ExternalValidationPreExtract) => {
            "Report Entered Expense Report Workflow Step - PREEXTRACT"
        }
        (ObjectType::TravelRequest, WorkflowStep::ExternalValidationSubmit) => {
            "Request Entered Travel Request Workflow Step - SUBMIT"
        }
        (ObjectType::TravelRequest, WorkflowStep::ExternalValidationPreExtract) => {
            "Request Entered Travel Request Workflow Step - PREEXTRACT"
        }
    }
}

/// Returns the registrations whose event-notification service is active
/// (enabled, and the registration Verified) and lists `step` for objects of `object_type`.
pub fn subscribers(
    registrations: &[Registration],
    object_type: ObjectType,
    step: WorkflowStep,
) -> Vec<RegistrationId> {
    registrations
        .iter()
        .filter(|registration| registration.service_is_active(ServiceKind::EventNotification))
        .filter(|registration| {
            let Some(service) = registration.services.get(&ServiceKind::EventNotification) else {
                return false;
            };
            let ServiceSettings::EventNotification { workflow_steps } = &service.settings else {
                return false;
            };
            workflow_steps.iter().any(|subscription| {
                subscription.step == step
                    && match object_type {
                        ObjectType::ExpenseReport => subscription.expense_reports,
                        ObjectType::TravelRequest => subscription.travel_requests,
                    }
            })
        })
        .map(|registration| registration.id)
        .collect()
}

/// Returns EventDateTime in its long form, `YYYY-MM-DDTHH:MM:SS` in UTC.
pub fn event_date_time(at: OffsetDateTime) -> EventDateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = u16::try_from(at.year()).unwrap_or(1970);
    EventDateTime::date_time(
        year,
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
    .unwrap_or_else(|| EventDateTime::date(1970, 1, 1).expect("1970-01-01 is a valid date"))
}

/// Builds one notification per subscriber of `step` for `object`.
pub(super) fn notifications_for(
    company_id: CompanyId,
    subscribers: &[RegistrationId],
    object: ObjectRef,
    step: WorkflowStep,
    origin: &PublicOrigin,
    at: OffsetDateTime,
) -> Vec<NewNotification> {
    subscribers
        .iter()
        .map(|registration_id| NewNotification {
            company_id,
            registration_id: *registration_id,
            object,
            notification: Notification {
                event_type: event_type(object.object_type, step).to_owned(),
                object_type: object.object_type,
                object_uri: origin.object_uri(object),
                event_date_time: event_date_time(at),
                context: String::new(),
            },
            created_at: at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_name_object_and_step() {
        assert_eq!(
            event_type(
                ObjectType::TravelRequest,
                WorkflowStep::ExternalValidationPreExtract
            ),
            "Request Entered Travel Request Workflow Step - PREEXTRACT"
        );
        assert_eq!(
            event_type(
                ObjectType::ExpenseReport,
                WorkflowStep::ExternalValidationSubmit
            ),
            "Report Entered Expense Report Workflow Step - SUBMIT"
        );
    }

    #[test]
    fn event_date_time_has_seconds_in_utc() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000)
            .unwrap()
            .to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());

        assert_eq!(event_date_time(at).to_string(), "2023-11-14T22:13:20");
    }
}
