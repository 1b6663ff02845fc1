//! Event notifications and the failed-notification list: documented forms
//! parse and round-trip, and malformed documents are rejected with the
//! element and the rule.

mod common;

use common::fixture;
use protocol::limits::notification as limits;
use protocol::{
    EventDateTime, ListedNotification, Notification, NotificationList, ObjectType, Rule,
};

fn submitted_report() -> Notification {
    Notification {
        event_type: "Report Entered Expense Report Workflow Step - SUBMIT".into(),
        object_type: ObjectType::ExpenseReport,
        object_uri: "https://host.example.com/api/expense/expensereport/v1.1/report/nAb$pDn3Jt$sZ"
            .into(),
        event_date_time: EventDateTime::date_time(2026, 12, 4, 10, 15, 30).unwrap(),
        context: String::new(),
    }
}

/// Builds a notification document whose children are `children` (raw XML).
fn notification_with(children: &str) -> Vec<u8> {
    format!("<Notification>{children}</Notification>").into_bytes()
}

const VALID_CHILDREN: &str = "<EventType>Report Entered Expense Report Workflow Step - SUBMIT</EventType>\
    <ObjectType>EXPRPT</ObjectType>\
    <ObjectURI>https://host.example.com/report/1</ObjectURI>\
    <EventDateTime>2026-12-04</EventDateTime>";

fn rejection(bytes: &[u8]) -> (String, Rule) {
    let error = Notification::parse(bytes).expect_err("document was accepted");
    (error.element().to_string(), error.rule().clone())
}

#[test]
fn notification_example_parses() {
    let parsed = Notification::parse(&fixture("notification.xml")).unwrap();
    assert_eq!(parsed, submitted_report());
}

#[test]
fn notification_example_round_trips() {
    let written = submitted_report().to_xml().unwrap();
    assert_eq!(Notification::parse(&written).unwrap(), submitted_report());
}

#[test]
fn notification_date_only_form_round_trips() {
    let mut notification = submitted_report();
    notification.event_date_time = EventDateTime::date(2026, 2, 28).unwrap();
    let written = notification.to_xml().unwrap();
    let text = String::from_utf8(written.clone()).unwrap();
    assert!(
        text.contains("<EventDateTime>2026-02-28</EventDateTime>"),
        "{text}"
    );
    assert_eq!(Notification::parse(&written).unwrap(), notification);
}

#[test]
fn notification_context_absent_is_empty() {
    let parsed = Notification::parse(&notification_with(VALID_CHILDREN)).unwrap();
    assert_eq!(parsed.context, "");
    assert_eq!(parsed.object_type, ObjectType::ExpenseReport);
}

#[test]
fn notification_context_escapes_survive() {
    let mut notification = submitted_report();
    notification.context = "Müller & Søn <approved> \"ok\" 'yes'\n 東京".into();
    let written = notification.to_xml().unwrap();
    assert_eq!(Notification::parse(&written).unwrap(), notification);
}

#[test]
fn notification_travel_request_accepted() {
    let children = VALID_CHILDREN.replace("EXPRPT", "TRAVELREQ");
    let parsed = Notification::parse(&notification_with(&children)).unwrap();
    assert_eq!(parsed.object_type, ObjectType::TravelRequest);
}

#[test]
fn notification_unknown_elements_ignored() {
    let children = format!("{VALID_CHILDREN}<NotificationID>99</NotificationID>");
    assert!(Notification::parse(&notification_with(&children)).is_ok());
}

#[test]
fn notification_missing_fields_rejected() {
    for name in ["EventType", "ObjectType", "ObjectURI", "EventDateTime"] {
        let start = VALID_CHILDREN.find(&format!("<{name}>")).unwrap();
        let end = VALID_CHILDREN.find(&format!("</{name}>")).unwrap() + name.len() + 3;
        let children = format!("{}{}", &VALID_CHILDREN[..start], &VALID_CHILDREN[end..]);
        let (element, rule) = rejection(&notification_with(&children));
        assert_eq!(element, format!("Notification/{name}"));
        assert_eq!(rule, Rule::Missing, "{name}");
    }
}

#[test]
fn notification_empty_event_type_rejected() {
    let children = VALID_CHILDREN.replace(
        "<EventType>Report Entered Expense Report Workflow Step - SUBMIT</EventType>",
        "<EventType/>",
    );
    let (element, rule) = rejection(&notification_with(&children));
    assert_eq!(element, "Notification/EventType");
    assert_eq!(rule, Rule::EmptyRequired);
}

#[test]
fn notification_unknown_object_type_rejected() {
    for code in ["exprpt", "INVOICE", "EXPRPT-1"] {
        let children = VALID_CHILDREN.replace("EXPRPT", code);
        let (element, rule) = rejection(&notification_with(&children));
        assert_eq!(element, "Notification/ObjectType", "{code:?}");
        assert!(
            matches!(rule, Rule::UnknownValue { .. }),
            "{code}: {rule:?}"
        );
    }
}

#[test]
fn notification_invalid_date_rejected() {
    for value in ["2026-02-30", "04/12/2026", "2026-12-04T10:15", "yesterday"] {
        let children = VALID_CHILDREN.replace("2026-12-04", value);
        let (element, rule) = rejection(&notification_with(&children));
        assert_eq!(element, "Notification/EventDateTime", "{value}");
        assert!(
            matches!(rule, Rule::InvalidFormat { .. }),
            "{value}: {rule:?}"
        );
    }
}

#[test]
fn notification_relative_uri_rejected() {
    for value in [
        "/report/1",
        "ftp://host/report",
        "https://",
        "https:///path",
        "javascript:alert(1)",
    ] {
        let children = VALID_CHILDREN.replace("https://host.example.com/report/1", value);
        let (element, rule) = rejection(&notification_with(&children));
        assert_eq!(element, "Notification/ObjectURI", "{value}");
        assert!(
            matches!(rule, Rule::InvalidFormat { .. }),
            "{value}: {rule:?}"
        );
    }
}

#[test]
fn notification_long_context_rejected() {
    let context = "x".repeat(limits::CONTEXT + 1);
    let children = format!("{VALID_CHILDREN}<Context>{context}</Context>");
    let (element, rule) = rejection(&notification_with(&children));
    assert_eq!(element, "Notification/Context");
    assert_eq!(
        rule,
        Rule::TooLong {
            max: limits::CONTEXT,
            actual: limits::CONTEXT + 1
        }
    );
}

#[test]
fn notification_document_rules_apply() {
    let doctype = format!(
        "<!DOCTYPE Notification [<!ENTITY x \"y\">]><Notification>{VALID_CHILDREN}</Notification>"
    );
    assert_eq!(rejection(doctype.as_bytes()).1, Rule::DoctypeRejected);

    let wrong_root = format!("<Notifications>{VALID_CHILDREN}</Notifications>");
    assert!(matches!(
        rejection(wrong_root.as_bytes()).1,
        Rule::WrongRoot { .. }
    ));

    let duplicate = format!("{VALID_CHILDREN}<ObjectType>EXPRPT</ObjectType>");
    let (element, rule) = rejection(&notification_with(&duplicate));
    assert_eq!(element, "Notification/ObjectType");
    assert_eq!(rule, Rule::Duplicate);
}

#[test]
fn notification_invalid_value_not_written() {
    let mut notification = submitted_report();
    notification.object_uri = "report/1".into();
    let error = notification.to_xml().expect_err("relative URL was written");
    assert_eq!(error.element(), "Notification/ObjectURI");
}

#[test]
fn notification_list_example_parses() {
    let list = NotificationList::parse(&fixture("notification_list.xml")).unwrap();
    assert_eq!(list.notifications.len(), 2);
    let first = &list.notifications[0];
    assert_eq!(first.notification.context, "Pre-Extract");
    assert_eq!(first.notification.event_date_time.to_string(), "2026-12-04");
    assert!(first.notification_uri.ends_with("/notification/17"));
    assert_eq!(
        list.notifications[1].notification.object_type,
        ObjectType::TravelRequest
    );
}

#[test]
fn notification_list_round_trips() {
    let list = NotificationList::parse(&fixture("notification_list.xml")).unwrap();
    let written = list.to_xml().unwrap();
    assert_eq!(NotificationList::parse(&written).unwrap(), list);
}

#[test]
fn notification_list_empty_written_empty() {
    let written = NotificationList::default().to_xml().unwrap();
    let text = String::from_utf8(written.clone()).unwrap();
    assert!(text.trim_end().ends_with("<NotificationList/>"), "{text}");
    assert_eq!(
        NotificationList::parse(&written).unwrap(),
        NotificationList::default()
    );
}

#[test]
fn notification_list_missing_uri_rejected() {
    let document = format!(
        "<NotificationList><Notification>{VALID_CHILDREN}</Notification></NotificationList>"
    );
    let error = NotificationList::parse(document.as_bytes()).unwrap_err();
    assert_eq!(
        error.element(),
        "NotificationList/Notification[1]/NotificationURI"
    );
    assert_eq!(error.rule(), &Rule::Missing);
}

#[test]
fn notification_list_elements_alphabetical() {
    let list = NotificationList {
        notifications: vec![ListedNotification {
            notification: submitted_report(),
            notification_uri:
                "https://host.example.com/api/platform/notifications/v1.0/notification/1".into(),
        }],
    };
    let text = String::from_utf8(list.to_xml().unwrap()).unwrap();
    let positions: Vec<usize> = [
        "<Context",
        "<EventDateTime",
        "<EventType",
        "<NotificationURI",
        "<ObjectType",
        "<ObjectURI",
    ]
    .iter()
    .map(|name| text.find(name).unwrap_or_else(|| panic!("{name} missing")))
    .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
}
