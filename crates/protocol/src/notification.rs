//! Event Notification: the `Notification` a host posts to a connector when a
//! report or travel request enters a workflow step, and the
//! `NotificationList` of failed notifications that the host's notification
//! API returns.

mod date_time;
mod list;
mod message;

pub use date_time::EventDateTime;

/// The kind of object a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    /// An expense report, `EXPRPT`.
    ExpenseReport,
    /// A travel request, `TRAVELREQ`.
    TravelRequest,
}

impl ObjectType {
    /// Returns the code the messages carry: `EXPRPT` or `TRAVELREQ`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::ExpenseReport => "EXPRPT",
            ObjectType::TravelRequest => "TRAVELREQ",
        }
    }

    /// Reads `EXPRPT` or `TRAVELREQ` exactly, and gives `None` for other values.
    pub fn from_code(code: &str) -> Option<ObjectType> {
        match code {
            "EXPRPT" => Some(ObjectType::ExpenseReport),
            "TRAVELREQ" => Some(ObjectType::TravelRequest),
            _ => None,
        }
    }
}

/// A notification the host sends to a connector's event-notification path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The event, for example
    /// `Report Entered Expense Report Workflow Step - SUBMIT`.
    pub event_type: String,
    pub object_type: ObjectType,
    /// Absolute `https://` or `http://` URL where the connector reads the object.
    pub object_uri: String,
    pub event_date_time: EventDateTime,
    /// Free text, possibly empty.
    pub context: String,
}

/// A notification as the host's notification API lists it: the message
/// fields plus the URL of the notification itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedNotification {
    pub notification: Notification,
    /// Absolute URL of this notification in the notification API, which a
    /// `DELETE` removes.
    pub notification_uri: String,
}

/// The `NotificationList` document of the notification API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationList {
    pub notifications: Vec<ListedNotification>,
}
