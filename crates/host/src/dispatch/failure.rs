//! Failures of search callouts, with messages for logs and for the user.

use crate::domain::ServiceKind;

/// Cause of a search callout that returned no results.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalloutFailure {
    /// Nothing was sent: the registration is not the actor's company's, the
    /// service is disabled, or the registration is not Verified.
    #[error("the service is not active")]
    ServiceNotActive,
    /// Nothing was sent, because the request breaks the message contract;
    /// `rule` names the element and the rule, such as a field that is too long.
    #[error("invalid request: {rule}")]
    InvalidRequest { rule: String },
    /// No usable response: connect, TLS, timeout, HTTP status other than
    /// 200, or the host could not prepare the call. `kind` is a stable code
    /// such as `timed_out`; `detail` is a sentence for an administrator.
    #[error("{kind}: {detail}")]
    Failed { kind: &'static str, detail: String },
    /// The connector's response broke the contract and was dropped whole;
    /// `rule` names the element and the rule.
    #[error("invalid answer: {rule}")]
    InvalidAnswer { rule: String },
}

impl CalloutFailure {
    /// Returns a sentence for the user who searched. It names the service
    /// and what to do, but no connector detail, which only administrators
    /// see on the registration page.
    pub fn user_message(&self, service: ServiceKind) -> String {
        let name = service_name(service);
        match self {
            CalloutFailure::ServiceNotActive => {
                format!("the {name} service is not active; ask your administrator to enable it")
            }
            CalloutFailure::InvalidRequest { rule } => {
                format!("the {name} request was not sent because it is invalid: {rule}")
            }
            CalloutFailure::Failed { .. } => {
                format!("the {name} service is not available right now; try again")
            }
            CalloutFailure::InvalidAnswer { .. } => {
                format!("the {name} service returned an invalid answer")
            }
        }
    }

    /// Returns the outcome's name in logs and metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            CalloutFailure::ServiceNotActive => "not_active",
            CalloutFailure::InvalidRequest { .. } => "invalid_request",
            CalloutFailure::Failed { .. } => "failed",
            CalloutFailure::InvalidAnswer { .. } => "invalid_answer",
        }
    }
}

/// Returns the service's name as users know it.
fn service_name(service: ServiceKind) -> &'static str {
    match service {
        ServiceKind::FetchAttendee => "attendee search",
        ServiceKind::FetchList => "list search",
        ServiceKind::EventNotification => "event notification",
        ServiceKind::LaunchExternalUrl => "external form",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_message_invalid_answer_names_service() {
        let failure = CalloutFailure::InvalidAnswer {
            rule: "element `AttendeeSearchResponse/Attendee[1]/LastName`: missing".to_owned(),
        };

        assert_eq!(
            failure.user_message(ServiceKind::FetchAttendee),
            "the attendee search service returned an invalid answer"
        );
    }

    #[test]
    fn user_message_failed_hides_detail() {
        let failure = CalloutFailure::Failed {
            kind: "unexpected_status",
            detail: "the connector answered with HTTP status 500".to_owned(),
        };

        assert_eq!(
            failure.user_message(ServiceKind::FetchList),
            "the list search service is not available right now; try again"
        );
    }
}
