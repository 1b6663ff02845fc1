//! Metadata of the imported lists, held in memory between database changes.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::lock;
use crate::store::StoreError;

/// One imported list.
pub(super) struct ListInfo {
    pub id: i64,
    pub name: String,
    pub default_lang: String,
    /// Languages with at least one text, sorted.
    languages: Vec<String>,
}

impl ListInfo {
    /// Tells whether the list has texts in `lang` (normalized, as stored).
    pub fn has_language(&self, lang: &str) -> bool {
        self.languages
            .binary_search_by(|known| known.as_str().cmp(lang))
            .is_ok()
    }
}

/// Every imported list, in import order.
#[derive(Default)]
pub(super) struct Catalog {
    lists: Vec<ListInfo>,
    /// The lists' names, shared with every Fetch List that chooses a list.
    names: Arc<[String]>,
}

impl Catalog {
    /// Reads the lists and their languages from the connection's snapshot.
    pub fn load(connection: &Connection) -> Result<Catalog, StoreError> {
        let mut lists = Vec::new();
        let mut statement =
            connection.prepare_cached("SELECT id, name, default_lang FROM lists ORDER BY id")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            lists.push(ListInfo {
                id: row.get(0)?,
                name: row.get(1)?,
                default_lang: row.get(2)?,
                languages: Vec::new(),
            });
        }

        let mut statement = connection
            .prepare_cached("SELECT list_id, lang FROM list_languages ORDER BY list_id, lang")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let list_id: i64 = row.get(0)?;
            if let Some(list) = lists.iter_mut().find(|list| list.id == list_id) {
                list.languages.push(row.get(1)?);
            }
        }
        let names = lists.iter().map(|list| list.name.clone()).collect();
        Ok(Catalog { lists, names })
    }

    /// Finds a list by its exact name.
    pub fn find(&self, name: &str) -> Option<&ListInfo> {
        self.lists.iter().find(|list| list.name == name)
    }

    /// Names of the lists, in import order.
    pub fn names(&self) -> Arc<[String]> {
        Arc::clone(&self.names)
    }
}

/// List state that the store shares across its connections.
pub(super) struct ListState {
    /// Highest list version that any connection has read.
    latest: AtomicI64,
    /// The newest catalog a reader has read, with its list version, which
    /// is older than `latest` after a commit until a reader reads it.
    catalog: Mutex<(i64, Arc<Catalog>)>,
    /// When a read transaction last began to look for commits, in
    /// nanoseconds since `opened`.
    checked: AtomicU64,
    opened: Instant,
}

impl ListState {
    pub fn new() -> ListState {
        ListState {
            latest: AtomicI64::new(0),
            catalog: Mutex::new((0, Arc::new(Catalog::default()))),
            checked: AtomicU64::new(0),
            opened: Instant::now(),
        }
    }

    /// Records a list version that a connection read.
    pub fn note_version(&self, version: i64) {
        self.latest.fetch_max(version, Ordering::Relaxed);
    }

    /// Records what a read transaction that began at `started` found.
    fn observe(&self, started: Instant, version: i64, catalog: &Arc<Catalog>) {
        self.note_version(version);
        let mut published = lock(&self.catalog);
        if published.0 < version {
            *published = (version, Arc::clone(catalog));
        }
        drop(published);
        let since_open = started.saturating_duration_since(self.opened).as_nanos();
        self.checked.fetch_max(since_open as u64, Ordering::Relaxed);
    }

    /// Returns the catalog at `version` when a reader has published it.
    fn catalog_at(&self, version: i64) -> Option<Arc<Catalog>> {
        let published = lock(&self.catalog);
        (published.0 == version).then(|| Arc::clone(&published.1))
    }

    /// Returns the latest list version and its catalog, when a read
    /// transaction looked for commits less than `interval` ago. Commits by
    /// other processes since that look are not in them, so they can be up to
    /// `interval` old. Commits by this store are in them, because imports
    /// record their version.
    pub fn recent(&self, interval: Duration) -> Option<(i64, Arc<Catalog>)> {
        let checked = Duration::from_nanos(self.checked.load(Ordering::Relaxed));
        if self.opened.elapsed().saturating_sub(checked) >= interval {
            return None;
        }
        let latest = self.latest.load(Ordering::Relaxed);
        Some((latest, self.catalog_at(latest)?))
    }
}

/// List state of the last snapshot that a reader connection read.
pub(super) struct ReaderState {
    /// `PRAGMA data_version` of that snapshot. SQLite changes a
    /// connection's data version when any other connection, in this process
    /// or another, commits to the file, so an equal value at the start of the
    /// next read transaction means that nothing changed. Data versions of
    /// different connections cannot be compared.
    data_version: i64,
    list_version: i64,
    catalog: Arc<Catalog>,
}

impl ReaderState {
    /// Reads the state of `snapshot`, a connection in a read transaction,
    /// and records it in `lists`.
    pub fn load(snapshot: &Connection, lists: &ListState) -> Result<ReaderState, StoreError> {
        let started = Instant::now();
        let data_version = data_version(snapshot)?;
        let list_version = list_version(snapshot)?;
        let catalog = match lists.catalog_at(list_version) {
            Some(catalog) => catalog,
            None => Arc::new(Catalog::load(snapshot)?),
        };
        lists.observe(started, list_version, &catalog);
        Ok(ReaderState {
            data_version,
            list_version,
            catalog,
        })
    }

    /// Brings the state up to `snapshot`, a connection in a read
    /// transaction, records it in `lists` and returns its list version.
    /// The catalog is read again only when the lists changed, not after
    /// every commit.
    pub fn refresh(&mut self, snapshot: &Connection, lists: &ListState) -> Result<i64, StoreError> {
        let started = Instant::now();
        let data_version = data_version(snapshot)?;
        if data_version != self.data_version {
            let list_version = list_version(snapshot)?;
            if list_version != self.list_version {
                self.catalog = match lists.catalog_at(list_version) {
                    Some(catalog) => catalog,
                    None => Arc::new(Catalog::load(snapshot)?),
                };
                self.list_version = list_version;
            }
            self.data_version = data_version;
        }
        lists.observe(started, self.list_version, &self.catalog);
        Ok(self.list_version)
    }

    /// Returns the catalog of the snapshot passed last to [`Self::refresh`].
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
}

/// The data version of the connection's current read transaction. The
/// pragma starts the read transaction when none is open yet, so the value
/// belongs to the snapshot that later statements read.
fn data_version(connection: &Connection) -> Result<i64, StoreError> {
    let mut statement = connection.prepare_cached("PRAGMA data_version")?;
    Ok(statement.query_row([], |row| row.get(0))?)
}

/// Reads the count of list changes that the `list_version` table keeps.
pub(super) fn list_version(connection: &Connection) -> Result<i64, StoreError> {
    let mut statement = connection.prepare_cached("SELECT version FROM list_version")?;
    Ok(statement.query_row([], |row| row.get(0))?)
}
