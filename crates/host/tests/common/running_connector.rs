//! A real connector on loopback over TLS, for Test Connection and search callouts from the host.

use std::net::SocketAddr;
use std::sync::Arc;

use connector::import::{self, CsvSource};
use connector::store::SqliteStore;
use tokio::sync::oneshot;

use super::{CONNECTOR_PASSWORD, CONNECTOR_USER};

/// A connector on 127.0.0.1:0 with a certificate from a fresh dev CA.
pub struct RunningConnector {
    /// `https://localhost:PORT`.
    pub origin: String,
    /// The CA that issued the connector's certificate, for the host to trust.
    pub ca_pem: Vec<u8>,
    /// The connector's own certificate, for a browser to accept by its key.
    pub certificate_pem: String,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

/// Starts a connector that accepts [`CONNECTOR_USER`] and [`CONNECTOR_PASSWORD`].
pub async fn spawn_connector() -> RunningConnector {
    spawn_connector_importing(None, &[]).await
}

/// Starts a connector like [`spawn_connector`] after importing
/// `attendees_csv` and each `(list name, CSV)` of `lists` (language `EN`),
/// in the CSV formats that the connector imports.
pub async fn spawn_connector_importing(
    attendees_csv: Option<&str>,
    lists: &[(&str, &str)],
) -> RunningConnector {
    let ca = tls::dev_ca::DevCa::generate("connector test CA").unwrap();
    spawn_connector_configured(
        attendees_csv,
        lists,
        "127.0.0.1:0".parse().unwrap(),
        &ca,
        |_| {},
    )
    .await
}

/// Starts a connector like [`spawn_connector_importing`] on `listen`, with
/// a certificate that `ca` issues, after `configure` has changed its configuration.
pub async fn spawn_connector_configured(
    attendees_csv: Option<&str>,
    lists: &[(&str, &str)],
    listen: SocketAddr,
    ca: &tls::dev_ca::DevCa,
    configure: impl FnOnce(&mut connector::Config),
) -> RunningConnector {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("connector.db")).unwrap();
    if let Some(csv) = attendees_csv {
        let path = dir.path().join("attendees.csv");
        std::fs::write(&path, csv).unwrap();
        import::import_attendees(&store, CsvSource::open(&path).unwrap())
            .await
            .expect("import attendees");
    }
    for (index, (name, csv)) in lists.iter().enumerate() {
        let path = dir.path().join(format!("list-{index}.csv"));
        std::fs::write(&path, csv).unwrap();
        import::import_list(&store, CsvSource::open(&path).unwrap(), name, "EN")
            .await
            .expect("import list");
    }
    let mut config = connector::Config::default();
    config.credentials.username = CONNECTOR_USER.to_owned();
    config.credentials.password = connector::Secret::new(CONNECTOR_PASSWORD);
    configure(&mut config);

    let issued = ca
        .issue_server(&["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap();
    let server_tls = tls::server::server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .unwrap();
    let bound = connector::bind(connector::ServeOptions {
        store: Arc::new(store),
        config,
        listen,
        tls: Some(server_tls),
    })
    .await
    .unwrap();
    let port = bound.local_addr().port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));
    RunningConnector {
        origin: format!("https://localhost:{port}"),
        ca_pem: ca.certificate_pem().as_bytes().to_vec(),
        certificate_pem: issued.chain_pem.clone(),
        _dir: dir,
        _stop: stop,
    }
}
