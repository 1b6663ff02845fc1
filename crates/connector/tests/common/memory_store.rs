//! A small in-memory `Store` for handler tests, recording the queries it receives.
//!
//! Its matching is deliberately simple: last name prefix, list query prefix
//! or `*`. The real search rules belong to the SQLite store, which has its own tests.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use connector::store::{
    AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, ListImport, ListQuery, Store,
    StoreError,
};
use protocol::{Attendee, ListItem};

/// One list item below the parent long code it is stored under.
#[derive(Debug, Clone)]
pub struct StoredItem {
    pub parent_long_code: String,
    pub short_code: String,
    pub text: String,
}

impl StoredItem {
    /// Returns the parent's long code and the short code joined by `-`.
    pub fn long_code(&self) -> String {
        match self.parent_long_code.as_str() {
            "" => self.short_code.clone(),
            parent => format!("{parent}-{}", self.short_code),
        }
    }
}

#[derive(Default)]
pub struct MemoryStore {
    pub attendees: Vec<Attendee>,
    /// Items of each list, by list name, in import order.
    pub lists: BTreeMap<String, Vec<StoredItem>>,
    /// When set, every call fails as a broken database would.
    pub failing: AtomicBool,
    /// Delay of every attendee search, in milliseconds, as a slow database would take.
    pub attendee_delay_ms: AtomicU64,
    pub attendee_searches: AtomicUsize,
    pub last_attendee_query: Mutex<Option<AttendeeQuery>>,
    pub last_list_query: Mutex<Option<ListQuery>>,
}

impl MemoryStore {
    pub fn with_attendees(attendees: Vec<Attendee>) -> Self {
        MemoryStore {
            attendees,
            ..MemoryStore::default()
        }
    }

    pub fn with_list(mut self, name: &str, items: &[(&str, &str, &str)]) -> Self {
        let items = items
            .iter()
            .map(|(parent, short_code, text)| StoredItem {
                parent_long_code: parent.to_string(),
                short_code: short_code.to_string(),
                text: text.to_string(),
            })
            .collect();
        self.lists.insert(name.to_owned(), items);
        self
    }

    fn check_failing(&self) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            let cause = std::io::Error::other("disk I/O error at /var/lib/secret.db");
            return Err(StoreError::Database(Box::new(cause)));
        }
        Ok(())
    }
}

fn starts_with_ignoring_case(value: &str, prefix: &str) -> bool {
    value.to_lowercase().starts_with(&prefix.to_lowercase())
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    async fn search_attendees(&self, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError> {
        self.check_failing()?;
        let delay = self.attendee_delay_ms.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        self.attendee_searches.fetch_add(1, Ordering::SeqCst);
        *self.last_attendee_query.lock().unwrap() = Some(query.clone());

        let last_name = query.criteria.last_name.trim_end_matches('*');
        let found = self
            .attendees
            .iter()
            .filter(|attendee| starts_with_ignoring_case(&attendee.last_name, last_name))
            .take(query.limit)
            .map(|attendee| {
                let mut attendee = attendee.clone();
                attendee
                    .custom
                    .resize(query.custom_field_count, String::new());
                attendee
            })
            .collect();
        Ok(found)
    }

    async fn search_list(&self, query: &ListQuery) -> Result<Vec<ListItem>, StoreError> {
        self.check_failing()?;
        *self.last_list_query.lock().unwrap() = Some(query.clone());

        let items = self
            .lists
            .get(&query.list_name)
            .ok_or_else(|| StoreError::ListNotFound(query.list_name.clone()))?;
        let prefix = query.query.trim_end_matches('*');
        let found = items
            .iter()
            .filter(|item| item.parent_long_code == query.parent_long_code)
            .filter(|item| starts_with_ignoring_case(&item.text, prefix))
            .take(query.limit)
            .map(|item| ListItem {
                code: item.long_code(),
                short_code: item.short_code.clone(),
                text: item.text.clone(),
                match_value: item.text.clone(),
            })
            .collect();
        Ok(found)
    }

    async fn list_names(&self) -> Result<Arc<[String]>, StoreError> {
        self.check_failing()?;
        Ok(self.lists.keys().cloned().collect())
    }

    async fn list_item_exists(&self, list_name: &str, long_code: &str) -> Result<bool, StoreError> {
        self.check_failing()?;
        let items = self
            .lists
            .get(list_name)
            .ok_or_else(|| StoreError::ListNotFound(list_name.to_owned()))?;
        Ok(items.iter().any(|item| item.long_code() == long_code))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.check_failing()
    }

    async fn import_list(&self, _import: ListImport) -> Result<ImportSummary, ImportError> {
        Err(ImportError::Store(StoreError::Database(
            "the memory store is read-only".into(),
        )))
    }

    async fn import_attendees(
        &self,
        _records: Vec<AttendeeRecord>,
    ) -> Result<ImportSummary, ImportError> {
        Err(ImportError::Store(StoreError::Database(
            "the memory store is read-only".into(),
        )))
    }
}

/// Builds an attendee with the fields the host requires and `custom` values
/// `C1`, `C2`, … in all 25 custom fields.
pub fn attendee(external_id: &str, first_name: &str, last_name: &str) -> Attendee {
    Attendee {
        external_id: external_id.to_owned(),
        first_name: first_name.to_owned(),
        last_name: last_name.to_owned(),
        attendee_type_code: "BUSGUEST".to_owned(),
        custom: (1..=25).map(|index| format!("C{index}")).collect(),
        ..Attendee::default()
    }
}
