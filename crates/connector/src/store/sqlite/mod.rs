//! The embedded SQLite store: one file in WAL mode, a small pool of reader
//! connections and one writer.
//!
//! Queries are short index lookups (microseconds), so they run on the
//! calling task: hopping to a blocking thread would cost more than the
//! query. Imports take seconds, so they run in `spawn_blocking`.

mod attendees;
mod catalog;
mod launch;
mod list_search;
mod lists;
mod migrate;
mod notifications;
mod refold;
mod search_tables;
mod text_index;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use catalog::{ListState, ReaderState};
use list_search::Snapshot;
use text_index::TextIndexes;
pub use text_index::{DEFAULT_BUDGET as DEFAULT_TEXT_INDEX_BUDGET, TextIndexStats};

use super::{
    AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, LaunchStore, ListImport, ListQuery,
    NotificationQueue, Store, StoreError,
};
use protocol::{Attendee, ListItem};

/// Text bound as raw bytes: a range's upper bound ends in an incremented
/// byte that may not be valid UTF-8, yet must compare as text (SQLite orders
/// every text before every blob), bytewise like the indexed column.
pub(super) struct TextBytes(pub Vec<u8>);

impl rusqlite::ToSql for TextBytes {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            rusqlite::types::ValueRef::Text(&self.0),
        ))
    }
}

/// Number of reader connections. In WAL mode readers do not block each other
/// or the writer, so a handful covers the runtime's worker threads.
const READERS: usize = 4;

/// How long list searches and [`Store::list_names`] may return results from
/// memory without a read transaction looking for commits of other processes, so
/// the longest time for which they may miss a list import by another
/// process. Imports through this store are seen at once. On the machine of
/// BENCHMARKS.md, a read transaction that only reads `PRAGMA data_version`
/// costs about 4 µs, mostly in file-lock system calls, which is as much as
/// a search answered from memory.
pub const CHANGE_CHECK_INTERVAL: Duration = Duration::from_millis(10);

/// SQLite store shared by all request handlers.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    readers: Vec<Mutex<Reader>>,
    next_reader: AtomicUsize,
    writer: Mutex<Connection>,
    lists: ListState,
    text_indexes: Arc<TextIndexes>,
}

/// A read transaction on a reader connection, begun and ended by cached
/// statements, where rusqlite's `Transaction` parses `BEGIN` and `ROLLBACK`
/// again for every search.
struct ReadTransaction<'connection> {
    connection: &'connection Connection,
}

impl<'connection> ReadTransaction<'connection> {
    fn begin(connection: &'connection Connection) -> Result<Self, StoreError> {
        // A rollback that failed at the end of the last transaction left it
        // open, and BEGIN inside a transaction fails.
        if !connection.is_autocommit() {
            connection.prepare_cached("ROLLBACK")?.execute([])?;
        }
        connection.prepare_cached("BEGIN")?.execute([])?;
        Ok(ReadTransaction { connection })
    }
}

impl std::ops::Deref for ReadTransaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection
    }
}

impl Drop for ReadTransaction<'_> {
    fn drop(&mut self) {
        // A read transaction changed nothing; if the rollback fails, the
        // next begin retries it.
        let _ = self
            .connection
            .prepare_cached("ROLLBACK")
            .and_then(|mut statement| statement.execute([]));
    }
}

/// A read-only connection and the list state of its last snapshot.
struct Reader {
    connection: Connection,
    state: ReaderState,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Database(Box::new(error))
    }
}

fn open_connection(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    // FULL makes every committed import survive a power loss, not only a
    // process crash; readers are unaffected. The memory map (address space,
    // not memory) lets a search read a page that is not in the 32 MB page
    // cache without a read system call and a copy. In a large store, most
    // pages a search visits are not in that cache.
    connection.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -32000;
         PRAGMA mmap_size = 1073741824;",
    )?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(connection)
}

impl SqliteStore {
    /// Opens (creating when absent) the database file, applies the missing
    /// schema migrations and recomputes folded columns that older folding
    /// rules wrote.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = open_connection(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let applied = migrate::apply(&mut writer)?;
        if !applied.is_empty() {
            tracing::info!(path = %path.display(), versions = ?applied, "applied schema migrations");
        }
        search_tables::create_if_missing(&mut writer)?;
        refold::refold_if_outdated(&mut writer)?;

        let lists = ListState::new();
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let connection = open_connection(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            let snapshot = ReadTransaction::begin(&connection)?;
            let state = ReaderState::load(&snapshot, &lists)?;
            drop(snapshot);
            readers.push(Mutex::new(Reader { connection, state }));
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                text_indexes: Arc::new(TextIndexes::new(path.clone())),
                path,
                readers,
                next_reader: AtomicUsize::new(0),
                writer: Mutex::new(writer),
                lists,
            }),
        })
    }

    /// Returns the highest schema version applied to the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        migrate::schema_version(&self.writer())
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Takes a reader connection, preferring one that is free.
    fn reader(&self) -> MutexGuard<'_, Reader> {
        let readers = &self.inner.readers;
        let start = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..readers.len() {
            if let Ok(guard) = readers[(start + offset) % readers.len()].try_lock() {
                return guard;
            }
        }
        lock(&readers[start % readers.len()])
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.writer)
    }

    /// Runs the attendee search synchronously; the async trait method and the
    /// store benchmark both call this. Like [`Self::search_list_now`], it
    /// runs in one read transaction.
    pub fn search_attendees_now(&self, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError> {
        let reader = self.reader();
        let snapshot = ReadTransaction::begin(&reader.connection)?;
        attendees::search(&snapshot, query)
    }

    /// Runs the list search synchronously.
    ///
    /// A search that an in-memory text index can serve needs no read
    /// transaction while one looked for commits less than
    /// [`CHANGE_CHECK_INTERVAL`] ago. Any other search runs in one read
    /// transaction, so its statements see one snapshot and the WAL read lock
    /// (file-lock system calls) is taken once instead of once per statement.
    pub fn search_list_now(&self, query: &ListQuery) -> Result<Vec<ListItem>, StoreError> {
        match self.search_list_in_memory(query) {
            Some(items) => Ok(items),
            None => self.search_list_in_database(query),
        }
    }

    /// Serves the search from an in-memory text index, in microseconds, or
    /// returns `None` when no index of the current list version serves it
    /// or the last look for other processes' commits is too old.
    fn search_list_in_memory(&self, query: &ListQuery) -> Option<Vec<ListItem>> {
        let (version, catalog) = self.inner.lists.recent(CHANGE_CHECK_INTERVAL)?;
        list_search::search_in_memory(&catalog, version, &self.inner.text_indexes, query)
    }

    fn search_list_in_database(&self, query: &ListQuery) -> Result<Vec<ListItem>, StoreError> {
        let mut guard = self.reader();
        let reader = &mut *guard;
        let connection = ReadTransaction::begin(&reader.connection)?;
        let list_version = reader.state.refresh(&connection, &self.inner.lists)?;
        let snapshot = Snapshot {
            connection: &connection,
            catalog: reader.state.catalog(),
            list_version,
        };
        list_search::search(&snapshot, &self.inner.text_indexes, query)
    }

    /// Imports a list in one transaction; nothing changes when a row fails.
    pub fn import_list_now(&self, import: &ListImport) -> Result<ImportSummary, ImportError> {
        let mut writer = self.writer();
        let summary = lists::import(&mut writer, import)?;
        match catalog::list_version(&writer) {
            Ok(version) => self.inner.lists.note_version(version),
            // Searches then see the import at their next read transaction,
            // at most CHANGE_CHECK_INTERVAL later.
            Err(error) => tracing::warn!(
                error = &error as &dyn std::error::Error,
                "failed to read the list version after an import"
            ),
        }
        Ok(summary)
    }

    /// Returns the list names from memory, or from a read transaction when
    /// none looked for commits in the last [`CHANGE_CHECK_INTERVAL`].
    fn cached_list_names(&self) -> Result<Arc<[String]>, StoreError> {
        if let Some((_, catalog)) = self.inner.lists.recent(CHANGE_CHECK_INTERVAL) {
            return Ok(catalog.names());
        }
        let mut guard = self.reader();
        let reader = &mut *guard;
        let snapshot = ReadTransaction::begin(&reader.connection)?;
        reader.state.refresh(&snapshot, &self.inner.lists)?;
        Ok(reader.state.catalog().names())
    }

    /// Sets the bound on the memory of the in-memory list text indexes, in
    /// bytes ([`DEFAULT_TEXT_INDEX_BUDGET`] until set), and drops the
    /// indexes built so far. 0 turns them off, so that every search runs on
    /// SQLite.
    pub fn set_text_index_budget(&self, bytes: usize) {
        self.inner.text_indexes.set_budget(bytes);
    }

    /// Blocks until the background thread has built every list text index
    /// that searches have requested so far. Benchmarks and tests call it
    /// to measure or check the indexed path; servers never need to.
    pub fn wait_for_text_indexes(&self) {
        self.inner.text_indexes.wait_for_builds();
    }

    /// Sizes of the list text indexes built so far.
    pub fn text_index_stats(&self) -> TextIndexStats {
        self.inner.text_indexes.stats()
    }

    /// Imports attendees in one transaction, upserting by ExternalID.
    pub fn import_attendees_now(
        &self,
        records: &[AttendeeRecord],
    ) -> Result<ImportSummary, ImportError> {
        attendees::import(&mut self.writer(), records)
    }
}

/// Locks a connection or cache. A panic while holding a connection leaves
/// SQLite consistent (the transaction rolls back on drop), and cache updates
/// call nothing that panics short of running out of memory, so a poisoned
/// lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn search_attendees(&self, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError> {
        run_in_place(|| self.search_attendees_now(query))
    }

    async fn search_list(&self, query: &ListQuery) -> Result<Vec<ListItem>, StoreError> {
        // An index search is too short to be worth `block_in_place`, which
        // hands the worker's other tasks to another thread on every call.
        if let Some(items) = self.search_list_in_memory(query) {
            return Ok(items);
        }
        run_in_place(|| self.search_list_in_database(query))
    }

    async fn list_names(&self) -> Result<Arc<[String]>, StoreError> {
        self.cached_list_names()
    }

    async fn list_item_exists(&self, list_name: &str, long_code: &str) -> Result<bool, StoreError> {
        run_in_place(|| self.list_item_exists_now(list_name, long_code))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let reader = self.reader();
        reader
            .connection
            .query_row("SELECT count(*) FROM lists", [], |row| row.get::<_, i64>(0))?;
        Ok(())
    }

    async fn import_list(&self, import: ListImport) -> Result<ImportSummary, ImportError> {
        let store = self.clone();
        run_blocking(move || store.import_list_now(&import)).await
    }

    async fn import_attendees(
        &self,
        records: Vec<AttendeeRecord>,
    ) -> Result<ImportSummary, ImportError> {
        let store = self.clone();
        run_blocking(move || store.import_attendees_now(&records)).await
    }

    fn notification_queue(&self) -> Option<Arc<dyn NotificationQueue>> {
        Some(Arc::new(self.clone()))
    }

    fn launch_store(&self) -> Option<Arc<dyn LaunchStore>> {
        Some(Arc::new(self.clone()))
    }
}

/// Runs a search on the calling thread. On a multi-threaded runtime the
/// worker first hands its other tasks to another worker, so that a slow
/// search (a "contains" scan of a large list) does not stall them. Unlike
/// `spawn_blocking`, this moves no data between threads, but the handover
/// still costs more than a search served from memory.
fn run_in_place<T>(search: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};

    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(search),
        _ => search(),
    }
}

/// Runs a write on a blocking thread, because a commit waits for the disk.
async fn run_blocking<T: Send + 'static, E: From<StoreError> + Send + 'static>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| E::from(StoreError::Database(Box::new(join))))?
}
