//! Bootstrap of companies, users and API tokens on a real SQLite file.

use connector::Secret;
use host::domain::accounts::{
    self, AccountError, CompanyInput, UserInput, actor_for_api_token, actor_for_password,
};
use host::domain::{Edition, Role};
use host::store::SqliteHostStore;

fn open_store() -> (tempfile::TempDir, SqliteHostStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteHostStore::open(dir.path().join("host.db")).unwrap();
    (dir, store)
}

fn company(name: &str, edition: &str, development_partner: bool) -> CompanyInput {
    CompanyInput {
        name: name.to_owned(),
        edition: edition.to_owned(),
        development_partner,
    }
}

fn user(company: &str, login: &str, roles: &[&str]) -> UserInput {
    UserInput {
        company_name: company.to_owned(),
        login: login.to_owned(),
        roles: roles.iter().map(|role| (*role).to_owned()).collect(),
        password: Secret::new("user-password-123"),
    }
}

#[tokio::test]
async fn company_is_created_with_edition_and_flag() {
    let (_dir, store) = open_store();

    let created = accounts::create_company(&store, &company("Acme", "professional", true))
        .await
        .unwrap();

    assert_eq!(created.edition, Edition::Professional);
    assert!(created.development_partner);
}

#[tokio::test]
async fn company_name_is_unique() {
    let (_dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();

    let again = accounts::create_company(&store, &company("Acme", "standard", false)).await;

    assert!(matches!(again, Err(AccountError::CompanyExists(_))));
}

#[tokio::test]
async fn company_edition_is_checked() {
    let (_dir, store) = open_store();

    let created = accounts::create_company(&store, &company("Acme", "enterprise", false)).await;

    let Err(AccountError::Invalid(errors)) = created else {
        panic!("expected invalid input, got {created:?}");
    };
    assert_eq!(errors.0[0].field, "edition");
}

#[tokio::test]
async fn user_has_every_given_role() {
    let (_dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();

    let created = accounts::create_user(
        &store,
        &user("Acme", "ada", &["employee", "can-administer"]),
    )
    .await
    .unwrap();

    assert_eq!(
        created.roles.into_iter().collect::<Vec<_>>(),
        [Role::Employee, Role::CanAdminister]
    );
}

#[tokio::test]
async fn user_of_unknown_company_is_refused() {
    let (_dir, store) = open_store();

    let created = accounts::create_user(&store, &user("Nowhere", "ada", &["employee"])).await;

    assert!(matches!(created, Err(AccountError::CompanyNotFound(_))));
}

#[tokio::test]
async fn user_login_is_unique() {
    let (_dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();
    accounts::create_user(&store, &user("Acme", "ada", &["employee"]))
        .await
        .unwrap();

    let again = accounts::create_user(&store, &user("Acme", "ada", &["employee"])).await;

    assert!(matches!(again, Err(AccountError::UserExists(_))));
}

#[tokio::test]
async fn user_input_rules() {
    let (_dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();
    let mut short_password = user("Acme", "bob", &["employee"]);
    short_password.password = Secret::new("too-short");
    let cases = [
        (user("Acme", "bob", &["auditor"]), "role"),
        (user("Acme", "bob", &[]), "role"),
        (user("Acme", "bob smith", &["employee"]), "login"),
        (short_password, "password"),
    ];

    for (input, field) in cases {
        let created = accounts::create_user(&store, &input).await;

        let Err(AccountError::Invalid(errors)) = created else {
            panic!("{field}: expected invalid input, got {created:?}");
        };
        assert_eq!(errors.0[0].field, field);
    }
}

#[tokio::test]
async fn user_password_is_argon2_hash() {
    let (dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();

    accounts::create_user(&store, &user("Acme", "ada", &["employee"]))
        .await
        .unwrap();

    let stored = host::store::HostStore::user_by_login(&store, "ada")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    let bytes = std::fs::read(dir.path().join("host.db")).unwrap_or_default();
    let wal = std::fs::read(dir.path().join("host.db-wal")).unwrap_or_default();
    let found = [bytes, wal].iter().any(|file| {
        file.windows(17)
            .any(|window| window == b"user-password-123")
    });
    assert!(!found);
}

#[tokio::test]
async fn password_login_accepts_right_password_only() {
    let (_dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();
    accounts::create_user(&store, &user("Acme", "ada", &["can-administer"]))
        .await
        .unwrap();

    let right = actor_for_password(&store, "ada", &Secret::new("user-password-123"))
        .await
        .unwrap();
    let wrong = actor_for_password(&store, "ada", &Secret::new("user-password-124"))
        .await
        .unwrap();
    let unknown = actor_for_password(&store, "eve", &Secret::new("user-password-123"))
        .await
        .unwrap();

    assert_eq!(right.map(|actor| actor.user.login), Some("ada".to_owned()));
    assert!(wrong.is_none());
    assert!(unknown.is_none());
}

#[tokio::test]
async fn issued_token_finds_its_user() {
    let (_dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();
    accounts::create_user(&store, &user("Acme", "ada", &["can-administer"]))
        .await
        .unwrap();

    let token = accounts::issue_api_token(&store, "ada").await.unwrap();

    let actor = actor_for_api_token(&store, token.expose()).await.unwrap();
    assert!(token.expose().starts_with(accounts::API_TOKEN_PREFIX));
    assert_eq!(
        actor.map(|actor| actor.company.name),
        Some("Acme".to_owned())
    );
}

#[tokio::test]
async fn token_for_unknown_login_is_refused() {
    let (_dir, store) = open_store();

    let issued = accounts::issue_api_token(&store, "nobody").await;

    assert!(matches!(issued, Err(AccountError::UserNotFound(_))));
}

#[tokio::test]
async fn two_tokens_differ() {
    let (_dir, store) = open_store();
    accounts::create_company(&store, &company("Acme", "standard", false))
        .await
        .unwrap();
    accounts::create_user(&store, &user("Acme", "ada", &["can-administer"]))
        .await
        .unwrap();

    let first = accounts::issue_api_token(&store, "ada").await.unwrap();
    let second = accounts::issue_api_token(&store, "ada").await.unwrap();

    assert_ne!(first.expose(), second.expose());
}
