//! Workflow steps, their history and the notifications of a step change, in SQLite.

use protocol::ObjectType;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params, params_from_iter};

use super::{SqliteHostStore, from_millis, invalid_value, notifications, to_millis};
use crate::domain::{CompanyId, RegistrationId, UserId};
use crate::notifications::NotificationId;
use crate::store::StoreError;
use crate::store::object_tables::{EXPENSE_REPORTS, ObjectTables, TRAVEL_REQUESTS, tables};
use crate::store::workflow::WorkflowStore;
use crate::workflow::{
    Action, EventActor, ObjectRef, Step, StepChange, WorkflowEvent, WorkflowItem,
};

/// Reads a workflow item of `tables`' type from a row of [`ObjectTables::select_items`].
fn read_item(tables: &ObjectTables, row: &Row<'_>) -> rusqlite::Result<RawItem> {
    Ok(RawItem {
        object_type: tables.object_type,
        id: row.get(0)?,
        company_id: row.get(1)?,
        owner: row.get(2)?,
        owner_login: row.get(3)?,
        name: row.get(4)?,
        entry_count: row.get(5)?,
        step: row.get(6)?,
        comment: row.get(7)?,
        updated_at: row.get(8)?,
    })
}

/// A workflow item as read, before its step is checked.
struct RawItem {
    object_type: ObjectType,
    id: i64,
    company_id: i64,
    owner: i64,
    owner_login: String,
    name: String,
    entry_count: i64,
    step: String,
    comment: Option<String>,
    updated_at: Option<i64>,
}

impl RawItem {
    fn into_item(self) -> Result<WorkflowItem, StoreError> {
        Ok(WorkflowItem {
            object: ObjectRef {
                object_type: self.object_type,
                id: self.id,
            },
            company_id: CompanyId(self.company_id),
            owner: UserId(self.owner),
            owner_login: self.owner_login,
            name: self.name,
            entry_count: self.entry_count.try_into().unwrap_or(0),
            step: Step::parse(&self.step).ok_or_else(|| invalid_value("workflow_states.step"))?,
            comment: self.comment,
            step_changed_at: self.updated_at.map(from_millis),
        })
    }
}

/// Returns an object of `company` with its step.
pub(super) fn item(
    connection: &Connection,
    company: CompanyId,
    object: ObjectRef,
) -> Result<Option<WorkflowItem>, StoreError> {
    let tables = tables(object.object_type);
    let raw = connection
        .prepare_cached(&format!(
            "{} WHERE o.company_id = ?1 AND o.id = ?2",
            tables.select_items()
        ))?
        .query_row(params![company.0, object.id], |row| read_item(tables, row))
        .optional()?;
    raw.map(RawItem::into_item).transpose()
}

/// Returns the stored step of an object; NOT_SUBMITTED when it has no state row.
pub(super) fn step_of(connection: &Connection, object: ObjectRef) -> Result<Step, StoreError> {
    let stored: Option<String> = connection
        .prepare_cached(
            "SELECT step FROM workflow_states WHERE object_type = ?1 AND object_id = ?2",
        )?
        .query_row(params![object.object_type.as_str(), object.id], |row| {
            row.get(0)
        })
        .optional()?;
    match stored {
        Some(step) => Step::parse(&step).ok_or_else(|| invalid_value("workflow_states.step")),
        None => Ok(Step::NotSubmitted),
    }
}

/// Returns the comment of the latest send-back of an object, when it is sent back.
pub(super) fn comment_of(
    connection: &Connection,
    object: ObjectRef,
) -> Result<Option<String>, StoreError> {
    let comment: Option<Option<String>> = connection
        .prepare_cached(
            "SELECT comment FROM workflow_states WHERE object_type = ?1 AND object_id = ?2",
        )?
        .query_row(params![object.object_type.as_str(), object.id], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(comment.flatten())
}

#[async_trait::async_trait]
impl WorkflowStore for SqliteHostStore {
    async fn workflow_item(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<Option<WorkflowItem>, StoreError> {
        item(&self.connection(), company, object)
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
        let placeholders = vec!["?"; steps.len()].join(", ");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let connection = self.connection();
        let mut items = Vec::new();
        for tables in [&EXPENSE_REPORTS, &TRAVEL_REQUESTS] {
            let mut statement = connection.prepare_cached(&format!(
                "{} WHERE o.company_id = ? AND coalesce(w.step, 'NOT_SUBMITTED') IN ({placeholders}) \
                 ORDER BY coalesce(w.updated_at, o.created_at), o.id LIMIT ?",
                tables.select_items()
            ))?;
            let mut values: Vec<rusqlite::types::Value> = vec![company.0.into()];
            values.extend(steps.iter().map(|step| step.as_str().to_owned().into()));
            values.push(limit.into());
            let rows = statement
                .query_map(params_from_iter(values), |row| read_item(tables, row))?
                .collect::<Result<Vec<_>, _>>()?;
            for raw in rows {
                items.push(raw.into_item()?);
            }
        }
        items.sort_by_key(|item| (item.step_changed_at, item.object.id));
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(items)
    }

    async fn change_step(&self, change: &StepChange) -> Result<Vec<NotificationId>, StoreError> {
        let event = &change.event;
        let object = change.object;
        let mut connection = self.connection();
        // IMMEDIATE takes the write lock before the step is read, so that
        // the comparison holds until the commit.
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if step_of(&transaction, object)? != event.from {
            return Err(StoreError::Conflict);
        }

        let at = to_millis(event.at);
        let comment = (event.to == Step::SentBack)
            .then_some(event.comment.as_deref())
            .flatten();
        transaction.execute(
            "INSERT INTO workflow_states (object_type, object_id, company_id, step, comment, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (object_type, object_id) DO UPDATE SET \
             step = excluded.step, comment = excluded.comment, updated_at = excluded.updated_at",
            params![
                object.object_type.as_str(),
                object.id,
                change.company_id.0,
                event.to.as_str(),
                comment,
                at
            ],
        )?;
        let (user_id, login, registration_id) = match &event.actor {
            EventActor::User { id, login } => (Some(id.0), Some(login.as_str()), None),
            EventActor::Connector { registration } => (None, None, Some(registration.0)),
        };
        transaction.execute(
            "INSERT INTO workflow_events (object_type, object_id, at, action, from_step, to_step, \
             actor_user_id, actor_login, registration_id, comment) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                object.object_type.as_str(),
                object.id,
                at,
                event.action.as_str(),
                event.from.as_str(),
                event.to.as_str(),
                user_id,
                login,
                registration_id,
                event.comment,
            ],
        )?;
        let mut ids = Vec::with_capacity(change.notifications.len());
        for notification in &change.notifications {
            ids.push(notifications::insert(&transaction, notification)?);
        }
        transaction.commit()?;
        Ok(ids)
    }

    async fn workflow_history(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<Vec<WorkflowEvent>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT at, action, from_step, to_step, actor_user_id, actor_login, registration_id, comment \
             FROM workflow_events WHERE object_type = ?1 AND object_id = ?2 \
             AND EXISTS (SELECT 1 FROM workflow_states AS w \
                 WHERE w.object_type = ?1 AND w.object_id = ?2 AND w.company_id = ?3) \
             ORDER BY id",
        )?;
        let rows = statement
            .query_map(
                params![object.object_type.as_str(), object.id, company.0],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<i64>>(4)?,
                        row.get::<_, Option<String>>(5)?,
                        row.get::<_, Option<i64>>(6)?,
                        row.get::<_, Option<String>>(7)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(at, action, from, to, user_id, login, registration_id, comment)| {
                    let step = |text: &str| {
                        Step::parse(text).ok_or_else(|| invalid_value("workflow_events.step"))
                    };
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
                    Ok(WorkflowEvent {
                        at: from_millis(at),
                        action: Action::parse(&action)
                            .ok_or_else(|| invalid_value("workflow_events.action"))?,
                        from: step(&from)?,
                        to: step(&to)?,
                        actor,
                        comment,
                    })
                },
            )
            .collect()
    }
}
