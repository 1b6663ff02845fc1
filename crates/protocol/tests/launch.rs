//! Launch External URL signatures: vectors computed independently (Python's
//! `hmac` module), the host's signer and the connector's verifier agreeing,
//! and every tampered or malformed query rejected.

use protocol::{LaunchCredentials, LaunchError, LaunchSource, LaunchV1, LaunchV4};

const NONCE: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const UPPER_NONCE: &str = "7C9E6679-7425-40DE-944B-E07FC1F90AE7";

const JOHN: LaunchCredentials<'static> = LaunchCredentials {
    username: "JohnDoe",
    password: "password",
};
const MIXED: LaunchCredentials<'static> = LaunchCredentials {
    username: "MiXeDcAsE",
    password: "p@ss word+/=&",
};

fn v1_plain() -> LaunchV1 {
    LaunchV1 {
        company_domain: "example.com".into(),
        user_id: "jane.doe@example.com".into(),
        item_url: "https://host.example.com/api/expense/v1/reports/42/entries/7".into(),
        nonce: NONCE.into(),
    }
}

fn v1_special() -> LaunchV1 {
    LaunchV1 {
        company_domain: "exämple.com".into(),
        user_id: "zoë+ødegaard@exämple.com".into(),
        item_url: "https://h.example.com/x?a=1&b=2/3 4=5".into(),
        nonce: UPPER_NONCE.into(),
    }
}

fn v4_plain() -> LaunchV4 {
    LaunchV4 {
        logged_in_user_id: "user-1".into(),
        report_owner_user_id: "owner-2".into(),
        report_owner_employee_id: "E-42".into(),
        company_domain: "example.com".into(),
        item_url: "https://host.example.com/api/expense/v1/reports/42".into(),
        custom_field_launched_from: "Custom3".into(),
        expense_ids: Vec::new(),
        source: LaunchSource::Header,
        is_mobile: false,
        nonce: NONCE.into(),
        client_auth_code: "code-123".into(),
        language_code: "en".into(),
    }
}

fn v4_special() -> LaunchV4 {
    LaunchV4 {
        logged_in_user_id: "zoë+ø@x.com".into(),
        report_owner_user_id: "東京/owner".into(),
        report_owner_employee_id: "E 4=2&".into(),
        company_domain: "exämple.com".into(),
        item_url: "https://h.example.com/x?a=1&b=2/3 4=5".into(),
        custom_field_launched_from: "Custom 7".into(),
        expense_ids: vec!["11".into(), "12".into()],
        source: LaunchSource::Allocation,
        is_mobile: true,
        nonce: UPPER_NONCE.into(),
        client_auth_code: "c+/=&".into(),
        language_code: "en-GB".into(),
    }
}

/// Replaces the value of `name` in an encoded query.
fn with_value(query: &str, name: &str, value: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == name => format!("{key}={value}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn without(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.starts_with(&format!("{name}=")))
        .collect::<Vec<_>>()
        .join("&")
}

/// Changes one character of an encoded value: the first alphanumeric one.
fn flip_one_character(value: &str) -> String {
    let mut changed = String::new();
    let mut done = false;
    for c in value.chars() {
        if !done && c.is_ascii_alphanumeric() {
            changed.push(if c == 'a' { 'b' } else { 'a' });
            done = true;
        } else {
            changed.push(c);
        }
    }
    changed
}

fn value_of<'a>(query: &'a str, name: &str) -> &'a str {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .expect("parameter present")
}

#[test]
fn v1_signature_vectors() {
    assert_eq!(v1_plain().signature(JOHN), "PtEaNTgOTZTEiueR8B4O3BMxReg=");
    assert_eq!(
        v1_special().signature(MIXED),
        "jxWgJcSTbsQFpplYl1IFBYzVHVQ="
    );
}

#[test]
fn v4_signature_vectors() {
    assert_eq!(
        v4_plain().signature(JOHN),
        "vtx91Ysz0dDWlG6RSIqFbddtdOiz3oTQK6zh3dV35GA="
    );
    assert_eq!(
        v4_special().signature(MIXED),
        "wJ4m5ODiiQz7C5wVjSBJVWN7EujaVex2bnEhGDDQ9AY="
    );
}

#[test]
fn v1_signer_and_verifier_agree() {
    for (launch, credentials) in [(v1_plain(), JOHN), (v1_special(), MIXED)] {
        let query = launch.to_query(credentials);
        assert_eq!(LaunchV1::verify_query(&query, credentials), Ok(launch));
    }
}

#[test]
fn v4_signer_and_verifier_agree() {
    for (launch, credentials) in [(v4_plain(), JOHN), (v4_special(), MIXED)] {
        let query = launch.to_query(credentials);
        assert_eq!(LaunchV4::verify_query(&query, credentials), Ok(launch));
    }
}

#[test]
fn query_encodes_reserved_characters() {
    let query = v4_special().to_query(MIXED);
    let employee_id = value_of(&query, "report_owner_employee_id");
    assert_eq!(employee_id, "E%204%3D2%26");
    let code = value_of(&query, "client_auth_code");
    assert_eq!(code, "c%2B%2F%3D%26");
    assert!(!value_of(&query, "signature").contains('+'), "{query}");
}

#[test]
fn username_case_changes_message_not_key() {
    let lower = LaunchCredentials {
        username: "johndoe",
        password: "password",
    };
    let query = v1_plain().to_query(JOHN);
    assert_eq!(
        LaunchV1::verify_query(&query, lower),
        Err(LaunchError::SignatureMismatch)
    );
}

#[test]
fn v1_any_changed_character_rejected() {
    let query = v1_special().to_query(MIXED);
    for name in ["xcompanydomain", "xuserid", "itemurl", "nonce", "signature"] {
        let tampered = with_value(&query, name, &flip_one_character(value_of(&query, name)));
        let result = LaunchV1::verify_query(&tampered, MIXED);
        assert!(result.is_err(), "{name} changed but accepted");
    }
    let other_password = LaunchCredentials {
        username: "MiXeDcAsE",
        password: "p@ss word+/=*",
    };
    assert_eq!(
        LaunchV1::verify_query(&query, other_password),
        Err(LaunchError::SignatureMismatch)
    );
}

#[test]
fn v4_any_signed_character_rejected() {
    let query = v4_special().to_query(MIXED);
    for name in [
        "logged_in_user_id",
        "report_owner_user_id",
        "report_owner_employee_id",
        "company_domain",
        "item_url",
        "nonce",
        "signature",
    ] {
        let tampered = with_value(&query, name, &flip_one_character(value_of(&query, name)));
        let result = LaunchV4::verify_query(&tampered, MIXED);
        assert!(result.is_err(), "{name} changed but accepted");
    }
}

#[test]
fn v1_missing_parameters_named() {
    let query = v1_plain().to_query(JOHN);
    for name in ["xcompanydomain", "xuserid", "itemurl", "nonce", "signature"] {
        assert_eq!(
            LaunchV1::verify_query(&without(&query, name), JOHN),
            Err(LaunchError::Missing(name)),
            "{name}"
        );
    }
}

#[test]
fn v1_duplicate_parameter_rejected() {
    let query = v1_plain().to_query(JOHN);
    let doubled = format!("{query}&xuserid=mallory");
    assert_eq!(
        LaunchV1::verify_query(&doubled, JOHN),
        Err(LaunchError::Duplicate("xuserid"))
    );
}

#[test]
fn v1_nonce_must_be_guid() {
    let mut launch = v1_plain();
    launch.nonce = "12345".into();
    let query = launch.to_query(JOHN);
    assert!(matches!(
        LaunchV1::verify_query(&query, JOHN),
        Err(LaunchError::Invalid { name: "nonce", .. })
    ));
}

#[test]
fn v1_invalid_base64_signature_named() {
    let query = with_value(&v1_plain().to_query(JOHN), "signature", "%%%");
    assert_eq!(
        LaunchV1::verify_query(&query, JOHN),
        Err(LaunchError::SignatureEncoding)
    );
}

#[test]
fn v1_script_in_user_id_kept_verbatim() {
    let mut launch = v1_plain();
    launch.user_id = "<script>alert(1)</script>".into();
    let query = launch.to_query(JOHN);
    assert!(!query.contains('<'), "{query}");
    let verified = LaunchV1::verify_query(&query, JOHN).unwrap();
    assert_eq!(verified.user_id, "<script>alert(1)</script>");
}

#[test]
fn v4_defaults_and_invalid_values() {
    let query = v4_plain().to_query(JOHN);
    let minimal = without(
        &without(&without(&query, "language_code"), "is_mobile"),
        "expense_ids",
    );
    let verified = LaunchV4::verify_query(&minimal, JOHN).unwrap();
    assert_eq!(verified.language_code, "en");
    assert!(!verified.is_mobile);
    assert!(verified.expense_ids.is_empty());

    let bad_source = with_value(&query, "source", "FOOTER");
    assert!(matches!(
        LaunchV4::verify_query(&bad_source, JOHN),
        Err(LaunchError::Invalid { name: "source", .. })
    ));
    let bad_language = with_value(&query, "language_code", "english");
    assert!(matches!(
        LaunchV4::verify_query(&bad_language, JOHN),
        Err(LaunchError::Invalid {
            name: "language_code",
            ..
        })
    ));
    let bad_mobile = with_value(&query, "is_mobile", "yes");
    assert!(matches!(
        LaunchV4::verify_query(&bad_mobile, JOHN),
        Err(LaunchError::Invalid {
            name: "is_mobile",
            ..
        })
    ));
}

#[test]
fn query_over_limit_rejected() {
    let query = format!("{}&padding={}", v1_plain().to_query(JOHN), "x".repeat(9000));
    assert!(matches!(
        LaunchV1::verify_query(&query, JOHN),
        Err(LaunchError::TooLong { .. })
    ));
}
