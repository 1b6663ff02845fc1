//! Fetch Attendee: `AttendeeSearchRequest` and `AttendeeSearchResponse`.

/// Version of the Fetch Attendee callout; the connector takes it from the
/// request path, because the XML itself carries no version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttendeeVersion {
    /// v1.0: Custom1 … Custom20.
    V1_0,
    /// v2.0: Custom1 … Custom25.
    V2_0,
}

impl AttendeeVersion {
    /// Number of custom fields this version carries.
    pub fn custom_field_count(self) -> usize {
        match self {
            AttendeeVersion::V1_0 => 20,
            AttendeeVersion::V2_0 => 25,
        }
    }
}

/// The fields of one attendee, used both as search criteria and as a result.
/// `custom` holds Custom1 … CustomN in order, N from the version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attendee {
    pub external_id: String,
    pub first_name: String,
    pub middle_initial: String,
    pub last_name: String,
    pub suffix: String,
    pub company: String,
    pub attendee_type_code: String,
    pub title: String,
    pub custom: Vec<String>,
}

/// Search request sent by the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendeeSearchRequest {
    /// Search criteria; empty fields take no part in the search.
    pub criteria: Attendee,
    /// Login id of the report owner; empty when the host sent none.
    pub owner_login_id: String,
    /// The most records to return; `None` when the element is empty or absent.
    pub maximum_number_records: Option<u32>,
}

/// Search response returned by the connector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendeeSearchResponse {
    pub attendees: Vec<Attendee>,
}
