//! Test databases on each store engine, for the workspace's tests: a
//! SQLite file in a temporary directory, or a fresh schema in the
//! PostgreSQL database that `CALLOUTS_TEST_POSTGRES_URL` names, such as
//! `postgres://postgres@127.0.0.1:5432/test`.
//!
//! This part knows no store; each crate's tests wrap [`TestDatabase`] in a
//! type of their own that opens that crate's stores, and implement
//! [`EngineDatabase`] for it.

mod database;
mod schema;

pub use database::TestDatabase;
pub use schema::TestSchema;

/// Names the PostgreSQL database that tests create their schemas in.
pub const POSTGRES_URL_VARIABLE: &str = "CALLOUTS_TEST_POSTGRES_URL";

/// `postgres` makes [`TestDatabase::from_environment`] use PostgreSQL, so
/// that the tests of whole servers run on it; anything else, or no value,
/// SQLite.
pub const ENGINE_VARIABLE: &str = "CALLOUTS_TEST_ENGINE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A crate's own test database type: a [`TestDatabase`] that also opens
/// that crate's stores.
pub trait EngineDatabase: From<TestDatabase> {
    /// The SQLite file's name in its temporary directory.
    const SQLITE_FILE_NAME: &'static str;
    /// The start of the PostgreSQL schema's name.
    const SCHEMA_PREFIX: &'static str;
}

/// Runs `test` on a new SQLite database.
pub async fn run_on_sqlite<D, F>(test: impl FnOnce(D) -> F)
where
    D: EngineDatabase,
    F: Future<Output = ()>,
{
    test(D::from(TestDatabase::sqlite(D::SQLITE_FILE_NAME))).await;
}

/// Runs `test` on a new PostgreSQL schema, or prints that it skips when
/// `CALLOUTS_TEST_POSTGRES_URL` is not set.
pub async fn run_on_postgres<D, F>(test: impl FnOnce(D) -> F)
where
    D: EngineDatabase,
    F: Future<Output = ()>,
{
    if let Some(database) = TestDatabase::postgres(D::SCHEMA_PREFIX).await {
        test(D::from(database)).await;
    }
}

/// Defines, for each named async function taking an [`EngineDatabase`], a
/// module of the same name with two tests: `sqlite`, and `postgres`, which
/// prints that it skips when `CALLOUTS_TEST_POSTGRES_URL` is not set.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::run_on_sqlite(super::$name).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::run_on_postgres(super::$name).await;
            }
        }
    )+};
}
