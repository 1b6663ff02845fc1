//! Throw-away PostgreSQL schemas.

use sqlx::Connection;

use crate::POSTGRES_URL_VARIABLE;

/// How many times dropping a schema runs before it gives up.
const DROP_ATTEMPTS: u32 = 3;

/// A schema with a random name, dropped with everything in it when the
/// test ends.
pub struct TestSchema {
    admin_url: String,
    name: String,
    url: String,
}

impl TestSchema {
    /// Creates the schema `PREFIX_RANDOM` in the database that `admin_url`
    /// names; panics when that fails.
    pub async fn create(admin_url: &str, prefix: &str) -> TestSchema {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|error| panic!("connect to {POSTGRES_URL_VARIABLE}: {error}"));
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut admin)
            .await
            .expect("create test schema");
        let _ = admin.close().await;

        let mut url = url::Url::parse(admin_url).expect("valid PostgreSQL URL");
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={name}"))
            // Names this test's connections, so that dropping the schema
            // can end the ones a still running store or process keeps open.
            .append_pair("application_name", &name);
        TestSchema {
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        }
    }

    /// Returns the schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the admin URL with `search_path` and `application_name` set to the
    /// schema's name, as `--db` and the stores take it.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop cannot await, and the test's runtime may be the current
        // thread, so a thread with its own runtime runs the statements.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(drop_schema(&admin_url, &name))
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("failed to drop test schema {}: {error}", self.name),
            Err(_) => eprintln!(
                "failed to drop test schema {}: the thread panicked",
                self.name
            ),
        }
    }
}

async fn drop_schema(
    admin_url: &str,
    name: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    // A connection that a failed test left inside a transaction may hold
    // locks, so the drop fails after a while rather than waiting forever.
    sqlx::query("SET lock_timeout = '10s'")
        .execute(&mut admin)
        .await?;
    let statement = format!("DROP SCHEMA {name} CASCADE");
    let mut attempt = 1;
    loop {
        // The test's runtime is blocked in this drop, so a store task inside
        // a transaction would keep its locks until the timeout. Only this
        // test's connections carry the name. A pool may open another one
        // meanwhile, so each attempt ends them again.
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .execute(&mut admin)
        .await?;
        match sqlx::query(&statement).execute(&mut admin).await {
            Ok(_) => break,
            Err(_) if attempt < DROP_ATTEMPTS => attempt += 1,
            Err(error) => return Err(error.into()),
        }
    }
    admin.close().await?;
    Ok(())
}
