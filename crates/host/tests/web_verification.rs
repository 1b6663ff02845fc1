//! Verify services on the registration page over real HTTPS: the button,
//! the stored report after a reload, escaping, and who sees the button.

mod common;
mod dispatch_support;
mod verification_support;
mod web_support;

use std::time::Duration;

use common::*;
use dispatch_support::{Canned, FakeCa, html_escaped};
use reqwest::StatusCode;
use verification_support::*;
use web_support::*;

/// Presses Verify services on the page of `id` and returns the page after the redirect.
async fn press_verify(browser: &Browser, id: i64) -> Page {
    let page_path = format!("/registrations/{id}");
    let pressed = browser
        .submit(&page_path, &format!("{page_path}/verify"), &[])
        .await;
    assert_eq!(pressed.status, StatusCode::SEE_OTHER, "{}", pressed.text);
    assert_eq!(
        pressed.location(),
        Some(format!("{page_path}?notice=verified#verification").as_str())
    );
    browser.get(&format!("{page_path}?notice=verified")).await
}

#[tokio::test]
async fn page_offers_button_before_first_run() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let browser = setup.browser().await;

    let page = browser.get(&format!("/registrations/{id}")).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("id=\"verify-services\""),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains(&format!("action=\"/registrations/{id}/verify\"")),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("Verify services has not run yet."),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn report_shown_after_reload() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let browser = setup.browser().await;

    let page = press_verify(&browser, id).await;
    let stored = setup.last_verification(id).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("Verify services finished; its report is shown below."),
        "{}",
        page.text
    );
    let summary = &stored.body["report"]["summary"];
    assert_eq!(summary["fail"], 0, "{}", stored.text);
    let counts = format!(
        "<span id=\"verification-counts\">{} passed, {} warned, 0 failed, {} skipped</span>",
        summary["pass"], summary["warn"], summary["skipped"]
    );
    assert!(page.text.contains(&counts), "{}", page.text);
    assert!(
        page.text.contains(&format!("by {}", setup.login)),
        "{}",
        page.text
    );
    let chain = finding(&stored.body["report"], "tls.certificate_chain");
    assert!(
        page.text.contains("id=\"finding-tls.certificate_chain\""),
        "{}",
        page.text
    );
    let rule = chain["rule"].as_str().unwrap_or_default();
    assert!(page.text.contains(&html_escaped(rule)), "{rule}");
    assert!(
        page.text
            .contains("<code>GET /system/v1.0/testconnection</code>"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("credentials: wrong password"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn second_run_replaces_report_on_page() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let browser = setup.browser().await;
    press_verify(&browser, id).await;

    let page = press_verify(&browser, id).await;
    let audit = browser.get(&format!("/registrations/{id}/audit")).await;

    assert_eq!(
        page.text.matches("id=\"verification-counts\"").count(),
        1,
        "{}",
        page.text
    );
    assert_eq!(
        page.text
            .matches("id=\"finding-test_connection.status\"")
            .count(),
        1
    );
    assert_eq!(
        audit.text.matches("<td>Verify services</td>").count(),
        2,
        "{}",
        audit.text
    );
}

#[tokio::test]
async fn wrong_password_page_shows_failed_rule() {
    let setup = start().await;
    let id = setup.register("Wrong password", WRONG_PASSWORD).await;
    let browser = setup.browser().await;

    let page = press_verify(&browser, id).await;
    let stored = setup.last_verification(id).await;

    let status = finding(&stored.body["report"], "test_connection.status");
    assert_eq!(status["outcome"], "fail", "{}", stored.text);
    let section = page
        .text
        .split("id=\"finding-test_connection.status\"")
        .nth(1)
        .and_then(|rest| rest.split("</details>").next())
        .unwrap_or_default();
    assert!(section.starts_with(" open>"), "{section}");
    assert!(
        section.contains("<span class=\"outcome\">FAIL</span>"),
        "{section}"
    );
    let rule = status["rule"].as_str().unwrap_or_default();
    assert!(
        section.contains(&format!("Rule: {}", html_escaped(rule))),
        "{section}"
    );
    assert!(
        section.contains("<code>GET /system/v1.0/testconnection</code>, credentials: configured"),
        "{section}"
    );
    assert!(
        section.contains(
            "<dt>Error</dt><dd class=\"error\">the connector rejected the credentials (HTTP 401)"
        ),
        "{section}"
    );
    assert!(
        page.text
            .contains("class=\"result failure\" id=\"verification-summary\""),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn page_never_contains_password() {
    let setup = start().await;
    let correct = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let wrong = setup.register("Wrong password", WRONG_PASSWORD).await;
    let browser = setup.browser().await;

    for id in [correct, wrong] {
        let page = press_verify(&browser, id).await;
        let audit = browser.get(&format!("/registrations/{id}/audit")).await;

        assert!(
            page.text.contains("id=\"verification-counts\""),
            "{}",
            page.text
        );
        for text in [&page.text, &audit.text] {
            assert!(!text.contains(CONNECTOR_PASSWORD), "{text}");
            assert!(!text.contains(WRONG_PASSWORD), "{text}");
        }
    }
}

#[tokio::test]
async fn connector_text_is_escaped() {
    let ca = FakeCa::new();
    let script = "<script>alert('verify')</script>";
    let fake = ca
        .spawn(Canned::Answer {
            status: 200,
            content_type: Some("text/html"),
            body: script.to_owned(),
        })
        .await;
    let setup = start_with(fake.origin.clone(), ca.pem(), None, verification_config()).await;
    let id = setup
        .register("Hostile connector", CONNECTOR_PASSWORD)
        .await;
    let browser = setup.browser().await;

    let page = press_verify(&browser, id).await;

    // Askama writes `<` and `>` as numeric character references.
    let escaped = "&#60;script&#62;alert(&#39;verify&#39;)&#60;/script&#62;";
    assert!(
        page.text.contains(&format!("<pre>{escaped}</pre>")),
        "{}",
        page.text
    );
    assert!(!page.text.contains("<script>"), "{}", page.text);
}

#[tokio::test]
async fn employee_sees_no_button_and_gets_403() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;

    for roles in [&["employee"][..], &["company-administrator"][..]] {
        let login = user(&setup.host, "Acme", "standard", false, roles).await;
        let browser = Browser::new(&setup.host);
        browser.sign_in(&login).await;

        let page = browser.get(&format!("/registrations/{id}")).await;
        let home = browser.get("/").await;
        let pressed = browser
            .submit("/", &format!("/registrations/{id}/verify"), &[])
            .await;

        assert_eq!(page.status, StatusCode::FORBIDDEN, "{roles:?}");
        assert!(
            !page.text.contains("verify-services"),
            "{roles:?}: {}",
            page.text
        );
        assert!(
            !home.text.contains("verify-services"),
            "{roles:?}: {}",
            home.text
        );
        assert_eq!(pressed.status, StatusCode::FORBIDDEN, "{roles:?}");
    }
    assert_eq!(
        setup.last_verification(id).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn concurrent_press_shows_running_message() {
    let (setup, _fake, id) = start_hanging().await;
    let browser = setup.browser().await;
    let token = browser.get("/").await.csrf_token();
    let action = format!("/registrations/{id}/verify");

    let (first, second) = tokio::join!(setup.verify(id), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        browser
            .post(&action, &[("csrf_token", token.as_str())])
            .await
    });
    let third = browser
        .post(&action, &[("csrf_token", token.as_str())])
        .await;

    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text);
    assert!(
        second
            .text
            .contains("A verification of this registration is already running."),
        "{}",
        second.text
    );
    assert_eq!(first.status, StatusCode::GATEWAY_TIMEOUT, "{}", first.text);
    assert_eq!(third.status, StatusCode::GATEWAY_TIMEOUT, "{}", third.text);
    assert!(
        third.text.contains("did not finish within 3 seconds"),
        "{}",
        third.text
    );
}
