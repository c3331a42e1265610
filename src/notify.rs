//! Desktop reminders: a notification shortly before a meeting starts, through the desktop's
//! notification service (`org.freedesktop.Notifications` on the session bus, over the zbus the
//! keyring already uses), with a "Join" button where the service supports actions, and a way
//! to hear that the user pressed it (the `ActionInvoked` signal).
//!
//! Async on any runtime: zbus runs its own small executor thread (`async-io`), so the window's
//! tokio worker awaits these calls like any other. On Windows and macOS every call is
//! [`NotifyError::NotSupported`] for now (the README says reminders wait there).

use rust_i18n::t;

use crate::api::{Meeting, Timing};
use crate::i18n::Lang;

/// The action key of the "Join" button.
pub const JOIN_ACTION: &str = "join";
/// The well-known bus name, object path and interface of the notification service.
pub const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
/// The object path of the notification service.
pub const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

/// Why a reminder could not be shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// There is no session bus (no desktop session, or `DBUS_SESSION_BUS_ADDRESS` is wrong).
    #[error("no session bus: {0}")]
    NoBus(String),
    /// The session bus has no notification service (no notification daemon is running).
    #[error("no notification service on the session bus: {0}")]
    NoService(String),
    /// The notification service failed or stopped answering.
    #[error("the notification service failed: {0}")]
    Failed(String),
    /// Reminders are not built for this system yet (Windows, macOS).
    #[error("desktop reminders are not supported on this system yet")]
    NotSupported,
}

impl NotifyError {
    /// The message for a person, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        lang.tr(match self {
            NotifyError::NoBus(_) => "reminders.error.no_bus",
            NotifyError::NoService(_) => "reminders.error.no_service",
            NotifyError::Failed(_) => "reminders.error.failed",
            NotifyError::NotSupported => "reminders.error.not_supported",
        })
    }
}

/// One notification: its title, its text and the label of its "Join" button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    /// The title (the meeting's subject).
    pub title: String,
    /// The text: when it starts and its ID.
    pub body: String,
    /// The label of the "Join" button; `None` for no button.
    pub join_label: Option<String>,
}

impl Reminder {
    /// The reminder of `meeting` as seen at `now`, in `lang`: "Starts in 5 min (16:30) · Meeting
    /// ID 900 000 101", with a Join button. No password in it: notifications may be logged by
    /// the desktop.
    pub fn for_meeting(meeting: &Meeting, now: jiff::Timestamp, lang: Lang) -> Reminder {
        let locale = lang.code();
        let tz = jiff::tz::TimeZone::system();
        let at = meeting
            .start_in(&tz)
            .map(|start| start.strftime("%H:%M").to_string())
            .unwrap_or_else(|| "?".to_owned());
        let when = match meeting.timing_at(now) {
            Timing::StartsIn(left) => t!(
                "reminders.starts_in",
                locale = locale,
                m = left.as_secs().div_ceil(60).max(1),
                time = at
            ),
            Timing::Running => t!("reminders.running", locale = locale, time = at),
            _ => t!("reminders.starts_at", locale = locale, time = at),
        };
        let body = t!(
            "reminders.body",
            locale = locale,
            when = when,
            id = meeting.id.grouped()
        )
        .into_owned();
        Reminder {
            title: meeting
                .subject
                .clone()
                .unwrap_or_else(|| meeting.id.grouped()),
            body,
            join_label: Some(lang.tr("reminders.join")),
        }
    }
}

/// The user pressed a button of one of our notifications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionInvoked {
    /// The notification's ID, as [`Notifier::show`] returned it.
    pub id: u32,
    /// The button's key ([`JOIN_ACTION`]).
    pub action: String,
}

#[cfg(all(unix, not(target_vendor = "apple")))]
pub use dbus::{ActionStream, Notifier};

#[cfg(not(all(unix, not(target_vendor = "apple"))))]
pub use unsupported::{ActionStream, Notifier};

#[cfg(all(unix, not(target_vendor = "apple")))]
mod dbus {
    use std::collections::HashMap;
    use std::time::Duration;

    use futures_lite::StreamExt;
    use zbus::zvariant::Value;

    use super::{ActionInvoked, NOTIFICATIONS, NOTIFICATIONS_PATH, NotifyError, Reminder};

    /// How long one D-Bus call may take before the service counts as not answering.
    const CALL_TIMEOUT: Duration = Duration::from_secs(5);

    /// A connection to the desktop's notification service.
    #[derive(Clone, Debug)]
    pub struct Notifier {
        proxy: zbus::Proxy<'static>,
        actions: bool,
    }

    /// Classifies a failure to reach the bus.
    fn bus_error(e: &zbus::Error) -> NotifyError {
        NotifyError::NoBus(e.to_string())
    }

    /// Classifies a failed call: nobody owns the name, or the service failed.
    fn call_error(e: &zbus::Error) -> NotifyError {
        let missing = match e {
            zbus::Error::MethodError(name, ..) => matches!(
                name.as_str(),
                "org.freedesktop.DBus.Error.ServiceUnknown"
                    | "org.freedesktop.DBus.Error.NameHasNoOwner"
                    | "org.freedesktop.DBus.Error.UnknownMethod"
                    | "org.freedesktop.DBus.Error.UnknownObject"
                    | "org.freedesktop.DBus.Error.UnknownInterface"
            ),
            zbus::Error::FDO(fdo) => matches!(
                **fdo,
                zbus::fdo::Error::ServiceUnknown(_)
                    | zbus::fdo::Error::NameHasNoOwner(_)
                    | zbus::fdo::Error::UnknownMethod(_)
                    | zbus::fdo::Error::UnknownObject(_)
                    | zbus::fdo::Error::UnknownInterface(_)
            ),
            _ => false,
        };
        if missing {
            NotifyError::NoService(e.to_string())
        } else {
            NotifyError::Failed(e.to_string())
        }
    }

    impl Notifier {
        /// Connects to the session bus and asks the notification service what it supports.
        pub async fn connect() -> Result<Notifier, NotifyError> {
            let builder = zbus::connection::Builder::session().map_err(|e| bus_error(&e))?;
            Notifier::over(builder).await
        }

        /// The same on the bus at `address` (a private bus in tests).
        pub async fn connect_to(address: &str) -> Result<Notifier, NotifyError> {
            let builder = zbus::connection::Builder::address(address).map_err(|e| bus_error(&e))?;
            Notifier::over(builder).await
        }

        async fn over(builder: zbus::connection::Builder<'_>) -> Result<Notifier, NotifyError> {
            let connection = builder
                .method_timeout(CALL_TIMEOUT)
                .build()
                .await
                .map_err(|e| bus_error(&e))?;
            let proxy = zbus::Proxy::new(
                &connection,
                NOTIFICATIONS,
                NOTIFICATIONS_PATH,
                NOTIFICATIONS,
            )
            .await
            .map_err(|e| call_error(&e))?;
            let capabilities: Vec<String> = proxy
                .call("GetCapabilities", &())
                .await
                .map_err(|e| call_error(&e))?;
            let actions = capabilities.iter().any(|c| c == "actions");
            Ok(Notifier { proxy, actions })
        }

        /// True when the service shows buttons (its capabilities list "actions").
        pub fn supports_actions(&self) -> bool {
            self.actions
        }

        /// Shows `reminder`; its Join button only where the service supports actions. Returns
        /// the notification's ID (what [`ActionInvoked::id`] names).
        pub async fn show(&self, reminder: &Reminder) -> Result<u32, NotifyError> {
            let mut actions: Vec<&str> = Vec::new();
            if let (true, Some(label)) = (self.actions, reminder.join_label.as_deref()) {
                actions.extend([super::JOIN_ACTION, label]);
            }
            let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
            hints.insert("desktop-entry", Value::from("meetjoin"));
            hints.insert("category", Value::from("presence"));
            // 1 = normal: a reminder, not an alarm.
            hints.insert("urgency", Value::from(1u8));
            let body = (
                "meetjoin",
                0u32,
                "meetjoin",
                reminder.title.as_str(),
                reminder.body.as_str(),
                actions,
                hints,
                // -1: the service decides how long it stays.
                -1i32,
            );
            let id: u32 = self
                .proxy
                .call("Notify", &body)
                .await
                .map_err(|e| call_error(&e))?;
            tracing::info!(target: "meetjoin::notify", id, "reminder shown");
            Ok(id)
        }

        /// The buttons pressed from now on, of any notification (filter by ID). Subscribe
        /// before [`Notifier::show`], so that no press is missed.
        pub async fn actions(&self) -> Result<ActionStream, NotifyError> {
            let signals = self
                .proxy
                .receive_signal("ActionInvoked")
                .await
                .map_err(|e| call_error(&e))?;
            Ok(ActionStream { signals })
        }
    }

    /// The `ActionInvoked` signals of the notification service.
    pub struct ActionStream {
        signals: zbus::proxy::SignalStream<'static>,
    }

    impl std::fmt::Debug for ActionStream {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("ActionStream")
        }
    }

    impl ActionStream {
        /// The next button pressed; `None` when the bus connection ends. Malformed signals are
        /// skipped.
        pub async fn next(&mut self) -> Option<ActionInvoked> {
            while let Some(message) = self.signals.next().await {
                if let Ok((id, action)) = message.body().deserialize::<(u32, String)>() {
                    return Some(ActionInvoked { id, action });
                }
            }
            None
        }
    }
}

#[cfg(not(all(unix, not(target_vendor = "apple"))))]
mod unsupported {
    use super::{ActionInvoked, NotifyError, Reminder};

    /// Reminders are not built for this system yet: every call says so.
    #[derive(Clone, Debug)]
    pub struct Notifier;

    impl Notifier {
        /// Always [`NotifyError::NotSupported`].
        pub async fn connect() -> Result<Notifier, NotifyError> {
            Err(NotifyError::NotSupported)
        }

        /// Always [`NotifyError::NotSupported`].
        pub async fn connect_to(_address: &str) -> Result<Notifier, NotifyError> {
            Err(NotifyError::NotSupported)
        }

        /// Never true.
        pub fn supports_actions(&self) -> bool {
            false
        }

        /// Always [`NotifyError::NotSupported`].
        pub async fn show(&self, _reminder: &Reminder) -> Result<u32, NotifyError> {
            Err(NotifyError::NotSupported)
        }

        /// Always [`NotifyError::NotSupported`].
        pub async fn actions(&self) -> Result<ActionStream, NotifyError> {
            Err(NotifyError::NotSupported)
        }
    }

    /// Never yields.
    #[derive(Debug)]
    pub struct ActionStream;

    impl ActionStream {
        /// Always `None`.
        pub async fn next(&mut self) -> Option<ActionInvoked> {
            None
        }
    }
}
