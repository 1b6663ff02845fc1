//! The notification queue on each engine, with several stores on one
//! database as several host instances would open them: step changes queue
//! notifications atomically, claims follow each registration's order, one
//! notification is claimed by one store at a time, and an expired claim is
//! taken over. PostgreSQL runs when `CALLOUTS_TEST_POSTGRES_URL` is set.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::engines::TestDatabase;
use host::crypto::SealedPassword;
use host::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use host::domain::services::default_services;
use host::domain::{AuditAction, AuditEntry, CompanyId, Edition, RegistrationId, Role, UserId};
use host::notifications::{
    Attempt, AttemptOutcome, Lease, NewNotification, NotificationId, NotificationStatus, Removal,
};
use host::store::{HostStore, NewCompany, NewRegistration, NewUser, StoreError};
use host::workflow::{Action, EventActor, ObjectRef, Step, StepChange, WorkflowEvent};
use protocol::{EventDateTime, Notification, ObjectType};
use testing::engine_tests;
use time::{Duration, OffsetDateTime};

struct Fixture {
    store: Arc<dyn HostStore>,
    company: CompanyId,
    user: UserId,
}

/// A fixed time, so that due times and leases do not depend on the clock.
fn start() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

async fn fixture(database: &TestDatabase) -> Fixture {
    let store = database.open().await;
    let company = store
        .insert_company(&NewCompany {
            name: "Acme".to_owned(),
            edition: Edition::Professional,
            development_partner: false,
            created_at: start(),
        })
        .await
        .unwrap()
        .id;
    let user = store
        .insert_user(&NewUser {
            company_id: company,
            login: "ada".to_owned(),
            roles: BTreeSet::from([Role::Employee]),
            password_hash: "$argon2id$placeholder".to_owned(),
            created_at: start(),
        })
        .await
        .unwrap()
        .id;
    Fixture {
        store,
        company,
        user,
    }
}

impl Fixture {
    async fn registration(&self, name: &str) -> RegistrationId {
        let registration = NewRegistration {
            company_id: self.company,
            name: RegistrationName::parse(name).unwrap(),
            description: Description::empty(),
            host_name: HostName::parse("https://connector.example.com").unwrap(),
            user_name: CredentialUserName::parse("connector-user").unwrap(),
            password: SealedPassword::from_bytes(vec![1, 2, 3]),
            services: default_services(),
            created_at: start(),
        };
        let audit = AuditEntry {
            at: start(),
            actor_user_id: self.user,
            actor_login: "ada".to_owned(),
            action: AuditAction::Created,
            service: None,
            changes: Vec::new(),
            result: None,
        };
        self.store
            .insert_registration(&registration, &audit)
            .await
            .unwrap()
    }

    /// Submits expense report `report` and queues one notification of it
    /// for each of `registrations`.
    async fn submit(
        &self,
        report: i64,
        registrations: &[RegistrationId],
    ) -> Result<Vec<NotificationId>, StoreError> {
        let object = ObjectRef::expense_report(report);
        let notifications = registrations
            .iter()
            .map(|registration| NewNotification {
                company_id: self.company,
                registration_id: *registration,
                object,
                notification: Notification {
                    event_type: "Report Entered Expense Report Workflow Step - SUBMIT".to_owned(),
                    object_type: ObjectType::ExpenseReport,
                    object_uri: format!("https://host.example.com/expense-reports/{report}"),
                    event_date_time: EventDateTime::date(2027, 1, 15).unwrap(),
                    context: String::new(),
                },
                created_at: start(),
            })
            .collect();
        let change = StepChange {
            object,
            company_id: self.company,
            event: WorkflowEvent {
                at: start(),
                action: Action::Submit,
                from: Step::NotSubmitted,
                to: Step::ExternalValidationSubmit,
                actor: EventActor::User {
                    id: self.user,
                    login: "ada".to_owned(),
                },
                comment: None,
            },
            notifications,
        };
        self.store.change_step(&change).await
    }

    async fn queued(&self) -> Vec<NotificationId> {
        self.store
            .notifications(self.company, &[NotificationStatus::Queued], 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|notification| notification.id)
            .collect()
    }
}

fn lease(owner: &str, until: OffsetDateTime) -> Lease {
    Lease {
        owner: owner.to_owned(),
        until,
    }
}

fn ids(claimed: &[host::notifications::StoredNotification]) -> Vec<NotificationId> {
    claimed.iter().map(|notification| notification.id).collect()
}

async fn step_change_queues_notifications(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let first = fixture.registration("First").await;
    let second = fixture.registration("Second").await;

    let queued = fixture.submit(7, &[first, second]).await.unwrap();

    assert_eq!(queued.len(), 2);
    assert_eq!(fixture.queued().await, queued);
}

async fn stale_step_change_queues_nothing(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = fixture.registration("First").await;
    let queued = fixture.submit(7, &[registration]).await.unwrap();

    let again = fixture.submit(7, &[registration]).await;

    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    assert_eq!(fixture.queued().await, queued);
}

async fn later_notification_waits_for_retry(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = fixture.registration("First").await;
    let first = fixture.submit(1, &[registration]).await.unwrap()[0];
    let second = fixture.submit(2, &[registration]).await.unwrap()[0];
    let now = start();

    let claimed = fixture
        .store
        .claim_due_notifications(now, &lease("one", now + Duration::minutes(5)), 10)
        .await
        .unwrap();
    assert_eq!(ids(&claimed), [first], "only the head of the registration");
    let retry_at = now + Duration::minutes(1);
    let recorded = fixture
        .store
        .record_notification_attempt(&Attempt {
            id: first,
            lease_owner: "one".to_owned(),
            attempts: 1,
            at: now,
            outcome: AttemptOutcome::Retry {
                next_attempt_at: retry_at,
                error: "timed_out: the connector did not respond".to_owned(),
            },
        })
        .await
        .unwrap();
    assert!(recorded);

    let before_retry = fixture
        .store
        .claim_due_notifications(now, &lease("two", now + Duration::minutes(5)), 10)
        .await
        .unwrap();
    assert!(
        before_retry.is_empty(),
        "the second waits behind the retry: {before_retry:?}"
    );
    let at_retry = fixture
        .store
        .claim_due_notifications(retry_at, &lease("two", retry_at + Duration::minutes(5)), 10)
        .await
        .unwrap();
    assert_eq!(ids(&at_retry), [first]);
    assert_ne!(first, second);
}

async fn two_stores_claim_disjoint_notifications(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let other_instance = database.open().await;
    let mut registrations = Vec::new();
    for number in 0..12 {
        registrations.push(fixture.registration(&format!("Connector {number}")).await);
    }
    let queued = fixture.submit(1, &registrations).await.unwrap();
    let now = start();
    let until = now + Duration::minutes(5);

    let mut claimed = Vec::new();
    for round in 0..4 {
        let first_lease = lease(&format!("a{round}"), until);
        let second_lease = lease(&format!("b{round}"), until);
        let (first, second) = tokio::join!(
            fixture.store.claim_due_notifications(now, &first_lease, 2),
            other_instance.claim_due_notifications(now, &second_lease, 2),
        );
        claimed.extend(ids(&first.unwrap()));
        claimed.extend(ids(&second.unwrap()));
    }

    let distinct: BTreeSet<NotificationId> = claimed.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        claimed.len(),
        "a notification was claimed twice: {claimed:?}"
    );
    let rest = fixture
        .store
        .claim_due_notifications(now, &lease("rest", until), 100)
        .await
        .unwrap();
    let mut all: Vec<NotificationId> = claimed;
    all.extend(ids(&rest));
    all.sort();
    assert_eq!(all, queued, "every notification is claimed exactly once");
}

async fn expired_claim_is_taken_over(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let other_instance = database.open().await;
    let registration = fixture.registration("First").await;
    let queued = fixture.submit(1, &[registration]).await.unwrap();
    let now = start();
    let dead_until = now + Duration::seconds(30);
    let claimed = fixture
        .store
        .claim_due_notifications(now, &lease("dead", dead_until), 10)
        .await
        .unwrap();
    assert_eq!(ids(&claimed), queued);

    let during_lease = other_instance
        .claim_due_notifications(now, &lease("live", now + Duration::minutes(5)), 10)
        .await
        .unwrap();
    let after_lease = other_instance
        .claim_due_notifications(
            dead_until,
            &lease("live", dead_until + Duration::minutes(5)),
            10,
        )
        .await
        .unwrap();
    let late_result = Attempt {
        id: queued[0],
        lease_owner: "dead".to_owned(),
        attempts: 1,
        at: dead_until,
        outcome: AttemptOutcome::Delivered,
    };
    let dead_recorded = fixture
        .store
        .record_notification_attempt(&late_result)
        .await
        .unwrap();
    let live_recorded = other_instance
        .record_notification_attempt(&Attempt {
            lease_owner: "live".to_owned(),
            ..late_result
        })
        .await
        .unwrap();

    assert!(
        during_lease.is_empty(),
        "claimed during another lease: {during_lease:?}"
    );
    assert_eq!(ids(&after_lease), queued);
    assert!(!dead_recorded, "the expired claim's result is ignored");
    assert!(live_recorded);
}

async fn leased_notification_is_not_removed(database: TestDatabase) {
    let fixture = fixture(&database).await;
    let registration = fixture.registration("First").await;
    let queued = fixture.submit(1, &[registration]).await.unwrap();
    let now = start();
    fixture
        .store
        .claim_due_notifications(now, &lease("one", now + Duration::minutes(5)), 10)
        .await
        .unwrap();

    let removal = fixture
        .store
        .remove_notification(
            fixture.company,
            queued[0],
            &[NotificationStatus::Queued],
            now,
        )
        .await
        .unwrap();

    assert_eq!(
        removal,
        Removal::Refused {
            status: NotificationStatus::Queued,
            in_flight: true
        }
    );
}

engine_tests!(
    step_change_queues_notifications,
    stale_step_change_queues_nothing,
    later_notification_waits_for_retry,
    two_stores_claim_disjoint_notifications,
    expired_claim_is_taken_over,
    leased_notification_is_not_removed,
);
