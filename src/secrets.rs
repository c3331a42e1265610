//! Where tokens live: the OS keyring ([`KeyringStore`]) or memory ([`MemoryStore`]). Never a file.
//!
//! On Linux and the BSDs the keyring is the Secret Service (gnome-keyring, KWallet, KeePassXC)
//! spoken to over D-Bus in pure Rust; on macOS the Keychain; on Windows the Credential Manager.
//!
//! A broken keyring never stops meetjoin: every failure is one [`StoreError`] with its own
//! message, the session goes on in memory ([`crate::session::Session`]), and nothing is ever
//! written to a file instead. Every keyring operation ends within [`OPERATION_TIMEOUT`] and
//! every D-Bus call within [`CALL_TIMEOUT`], whatever the keyring does.

use std::collections::HashMap;
use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::api::Tokens;
use crate::i18n::Lang;
use crate::server::Server;

/// The keyring service name of every meetjoin entry.
pub const KEYRING_SERVICE: &str = "meetjoin";

/// How long the Secret Service may take to answer one D-Bus call before meetjoin gives up on it
/// ([`StoreError::NotResponding`]). A running keyring answers in milliseconds.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one keyring operation (a load, a save, a removal) may take in all: long enough to
/// type the keyring's password into the desktop's unlock prompt, short enough that a keyring
/// which never finishes does not hold meetjoin forever ([`StoreError::NotResponding`]).
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// How a stored session was signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SignInMethod {
    /// Account and password (the password is never kept).
    Account,
    /// App ID; the App Key is kept beside the tokens so the session can sign in again by itself.
    AppId {
        /// The App ID.
        app_id: String,
        /// The user signed in as, if any.
        user_id: Option<String>,
        /// An SP (multi-tenant) application; older entries lack it (a corp ID implies it).
        #[serde(default)]
        multi_tenant: bool,
        /// The enterprise, if any.
        corp_id: Option<String>,
    },
    /// An access token pasted by the user.
    AccessToken,
}

/// Everything kept for one server: who is signed in, how, and their tokens.
#[derive(Clone)]
pub struct StoredSession {
    /// The account (or App ID, or a label) the tokens belong to.
    pub account: String,
    /// How the user signed in.
    pub method: SignInMethod,
    /// The tokens.
    pub tokens: Tokens,
    /// The App Key, for App ID sessions.
    pub app_key: Option<SecretString>,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("account", &self.account)
            .field("method", &self.method)
            .field("tokens", &self.tokens)
            .field("app_key", &self.app_key.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// The secret kept in one keyring entry, as JSON.
///
/// Entries of older meetjoin versions lack the fields added since (`server`, `multi_tenant`),
/// and every `Option` may be missing: they still load. Fields this version does not know (from
/// a newer one) are ignored.
#[derive(Serialize, Deserialize)]
struct SecretRecord {
    /// The base URL of the server the tokens belong to; missing in entries of older versions.
    #[serde(default)]
    server: Option<String>,
    account: String,
    method: SignInMethod,
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
    refresh_expires_at: Option<i64>,
    user_name: Option<String>,
    app_key: Option<String>,
}

impl SecretRecord {
    fn from_session(session: &StoredSession, base: &str) -> SecretRecord {
        SecretRecord {
            server: Some(base.to_owned()),
            account: session.account.clone(),
            method: session.method.clone(),
            access_token: session.tokens.access.expose_secret().to_owned(),
            refresh_token: session
                .tokens
                .refresh
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            expires_at: session.tokens.expires_at,
            refresh_expires_at: session.tokens.refresh_expires_at,
            user_name: session.tokens.user_name.clone(),
            app_key: session
                .app_key
                .as_ref()
                .map(|k| k.expose_secret().to_owned()),
        }
    }

    fn into_session(self) -> StoredSession {
        StoredSession {
            account: self.account,
            method: self.method,
            tokens: Tokens {
                access: SecretString::from(self.access_token),
                refresh: self.refresh_token.map(SecretString::from),
                expires_at: self.expires_at,
                refresh_expires_at: self.refresh_expires_at,
                user_name: self.user_name,
            },
            app_key: self.app_key.map(SecretString::from),
        }
    }
}

/// Why the token store failed. Each failure has its own message ([`StoreError::message`]); the
/// text inside is a detail for the log, never shown as the message and never secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No D-Bus session bus could be reached, so no Secret Service either (Linux and the BSDs).
    #[error("no D-Bus session bus: {0}")]
    NoSessionBus(String),
    /// The session bus works, but no Secret Service runs on it (nothing owns, or can be
    /// started as, `org.freedesktop.secrets`) (Linux and the BSDs).
    #[error("no Secret Service on the session bus: {0}")]
    NoSecretService(String),
    /// The platform keyring is not available (macOS, Windows, a platform without one).
    #[error("the OS keyring is not available: {0}")]
    Unavailable(String),
    /// The keyring is locked and was not unlocked (the unlock prompt was dismissed or could not
    /// be shown), or it refused access.
    #[error("the OS keyring is locked or access was denied: {0}")]
    Locked(String),
    /// The keyring did not answer within [`CALL_TIMEOUT`] (one call) or [`OPERATION_TIMEOUT`].
    #[error("the OS keyring did not answer in time: {0}")]
    NotResponding(String),
    /// The keyring service stopped (or the bus went away) while meetjoin was using it.
    #[error("the OS keyring went away during the call: {0}")]
    Disconnected(String),
    /// The stored entry is not a sign-in meetjoin can read (not text, not JSON, not its shape):
    /// it is not used.
    #[error("the stored sign-in could not be read")]
    Corrupt,
    /// The entry kept under this server holds a sign-in for the server named here: its tokens
    /// are not used, and never sent to this server.
    #[error("the stored sign-in is for another server: {0}")]
    ForAnotherServer(String),
    /// Any other keyring failure.
    #[error("keyring error: {0}")]
    Other(String),
}

impl StoreError {
    /// The translation key of the message for a person (`assets/locales/store.yml`).
    pub fn message_key(&self) -> &'static str {
        match self {
            StoreError::NoSessionBus(_) => "store.no_session_bus",
            StoreError::NoSecretService(_) => "store.no_secret_service",
            StoreError::Unavailable(_) => "store.unavailable",
            StoreError::Locked(_) => "store.locked",
            StoreError::NotResponding(_) => "store.not_responding",
            StoreError::Disconnected(_) => "store.disconnected",
            StoreError::Corrupt => "store.corrupt",
            StoreError::ForAnotherServer(_) => "store.for_another_server",
            StoreError::Other(_) => "store.other",
        }
    }

    /// The message for a person, saying what happened and what to do.
    pub fn message(&self, lang: Lang) -> String {
        lang.tr(self.message_key())
    }
}

/// A place to keep each server's signed-in session. Calls may block: run them off the UI thread.
pub trait TokenStore: Send + Sync {
    /// The session kept for `server`, if any.
    fn load(&self, server: &Server) -> Result<Option<StoredSession>, StoreError>;
    /// Keeps `session` as the one for `server`.
    fn save(&self, server: &Server, session: &StoredSession) -> Result<(), StoreError>;
    /// Forgets the session for `server`.
    fn delete(&self, server: &Server) -> Result<(), StoreError>;
    /// True when the store keeps nothing beyond this process.
    fn is_memory_only(&self) -> bool;
}

/// Keeps sessions in this process only.
#[derive(Default)]
pub struct MemoryStore {
    sessions: Mutex<HashMap<String, StoredSession>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// The sessions; a map is whole after any panic, so a poisoned lock is taken as it is.
    fn sessions(&self) -> MutexGuard<'_, HashMap<String, StoredSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TokenStore for MemoryStore {
    fn load(&self, server: &Server) -> Result<Option<StoredSession>, StoreError> {
        Ok(self.sessions().get(&server.base()).cloned())
    }

    fn save(&self, server: &Server, session: &StoredSession) -> Result<(), StoreError> {
        self.sessions().insert(server.base(), session.clone());
        Ok(())
    }

    fn delete(&self, server: &Server) -> Result<(), StoreError> {
        self.sessions().remove(&server.base());
        Ok(())
    }

    fn is_memory_only(&self) -> bool {
        true
    }
}

/// Keeps sessions in the OS keyring: macOS Keychain, Windows Credential Manager, Secret Service.
///
/// One entry per server: user `<base>` (the server's base URL) under the store's service name,
/// whose secret is the whole session as JSON (the server, account, method, tokens, App Key).
/// Loading a signed-in session is one entry read. Entries of the layout before it (an index
/// entry `server:<base>` naming the account, and `<account>@<base>` holding the tokens) are
/// read once when the new entry is missing, rewritten as the new entry and removed.
///
/// An entry that is not meetjoin's JSON is [`StoreError::Corrupt`], one that names another
/// server [`StoreError::ForAnotherServer`]: neither is used, and the next save replaces it.
/// Each operation runs on a thread of its own and is given up after [`OPERATION_TIMEOUT`].
#[derive(Clone, Debug)]
pub struct KeyringStore {
    service: String,
}

impl Default for KeyringStore {
    fn default() -> Self {
        KeyringStore::new()
    }
}

impl KeyringStore {
    /// The store under meetjoin's own service name.
    pub fn new() -> KeyringStore {
        KeyringStore::with_service(KEYRING_SERVICE)
    }

    /// A store under another service name (tests use their own).
    pub fn with_service(service: &str) -> KeyringStore {
        KeyringStore {
            service: service.to_owned(),
        }
    }

    /// The label a keyring manager (Seahorse, Keychain Access) shows for the entry.
    fn label(&self, base: &str) -> String {
        format!("{}: sign-in for {base}", self.service)
    }
}

/// The previous layout's index entry, naming the signed-in account (not secret).
fn legacy_index_user(base: &str) -> String {
    format!("server:{base}")
}

/// The previous layout's token entry for `account`.
fn legacy_token_user(base: &str, account: &str) -> String {
    format!("{account}@{base}")
}

/// Reads the session kept for the server `base` from its JSON secret. An entry that names
/// another server is refused: its tokens must never be sent to this one.
fn parse_session(secret: &SecretString, base: &str) -> Result<StoredSession, StoreError> {
    let record = serde_json::from_str::<SecretRecord>(secret.expose_secret())
        .map_err(|_| StoreError::Corrupt)?;
    match &record.server {
        Some(server) if server != base => Err(StoreError::ForAnotherServer(server.clone())),
        _ => Ok(record.into_session()),
    }
}

/// The JSON secret that keeps `session` for the server `base`.
fn session_secret(session: &StoredSession, base: &str) -> Result<SecretString, StoreError> {
    serde_json::to_string(&SecretRecord::from_session(session, base))
        .map(SecretString::from)
        .map_err(|e| StoreError::Other(format!("the session could not be written as JSON: {e}")))
}

/// Reads the previous layout's two entries for `base`; rewrites them as one entry, then
/// removes them. When the rewrite fails the old entries stay, to be migrated on the next load.
fn migrate_legacy(
    keyring: &os::Keyring<'_>,
    base: &str,
    label: &str,
) -> Result<Option<StoredSession>, StoreError> {
    let index = legacy_index_user(base);
    let Some(account) = keyring.read(&index)? else {
        return Ok(None);
    };
    let token_user = legacy_token_user(base, account.expose_secret());
    let Some(secret) = keyring.read(&token_user)? else {
        return Ok(None);
    };
    let session = parse_session(&secret, base)?;
    // The session was read, so a failed rewrite must not sign the user out: the old entries
    // stay and the rewrite is tried again on the next load. Old entries left behind after a
    // rewrite are shadowed by the new entry, and `delete` removes them with it.
    if let Err(error) =
        session_secret(&session, base).and_then(|secret| keyring.write(base, label, &secret))
    {
        tracing::info!(%error, "keyring: the previous layout's entries stay until the next load");
    } else if let Err(error) = keyring
        .remove(&token_user)
        .and_then(|()| keyring.remove(&index))
    {
        tracing::info!(%error, "keyring: the previous layout's entries could not be removed");
    }
    Ok(Some(session))
}

/// Runs one keyring operation on a thread of its own and waits for it at most
/// [`OPERATION_TIMEOUT`]. A keyring that never answers leaves that thread waiting, not the
/// caller; a panic inside the keyring client is a [`StoreError::Other`], not a crash.
fn with_deadline<T: Send + 'static>(
    operation: &'static str,
    job: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    with_deadline_in(operation, OPERATION_TIMEOUT, job)
}

/// [`with_deadline`] with a deadline of `timeout`.
fn with_deadline_in<T: Send + 'static>(
    operation: &'static str,
    timeout: Duration,
    job: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let (sender, receiver) = mpsc::sync_channel(1);
    let result = std::thread::Builder::new()
        .name(format!("meetjoin-keyring-{operation}"))
        .spawn(move || {
            // The caller may have given up waiting: then nobody reads this.
            let _ = sender.send(job());
        })
        .map_err(|e| StoreError::Other(format!("the keyring thread could not start: {e}")))
        .and_then(|_| match receiver.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(StoreError::NotResponding(format!(
                "the keyring {operation} did not end within {:.1} s",
                timeout.as_secs_f32()
            ))),
            Err(RecvTimeoutError::Disconnected) => Err(StoreError::Other(format!(
                "the keyring {operation} ended without a result"
            ))),
        });
    if let Err(error) = &result {
        // The error goes on to the session, which shows its message; the detail is logged here.
        tracing::info!(operation, %error, "keyring: {operation} failed");
    }
    result
}

impl TokenStore for KeyringStore {
    fn load(&self, server: &Server) -> Result<Option<StoredSession>, StoreError> {
        let (service, base) = (self.service.clone(), server.base());
        let label = self.label(&base);
        with_deadline("load", move || {
            os::Keyring::with(&service, |keyring| match keyring.read(&base)? {
                Some(secret) => parse_session(&secret, &base).map(Some),
                None => migrate_legacy(keyring, &base, &label),
            })
        })
    }

    fn save(&self, server: &Server, session: &StoredSession) -> Result<(), StoreError> {
        let (service, base) = (self.service.clone(), server.base());
        let label = self.label(&base);
        let secret = session_secret(session, &base)?;
        with_deadline("save", move || {
            os::Keyring::with(&service, |keyring| keyring.write(&base, &label, &secret))
        })
    }

    fn delete(&self, server: &Server) -> Result<(), StoreError> {
        let (service, base) = (self.service.clone(), server.base());
        with_deadline("removal", move || {
            os::Keyring::with(&service, |keyring| {
                keyring.remove(&base)?;
                // Entries of the previous layout would otherwise be migrated back on the next
                // load.
                let index = legacy_index_user(&base);
                if let Some(account) = keyring.read(&index)? {
                    keyring.remove(&legacy_token_user(&base, account.expose_secret()))?;
                    keyring.remove(&index)?;
                }
                Ok(())
            })
        })
    }

    fn is_memory_only(&self) -> bool {
        false
    }
}

/// The Secret Service (D-Bus), through the pure-Rust `secret-service` crate on zbus.
#[cfg(all(unix, not(target_vendor = "apple")))]
mod os {
    use std::collections::HashMap;

    use secrecy::{ExposeSecret, SecretString};
    use secret_service::blocking::{Item, SecretService};
    use secret_service::{EncryptionType, SearchItemsResult};

    use super::{CALL_TIMEOUT, StoreError};

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
            let ss = SecretService::connect_with_existing(EncryptionType::Plain, bus)
                .map_err(map_error)?;
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
}

/// The macOS Keychain and the Windows Credential Manager, through the `keyring` crate.
#[cfg(any(target_vendor = "apple", windows))]
mod os {
    use secrecy::{ExposeSecret, SecretString};

    use super::StoreError;

    /// The platform keyring under one service name.
    pub(super) struct Keyring<'a> {
        service: &'a str,
    }

    impl Keyring<'_> {
        /// Runs `job` on the platform keyring (each call below opens what it needs).
        pub(super) fn with<T>(
            service: &str,
            job: impl FnOnce(&Keyring<'_>) -> Result<T, StoreError>,
        ) -> Result<T, StoreError> {
            job(&Keyring { service })
        }

        fn entry(&self, user: &str) -> Result<keyring::Entry, StoreError> {
            keyring::Entry::new(self.service, user).map_err(map_error)
        }

        /// The secret of `user`'s entry, if there is one.
        pub(super) fn read(&self, user: &str) -> Result<Option<SecretString>, StoreError> {
            match self.entry(user)?.get_password() {
                Ok(text) => Ok(Some(SecretString::from(text))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(map_error(e)),
            }
        }

        /// Creates or replaces `user`'s entry (the platform picks the label).
        pub(super) fn write(
            &self,
            user: &str,
            _label: &str,
            secret: &SecretString,
        ) -> Result<(), StoreError> {
            self.entry(user)?
                .set_password(secret.expose_secret())
                .map_err(map_error)
        }

        /// Removes `user`'s entry; none is fine.
        pub(super) fn remove(&self, user: &str) -> Result<(), StoreError> {
            match self.entry(user)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(map_error(e)),
            }
        }
    }

    /// Maps a keyring failure to what the user can do about it; keeps no secret.
    fn map_error(e: keyring::Error) -> StoreError {
        match e {
            keyring::Error::PlatformFailure(inner) => StoreError::Unavailable(inner.to_string()),
            keyring::Error::NoStorageAccess(inner) => StoreError::Locked(inner.to_string()),
            keyring::Error::BadEncoding(_) => StoreError::Corrupt,
            other => StoreError::Other(other.to_string()),
        }
    }
}

/// No OS keyring is known on this platform: every call says so.
#[cfg(not(any(unix, windows)))]
mod os {
    use secrecy::SecretString;

    use super::StoreError;

    /// No keyring.
    pub(super) struct Keyring<'a> {
        _service: &'a str,
    }

    impl Keyring<'_> {
        /// Always unavailable.
        pub(super) fn with<T>(
            _service: &str,
            _job: impl FnOnce(&Keyring<'_>) -> Result<T, StoreError>,
        ) -> Result<T, StoreError> {
            Err(StoreError::Unavailable(
                "no OS keyring on this platform".to_owned(),
            ))
        }

        pub(super) fn read(&self, _user: &str) -> Result<Option<SecretString>, StoreError> {
            Ok(None)
        }

        pub(super) fn write(
            &self,
            _user: &str,
            _label: &str,
            _secret: &SecretString,
        ) -> Result<(), StoreError> {
            Ok(())
        }

        pub(super) fn remove(&self, _user: &str) -> Result<(), StoreError> {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;

    const BASE: &str = "https://meet.example.com";

    fn parse(json: &str) -> Result<StoredSession, StoreError> {
        parse_session(&SecretString::from(json.to_owned()), BASE)
    }

    fn session() -> StoredSession {
        StoredSession {
            account: "alice".to_owned(),
            method: SignInMethod::AppId {
                app_id: "app".to_owned(),
                user_id: None,
                multi_tenant: true,
                corp_id: Some("corp".to_owned()),
            },
            tokens: Tokens::from_access_token(SecretString::from("token".to_owned())),
            app_key: Some(SecretString::from("key".to_owned())),
        }
    }

    #[test]
    fn an_entry_names_its_server_and_reads_back() {
        let secret = session_secret(&session(), BASE).expect("JSON");
        let record: serde_json::Value = serde_json::from_str(secret.expose_secret()).expect("JSON");
        assert_eq!(record["server"], BASE);
        let read = parse_session(&secret, BASE).expect("reads back");
        assert_eq!(read.account, "alice");
        assert_eq!(read.method, session().method);
        assert_eq!(read.tokens.access.expose_secret(), "token");
    }

    #[test]
    fn entries_of_older_versions_load() {
        // The fewest fields any version wrote: no server, no multi_tenant, no optional field.
        let read = parse(
            r#"{"account": "a", "access_token": "t",
                "method": {"type": "app_id", "app_id": "app", "corp_id": "corp"}}"#,
        )
        .expect("loads");
        assert_eq!(
            read.method,
            SignInMethod::AppId {
                app_id: "app".to_owned(),
                user_id: None,
                multi_tenant: false,
                corp_id: Some("corp".to_owned()),
            }
        );
        assert!(read.tokens.refresh.is_none() && read.app_key.is_none());
        // And a newer version's extra field is no reason to sign out.
        parse(r#"{"account": "a", "access_token": "t", "method": {"type": "account"}, "new": 1}"#)
            .expect("loads");
    }

    #[test]
    fn an_entry_for_another_server_is_refused() {
        let other = session_secret(&session(), "https://other.example.com").expect("JSON");
        assert_eq!(
            parse_session(&other, BASE).map(|s| s.account),
            Err(StoreError::ForAnotherServer(
                "https://other.example.com".to_owned()
            ))
        );
    }

    #[test]
    fn text_that_is_not_an_entry_is_corrupt() {
        for bad in [
            "",
            "not json",
            "null",
            "[]",
            r#"{"account": 1}"#,
            r#"{"account": "a", "access_token": "t", "method": {"type": "pigeon"}}"#,
        ] {
            assert_eq!(
                parse(bad).map(|s| s.account),
                Err(StoreError::Corrupt),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_keyring_operation_that_never_ends_is_given_up() {
        let started = Instant::now();
        let result = with_deadline_in("load", Duration::from_millis(200), || {
            std::thread::sleep(Duration::from_secs(3));
            Ok(())
        });
        assert!(
            matches!(result, Err(StoreError::NotResponding(_))),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_panic_in_the_keyring_client_is_an_error_not_a_crash() {
        let result: Result<(), StoreError> =
            with_deadline_in("load", Duration::from_secs(10), || {
                panic!("inside the keyring client")
            });
        assert!(matches!(result, Err(StoreError::Other(_))), "{result:?}");
    }

    #[test]
    fn a_poisoned_memory_store_still_works() {
        let store = Arc::new(MemoryStore::new());
        let poisoner = store.clone();
        let _ = std::thread::spawn(move || {
            let _held = poisoner.sessions();
            panic!("poisons the lock");
        })
        .join();
        store.save(&Server::Intl, &session()).expect("saves");
        assert!(store.load(&Server::Intl).expect("loads").is_some());
    }
}
