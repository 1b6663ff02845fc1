//! The workflow in the pages: Submit, the approval page, an administrator's
//! intervention, the send-back comment, travel requests, and the notification page.

mod common;
mod notify_support;
mod web_support;

use std::time::Duration;

use host::notifications::NotificationStatus;
use host::workflow::{Decider, Decision, Step, WorkflowError};
use notify_support::*;
use protocol::ObjectType;
use reqwest::StatusCode;
use serde_json::json;
use web_support::{Browser, Page};

const WAIT: Duration = Duration::from_secs(20);

async fn signed_in(setup: &Notifying, login: &str) -> Browser {
    let browser = Browser::new(&setup.host);
    browser.sign_in(login).await;
    browser
}

/// Posts a decision of the approval page.
async fn decide(
    browser: &Browser,
    role: &str,
    object: host::workflow::ObjectRef,
    decision: &str,
    comment: &str,
) -> Page {
    let id = object.id.to_string();
    let fields = [
        ("role", role),
        ("object_type", object.object_type.as_str()),
        ("object_id", id.as_str()),
        ("decision", decision),
        ("comment", comment),
    ];
    browser
        .submit("/approvals", "/approvals/decide", &fields)
        .await
}

fn report_path(object: host::workflow::ObjectRef) -> String {
    format!("/expenses/reports/{}", object.id)
}

#[tokio::test]
async fn employee_submits_report_from_page() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let browser = signed_in(&setup, &setup.employee.user.login).await;
    let report = report_of(&setup.host, &setup.employee, "March trip").await;
    let path = report_path(report);
    let before = browser.get(&path).await;

    let submitted = browser.submit(&path, &format!("{path}/submit"), &[]).await;
    let after = browser.get(&path).await;
    let notification = setup.connector.wait_for(1, WAIT).await[0].notification();

    assert!(before.text.contains("id=\"submit\""), "{}", before.text);
    assert!(before.text.contains("id=\"new-entry\""));
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text
    );
    assert_eq!(
        submitted.location(),
        Some(format!("{path}?notice=submitted-validation").as_str())
    );
    assert!(
        after
            .text
            .contains("data-step=\"EXTERNAL_VALIDATION_SUBMIT\""),
        "{}",
        after.text
    );
    assert!(!after.text.contains("id=\"submit\""));
    assert!(!after.text.contains("id=\"new-entry\""));
    assert_eq!(notification.object_uri, setup.host.public_uri(report));
}

#[tokio::test]
async fn report_without_entries_not_submitted() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let browser = signed_in(&setup, &setup.employee.user.login).await;
    let created = browser
        .submit("/expenses", "/expenses/reports", &[("name", "Empty")])
        .await;
    let path = created
        .location()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();

    let submitted = browser.submit(&path, &format!("{path}/submit"), &[]).await;
    let page = browser.get(&path).await;

    assert_eq!(
        submitted.location(),
        Some(format!("{path}?notice=needs-entries").as_str())
    );
    assert!(
        page.text.contains("data-step=\"NOT_SUBMITTED\""),
        "{}",
        page.text
    );
    assert!(
        setup
            .notifications(&[NotificationStatus::Queued, NotificationStatus::Delivered])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn submitted_report_cannot_be_changed() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let browser = signed_in(&setup, &setup.employee.user.login).await;
    let report = report_of(&setup.host, &setup.employee, "Locked").await;
    let path = report_path(report);
    let entry_form = browser.get(&format!("{path}/entries/new")).await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");

    let fields = [
        ("csrf_token", entry_form.csrf_token()),
        ("expense_type", "meals".to_owned()),
        ("transaction_date", "2026-11-30".to_owned()),
        ("amount", "10.00".to_owned()),
        ("currency", "EUR".to_owned()),
        ("business_purpose", "Lunch".to_owned()),
        ("list", String::new()),
    ];
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let added = browser.post(&format!("{path}/entries"), &fields).await;
    let resubmitted = browser.submit(&path, &format!("{path}/submit"), &[]).await;

    assert_eq!(added.status, StatusCode::CONFLICT, "{}", added.text);
    assert!(added.text.contains("cannot be changed"), "{}", added.text);
    assert_eq!(
        resubmitted.status,
        StatusCode::CONFLICT,
        "{}",
        resubmitted.text
    );
}

#[tokio::test]
async fn administrator_sends_back_with_comment() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let report = report_of(&setup.host, &setup.employee, "Needs a receipt").await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let admin = signed_in(&setup, &setup.admin.user.login).await;
    let employee = signed_in(&setup, &setup.employee.user.login).await;
    let listed = admin.get("/approvals").await;

    let sent_back = decide(
        &admin,
        "administrator",
        report,
        "send_back",
        "Receipt <missing> for the dinner.\r\nAdd it.",
    )
    .await;
    let page = employee.get(&report_path(report)).await;

    assert!(
        listed
            .text
            .contains(&format!("id=\"external-EXPRPT-{}\"", report.id)),
        "{}",
        listed.text
    );
    assert_eq!(
        sent_back.status,
        StatusCode::SEE_OTHER,
        "{}",
        sent_back.text
    );
    assert!(
        page.text.contains("data-step=\"SENT_BACK\""),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("id=\"sent-back-comment\""),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("Receipt &#60;missing&#62; for the dinner.\nAdd it."),
        "{}",
        page.text
    );
    assert!(
        page.text.contains(&setup.admin.user.login),
        "the history names who sent it back"
    );
    assert!(
        page.text.contains("id=\"new-entry\""),
        "a sent-back report can be changed"
    );
}

#[tokio::test]
async fn sent_back_report_resubmitted_notifies_again() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let report = report_of(&setup.host, &setup.employee, "Second try").await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let comment = host::workflow::Comment::parse("Wrong project").unwrap();
    setup
        .workflow
        .decide(
            Decider::Administrator(&setup.admin),
            report,
            Decision::SendBack(comment),
        )
        .await
        .expect("send back");

    let resubmitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit again");
    let received = setup.connector.wait_for(2, WAIT).await;
    let item = setup
        .workflow
        .item(setup.employee.company.id, report)
        .await
        .unwrap();

    assert_eq!(resubmitted.from, Step::SentBack);
    assert_eq!(resubmitted.to, Step::ExternalValidationSubmit);
    assert_eq!(received.len(), 2);
    assert_eq!(
        item.comment, None,
        "the comment is cleared once resubmitted"
    );
}

#[tokio::test]
async fn send_back_requires_comment() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let report = report_of(&setup.host, &setup.employee, "No reason given").await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let admin = signed_in(&setup, &setup.admin.user.login).await;

    let refused = decide(&admin, "administrator", report, "send_back", "   ").await;
    let item = setup
        .workflow
        .item(setup.employee.company.id, report)
        .await
        .unwrap();

    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("must be 1 to 2000 characters"),
        "{}",
        refused.text
    );
    assert_eq!(item.step, Step::ExternalValidationSubmit);
}

#[tokio::test]
async fn approver_approves_from_approval_page() {
    let steps = json!([{"step": "External Validation - Submit", "expense_reports": true}]);
    let setup = start(notify_config(), steps, &[], Reply::Status(200)).await;
    let approver = user(&setup.host, "Acme", "standard", false, &["approver"]).await;
    let report = report_of(&setup.host, &setup.employee, "To approve").await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let connector = Decider::Connector {
        company: setup.employee.company.id,
        registration: setup.registration,
    };
    setup
        .workflow
        .decide(connector, report, Decision::Approve)
        .await
        .expect("connector approves");
    let browser = signed_in(&setup, &approver.user.login).await;
    let listed = browser.get("/approvals").await;

    let approved = decide(&browser, "approver", report, "approve", "").await;
    let item = setup
        .workflow
        .item(setup.employee.company.id, report)
        .await
        .unwrap();

    assert!(
        listed
            .text
            .contains(&format!("id=\"approval-EXPRPT-{}\"", report.id)),
        "{}",
        listed.text
    );
    assert!(
        !listed.text.contains("Waiting for external validation"),
        "approvers see only their table"
    );
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
    // Pre-Extract is not listed, so the report passes it.
    assert_eq!(item.step, Step::ReadyForExtract);
}

#[tokio::test]
async fn approver_cannot_decide_own_report() {
    let setup = start(notify_config(), json!([]), &[], Reply::Status(200)).await;
    let approver = user(
        &setup.host,
        "Acme",
        "standard",
        false,
        &["employee", "approver"],
    )
    .await;
    let own = report_of(&setup.host, &approver, "My own").await;
    setup.workflow.submit(&approver, own).await.expect("submit");
    let browser = signed_in(&setup, &approver.user.login).await;

    let listed = browser.get("/approvals").await;
    let refused = decide(&browser, "approver", own, "approve", "").await;

    assert!(
        !listed.text.contains(&format!("approval-EXPRPT-{}", own.id)),
        "{}",
        listed.text
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        setup
            .workflow
            .item(approver.company.id, own)
            .await
            .unwrap()
            .step,
        Step::Approval
    );
}

#[tokio::test]
async fn approval_page_refused_to_employee() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let browser = signed_in(&setup, &setup.employee.user.login).await;

    let page = browser.get("/approvals").await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn connector_decides_only_while_waiting() {
    let steps = json!([{"step": "External Validation - Submit", "expense_reports": true}]);
    let setup = start(notify_config(), steps, &[], Reply::Status(200)).await;
    let approver = user(&setup.host, "Acme", "standard", false, &["approver"]).await;
    let report = report_of(&setup.host, &setup.employee, "Connector decides").await;
    let connector = Decider::Connector {
        company: setup.employee.company.id,
        registration: setup.registration,
    };

    let early = setup
        .workflow
        .decide(connector, report, Decision::Approve)
        .await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let approved = setup
        .workflow
        .decide(connector, report, Decision::Approve)
        .await
        .expect("approve");
    let late = setup
        .workflow
        .decide(connector, report, Decision::Approve)
        .await;
    let approver_early = setup
        .workflow
        .decide(Decider::Approver(&approver), report, Decision::Approve)
        .await;
    let history = setup
        .workflow
        .history(setup.employee.company.id, report)
        .await
        .unwrap();

    assert!(
        matches!(
            early,
            Err(WorkflowError::WrongStep {
                step: Step::NotSubmitted,
                ..
            })
        ),
        "{early:?}"
    );
    assert_eq!(approved.to, Step::Approval);
    assert!(
        matches!(
            late,
            Err(WorkflowError::WrongStep {
                step: Step::Approval,
                ..
            })
        ),
        "{late:?}"
    );
    assert_eq!(
        approver_early.map(|outcome| outcome.to).ok(),
        Some(Step::ReadyForExtract)
    );
    assert_eq!(history.len(), 3);
    assert!(
        matches!(history[1].actor, host::workflow::EventActor::Connector { registration } if registration == setup.registration)
    );
}

#[tokio::test]
async fn connector_of_other_company_gets_not_found() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let outsider = user(&setup.host, "Globex", "standard", false, &["employee"]).await;
    let report = report_of(&setup.host, &setup.employee, "Acme only").await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let connector = Decider::Connector {
        company: outsider.company.id,
        registration: setup.registration,
    };

    let refused = setup
        .workflow
        .decide(connector, report, Decision::Approve)
        .await;
    let stolen = setup.workflow.submit(&outsider, report).await;

    assert!(
        matches!(refused, Err(WorkflowError::NotFound)),
        "{refused:?}"
    );
    assert!(matches!(stolen, Err(WorkflowError::NotFound)), "{stolen:?}");
}

#[tokio::test]
async fn other_employee_cannot_submit_report() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let colleague = user(&setup.host, "Acme", "standard", false, &["employee"]).await;
    let report = report_of(&setup.host, &setup.employee, "Not yours").await;

    let refused = setup.workflow.submit(&colleague, report).await;

    assert!(
        matches!(refused, Err(WorkflowError::NotFound)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn travel_request_pages_submit() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let browser = signed_in(&setup, &setup.employee.user.login).await;
    let fields = [
        ("name", "Workshop in Lyon"),
        ("purpose", "Customer workshop"),
        ("start_date", "2026-12-07"),
        ("end_date", "2026-12-09"),
    ];
    let created = browser.submit("/travel", "/travel/requests", &fields).await;
    let path = created
        .location()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let expense = [
        ("expense_type", "lodging"),
        ("transaction_date", "2026-12-07"),
        ("amount", "240.00"),
        ("currency", "EUR"),
        ("business_purpose", "Two nights"),
    ];

    let added = browser
        .submit(&path, &format!("{path}/expenses"), &expense)
        .await;
    let submitted = browser.submit(&path, &format!("{path}/submit"), &[]).await;
    let page = browser.get(&path).await;
    let notification = setup.connector.wait_for(1, WAIT).await[0].notification();

    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text
    );
    assert!(
        page.text
            .contains("data-step=\"EXTERNAL_VALIDATION_SUBMIT\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("240.00 EUR"), "{}", page.text);
    assert_eq!(notification.object_type, ObjectType::TravelRequest);
    assert!(
        notification
            .object_uri
            .ends_with(&path.replace("/travel/requests/", "/api/travel/v1/requests/"))
    );
}

#[tokio::test]
async fn travel_request_end_before_start_rejected() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let browser = signed_in(&setup, &setup.employee.user.login).await;
    let fields = [
        ("name", "Backwards"),
        ("purpose", "Time travel"),
        ("start_date", "2026-12-09"),
        ("end_date", "2026-12-07"),
    ];

    let refused = browser.submit("/travel", "/travel/requests", &fields).await;

    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("must not be before the start date"),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn notification_page_retries_failed() {
    let mut config = notify_config();
    config.notifications.max_attempts = 1;
    let setup = start(
        config,
        both_steps(),
        &[Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let report = report_of(&setup.host, &setup.employee, "Retried by hand").await;
    let id = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit")
        .notifications[0]
        .0;
    setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;
    let admin = signed_in(&setup, &setup.admin.user.login).await;
    let listed = admin.get("/notifications").await;

    let retried = admin
        .submit("/notifications", &format!("/notifications/{id}/retry"), &[])
        .await;
    let delivered = setup
        .wait_for_status(NotificationStatus::Delivered, 1, WAIT)
        .await;
    let after = admin.get("/notifications").await;

    assert!(
        listed.text.contains(&format!("id=\"notification-{id}\"")),
        "{}",
        listed.text
    );
    assert!(listed.text.contains("Failed"), "{}", listed.text);
    assert!(
        listed.text.contains("HTTP status 500"),
        "the last error is shown: {}",
        listed.text
    );
    assert!(listed.text.contains(&format!("id=\"retry-{id}\"")));
    assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.text);
    assert_eq!(delivered[0].attempts, 1, "attempts restart at zero");
    assert!(
        !after.text.contains(&format!("id=\"notification-{id}\"")),
        "{}",
        after.text
    );
}

#[tokio::test]
async fn notification_page_deletes_failed() {
    let mut config = notify_config();
    config.notifications.max_attempts = 1;
    let setup = start(config, both_steps(), &[], Reply::Status(500)).await;
    let report = report_of(&setup.host, &setup.employee, "Deleted by hand").await;
    let id = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit")
        .notifications[0]
        .0;
    setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;
    let admin = signed_in(&setup, &setup.admin.user.login).await;
    let employee = signed_in(&setup, &setup.employee.user.login).await;

    let forbidden = employee.get("/notifications").await;
    let without_token = admin
        .post(&format!("/notifications/{id}/delete"), &[])
        .await;
    let deleted = admin
        .submit(
            "/notifications",
            &format!("/notifications/{id}/delete"),
            &[],
        )
        .await;
    let again = admin
        .submit(
            "/notifications",
            &format!("/notifications/{id}/delete"),
            &[],
        )
        .await;

    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(
        without_token.status,
        StatusCode::FORBIDDEN,
        "CSRF token required"
    );
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text);
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(
        setup
            .notifications(&[NotificationStatus::Failed])
            .await
            .is_empty()
    );
}
