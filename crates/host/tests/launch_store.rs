//! Launch fields, custom field values, allocations and the item lookup of
//! the SQLite store on a real file.

use std::collections::BTreeSet;

use host::crypto::SealedPassword;
use host::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use host::domain::launch_fields::{
    LaunchFieldId, LaunchFieldInput, LaunchObjectType, NewLaunchField, launch_rules, launch_version,
};
use host::domain::services::{LaunchVersion, OAuthClient, ServiceSettings, default_services};
use host::domain::{
    AuditAction, AuditEntry, CompanyId, Edition, RegistrationId, Role, ServiceKind, UserId,
};
use host::sandbox::model::{
    AllocationAdded, EntryFields, ExpenseAllocationId, ExpenseEntryId, ExpenseReportId,
    LaunchObject, NewExpenseReport,
};
use host::sandbox::values::{
    Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName, parse_date,
};
use host::store::{
    ExpenseStore, HostStore, LaunchStore, NewCompany, NewRegistration, NewUser, SqliteHostStore,
    StoreError, WorkflowStore,
};
use host::workflow::{Action, EventActor, ObjectRef, Step, StepChange, WorkflowEvent};
use time::OffsetDateTime;

struct Fixture {
    _dir: tempfile::TempDir,
    store: SqliteHostStore,
    company: CompanyId,
    other_company: CompanyId,
    owner: UserId,
    registration: RegistrationId,
}

async fn insert_company(store: &SqliteHostStore, name: &str, login: &str) -> (CompanyId, UserId) {
    let company = NewCompany {
        name: name.to_owned(),
        edition: Edition::Standard,
        development_partner: false,
        created_at: OffsetDateTime::now_utc(),
    };
    let company = store.insert_company(&company).await.unwrap().id;
    let user = NewUser {
        company_id: company,
        login: login.to_owned(),
        roles: BTreeSet::from([Role::Employee]),
        password_hash: "$argon2id$placeholder".to_owned(),
        created_at: OffsetDateTime::now_utc(),
    };
    (company, store.insert_user(&user).await.unwrap().id)
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteHostStore::open(dir.path().join("host.db")).unwrap();
    let (company, owner) = insert_company(&store, "Acme", "ada").await;
    let (other_company, _) = insert_company(&store, "Globex", "hank").await;
    let registration = NewRegistration {
        company_id: company,
        name: RegistrationName::parse("Cost objects").unwrap(),
        description: Description::empty(),
        host_name: HostName::parse("https://connector.example.com").unwrap(),
        user_name: CredentialUserName::parse("connector-user").unwrap(),
        password: SealedPassword::from_bytes(vec![1, 2, 3]),
        services: default_services(),
        created_at: OffsetDateTime::now_utc(),
    };
    let audit = AuditEntry {
        at: OffsetDateTime::now_utc(),
        actor_user_id: owner,
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
        other_company,
        owner,
        registration,
    }
}

impl Fixture {
    fn new_field(&self, code: &str, object_type: LaunchObjectType) -> NewLaunchField {
        NewLaunchField {
            company_id: self.company,
            registration_id: self.registration,
            code: code.to_owned(),
            label: format!("{code} label"),
            object_type,
            multiline: false,
            popup_width: 800,
            popup_height: 600,
            created_at: OffsetDateTime::now_utc(),
        }
    }

    fn audit(&self) -> AuditEntry {
        AuditEntry {
            at: OffsetDateTime::now_utc(),
            actor_user_id: self.owner,
            actor_login: "ada".to_owned(),
            action: AuditAction::LaunchFieldCreated,
            service: Some(ServiceKind::LaunchExternalUrl),
            changes: Vec::new(),
            result: Some("CostObject".to_owned()),
        }
    }

    async fn field(&self, code: &str, object_type: LaunchObjectType) -> LaunchFieldId {
        self.store
            .insert_launch_field(&self.new_field(code, object_type), &self.audit())
            .await
            .unwrap()
            .id
    }

    async fn report(&self) -> ExpenseReportId {
        let report = NewExpenseReport {
            company_id: self.company,
            owner: self.owner,
            name: ReportName::parse("March").unwrap(),
            created_at: OffsetDateTime::now_utc(),
        };
        self.store.insert_expense_report(&report).await.unwrap()
    }

    async fn entry(&self, report: ExpenseReportId) -> ExpenseEntryId {
        let fields = EntryFields {
            expense_type: ExpenseType::Taxi,
            transaction_date: parse_date("2025-03-01").unwrap(),
            amount: Amount::parse("12.50").unwrap(),
            currency: CurrencyCode::parse("EUR").unwrap(),
            business_purpose: BusinessPurpose::parse("Airport to office").unwrap(),
        };
        self.store
            .insert_expense_entry(report, &fields, None, OffsetDateTime::now_utc())
            .await
            .unwrap()
    }

    async fn allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        percentage: u8,
    ) -> AllocationAdded {
        self.store
            .add_expense_allocation(report, entry, percentage, OffsetDateTime::now_utc())
            .await
            .unwrap()
    }

    async fn added_allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        percentage: u8,
    ) -> ExpenseAllocationId {
        match self.allocation(report, entry, percentage).await {
            AllocationAdded::Added(id) => id,
            other => panic!("allocation not added: {other:?}"),
        }
    }
}

#[tokio::test]
async fn launch_field_round_trip() {
    let fixture = fixture().await;
    let mut new_field = fixture.new_field("CostObject", LaunchObjectType::Entry);
    new_field.multiline = true;

    let inserted = fixture
        .store
        .insert_launch_field(&new_field, &fixture.audit())
        .await
        .unwrap();
    let by_id = fixture
        .store
        .launch_field(fixture.company, inserted.id)
        .await
        .unwrap();
    let by_code = fixture
        .store
        .launch_field_by_code(fixture.company, "CostObject")
        .await
        .unwrap();

    assert_eq!(by_id.as_ref(), Some(&inserted));
    assert_eq!(by_code.as_ref(), Some(&inserted));
    assert!(inserted.multiline);
    assert_eq!(inserted.popup_width, 800);
    assert_eq!(inserted.registration_id, fixture.registration);
}

#[tokio::test]
async fn launch_field_hidden_from_other_company() {
    let fixture = fixture().await;
    let id = fixture.field("CostObject", LaunchObjectType::Entry).await;

    let by_id = fixture
        .store
        .launch_field(fixture.other_company, id)
        .await
        .unwrap();
    let by_code = fixture
        .store
        .launch_field_by_code(fixture.other_company, "CostObject")
        .await
        .unwrap();
    let listed = fixture
        .store
        .launch_fields(fixture.other_company)
        .await
        .unwrap();

    assert!(by_id.is_none());
    assert!(by_code.is_none());
    assert!(listed.is_empty());
}

#[tokio::test]
async fn launch_field_code_unique_without_case() {
    let fixture = fixture().await;
    fixture.field("CostObject", LaunchObjectType::Entry).await;

    let duplicate = fixture
        .store
        .insert_launch_field(
            &fixture.new_field("COSTOBJECT", LaunchObjectType::Header),
            &fixture.audit(),
        )
        .await;

    assert!(matches!(duplicate, Err(StoreError::Duplicate)));
    let trail = fixture
        .store
        .audit_trail(fixture.company, fixture.registration)
        .await
        .unwrap();
    let created = trail
        .iter()
        .filter(|entry| entry.action == AuditAction::LaunchFieldCreated)
        .count();
    assert_eq!(
        created, 1,
        "a rejected insert must not leave an audit entry"
    );
}

#[tokio::test]
async fn launch_field_insert_appends_audit_entry() {
    let fixture = fixture().await;
    fixture.field("CostObject", LaunchObjectType::Entry).await;

    let trail = fixture
        .store
        .audit_trail(fixture.company, fixture.registration)
        .await
        .unwrap();

    let last = trail.last().unwrap();
    assert_eq!(last.action, AuditAction::LaunchFieldCreated);
    assert_eq!(last.result.as_deref(), Some("CostObject"));
}

#[tokio::test]
async fn launch_field_by_code_is_exact() {
    let fixture = fixture().await;
    fixture.field("CostObject", LaunchObjectType::Entry).await;

    let found = fixture
        .store
        .launch_field_by_code(fixture.company, "costobject")
        .await
        .unwrap();

    assert!(found.is_none());
}

#[tokio::test]
async fn launch_fields_ordered_by_object_type_then_code() {
    let fixture = fixture().await;
    fixture.field("Zeta", LaunchObjectType::Allocation).await;
    fixture.field("beta", LaunchObjectType::Entry).await;
    fixture.field("Alpha", LaunchObjectType::Entry).await;
    fixture.field("Omega", LaunchObjectType::Header).await;

    let codes: Vec<String> = fixture
        .store
        .launch_fields(fixture.company)
        .await
        .unwrap()
        .into_iter()
        .map(|field| field.code)
        .collect();

    assert_eq!(codes, ["Omega", "Alpha", "beta", "Zeta"]);
}

#[tokio::test]
async fn custom_field_value_set_and_replaced() {
    let fixture = fixture().await;
    let field = fixture.field("CostObject", LaunchObjectType::Entry).await;
    let note = fixture.field("Note", LaunchObjectType::Entry).await;
    let report = fixture.report().await;
    let store = &fixture.store;
    let at = OffsetDateTime::now_utc();

    store
        .set_custom_field_value(report, field, 7, "first", at)
        .await
        .unwrap();
    store
        .set_custom_field_value(report, field, 7, "Berlin (DE-BER)", at)
        .await
        .unwrap();
    store
        .set_custom_field_value(report, note, 8, "other entry", at)
        .await
        .unwrap();
    let values = store
        .custom_field_values(fixture.company, LaunchObjectType::Entry, 7)
        .await
        .unwrap();

    assert_eq!(values.len(), 1);
    assert_eq!(
        values.get(&field).map(String::as_str),
        Some("Berlin (DE-BER)")
    );
}

#[tokio::test]
async fn custom_field_value_not_set_on_submitted_report() {
    let fixture = fixture().await;
    let field = fixture.field("CostObject", LaunchObjectType::Entry).await;
    let report = fixture.report().await;
    let entry = fixture.entry(report).await;
    let store = &fixture.store;
    let at = OffsetDateTime::now_utc();
    store
        .set_custom_field_value(report, field, entry.0, "before submit", at)
        .await
        .unwrap();
    let submit = StepChange {
        object: ObjectRef::expense_report(report.0),
        company_id: fixture.company,
        event: WorkflowEvent {
            at,
            action: Action::Submit,
            from: Step::NotSubmitted,
            to: Step::Approval,
            actor: EventActor::User {
                id: fixture.owner,
                login: "ada".to_owned(),
            },
            comment: None,
        },
        notifications: Vec::new(),
    };
    store.change_step(&submit).await.unwrap();

    let locked = store
        .set_custom_field_value(report, field, entry.0, "after submit", at)
        .await
        .unwrap();

    assert_eq!(locked, Some(Step::Approval));
    let values = store
        .custom_field_values(fixture.company, LaunchObjectType::Entry, entry.0)
        .await
        .unwrap();
    assert_eq!(values.get(&field).map(String::as_str), Some("before submit"));
}

#[tokio::test]
async fn custom_field_values_scoped_by_object_type_and_company() {
    let fixture = fixture().await;
    let header = fixture.field("Project", LaunchObjectType::Header).await;
    let entry = fixture.field("CostObject", LaunchObjectType::Entry).await;
    let report = fixture.report().await;
    let store = &fixture.store;
    let at = OffsetDateTime::now_utc();
    store
        .set_custom_field_value(report, header, 5, "header value", at)
        .await
        .unwrap();
    store
        .set_custom_field_value(report, entry, 5, "entry value", at)
        .await
        .unwrap();

    let header_values = store
        .custom_field_values(fixture.company, LaunchObjectType::Header, 5)
        .await
        .unwrap();
    let other_company = store
        .custom_field_values(fixture.other_company, LaunchObjectType::Header, 5)
        .await
        .unwrap();

    assert_eq!(header_values.len(), 1);
    assert_eq!(
        header_values.get(&header).map(String::as_str),
        Some("header value")
    );
    assert!(other_company.is_empty());
}

#[tokio::test]
async fn allocations_add_up_to_at_most_100() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let entry = fixture.entry(report).await;

    let first = fixture.added_allocation(report, entry, 60).await;
    let over = fixture.allocation(report, entry, 41).await;
    let second = fixture.added_allocation(report, entry, 40).await;
    let full = fixture.allocation(report, entry, 1).await;
    let listed = fixture.store.expense_allocations(entry).await.unwrap();

    assert_eq!(over, AllocationAdded::OverFullAllocation { allocated: 60 });
    assert_eq!(full, AllocationAdded::OverFullAllocation { allocated: 100 });
    let ids: Vec<ExpenseAllocationId> = listed.iter().map(|allocation| allocation.id).collect();
    assert_eq!(ids, [first, second]);
    assert_eq!(listed[0].percentage, 60);
    assert_eq!(listed[1].entry_id, entry);
}

#[tokio::test]
async fn allocation_not_added_to_entry_of_other_report() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let other_report = fixture.report().await;
    let entry = fixture.entry(report).await;

    let added = fixture.allocation(other_report, entry, 50).await;

    assert_eq!(added, AllocationAdded::EntryNotFound);
    assert!(
        fixture
            .store
            .expense_allocations(entry)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn allocation_removed_with_its_values() {
    let fixture = fixture().await;
    let field = fixture.field("Split", LaunchObjectType::Allocation).await;
    let report = fixture.report().await;
    let entry = fixture.entry(report).await;
    let allocation = fixture.added_allocation(report, entry, 50).await;
    let at = OffsetDateTime::now_utc();
    fixture
        .store
        .set_custom_field_value(report, field, allocation.0, "kept until removal", at)
        .await
        .unwrap();

    fixture
        .store
        .remove_expense_allocation(report, entry, allocation)
        .await
        .unwrap();

    assert!(
        fixture
            .store
            .expense_allocations(entry)
            .await
            .unwrap()
            .is_empty()
    );
    let values = fixture
        .store
        .custom_field_values(fixture.company, LaunchObjectType::Allocation, allocation.0)
        .await
        .unwrap();
    assert!(values.is_empty());
}

#[tokio::test]
async fn allocation_not_removed_through_other_report() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let other_report = fixture.report().await;
    let entry = fixture.entry(report).await;
    let allocation = fixture.added_allocation(report, entry, 50).await;

    fixture
        .store
        .remove_expense_allocation(other_report, entry, allocation)
        .await
        .unwrap();

    assert_eq!(
        fixture
            .store
            .expense_allocations(entry)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn entry_deleted_with_allocations_and_values() {
    let fixture = fixture().await;
    let entry_field = fixture.field("CostObject", LaunchObjectType::Entry).await;
    let allocation_field = fixture.field("Split", LaunchObjectType::Allocation).await;
    let report = fixture.report().await;
    let entry = fixture.entry(report).await;
    let allocation = fixture.added_allocation(report, entry, 30).await;
    let at = OffsetDateTime::now_utc();
    let store = &fixture.store;
    store
        .set_custom_field_value(report, entry_field, entry.0, "entry", at)
        .await
        .unwrap();
    store
        .set_custom_field_value(report, allocation_field, allocation.0, "allocation", at)
        .await
        .unwrap();

    store.delete_expense_entry(report, entry).await.unwrap();

    assert!(store.expense_allocations(entry).await.unwrap().is_empty());
    let entry_values = store
        .custom_field_values(fixture.company, LaunchObjectType::Entry, entry.0)
        .await
        .unwrap();
    let allocation_values = store
        .custom_field_values(fixture.company, LaunchObjectType::Allocation, allocation.0)
        .await
        .unwrap();
    assert!(entry_values.is_empty());
    assert!(allocation_values.is_empty());
}

#[tokio::test]
async fn launch_item_of_header() {
    let fixture = fixture().await;
    let report = fixture.report().await;

    let item = fixture
        .store
        .launch_item(fixture.company, LaunchObject::Header(report))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(item.report.object.id, report.0);
    assert_eq!(item.report.owner, fixture.owner);
    assert_eq!(item.report.owner_login, "ada");
    assert_eq!(item.report.company_id, fixture.company);
    assert_eq!(item.report.step, Step::NotSubmitted);
    assert!(item.entry.is_none());
    assert!(item.allocation.is_none());
}

#[tokio::test]
async fn launch_item_of_entry() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let entry = fixture.entry(report).await;

    let item = fixture
        .store
        .launch_item(fixture.company, LaunchObject::Entry(entry))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(item.report.object.id, report.0);
    assert_eq!(item.entry.map(|entry| entry.id), Some(entry));
    assert!(item.allocation.is_none());
}

#[tokio::test]
async fn launch_item_of_allocation() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let entry = fixture.entry(report).await;
    let allocation = fixture.added_allocation(report, entry, 25).await;

    let item = fixture
        .store
        .launch_item(fixture.company, LaunchObject::Allocation(allocation))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(item.report.object.id, report.0);
    assert_eq!(item.entry.map(|entry| entry.id), Some(entry));
    let found = item.allocation.unwrap();
    assert_eq!(found.id, allocation);
    assert_eq!(found.percentage, 25);
}

#[tokio::test]
async fn launch_item_hidden_from_other_company() {
    let fixture = fixture().await;
    let report = fixture.report().await;
    let entry = fixture.entry(report).await;
    let allocation = fixture.added_allocation(report, entry, 25).await;

    for object in [
        LaunchObject::Header(report),
        LaunchObject::Entry(entry),
        LaunchObject::Allocation(allocation),
    ] {
        let item = fixture
            .store
            .launch_item(fixture.other_company, object)
            .await
            .unwrap();
        assert!(item.is_none(), "{object}");
    }
}

#[tokio::test]
async fn launch_item_of_missing_object() {
    let fixture = fixture().await;

    for object in [
        LaunchObject::Header(ExpenseReportId(999)),
        LaunchObject::Entry(ExpenseEntryId(999)),
        LaunchObject::Allocation(ExpenseAllocationId(999)),
    ] {
        let item = fixture
            .store
            .launch_item(fixture.company, object)
            .await
            .unwrap();
        assert!(item.is_none(), "{object}");
    }
}

#[test]
fn launch_object_parse_cases() {
    assert_eq!(
        LaunchObject::parse("HEADER:3"),
        Some(LaunchObject::Header(ExpenseReportId(3)))
    );
    assert_eq!(
        LaunchObject::parse("ALLOCATION:12"),
        Some(LaunchObject::Allocation(ExpenseAllocationId(12)))
    );
    for text in [
        "ENTRY:",
        "ENTRY:0",
        "ENTRY:-1",
        "ENTRY:+1",
        "entry:1",
        "ENTRY 1",
        "ENTRY:1:2",
        "ENTRY:99999999999999999999",
    ] {
        assert_eq!(LaunchObject::parse(text), None, "{text}");
    }
}

/// The fixture's registration, verified and with its Launch External URL
/// service enabled with `version`, or as stored (unverified, with the
/// service disabled) for `None`.
async fn launch_registration(
    fixture: &Fixture,
    version: Option<LaunchVersion>,
) -> host::domain::Registration {
    let mut registration = fixture
        .store
        .registration(fixture.company, fixture.registration)
        .await
        .unwrap()
        .unwrap();
    let service = registration
        .services
        .get_mut(&ServiceKind::LaunchExternalUrl)
        .unwrap();
    if let Some(version) = version {
        registration.verified = true;
        service.enabled = true;
        service.settings = ServiceSettings::LaunchExternalUrl {
            version,
            oauth: (version == LaunchVersion::V4).then(|| OAuthClient {
                client_id: "client".to_owned(),
                redirect_url: "https://connector.example.com/callback".to_owned(),
            }),
        };
    }
    registration
}

fn input(object_type: &str) -> LaunchFieldInput {
    LaunchFieldInput {
        registration_id: None,
        code: "CostObject".to_owned(),
        label: "Cost object".to_owned(),
        object_type: object_type.to_owned(),
        multiline: false,
        popup_width: Some(800),
        popup_height: Some(600),
    }
}

fn rules_of(result: Result<NewLaunchField, host::domain::FieldErrors>) -> Vec<(String, String)> {
    result
        .unwrap_err()
        .0
        .into_iter()
        .map(|error| (error.field, error.rule))
        .collect()
}

#[tokio::test]
async fn field_input_v1_allows_entry_only() {
    let fixture = fixture().await;
    let registration = launch_registration(&fixture, Some(LaunchVersion::V1)).await;
    let at = OffsetDateTime::now_utc();

    let entry = input("ENTRY").parse(fixture.company, Some(&registration), at);
    let header = input("HEADER").parse(fixture.company, Some(&registration), at);

    assert!(entry.is_ok());
    assert_eq!(
        rules_of(header),
        [(
            "object_type".to_owned(),
            launch_rules::ENTRY_FOR_V1.to_owned()
        )]
    );
}

#[tokio::test]
async fn field_input_v4_allows_every_object_type() {
    let fixture = fixture().await;
    let registration = launch_registration(&fixture, Some(LaunchVersion::V4)).await;

    for object_type in ["HEADER", "ENTRY", "ALLOCATION"] {
        let parsed = input(object_type).parse(
            fixture.company,
            Some(&registration),
            OffsetDateTime::now_utc(),
        );
        assert!(parsed.is_ok(), "{object_type}");
    }
}

#[tokio::test]
async fn field_input_disabled_service_rejected() {
    let fixture = fixture().await;
    let registration = launch_registration(&fixture, None).await;

    let parsed = input("ENTRY").parse(
        fixture.company,
        Some(&registration),
        OffsetDateTime::now_utc(),
    );

    assert_eq!(
        rules_of(parsed),
        [(
            "registration_id".to_owned(),
            launch_rules::SERVICE_DISABLED.to_owned()
        )]
    );
}

#[tokio::test]
async fn field_input_unverified_registration_rejected() {
    let fixture = fixture().await;
    let mut registration = launch_registration(&fixture, Some(LaunchVersion::V4)).await;
    registration.verified = false;

    let parsed = input("ENTRY").parse(
        fixture.company,
        Some(&registration),
        OffsetDateTime::now_utc(),
    );

    assert_eq!(
        rules_of(parsed),
        [(
            "registration_id".to_owned(),
            launch_rules::SERVICE_DISABLED.to_owned()
        )]
    );
    assert_eq!(launch_version(&registration), None);
}

#[tokio::test]
async fn field_input_other_company_registration_rejected() {
    let fixture = fixture().await;
    let registration = launch_registration(&fixture, Some(LaunchVersion::V4)).await;

    let parsed = input("ENTRY").parse(
        fixture.other_company,
        Some(&registration),
        OffsetDateTime::now_utc(),
    );

    assert_eq!(
        rules_of(parsed),
        [(
            "registration_id".to_owned(),
            launch_rules::REGISTRATION_UNKNOWN.to_owned()
        )]
    );
}

#[tokio::test]
async fn field_input_reports_every_broken_rule() {
    let fixture = fixture().await;
    let registration = launch_registration(&fixture, Some(LaunchVersion::V4)).await;
    let bad = LaunchFieldInput {
        registration_id: None,
        code: "cost object".to_owned(),
        label: " ".to_owned(),
        object_type: "LINE".to_owned(),
        multiline: false,
        popup_width: Some(199),
        popup_height: None,
    };

    let parsed = bad.parse(
        fixture.company,
        Some(&registration),
        OffsetDateTime::now_utc(),
    );

    assert_eq!(
        rules_of(parsed),
        [
            ("code".to_owned(), launch_rules::CODE.to_owned()),
            ("label".to_owned(), launch_rules::LABEL_LENGTH.to_owned()),
            (
                "object_type".to_owned(),
                launch_rules::OBJECT_TYPE.to_owned()
            ),
            (
                "popup_width".to_owned(),
                launch_rules::POPUP_SIZE.to_owned()
            ),
            (
                "popup_height".to_owned(),
                launch_rules::POPUP_SIZE.to_owned()
            ),
        ]
    );
}
