//! The expense tables of the SQLite store on a real file: owner scoping, list values and attendees.

use std::collections::BTreeSet;

use host::crypto::SealedPassword;
use host::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use host::domain::services::default_services;
use host::domain::{AuditAction, AuditEntry, CompanyId, Edition, RegistrationId, Role, UserId};
use host::sandbox::model::{
    EntryAttendee, EntryFields, EntryList, ExpenseEntryId, ExpenseReportId, ListBinding,
    ListChoice, NewExpenseReport,
};
use host::sandbox::values::{
    Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName, parse_date,
};
use host::store::{
    ExpenseStore, HostStore, NewCompany, NewRegistration, NewUser, SqliteHostStore, StoreError,
};
use time::OffsetDateTime;

struct Fixture {
    _dir: tempfile::TempDir,
    store: SqliteHostStore,
    company: CompanyId,
    owner: UserId,
    other: UserId,
    registration: RegistrationId,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteHostStore::open(dir.path().join("host.db")).unwrap();
    let company = NewCompany {
        name: "Acme".to_owned(),
        edition: Edition::Standard,
        development_partner: false,
        created_at: OffsetDateTime::now_utc(),
    };
    let company = store.insert_company(&company).await.unwrap().id;
    let mut users = Vec::new();
    for login in ["ada", "grace"] {
        let user = NewUser {
            company_id: company,
            login: login.to_owned(),
            roles: BTreeSet::from([Role::Employee]),
            password_hash: "$argon2id$placeholder".to_owned(),
            created_at: OffsetDateTime::now_utc(),
        };
        users.push(store.insert_user(&user).await.unwrap().id);
    }
    let registration = NewRegistration {
        company_id: company,
        name: RegistrationName::parse("Travel").unwrap(),
        description: Description::empty(),
        host_name: HostName::parse("https://connector.example.com").unwrap(),
        user_name: CredentialUserName::parse("connector-user").unwrap(),
        password: SealedPassword::from_bytes(vec![1, 2, 3]),
        services: default_services(),
        created_at: OffsetDateTime::now_utc(),
    };
    let audit = AuditEntry {
        at: OffsetDateTime::now_utc(),
        actor_user_id: users[0],
        actor_login: "ada".to_owned(),
        action: AuditAction::Created,
        service: None,
        changes: Vec::new(),
        result: None,
    };
    let registration = store
        .insert_registration(&registration, &audit)
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        company,
        owner: users[0],
        other: users[1],
        registration,
    }
}

fn fields() -> EntryFields {
    EntryFields {
        expense_type: ExpenseType::Taxi,
        transaction_date: parse_date("2025-03-01").unwrap(),
        amount: Amount::parse("12.50").unwrap(),
        currency: CurrencyCode::parse("EUR").unwrap(),
        business_purpose: BusinessPurpose::parse("Airport to office").unwrap(),
    }
}

impl Fixture {
    async fn report(&self) -> ExpenseReportId {
        let report = NewExpenseReport {
            company_id: self.company,
            owner: self.owner,
            name: ReportName::parse("March").unwrap(),
            created_at: OffsetDateTime::now_utc(),
        };
        self.store.insert_expense_report(&report).await.unwrap()
    }

    fn list(&self, codes: &[(&str, &str)]) -> EntryList {
        EntryList {
            binding: ListBinding {
                registration_id: self.registration,
                list_name: "Cities".to_owned(),
                category: "Locations".to_owned(),
            },
            chosen: codes
                .iter()
                .map(|(code, text)| ListChoice {
                    short_code: (*code).to_owned(),
                    text: (*text).to_owned(),
                })
                .collect(),
        }
    }

    async fn entry(&self, report: ExpenseReportId, list: Option<&EntryList>) -> ExpenseEntryId {
        self.store
            .insert_expense_entry(report, &fields(), list, OffsetDateTime::now_utc())
            .await
            .unwrap()
    }
}

fn attendee(external_id: &str) -> EntryAttendee {
    EntryAttendee {
        external_id: external_id.to_owned(),
        first_name: "John".to_owned(),
        last_name: "Doe".to_owned(),
        company: "Acme Corporation".to_owned(),
        attendee_type_code: "BUSGUEST".to_owned(),
    }
}

#[tokio::test]
async fn report_read_only_by_owner() {
    let fixture = fixture().await;
    let report = fixture.report().await;

    let by_owner = fixture
        .store
        .expense_report(fixture.company, fixture.owner, report)
        .await
        .unwrap();
    let by_other = fixture
        .store
        .expense_report(fixture.company, fixture.other, report)
        .await
        .unwrap();

    assert!(by_owner.is_some());
    assert!(by_other.is_none());
}

#[tokio::test]
async fn reports_listed_per_owner() {
    let fixture = fixture().await;
    fixture.report().await;

    let other_reports = fixture
        .store
        .expense_reports(fixture.company, fixture.other)
        .await
        .unwrap();

    assert!(other_reports.is_empty());
}

#[tokio::test]
async fn entry_fields_round_trip() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    fixture.entry(report, None).await;

    let stored = fixture
        .store
        .expense_report(fixture.company, fixture.owner, report)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(stored.entries[0].fields, fields());
    assert_eq!(stored.entries[0].list, None);
}

#[tokio::test]
async fn entry_list_choices_round_trip() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let list = fixture.list(&[("US", "United States"), ("W", "West")]);
    fixture.entry(report, Some(&list)).await;

    let stored = fixture
        .store
        .expense_report(fixture.company, fixture.owner, report)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(stored.entries[0].list.as_ref(), Some(&list));
}

#[tokio::test]
async fn entry_update_of_other_report_changes_nothing() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let other_report = fixture.report().await;
    let entry = fixture.entry(report, None).await;
    let mut changed = fields();
    changed.amount = Amount::parse("99").unwrap();

    fixture
        .store
        .update_expense_entry(
            other_report,
            entry,
            &changed,
            None,
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();

    let stored = fixture
        .store
        .expense_report(fixture.company, fixture.owner, report)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.entries[0].fields.amount, fields().amount);
}

#[tokio::test]
async fn attendee_duplicate_is_reported() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let entry = fixture.entry(report, None).await;
    fixture
        .store
        .add_entry_attendee(report, entry, &attendee("EXT-1"))
        .await
        .unwrap();

    let again = fixture
        .store
        .add_entry_attendee(report, entry, &attendee("EXT-1"))
        .await;

    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
}

#[tokio::test]
async fn entry_delete_removes_attendees() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let entry = fixture.entry(report, None).await;
    fixture
        .store
        .add_entry_attendee(report, entry, &attendee("EXT-1"))
        .await
        .unwrap();

    fixture
        .store
        .delete_expense_entry(report, entry)
        .await
        .unwrap();

    let stored = fixture
        .store
        .expense_report(fixture.company, fixture.owner, report)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.entries.is_empty());
}

#[tokio::test]
async fn attendees_kept_in_order_added() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let entry = fixture.entry(report, None).await;
    for external_id in ["EXT-2", "EXT-1"] {
        fixture
            .store
            .add_entry_attendee(report, entry, &attendee(external_id))
            .await
            .unwrap();
    }

    let stored = fixture
        .store
        .expense_report(fixture.company, fixture.owner, report)
        .await
        .unwrap()
        .unwrap();

    let order: Vec<&str> = stored.entries[0]
        .attendees
        .iter()
        .map(|a| a.external_id.as_str())
        .collect();
    assert_eq!(order, ["EXT-2", "EXT-1"]);
}
