//! The tables of expense reports and travel requests, as the workflow
//! queries of every engine read them.

use protocol::ObjectType;

/// The tables of one object type.
pub(crate) struct ObjectTables {
    pub(crate) object_type: ObjectType,
    pub(crate) objects: &'static str,
    pub(crate) entries: &'static str,
    /// Column of `entries` that names the object.
    pub(crate) entries_key: &'static str,
}

pub(crate) const EXPENSE_REPORTS: ObjectTables = ObjectTables {
    object_type: ObjectType::ExpenseReport,
    objects: "expense_reports",
    entries: "expense_entries",
    entries_key: "report_id",
};

pub(crate) const TRAVEL_REQUESTS: ObjectTables = ObjectTables {
    object_type: ObjectType::TravelRequest,
    objects: "travel_requests",
    entries: "travel_request_expenses",
    entries_key: "request_id",
};

pub(crate) fn tables(object_type: ObjectType) -> &'static ObjectTables {
    match object_type {
        ObjectType::ExpenseReport => &EXPENSE_REPORTS,
        ObjectType::TravelRequest => &TRAVEL_REQUESTS,
    }
}

impl ObjectTables {
    /// Returns the SELECT of workflow items of this type, to be followed by
    /// conditions on `o` (the object) and `step`. An object without a state
    /// row is NOT_SUBMITTED.
    pub(crate) fn select_items(&self) -> String {
        format!(
            "SELECT o.id, o.company_id, o.owner_user_id, u.login, o.name, \
             (SELECT count(*) FROM {entries} AS e WHERE e.{key} = o.id), \
             coalesce(w.step, 'NOT_SUBMITTED') AS step, w.comment, w.updated_at \
             FROM {objects} AS o JOIN users AS u ON u.id = o.owner_user_id \
             LEFT JOIN workflow_states AS w ON w.object_type = '{code}' AND w.object_id = o.id",
            entries = self.entries,
            key = self.entries_key,
            objects = self.objects,
            code = self.object_type.as_str(),
        )
    }
}
