//! The store on each engine: revisions, company scoping, reopening,
//! sessions, schema versions and the marks of Verify runs. PostgreSQL runs
//! when `CALLOUTS_TEST_POSTGRES_URL` is set.

mod common;

use std::collections::BTreeSet;

use host::crypto::SealedPassword;
use host::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use host::domain::services::default_services;
use host::domain::{
    AuditAction, AuditEntry, CompanyId, Edition, Registration, RegistrationId, Role, UserId,
};
use std::sync::Arc;

use common::engines::TestDatabase;
use host::store::{HostStore, NewCompany, NewRegistration, NewUser, StoreError, StoredSession};
use testing::{Engine, engine_tests};
use time::OffsetDateTime;

struct Fixture {
    store: Arc<dyn HostStore>,
    company: CompanyId,
    other_company: CompanyId,
    user: UserId,
}

async fn fixture(database: &TestDatabase) -> Fixture {
    let store = database.open().await;
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

async fn update_with_stale_revision_conflicts(database: TestDatabase) {
    let fixture = fixture(&database).await;
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

async fn update_increments_revision(database: TestDatabase) {
    let fixture = fixture(&database).await;
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

async fn other_company_cannot_read_registration(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = insert(&fixture, "HR").await;

    let read = fixture
        .store
        .registration(fixture.other_company, registration.id)
        .await
        .unwrap();

    assert!(read.is_none());
}

async fn other_company_cannot_update_registration(database: TestDatabase) {
    let fixture = fixture(&database).await;
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

async fn other_company_sees_no_audit_entries(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = insert(&fixture, "HR").await;

    let entries = fixture
        .store
        .audit_trail(fixture.other_company, registration.id)
        .await
        .unwrap();

    assert!(entries.is_empty());
}

async fn duplicate_name_in_company_is_reported(database: TestDatabase) {
    let fixture = fixture(&database).await;
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

async fn registration_survives_reopening(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = insert(&fixture, "HR").await;
    drop(fixture.store);

    let reopened = database.open().await;
    let read = reopened
        .registration(fixture.company, registration.id)
        .await
        .unwrap();

    assert_eq!(
        read.map(|found| found.name.to_string()),
        Some("HR".to_owned())
    );
}

async fn unknown_id_reads_none(database: TestDatabase) {
    let fixture = fixture(&database).await;

    let read = fixture
        .store
        .registration(fixture.company, RegistrationId(4242))
        .await
        .unwrap();

    assert!(read.is_none());
}

#[tokio::test]
async fn journal_mode_is_wal() {
    let database = TestDatabase::sqlite();
    let _fixture = fixture(&database).await;
    let connection = rusqlite::Connection::open(database.location()).unwrap();

    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();

    assert_eq!(mode, "wal");
}

async fn duplicate_company_name_is_reported(database: TestDatabase) {
    let fixture = fixture(&database).await;

    let again = fixture
        .store
        .insert_company(&NewCompany {
            name: "Acme".to_owned(),
            edition: Edition::Professional,
            development_partner: true,
            created_at: OffsetDateTime::now_utc(),
        })
        .await;

    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
}

async fn registrations_are_ordered_by_name_bytes(database: TestDatabase) {
    let fixture = fixture(&database).await;
    for name in ["beta", "Alpha", "_tools"] {
        insert(&fixture, name).await;
    }

    let names: Vec<String> = fixture
        .store
        .registrations(fixture.company)
        .await
        .unwrap()
        .into_iter()
        .map(|registration| registration.name.to_string())
        .collect();

    assert_eq!(names, ["_tools", "Alpha", "beta"]);
}

async fn actor_by_user_id_reads_roles(database: TestDatabase) {
    let fixture = fixture(&database).await;

    let actor = fixture
        .store
        .actor_by_user_id(fixture.user)
        .await
        .unwrap()
        .expect("the user exists");

    assert_eq!(actor.user.login, "ada");
    assert_eq!(actor.company.name, "Acme");
    assert_eq!(actor.user.roles, BTreeSet::from([Role::CanAdminister]));
}

async fn expired_sessions_are_deleted(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    for (id_hash, last_seen_at) in [("old", now - time::Duration::hours(2)), ("fresh", now)] {
        let session = StoredSession {
            id_hash: id_hash.to_owned(),
            user_id: fixture.user,
            csrf_token: format!("csrf-{id_hash}"),
            created_at: now - time::Duration::hours(3),
            last_seen_at,
        };
        fixture.store.insert_session(&session).await.unwrap();
    }

    let deleted = fixture
        .store
        .delete_expired_sessions(
            now - time::Duration::hours(1),
            now - time::Duration::days(1),
        )
        .await
        .unwrap();

    assert_eq!(deleted, 1);
    assert!(
        fixture
            .store
            .session_by_hash("old")
            .await
            .unwrap()
            .is_none()
    );
    let fresh = fixture.store.session_by_hash("fresh").await.unwrap();
    assert_eq!(fresh.map(|session| session.last_seen_at), Some(now));
}

async fn second_verification_run_is_refused(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = insert(&fixture, "HR").await;
    let other_instance = database.open().await;
    let now = OffsetDateTime::now_utc();
    let until = now + time::Duration::minutes(5);

    let first = fixture
        .store
        .start_verification_run(registration.id, "run-1", now, until)
        .await
        .unwrap();
    let second = other_instance
        .start_verification_run(registration.id, "run-2", now, until)
        .await
        .unwrap();

    assert!(first, "the first run starts");
    assert!(!second, "a second run through another store is refused");
}

async fn finished_verification_run_frees_registration(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = insert(&fixture, "HR").await;
    let now = OffsetDateTime::now_utc();
    let until = now + time::Duration::minutes(5);
    let store = &fixture.store;
    assert!(
        store
            .start_verification_run(registration.id, "run-1", now, until)
            .await
            .unwrap()
    );

    store
        .finish_verification_run(registration.id, "run-1")
        .await
        .unwrap();
    let next = store
        .start_verification_run(registration.id, "run-2", now, until)
        .await
        .unwrap();

    assert!(next);
}

async fn expired_verification_run_is_taken_over(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = insert(&fixture, "HR").await;
    let now = OffsetDateTime::now_utc();
    let store = &fixture.store;
    let dead_until = now + time::Duration::seconds(1);
    assert!(
        store
            .start_verification_run(registration.id, "dead", now, dead_until)
            .await
            .unwrap()
    );

    let later = dead_until + time::Duration::seconds(1);
    let taken = store
        .start_verification_run(
            registration.id,
            "next",
            later,
            later + time::Duration::minutes(5),
        )
        .await
        .unwrap();
    // The dead run's late finish must not clear the new run's mark.
    store
        .finish_verification_run(registration.id, "dead")
        .await
        .unwrap();
    let third = store
        .start_verification_run(
            registration.id,
            "third",
            later,
            later + time::Duration::minutes(5),
        )
        .await
        .unwrap();

    assert!(taken, "the expired mark is taken over");
    assert!(!third, "the new run still holds the registration");
}

/// Returns the schema version of the test database.
async fn schema_version(database: &TestDatabase) -> i64 {
    match database.engine {
        Engine::Sqlite => database.open_sqlite().schema_version().unwrap(),
        Engine::Postgres => database
            .open_postgres()
            .await
            .schema_version()
            .await
            .unwrap(),
    }
}

async fn opening_records_every_schema_version(database: TestDatabase) {
    let _store = database.open().await;

    assert_eq!(schema_version(&database).await, 2);
}

async fn concurrent_opens_migrate_once(database: TestDatabase) {
    let (first, second) = tokio::join!(database.open(), database.open());
    drop((first, second));

    assert_eq!(schema_version(&database).await, 2);
}

engine_tests!(
    update_with_stale_revision_conflicts,
    update_increments_revision,
    other_company_cannot_read_registration,
    other_company_cannot_update_registration,
    other_company_sees_no_audit_entries,
    duplicate_name_in_company_is_reported,
    registration_survives_reopening,
    unknown_id_reads_none,
    duplicate_company_name_is_reported,
    registrations_are_ordered_by_name_bytes,
    actor_by_user_id_reads_roles,
    expired_sessions_are_deleted,
    second_verification_run_is_refused,
    finished_verification_run_frees_registration,
    expired_verification_run_is_taken_over,
    opening_records_every_schema_version,
    concurrent_opens_migrate_once,
);
