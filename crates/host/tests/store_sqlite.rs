//! The SQLite store on a real file: revisions, company scoping, and reopening.

use std::collections::BTreeSet;

use host::crypto::SealedPassword;
use host::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use host::domain::services::default_services;
use host::domain::{
    AuditAction, AuditEntry, CompanyId, Edition, Registration, RegistrationId, Role, UserId,
};
use host::store::{HostStore, NewCompany, NewRegistration, NewUser, SqliteHostStore, StoreError};
use time::OffsetDateTime;

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: SqliteHostStore,
    company: CompanyId,
    other_company: CompanyId,
    user: UserId,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.db");
    let store = SqliteHostStore::open(&path).unwrap();
    let mut companies = Vec::new();
    for name in ["Acme", "Globex"] {
        let company = NewCompany {
            name: name.to_owned(),
            edition: Edition::Standard,
            development_partner: false,
            created_at: OffsetDateTime::now_utc(),
        };
        companies.push(store.insert_company(&company).await.unwrap().id);
    }
    let user = NewUser {
        company_id: companies[0],
        login: "ada".to_owned(),
        roles: BTreeSet::from([Role::CanAdminister]),
        password_hash: "$argon2id$placeholder".to_owned(),
        created_at: OffsetDateTime::now_utc(),
    };
    let user = store.insert_user(&user).await.unwrap().id;
    Fixture {
        _dir: dir,
        path,
        store,
        company: companies[0],
        other_company: companies[1],
        user,
    }
}

fn new_registration(company: CompanyId, name: &str) -> NewRegistration {
    NewRegistration {
        company_id: company,
        name: RegistrationName::parse(name).unwrap(),
        description: Description::empty(),
        host_name: HostName::parse("https://connector.example.com").unwrap(),
        user_name: CredentialUserName::parse("connector-user").unwrap(),
        password: SealedPassword::from_bytes(vec![1, 2, 3]),
        services: default_services(),
        created_at: OffsetDateTime::now_utc(),
    }
}

fn audit(user: UserId, action: AuditAction) -> AuditEntry {
    AuditEntry {
        at: OffsetDateTime::now_utc(),
        actor_user_id: user,
        actor_login: "ada".to_owned(),
        action,
        service: None,
        changes: vec!["name".to_owned()],
        result: None,
    }
}

async fn insert(fixture: &Fixture, name: &str) -> Registration {
    let id = fixture
        .store
        .insert_registration(
            &new_registration(fixture.company, name),
            &audit(fixture.user, AuditAction::Created),
        )
        .await
        .unwrap();
    fixture
        .store
        .registration(fixture.company, id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn update_with_stale_revision_conflicts() {
    let fixture = fixture().await;
    let registration = insert(&fixture, "HR").await;
    let entry = audit(fixture.user, AuditAction::Updated);
    fixture
        .store
        .update_registration(&registration, registration.revision, &entry)
        .await
        .unwrap();

    let stale = fixture
        .store
        .update_registration(&registration, registration.revision, &entry)
        .await;

    assert!(matches!(stale, Err(StoreError::Conflict)));
}

#[tokio::test]
async fn update_increments_revision() {
    let fixture = fixture().await;
    let registration = insert(&fixture, "HR").await;

    fixture
        .store
        .update_registration(
            &registration,
            registration.revision,
            &audit(fixture.user, AuditAction::Updated),
        )
        .await
        .unwrap();

    let read = fixture
        .store
        .registration(fixture.company, registration.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.revision, registration.revision + 1);
}

#[tokio::test]
async fn other_company_cannot_read_registration() {
    let fixture = fixture().await;
    let registration = insert(&fixture, "HR").await;

    let read = fixture
        .store
        .registration(fixture.other_company, registration.id)
        .await
        .unwrap();

    assert!(read.is_none());
}

#[tokio::test]
async fn other_company_cannot_update_registration() {
    let fixture = fixture().await;
    let mut registration = insert(&fixture, "HR").await;
    registration.company_id = fixture.other_company;

    let updated = fixture
        .store
        .update_registration(
            &registration,
            registration.revision,
            &audit(fixture.user, AuditAction::Updated),
        )
        .await;

    assert!(matches!(updated, Err(StoreError::Conflict)));
}

#[tokio::test]
async fn other_company_sees_no_audit_entries() {
    let fixture = fixture().await;
    let registration = insert(&fixture, "HR").await;

    let entries = fixture
        .store
        .audit_trail(fixture.other_company, registration.id)
        .await
        .unwrap();

    assert!(entries.is_empty());
}

#[tokio::test]
async fn duplicate_name_in_company_is_reported() {
    let fixture = fixture().await;
    insert(&fixture, "HR").await;

    let again = fixture
        .store
        .insert_registration(
            &new_registration(fixture.company, "hr"),
            &audit(fixture.user, AuditAction::Created),
        )
        .await;

    assert!(matches!(again, Err(StoreError::Duplicate)));
}

#[tokio::test]
async fn registration_survives_reopening() {
    let fixture = fixture().await;
    let registration = insert(&fixture, "HR").await;
    drop(fixture.store);

    let reopened = SqliteHostStore::open(&fixture.path).unwrap();
    let read = reopened
        .registration(fixture.company, registration.id)
        .await
        .unwrap();

    assert_eq!(
        read.map(|found| found.name.to_string()),
        Some("HR".to_owned())
    );
}

#[tokio::test]
async fn unknown_id_reads_none() {
    let fixture = fixture().await;

    let read = fixture
        .store
        .registration(fixture.company, RegistrationId(4242))
        .await
        .unwrap();

    assert!(read.is_none());
}

#[tokio::test]
async fn journal_mode_is_wal() {
    let fixture = fixture().await;
    let connection = rusqlite::Connection::open(&fixture.path).unwrap();

    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();

    assert_eq!(mode, "wal");
}
