//! Expense pages over real HTTPS: reports, entries and their validation, ownership, roles, CSRF and headers.

mod common;
mod dispatch_support;
mod sandbox_support;
mod web_support;

use reqwest::StatusCode;
use sandbox_support::*;
use web_support::{Browser, user};

/// Fields of `entry_fields` with `name` set to `value`.
fn with_field(name: &str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    entry_fields()
        .into_iter()
        .map(|(field, old)| (field, if field == name { value } else { old }))
        .collect()
}

#[tokio::test]
async fn reports_list_shows_created_report() {
    let ready = ready().await;

    let id = create_report(&ready.employee, "March trip").await;
    let page = ready.employee.get("/expenses").await;

    assert_eq!(page.status, StatusCode::OK);
    let row = element(&page.text, "tr", &format!("report-{id}"));
    assert!(row.contains("March trip"), "{row}");
}

#[tokio::test]
async fn report_name_blank_is_rejected() {
    let ready = ready().await;

    let page = ready
        .employee
        .submit("/expenses", "/expenses/reports", &[("name", "  ")])
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("<p>Name: must be 1 to 100 characters</p>"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn entry_validation_per_field() {
    let ready = ready().await;
    let report = create_report(&ready.employee, "March trip").await;
    let cases = [
        (
            "expense_type",
            "yacht",
            "Expense type: must be one of the listed expense types",
        ),
        (
            "transaction_date",
            "2025-02-30",
            "Date: must be a date written YYYY-MM-DD, such as 2025-03-01",
        ),
        (
            "transaction_date",
            "1.3.2025",
            "Date: must be a date written YYYY-MM-DD, such as 2025-03-01",
        ),
        ("amount", "0", "Amount: must be greater than 0"),
        ("amount", "-4", "Amount: must be a number such as 12.50"),
        ("amount", "12.345", "Amount: must have at most two decimals"),
        ("amount", "1e3", "Amount: must be a number such as 12.50"),
        (
            "currency",
            "EURO",
            "Currency: must be an ISO 4217 code of three letters, such as EUR",
        ),
        (
            "currency",
            "E1R",
            "Currency: must be an ISO 4217 code of three letters, such as EUR",
        ),
        (
            "business_purpose",
            " ",
            "Business purpose: must be 1 to 200 characters",
        ),
        (
            "list",
            "7",
            "List field: must be one of the configured lists",
        ),
    ];

    for (field, value, message) in cases {
        let page = ready
            .employee
            .submit(
                &format!("/expenses/reports/{report}/entries/new"),
                &format!("/expenses/reports/{report}/entries"),
                &with_field(field, value),
            )
            .await;

        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        assert!(
            page.text.contains(&format!("<p>{message}</p>")),
            "{field}={value}: {}",
            page.text
        );
        assert!(
            page.text
                .contains(&format!("aria-describedby=\"{field}-error\"")),
            "{field}={value}"
        );
    }
}

#[tokio::test]
async fn entry_rejected_keeps_typed_values() {
    let ready = ready().await;
    let report = create_report(&ready.employee, "March trip").await;

    let page = ready
        .employee
        .submit(
            &format!("/expenses/reports/{report}/entries/new"),
            &format!("/expenses/reports/{report}/entries"),
            &with_field("amount", "12.345"),
        )
        .await;

    assert_eq!(page.input_value("amount").as_deref(), Some("12.345"));
    assert_eq!(
        page.input_value("business_purpose").as_deref(),
        Some("Dinner with the Globex team")
    );
}

#[tokio::test]
async fn entry_shown_on_report_page() {
    let ready = ready().await;
    let report = create_report(&ready.employee, "March trip").await;
    create_entry(&ready.employee, report, &entry_fields()).await;

    let page = ready
        .employee
        .get(&format!("/expenses/reports/{report}"))
        .await;

    assert!(
        page.text.contains("<td class=\"amount\">84.20 EUR</td>"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("<td>Business meal</td>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<td>2025-03-01</td>"), "{}", page.text);
    assert!(page.text.contains("<td>Not chosen</td>"), "{}", page.text);
}

#[tokio::test]
async fn entry_update_saves_amount() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let saved = ready
        .employee
        .submit(&entry, &entry, &with_field("amount", "9.5"))
        .await;
    let page = ready.employee.get(&entry).await;

    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(page.input_value("amount").as_deref(), Some("9.50"));
}

#[tokio::test]
async fn entry_update_invalid_is_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = ready
        .employee
        .submit(&entry, &entry, &with_field("currency", "12"))
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text.contains("Currency: must be an ISO 4217 code"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn entry_delete_removes_it() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let deleted = post_on_entry(&ready.employee, &entry, "/delete", &[]).await;
    let page = ready.employee.get(&entry).await;

    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text);
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn entry_without_list_has_no_list_section() {
    let ready = ready().await;
    let report = create_report(&ready.employee, "March trip").await;

    let entry = create_entry(&ready.employee, report, &with_field("list", "")).await;
    let page = ready.employee.get(&entry).await;

    assert!(
        !page.text.contains("<section id=\"list\">"),
        "{}",
        page.text
    );
}

/// Returns every page and every form action of one employee's report and entry.
fn owned_paths(entry: &str) -> (Vec<String>, Vec<String>) {
    let report = entry
        .split("/entries/")
        .next()
        .unwrap_or_default()
        .to_owned();
    let pages = vec![
        report.clone(),
        format!("{report}/entries/new"),
        entry.to_owned(),
    ];
    let forms = [
        "",
        "/delete",
        "/list",
        "/list/clear",
        "/attendees",
        "/attendees/remove",
    ]
    .iter()
    .map(|action| format!("{entry}{action}"))
    .chain([format!("{report}/entries")])
    .collect();
    (pages, forms)
}

#[tokio::test]
async fn other_employee_gets_not_found() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let other = ready.sandbox.employee("Acme").await;
    let (pages, forms) = owned_paths(&entry);

    for path in pages {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    for path in forms {
        let page = other.submit("/expenses", &path, &entry_fields()).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {path}");
    }
}

#[tokio::test]
async fn other_company_employee_gets_not_found() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let other = ready.sandbox.employee("Globex").await;

    let page = other.get(&entry).await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn other_employee_reports_not_listed() {
    let ready = ready().await;
    create_report(&ready.employee, "Private trip").await;
    let other = ready.sandbox.employee("Acme").await;

    let page = other.get("/expenses").await;

    assert!(!page.text.contains("Private trip"), "{}", page.text);
}

#[tokio::test]
async fn other_employee_json_search_not_found() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let other = ready.sandbox.employee("Acme").await;
    let (report, entry_id) = ids(&entry);

    let page = other
        .get(&format!(
            "/expenses/api/list-search?report={report}&entry={entry_id}&level=1&query=U"
        ))
        .await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(ready.sandbox.recorder.count(), 0);
}

/// Returns the report and entry ids of an entry path.
fn ids(entry: &str) -> (String, String) {
    let parts: Vec<&str> = entry.split('/').collect();
    (parts[3].to_owned(), parts[5].to_owned())
}

#[tokio::test]
async fn administrator_without_employee_role_forbidden() {
    let ready = ready().await;
    let login = user(
        ready.sandbox.host(),
        "Acme",
        "standard",
        false,
        &["company-administrator"],
    )
    .await;
    let admin = Browser::new(ready.sandbox.host());
    admin.sign_in(&login).await;

    let page = admin.get("/expenses").await;
    let created = admin
        .submit("/", "/expenses/reports", &[("name", "Trip")])
        .await;
    let search = admin
        .get("/expenses/api/attendee-search?attendee_type=BUSGUEST&last_name=Doe")
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.text.contains("your roles do not include employee"),
        "{}",
        page.text
    );
    assert_eq!(created.status, StatusCode::FORBIDDEN);
    assert_eq!(search.status, StatusCode::FORBIDDEN);
    assert!(search.text.contains("\"error\""), "{}", search.text);
}

#[tokio::test]
async fn signed_out_pages_redirect_to_sign_in() {
    let ready = ready().await;
    let anonymous = Browser::new(ready.sandbox.host());

    let page = anonymous.get("/expenses").await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login"));
}

#[tokio::test]
async fn json_endpoints_require_session() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let (report, entry_id) = ids(&entry);
    let anonymous = Browser::new(ready.sandbox.host());
    let paths = [
        format!("/expenses/api/list-search?report={report}&entry={entry_id}&level=1&query=U"),
        "/expenses/api/attendee-search?attendee_type=BUSGUEST&last_name=Doe".to_owned(),
    ];

    for path in paths {
        let page = anonymous.get(&path).await;

        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(page.text, r#"{"error":"sign in to continue"}"#, "{path}");
    }
    assert_eq!(ready.sandbox.recorder.count(), 0);
}

#[tokio::test]
async fn csrf_token_required_on_every_form() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let (_, forms) = owned_paths(&entry);
    let all_forms = forms.into_iter().chain(["/expenses/reports".to_owned()]);

    for path in all_forms {
        let missing = ready.employee.post(&path, &entry_fields()).await;
        let mut wrong_fields = entry_fields();
        wrong_fields.push(("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        let wrong = ready.employee.post(&path, &wrong_fields).await;

        assert_eq!(
            missing.status,
            StatusCode::FORBIDDEN,
            "POST {path} without a token"
        );
        assert_eq!(
            wrong.status,
            StatusCode::FORBIDDEN,
            "POST {path} with a wrong token"
        );
    }
    let page = ready.employee.get(&entry).await;
    assert!(
        page.input_value("amount")
            .is_some_and(|amount| amount == "84.20")
    );
}

#[tokio::test]
async fn expense_pages_allow_own_script_only() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = ready.employee.get(&entry).await;

    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        page.text
            .contains("<script src=\"/expenses/static/expenses.js\" defer></script>")
    );
    assert!(
        !page.text.contains("<script>"),
        "inline script in {}",
        page.text
    );
    assert_eq!(page.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn admin_pages_keep_policy_without_scripts() {
    let ready = ready().await;

    let page = ready.employee.get("/").await;

    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(!policy.contains("script-src"), "{policy}");
}

#[tokio::test]
async fn script_served_as_javascript() {
    let ready = ready().await;

    let page = ready.employee.get("/expenses/static/expenses.js").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(page.text.contains("data-list-search"));
}

#[tokio::test]
async fn employee_home_links_expense_reports() {
    let ready = ready().await;

    let page = ready.employee.get("/").await;

    assert!(page.text.contains("href=\"/expenses\""), "{}", page.text);
}
