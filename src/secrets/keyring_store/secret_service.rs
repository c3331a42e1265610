//! The Secret Service (D-Bus), through the pure-Rust `secret-service` crate on zbus.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use secret_service::blocking::{Item, SecretService};
use secret_service::{EncryptionType, SearchItemsResult};

use crate::secrets::{CALL_TIMEOUT, StoreError};

/// One connection to the Secret Service, for one store operation.
pub(super) struct Keyring<'a> {
    ss: &'a SecretService<'a>,
    service: &'a str,
}

impl Keyring<'_> {
    /// Connects (D-Bus, then a `plain` transfer session) and runs `job` on the connection.
    /// Every D-Bus call of the connection gives up after [`CALL_TIMEOUT`].
    ///
    /// Blocking: zbus's blocking API runs on its own executor thread, so this works from a
    /// plain thread and from `spawn_blocking` alike, with no async runtime of its own.
    ///
    /// Why `plain` and not the Diffie-Hellman session: the DH key exchange costs about 10 ms
    /// a call (most of the keyring path's time in `meetjoin check`), and it guards only the
    /// hop over the session bus, which only this user (and root) can watch; any process of
    /// this user can ask the Secret Service for the same item anyway.
    pub(super) fn with<T>(
        service: &str,
        job: impl FnOnce(&Keyring<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let bus = zbus::blocking::connection::Builder::session()
            .and_then(|builder| builder.method_timeout(CALL_TIMEOUT).build())
            .map_err(|e| bus_error(&e))?;
        let ss =
            SecretService::connect_with_existing(EncryptionType::Plain, bus).map_err(map_error)?;
        // The Secret Service answered a moment ago: if it is gone now, it went away.
        job(&Keyring { ss: &ss, service }).map_err(|e| match e {
            StoreError::NoSecretService(detail) => StoreError::Disconnected(detail),
            other => other,
        })
    }

    fn attributes<'u>(&'u self, user: &'u str) -> HashMap<&'u str, &'u str> {
        HashMap::from([("service", self.service), ("username", user)])
    }

    /// The items for `user`, unlocked and locked.
    fn search(&self, user: &str) -> Result<SearchItemsResult<Item<'_>>, StoreError> {
        self.ss
            .search_items(self.attributes(user))
            .map_err(map_error)
    }

    /// The secret of `user`'s entry, if there is one. A locked entry is unlocked first,
    /// which may ask the user.
    pub(super) fn read(&self, user: &str) -> Result<Option<SecretString>, StoreError> {
        let found = self.search(user)?;
        let item = match (found.unlocked.first(), found.locked.first()) {
            (Some(item), _) => item,
            (None, Some(item)) => {
                item.unlock().map_err(map_error)?;
                item
            }
            (None, None) => return Ok(None),
        };
        let bytes = item.get_secret().map_err(map_error)?;
        String::from_utf8(bytes)
            .map(|text| Some(SecretString::from(text)))
            .map_err(|_| StoreError::Corrupt)
    }

    /// Creates or replaces `user`'s entry in the default collection.
    pub(super) fn write(
        &self,
        user: &str,
        label: &str,
        secret: &SecretString,
    ) -> Result<(), StoreError> {
        let collection = self.ss.get_default_collection().map_err(map_error)?;
        let create = || {
            collection.create_item(
                label,
                self.attributes(user),
                secret.expose_secret().as_bytes(),
                true,
                "text/plain",
            )
        };
        match create() {
            Ok(_) => Ok(()),
            // A locked collection: unlock it (the desktop may ask the user), then try again.
            Err(e) if matches!(map_error_ref(&e), StoreError::Locked(_)) => {
                collection.unlock().map_err(map_error)?;
                create().map(|_| ()).map_err(map_error)
            }
            Err(e) => Err(map_error(e)),
        }
    }

    /// Removes `user`'s entries (unlocking locked ones first); none is fine.
    pub(super) fn remove(&self, user: &str) -> Result<(), StoreError> {
        let found = self.search(user)?;
        for item in &found.locked {
            item.unlock().map_err(map_error)?;
        }
        for item in found.unlocked.iter().chain(&found.locked) {
            item.delete().map_err(map_error)?;
        }
        Ok(())
    }
}

/// Why the session bus could not be reached.
fn bus_error(e: &zbus::Error) -> StoreError {
    match e {
        zbus::Error::InputOutput(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            StoreError::NotResponding(e.to_string())
        }
        _ => StoreError::NoSessionBus(e.to_string()),
    }
}

fn map_error(e: secret_service::Error) -> StoreError {
    map_error_ref(&e)
}

/// Maps a Secret Service failure to what the user can do about it; keeps no secret.
fn map_error_ref(e: &secret_service::Error) -> StoreError {
    use secret_service::Error as E;
    match e {
        E::Unavailable => StoreError::NoSecretService(e.to_string()),
        E::Locked | E::Prompt => StoreError::Locked(e.to_string()),
        // The prompt's answer never came: the service (or the bus) went away meanwhile.
        E::PromptDisconnected => StoreError::Disconnected(e.to_string()),
        E::NoResult => StoreError::Other(format!("{e} (no default collection)")),
        E::Zbus(inner) => map_zbus(inner),
        E::ZbusFdo(inner) => map_fdo(inner),
        _ => StoreError::Other(e.to_string()),
    }
}

fn map_zbus(e: &zbus::Error) -> StoreError {
    match e {
        zbus::Error::InputOutput(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            StoreError::NotResponding(e.to_string())
        }
        // The connection broke during a call.
        zbus::Error::InputOutput(_) => StoreError::Disconnected(e.to_string()),
        zbus::Error::Address(_) | zbus::Error::Connection(..) | zbus::Error::Handshake(_) => {
            StoreError::NoSessionBus(e.to_string())
        }
        zbus::Error::InterfaceNotFound => StoreError::NoSecretService(e.to_string()),
        zbus::Error::FDO(inner) => map_fdo(inner),
        zbus::Error::MethodError(name, ..) => match name.as_str() {
            "org.freedesktop.Secret.Error.IsLocked"
            | "org.freedesktop.DBus.Error.AccessDenied"
            | "org.freedesktop.DBus.Error.AuthFailed" => StoreError::Locked(e.to_string()),
            "org.freedesktop.DBus.Error.ServiceUnknown"
            | "org.freedesktop.DBus.Error.NameHasNoOwner"
            | "org.freedesktop.DBus.Error.UnknownObject"
            | "org.freedesktop.DBus.Error.UnknownMethod"
            | "org.freedesktop.DBus.Error.UnknownInterface" => {
                StoreError::NoSecretService(e.to_string())
            }
            name if name.starts_with("org.freedesktop.DBus.Error.Spawn") => {
                StoreError::NoSecretService(e.to_string())
            }
            // "Message recipient disconnected from message bus without replying".
            "org.freedesktop.DBus.Error.NoReply"
            | "org.freedesktop.DBus.Error.Disconnected"
            | "org.freedesktop.DBus.Error.NoServer" => StoreError::Disconnected(e.to_string()),
            "org.freedesktop.DBus.Error.Timeout" | "org.freedesktop.DBus.Error.TimedOut" => {
                StoreError::NotResponding(e.to_string())
            }
            _ => StoreError::Other(e.to_string()),
        },
        _ => StoreError::Other(e.to_string()),
    }
}

fn map_fdo(e: &zbus::fdo::Error) -> StoreError {
    use zbus::fdo::Error as F;
    match e {
        F::AccessDenied(_) | F::AuthFailed(_) => StoreError::Locked(e.to_string()),
        F::ServiceUnknown(_)
        | F::NameHasNoOwner(_)
        | F::UnknownObject(_)
        | F::UnknownMethod(_)
        | F::UnknownInterface(_)
        | F::SpawnFailed(_)
        | F::SpawnServiceNotFound(_)
        | F::SpawnServiceNotValid(_)
        | F::SpawnExecFailed(_)
        | F::SpawnChildExited(_) => StoreError::NoSecretService(e.to_string()),
        F::NoReply(_) | F::Disconnected(_) | F::NoServer(_) | F::IOError(_) => {
            StoreError::Disconnected(e.to_string())
        }
        F::Timeout(_) | F::TimedOut(_) => StoreError::NotResponding(e.to_string()),
        F::ZBus(inner) => map_zbus(inner),
        _ => StoreError::Other(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Error, ErrorKind};
    use std::sync::Arc;

    use zbus::fdo::Error as F;

    use super::*;

    #[test]
    fn each_secret_service_failure_says_what_the_user_can_do() {
        let detail = || "detail".to_owned();
        let timed_out = || zbus::Error::InputOutput(Arc::new(Error::from(ErrorKind::TimedOut)));
        let broken = || zbus::Error::InputOutput(Arc::new(Error::from(ErrorKind::BrokenPipe)));
        let key = |e: StoreError| e.message_key();
        let cases = [
            (
                key(bus_error(&zbus::Error::Address(detail()))),
                "store.no_session_bus",
            ),
            (key(bus_error(&broken())), "store.no_session_bus"),
            (key(bus_error(&timed_out())), "store.not_responding"),
            (key(map_zbus(&timed_out())), "store.not_responding"),
            (key(map_zbus(&broken())), "store.disconnected"),
            (
                key(map_fdo(&F::ServiceUnknown(detail()))),
                "store.no_secret_service",
            ),
            (
                key(map_fdo(&F::NameHasNoOwner(detail()))),
                "store.no_secret_service",
            ),
            (
                key(map_fdo(&F::SpawnChildExited(detail()))),
                "store.no_secret_service",
            ),
            (key(map_fdo(&F::NoReply(detail()))), "store.disconnected"),
            (
                key(map_fdo(&F::Disconnected(detail()))),
                "store.disconnected",
            ),
            (key(map_fdo(&F::TimedOut(detail()))), "store.not_responding"),
            (key(map_fdo(&F::AccessDenied(detail()))), "store.locked"),
            (
                key(map_error(secret_service::Error::Locked)),
                "store.locked",
            ),
            (
                key(map_error(secret_service::Error::Prompt)),
                "store.locked",
            ),
            (
                key(map_error(secret_service::Error::PromptDisconnected)),
                "store.disconnected",
            ),
            (
                key(map_error(secret_service::Error::Unavailable)),
                "store.no_secret_service",
            ),
        ];
        for (index, (got, want)) in cases.into_iter().enumerate() {
            assert_eq!(got, want, "case {index}");
        }
    }
}
