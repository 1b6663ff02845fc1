//! The store engine under test: a SQLite file, or a fresh schema in a
//! PostgreSQL database that is dropped when the benchmark ends. The `store`
//! and `throughput` programs share it.
//!
//! NOTE: a run stopped by a signal (Ctrl-C) leaves its `bench_store_*`
//! schema behind; drop it with `DROP SCHEMA name CASCADE`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use connector::store::postgres::redact_url;
use connector::store::{PostgresStore, SqliteStore, Store};
use rand::Rng;
use sqlx::Connection;
use tokio::runtime::Runtime;

/// Store engines the benchmark can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineKind {
    Sqlite,
    Postgres,
}

/// The `--engine` and `--postgres-url` options of a benchmark program.
#[derive(clap::Args)]
pub struct EngineOptions {
    /// Store engine to measure.
    #[arg(long, value_enum, default_value_t = EngineKind::Sqlite)]
    pub engine: EngineKind,
    /// PostgreSQL database for `--engine postgres`, such as
    /// `postgres://postgres@127.0.0.1:5432/test`. The benchmark creates a
    /// schema with a random name in it and drops the schema at the end.
    #[arg(long)]
    pub postgres_url: Option<String>,
}

impl EngineOptions {
    /// Opens the chosen engine: the SQLite file at `db`, or a temporary one
    /// when `db` is `None`, or a fresh PostgreSQL schema whose connections
    /// belong to `runtime`.
    pub fn open(&self, db: Option<&Path>, runtime: &Runtime) -> anyhow::Result<Backend> {
        anyhow::ensure!(
            self.engine == EngineKind::Postgres || self.postgres_url.is_none(),
            "--postgres-url requires --engine postgres"
        );
        match self.engine {
            EngineKind::Sqlite => Backend::sqlite(db),
            EngineKind::Postgres => {
                anyhow::ensure!(
                    db.is_none(),
                    "--db requires --engine sqlite; PostgreSQL always starts from a new schema"
                );
                let url = self
                    .postgres_url
                    .as_deref()
                    .context("--engine postgres requires --postgres-url")?;
                runtime.block_on(Backend::postgres(url))
            }
        }
    }
}

/// An open store and what the benchmark must remove after it.
pub enum Backend {
    Sqlite {
        store: SqliteStore,
        path: PathBuf,
        /// Directory of the temporary database file when `--db` is absent.
        _temporary: Option<tempfile::TempDir>,
    },
    Postgres {
        store: PostgresStore,
        schema: Schema,
    },
}

impl Backend {
    /// Opens the SQLite file at `db`, or a temporary one when `db` is `None`.
    pub fn sqlite(db: Option<&Path>) -> anyhow::Result<Backend> {
        let temporary = match db {
            Some(_) => None,
            None => Some(tempfile::tempdir().context("failed to create a temporary directory")?),
        };
        let path = match (db, &temporary) {
            (Some(path), _) => path.to_owned(),
            (None, Some(directory)) => directory.path().join("bench.sqlite"),
            (None, None) => unreachable!("a temporary directory exists when --db is absent"),
        };
        let store = SqliteStore::open(&path)
            .with_context(|| format!("failed to open the store at {}", path.display()))?;
        Ok(Backend::Sqlite {
            store,
            path,
            _temporary: temporary,
        })
    }

    /// Creates a schema with a random name in the database at `url` and
    /// opens a store whose connections use it.
    pub async fn postgres(url: &str) -> anyhow::Result<Backend> {
        let name = format!("bench_store_{:016x}", rand::rng().random::<u64>());
        let mut admin = sqlx::PgConnection::connect(url)
            .await
            .with_context(|| format!("failed to connect to {}", redact_url(url)))?;
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut admin)
            .await
            .with_context(|| format!("failed to create schema {name}"))?;
        let _ = admin.close().await;
        let schema = Schema {
            admin_url: url.to_owned(),
            name,
        };

        let mut schema_url = url::Url::parse(url).context("--postgres-url is not a valid URL")?;
        schema_url
            .query_pairs_mut()
            .append_pair("options", &format!("-c search_path={}", schema.name));
        // On failure the schema is dropped before the error is returned.
        match PostgresStore::open(schema_url.as_str()).await {
            Ok(store) => Ok(Backend::Postgres { store, schema }),
            Err(error) => {
                schema.drop_now().await;
                Err(anyhow::Error::new(error).context("failed to open the PostgreSQL store"))
            }
        }
    }

    /// Returns the store behind the `Store` trait, as the connector's handlers use it.
    pub fn store(&self) -> &dyn Store {
        match self {
            Backend::Sqlite { store, .. } => store,
            Backend::Postgres { store, .. } => store,
        }
    }

    /// Returns a handle to the store for a server that keeps it.
    pub fn shared_store(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite { store, .. } => Arc::new(store.clone()),
            Backend::Postgres { store, .. } => Arc::new(store.clone()),
        }
    }

    /// Returns the SQLite store, which has in-memory text indexes to build
    /// before measuring, or `None` on PostgreSQL.
    pub fn sqlite_store(&self) -> Option<&SqliteStore> {
        match self {
            Backend::Sqlite { store, .. } => Some(store),
            Backend::Postgres { .. } => None,
        }
    }

    /// Describes where the data lives, for the output.
    pub fn location(&self) -> String {
        match self {
            Backend::Sqlite { path, .. } => path.display().to_string(),
            Backend::Postgres { schema, .. } => format!("schema {}", schema.name),
        }
    }

    /// Returns the size of the database: the SQLite file and its write-ahead
    /// log, or the tables and indexes of the PostgreSQL schema.
    pub async fn size(&self) -> anyhow::Result<String> {
        let bytes = match self {
            Backend::Sqlite { path, .. } => {
                let size = |suffix: &str| {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    std::fs::metadata(PathBuf::from(name))
                        .map(|metadata| metadata.len())
                        .unwrap_or(0)
                };
                size("") + size("-wal")
            }
            Backend::Postgres { store, schema } => {
                let bytes: Option<i64> = sqlx::query_scalar(
                    "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND c.relkind = 'r'",
                )
                .bind(&schema.name)
                .fetch_one(store.pool())
                .await
                .context("failed to read the schema size")?;
                u64::try_from(bytes.unwrap_or(0)).unwrap_or(0)
            }
        };
        Ok(format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0)))
    }

    /// Closes the store and drops the PostgreSQL schema with its data.
    pub async fn close(self) {
        if let Backend::Postgres { store, schema } = self {
            store.close().await;
            schema.drop_now().await;
        }
    }
}

/// A PostgreSQL schema that the benchmark created.
pub struct Schema {
    admin_url: String,
    name: String,
}

impl Schema {
    /// Drops the schema and everything in it, printing a warning on failure
    /// so that the operator can drop it by hand.
    async fn drop_now(&self) {
        let dropped = async {
            let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
            sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
                .execute(&mut admin)
                .await?;
            admin.close().await
        };
        match dropped.await {
            Ok(()) => eprintln!("dropped schema {}", self.name),
            Err(error) => eprintln!("warning: failed to drop schema {}: {error}", self.name),
        }
    }
}
