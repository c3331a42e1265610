//! A private D-Bus bus with a test `org.freedesktop.Notifications` service that records every
//! notification it gets. Included with `#[path]` by tests/notify.rs and tests/gui_today.rs.
#![allow(dead_code, reason = "each test file uses part of it")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use zbus::zvariant::OwnedValue;

/// A private bus: `dbus-daemon --session` of its own, stopped when dropped.
pub struct PrivateBus {
    daemon: Child,
    /// The bus's address, for `Notifier::connect_to`.
    pub address: String,
}

impl PrivateBus {
    /// Starts the bus and reads its address.
    pub fn start() -> PrivateBus {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (apt dbus)");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the bus address");
        PrivateBus {
            daemon,
            address: line.trim().to_owned(),
        }
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// What the test service received in one Notify call.
#[derive(Clone, Debug)]
pub struct Received {
    /// The application's name.
    pub app_name: String,
    /// The title.
    pub summary: String,
    /// The text.
    pub body: String,
    /// The buttons: key, label, key, label...
    pub actions: Vec<String>,
    /// The names of the hints given.
    pub hints: Vec<String>,
}

/// The test notification service: answers with `capabilities` and records every Notify.
pub struct TestService {
    capabilities: Vec<String>,
    received: Arc<Mutex<Vec<Received>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl TestService {
    fn get_capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    #[allow(clippy::too_many_arguments, reason = "the interface's own signature")]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut received = self.received.lock().unwrap();
        let mut hints: Vec<String> = hints.into_keys().collect();
        hints.sort();
        received.push(Received {
            app_name,
            summary,
            body,
            actions,
            hints,
        });
        u32::try_from(received.len()).unwrap() + 40
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("test".into(), "meetjoin".into(), "1".into(), "1.2".into())
    }
}

/// Serves a test service on `bus`; the connection lives as long as the returned value.
pub async fn serve(
    bus: &PrivateBus,
    capabilities: &[&str],
) -> (zbus::Connection, Arc<Mutex<Vec<Received>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let service = TestService {
        capabilities: capabilities.iter().map(|c| (*c).to_owned()).collect(),
        received: Arc::clone(&received),
    };
    let connection = zbus::connection::Builder::address(bus.address.as_str())
        .expect("address")
        .name("org.freedesktop.Notifications")
        .expect("name")
        .serve_at("/org/freedesktop/Notifications", service)
        .expect("serve")
        .build()
        .await
        .expect("the test service connects");
    (connection, received)
}
