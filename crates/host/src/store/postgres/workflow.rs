//! Workflow steps, their history and the notifications of a step change, in PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::{PostgresHostStore, finish, from_millis, notifications, to_millis};
use crate::domain::{CompanyId, RegistrationId, UserId};
use crate::notifications::NotificationId;
use crate::store::object_tables::{EXPENSE_REPORTS, ObjectTables, TRAVEL_REQUESTS, tables};
use crate::store::workflow::WorkflowStore;
use crate::store::{StoreError, invalid_value};
use crate::workflow::{
    Action, EventActor, ObjectRef, Step, StepChange, WorkflowEvent, WorkflowItem,
};

/// Reads a workflow item of `tables`' type from a row of [`ObjectTables::select_items`].
fn read_item(tables: &ObjectTables, row: &PgRow) -> Result<WorkflowItem, StoreError> {
    let step: String = row.try_get(6)?;
    let entry_count: i64 = row.try_get(5)?;
    Ok(WorkflowItem {
        object: ObjectRef {
            object_type: tables.object_type,
            id: row.try_get(0)?,
        },
        company_id: CompanyId(row.try_get(1)?),
        owner: UserId(row.try_get(2)?),
        owner_login: row.try_get(3)?,
        name: row.try_get(4)?,
        entry_count: entry_count.try_into().unwrap_or(0),
        step: Step::parse(&step).ok_or_else(|| invalid_value("workflow_states.step"))?,
        comment: row.try_get(7)?,
        step_changed_at: row.try_get::<Option<i64>, _>(8)?.map(from_millis),
    })
}

#[async_trait::async_trait]
impl WorkflowStore for PostgresHostStore {
    async fn workflow_item(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<Option<WorkflowItem>, StoreError> {
        let tables = tables(object.object_type);
        let row = sqlx::query(&format!(
            "{} WHERE o.company_id = $1 AND o.id = $2",
            tables.select_items()
        ))
        .bind(company.0)
        .bind(object.id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| read_item(tables, &row)).transpose()
    }

    async fn workflow_items(
        &self,
        company: CompanyId,
        steps: &[Step],
        limit: usize,
    ) -> Result<Vec<WorkflowItem>, StoreError> {
        if steps.is_empty() {
            return Ok(Vec::new());
        }
        let steps: Vec<String> = steps.iter().map(|step| step.as_str().to_owned()).collect();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut items = Vec::new();
        for tables in [&EXPENSE_REPORTS, &TRAVEL_REQUESTS] {
            let rows = sqlx::query(&format!(
                "{} WHERE o.company_id = $1 AND coalesce(w.step, 'NOT_SUBMITTED') = ANY($2) \
                 ORDER BY coalesce(w.updated_at, o.created_at), o.id LIMIT $3",
                tables.select_items()
            ))
            .bind(company.0)
            .bind(&steps)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                items.push(read_item(tables, &row)?);
            }
        }
        items.sort_by_key(|item| (item.step_changed_at, item.object.id));
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(items)
    }

    async fn change_step(&self, change: &StepChange) -> Result<Vec<NotificationId>, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = change_step(&mut transaction, change).await;
        finish(transaction, result).await
    }

    async fn workflow_history(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<Vec<WorkflowEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, action, from_step, to_step, actor_user_id, actor_login, registration_id, comment \
             FROM workflow_events WHERE object_type = $1 AND object_id = $2 \
             AND EXISTS (SELECT 1 FROM workflow_states AS w \
                 WHERE w.object_type = $1 AND w.object_id = $2 AND w.company_id = $3) \
             ORDER BY id",
        )
        .bind(object.object_type.as_str())
        .bind(object.id)
        .bind(company.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}

/// Sets the step, appends the event and queues the notifications, in the
/// caller's transaction.
async fn change_step(
    transaction: &mut PgConnection,
    change: &StepChange,
) -> Result<Vec<NotificationId>, StoreError> {
    let event = &change.event;
    let object = change.object;
    let at = to_millis(event.at);
    // An object without a state row gets one first, so that the row can be
    // locked: a concurrent change of the same object waits here until this
    // transaction ends, and then reads the step it wrote. The row is
    // rolled back with the rest when the step differs.
    sqlx::query(
        "INSERT INTO workflow_states (object_type, object_id, company_id, step, comment, updated_at) \
         VALUES ($1, $2, $3, 'NOT_SUBMITTED', NULL, $4) ON CONFLICT (object_type, object_id) DO NOTHING",
    )
    .bind(object.object_type.as_str())
    .bind(object.id)
    .bind(change.company_id.0)
    .bind(at)
    .execute(&mut *transaction)
    .await?;
    let stored: String = sqlx::query_scalar(
        "SELECT step FROM workflow_states WHERE object_type = $1 AND object_id = $2 FOR UPDATE",
    )
    .bind(object.object_type.as_str())
    .bind(object.id)
    .fetch_one(&mut *transaction)
    .await?;
    let stored = Step::parse(&stored).ok_or_else(|| invalid_value("workflow_states.step"))?;
    if stored != event.from {
        return Err(StoreError::Conflict);
    }

    let comment = (event.to == Step::SentBack)
        .then_some(event.comment.as_deref())
        .flatten();
    sqlx::query(
        "UPDATE workflow_states SET step = $3, comment = $4, updated_at = $5 \
         WHERE object_type = $1 AND object_id = $2",
    )
    .bind(object.object_type.as_str())
    .bind(object.id)
    .bind(event.to.as_str())
    .bind(comment)
    .bind(at)
    .execute(&mut *transaction)
    .await?;
    let (user_id, login, registration_id) = match &event.actor {
        EventActor::User { id, login } => (Some(id.0), Some(login.as_str()), None),
        EventActor::Connector { registration } => (None, None, Some(registration.0)),
    };
    sqlx::query(
        "INSERT INTO workflow_events (object_type, object_id, at, action, from_step, to_step, \
         actor_user_id, actor_login, registration_id, comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(object.object_type.as_str())
    .bind(object.id)
    .bind(at)
    .bind(event.action.as_str())
    .bind(event.from.as_str())
    .bind(event.to.as_str())
    .bind(user_id)
    .bind(login)
    .bind(registration_id)
    .bind(&event.comment)
    .execute(&mut *transaction)
    .await?;
    let mut ids = Vec::with_capacity(change.notifications.len());
    for notification in &change.notifications {
        ids.push(notifications::insert(transaction, notification).await?);
    }
    Ok(ids)
}

fn event_from_row(row: &PgRow) -> Result<WorkflowEvent, StoreError> {
    let step =
        |text: String| Step::parse(&text).ok_or_else(|| invalid_value("workflow_events.step"));
    let user_id: Option<i64> = row.try_get(4)?;
    let login: Option<String> = row.try_get(5)?;
    let registration_id: Option<i64> = row.try_get(6)?;
    let actor = match (user_id, login, registration_id) {
        (Some(id), Some(login), _) => EventActor::User {
            id: UserId(id),
            login,
        },
        (_, _, Some(registration)) => EventActor::Connector {
            registration: RegistrationId(registration),
        },
        _ => return Err(invalid_value("workflow_events.actor_user_id")),
    };
    let action: String = row.try_get(1)?;
    Ok(WorkflowEvent {
        at: from_millis(row.try_get(0)?),
        action: Action::parse(&action).ok_or_else(|| invalid_value("workflow_events.action"))?,
        from: step(row.try_get(2)?)?,
        to: step(row.try_get(3)?)?,
        actor,
        comment: row.try_get(7)?,
    })
}

/// Returns the stored step of an object, NOT_SUBMITTED when it has no
/// state row, and the comment of its latest send-back, if any.
pub(super) async fn state_of(
    pool: &sqlx::PgPool,
    object: ObjectRef,
) -> Result<(Step, Option<String>), StoreError> {
    let row = sqlx::query(
        "SELECT step, comment FROM workflow_states WHERE object_type = $1 AND object_id = $2",
    )
    .bind(object.object_type.as_str())
    .bind(object.id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok((Step::NotSubmitted, None));
    };
    let step: String = row.try_get(0)?;
    let step = Step::parse(&step).ok_or_else(|| invalid_value("workflow_states.step"))?;
    Ok((step, row.try_get(1)?))
}
