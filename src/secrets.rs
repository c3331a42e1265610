//! Where tokens live: the OS keyring ([`KeyringStore`]) or memory ([`MemoryStore`]). Never a file.
//!
//! On Linux and the BSDs the keyring is the Secret Service (gnome-keyring, KWallet, KeePassXC)
//! spoken to over D-Bus in pure Rust; on macOS the Keychain; on Windows the Credential Manager.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::api::Tokens;
use crate::i18n::Lang;
use crate::server::Server;

/// The keyring service name of every meetjoin entry.
pub const KEYRING_SERVICE: &str = "meetjoin";

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
#[derive(Serialize, Deserialize)]
struct SecretRecord {
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
    fn from_session(session: &StoredSession) -> SecretRecord {
        SecretRecord {
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

/// Why the token store failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No keyring service is running or reachable (for example no Secret Service on D-Bus).
    #[error("the OS keyring is not available: {0}")]
    Unavailable(String),
    /// The keyring is locked, or access was denied.
    #[error("the OS keyring is locked or access was denied: {0}")]
    Locked(String),
    /// The stored entry could not be read back.
    #[error("the stored sign-in could not be read")]
    Corrupt,
    /// Any other keyring failure.
    #[error("keyring error: {0}")]
    Other(String),
}

impl StoreError {
    /// The message for a person, saying what happened and what to do.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            StoreError::Unavailable(_) => lang.tr("store.unavailable"),
            StoreError::Locked(_) => lang.tr("store.locked"),
            StoreError::Corrupt => lang.tr("store.corrupt"),
            StoreError::Other(_) => lang.tr("store.other"),
        }
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
}

impl TokenStore for MemoryStore {
    fn load(&self, server: &Server) -> Result<Option<StoredSession>, StoreError> {
        let sessions = self.sessions.lock().map_err(|_| StoreError::Corrupt)?;
        Ok(sessions.get(&server.base()).cloned())
    }

    fn save(&self, server: &Server, session: &StoredSession) -> Result<(), StoreError> {
        let mut sessions = self.sessions.lock().map_err(|_| StoreError::Corrupt)?;
        sessions.insert(server.base(), session.clone());
        Ok(())
    }

    fn delete(&self, server: &Server) -> Result<(), StoreError> {
        let mut sessions = self.sessions.lock().map_err(|_| StoreError::Corrupt)?;
        sessions.remove(&server.base());
        Ok(())
    }

    fn is_memory_only(&self) -> bool {
        true
    }
}

/// Keeps sessions in the OS keyring: macOS Keychain, Windows Credential Manager, Secret Service.
///
/// One entry per server: user `<base>` (the server's base URL) under the store's service name,
/// whose secret is the whole session as JSON (account, method, tokens, App Key). Loading a
/// signed-in session is one entry read. Entries of the layout before it (an index entry
/// `server:<base>` naming the account, and `<account>@<base>` holding the tokens) are read
/// once when the new entry is missing, rewritten as the new entry and removed.
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

/// Reads a stored session from its JSON secret.
fn parse_session(secret: &SecretString) -> Result<StoredSession, StoreError> {
    serde_json::from_str::<SecretRecord>(secret.expose_secret())
        .map(SecretRecord::into_session)
        .map_err(|_| StoreError::Corrupt)
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
    let session = parse_session(&secret)?;
    // The session was read, so a failed rewrite must not sign the user out: the old entries
    // stay and the rewrite is tried again on the next load. Old entries left behind after a
    // rewrite are shadowed by the new entry, and `delete` removes them with it.
    if keyring.write(base, label, &secret).is_ok() {
        let _ = keyring
            .remove(&token_user)
            .and_then(|()| keyring.remove(&index));
    }
    Ok(Some(session))
}

impl TokenStore for KeyringStore {
    fn load(&self, server: &Server) -> Result<Option<StoredSession>, StoreError> {
        let base = server.base();
        os::Keyring::with(&self.service, |keyring| match keyring.read(&base)? {
            Some(secret) => parse_session(&secret).map(Some),
            None => migrate_legacy(keyring, &base, &self.label(&base)),
        })
    }

    fn save(&self, server: &Server, session: &StoredSession) -> Result<(), StoreError> {
        let base = server.base();
        let secret = serde_json::to_string(&SecretRecord::from_session(session))
            .map(SecretString::from)
            .map_err(|_| StoreError::Corrupt)?;
        os::Keyring::with(&self.service, |keyring| {
            keyring.write(&base, &self.label(&base), &secret)
        })
    }

    fn delete(&self, server: &Server) -> Result<(), StoreError> {
        let base = server.base();
        os::Keyring::with(&self.service, |keyring| {
            keyring.remove(&base)?;
            // Entries of the previous layout would otherwise be migrated back on the next load.
            let index = legacy_index_user(&base);
            if let Some(account) = keyring.read(&index)? {
                keyring.remove(&legacy_token_user(&base, account.expose_secret()))?;
                keyring.remove(&index)?;
            }
            Ok(())
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

    use super::StoreError;

    /// One connection to the Secret Service, for one store operation.
    pub(super) struct Keyring<'a> {
        ss: &'a SecretService<'a>,
        service: &'a str,
    }

    impl Keyring<'_> {
        /// Connects (D-Bus, then a `plain` transfer session) and runs `job` on the connection.
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
            let ss = SecretService::connect(EncryptionType::Plain).map_err(map_error)?;
            job(&Keyring { ss: &ss, service })
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

    fn map_error(e: secret_service::Error) -> StoreError {
        map_error_ref(&e)
    }

    /// Maps a Secret Service failure to what the user can do about it; keeps no secret.
    fn map_error_ref(e: &secret_service::Error) -> StoreError {
        use secret_service::Error as E;
        match e {
            E::Unavailable => StoreError::Unavailable(e.to_string()),
            E::Locked | E::Prompt | E::PromptDisconnected | E::NoResult => {
                StoreError::Locked(e.to_string())
            }
            E::Zbus(inner) => map_zbus(inner),
            E::ZbusFdo(inner) => map_fdo(inner),
            _ => StoreError::Other(e.to_string()),
        }
    }

    fn map_zbus(e: &zbus::Error) -> StoreError {
        match e {
            zbus::Error::InputOutput(_)
            | zbus::Error::Address(_)
            | zbus::Error::Connection(..)
            | zbus::Error::Handshake(_)
            | zbus::Error::InterfaceNotFound => StoreError::Unavailable(e.to_string()),
            zbus::Error::FDO(inner) => map_fdo(inner),
            zbus::Error::MethodError(name, ..) => match name.as_str() {
                "org.freedesktop.Secret.Error.IsLocked"
                | "org.freedesktop.DBus.Error.AccessDenied"
                | "org.freedesktop.DBus.Error.AuthFailed" => StoreError::Locked(e.to_string()),
                "org.freedesktop.DBus.Error.ServiceUnknown"
                | "org.freedesktop.DBus.Error.NameHasNoOwner"
                | "org.freedesktop.DBus.Error.NoServer"
                | "org.freedesktop.DBus.Error.Disconnected"
                | "org.freedesktop.DBus.Error.UnknownObject"
                | "org.freedesktop.DBus.Error.UnknownMethod" => {
                    StoreError::Unavailable(e.to_string())
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
            | F::NoServer(_)
            | F::Disconnected(_)
            | F::UnknownObject(_)
            | F::UnknownMethod(_)
            | F::IOError(_)
            | F::SpawnFailed(_)
            | F::SpawnServiceNotFound(_)
            | F::SpawnServiceNotValid(_)
            | F::SpawnExecFailed(_)
            | F::SpawnChildExited(_) => StoreError::Unavailable(e.to_string()),
            F::ZBus(inner) => map_zbus(inner),
            _ => StoreError::Other(e.to_string()),
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
