//! The configured lists and attendee types that employees may use: those of active services.

use super::model::ListBinding;
use crate::domain::services::ServiceSettings;
use crate::domain::{Registration, RegistrationId, ServiceKind};

/// A list configured on an active Fetch List service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableList {
    pub binding: ListBinding,
    /// Name of the registration that serves the list, to tell equal list names apart.
    pub registration_name: String,
    /// Sent as lang-code: two uppercase letters, such as `EN`.
    pub language_code: String,
    /// Number of levels: 1 for a plain list, more for a connected list.
    pub levels: u32,
}

impl AvailableList {
    /// Returns the text of the form option that picks this list.
    pub fn label(&self) -> String {
        format!(
            "{} — {} ({})",
            self.binding.category, self.binding.list_name, self.registration_name
        )
    }
}

/// An attendee type configured on an active Fetch Attendee service, with
/// the registration whose connector searches attendees of that type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendeeTypeSource {
    pub code: String,
    pub registration_id: RegistrationId,
}

/// Everything the entry pages offer: lists to bind and attendee types to search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    pub lists: Vec<AvailableList>,
    pub attendee_types: Vec<AttendeeTypeSource>,
}

impl Sources {
    /// Collects the sources of the active services of `registrations`,
    /// which the store lists by name. An attendee type configured on two
    /// registrations is searched on the first.
    pub fn of(registrations: &[Registration]) -> Sources {
        let mut sources = Sources::default();
        for registration in registrations {
            if registration.service_is_active(ServiceKind::FetchList)
                && let Some(ServiceSettings::FetchList { lists }) = registration
                    .services
                    .get(&ServiceKind::FetchList)
                    .map(|service| &service.settings)
            {
                for list in lists {
                    sources.lists.push(AvailableList {
                        binding: ListBinding {
                            registration_id: registration.id,
                            list_name: list.list_name.clone(),
                            category: list.category.clone(),
                        },
                        registration_name: registration.name.to_string(),
                        language_code: list.language_code.clone(),
                        levels: list.connected_list_level.max(1),
                    });
                }
            }
            if registration.service_is_active(ServiceKind::FetchAttendee)
                && let Some(ServiceSettings::FetchAttendee { attendee_types }) = registration
                    .services
                    .get(&ServiceKind::FetchAttendee)
                    .map(|service| &service.settings)
            {
                for code in attendee_types {
                    if sources.attendee_type(code.as_str()).is_none() {
                        sources.attendee_types.push(AttendeeTypeSource {
                            code: code.as_str().to_owned(),
                            registration_id: registration.id,
                        });
                    }
                }
            }
        }
        sources
    }

    /// Returns the available list that `binding` names.
    pub fn list(&self, binding: &ListBinding) -> Option<&AvailableList> {
        self.lists.iter().find(|list| list.binding == *binding)
    }

    /// Returns the source of the attendee type `code`, compared exactly.
    pub fn attendee_type(&self, code: &str) -> Option<&AttendeeTypeSource> {
        self.attendee_types
            .iter()
            .find(|source| source.code == code)
    }
}
