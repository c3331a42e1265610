//! Where tokens live: the OS keyring ([`KeyringStore`]) or memory ([`MemoryStore`]). Never a file.

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
/// Two entries per server: `server:<base>` names the signed-in account (not secret), and
/// `<account>@<base>` holds that account's tokens as one secret.
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

    fn entry(&self, user: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&self.service, user).map_err(map_keyring_error)
    }

    fn index_user(server: &Server) -> String {
        format!("server:{}", server.base())
    }

    fn token_user(server: &Server, account: &str) -> String {
        format!("{account}@{}", server.base())
    }

    fn read(&self, user: &str) -> Result<Option<String>, StoreError> {
        match self.entry(user)?.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn remove(&self, user: &str) -> Result<(), StoreError> {
        match self.entry(user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

impl TokenStore for KeyringStore {
    fn load(&self, server: &Server) -> Result<Option<StoredSession>, StoreError> {
        let Some(account) = self.read(&KeyringStore::index_user(server))? else {
            return Ok(None);
        };
        let Some(secret) = self.read(&KeyringStore::token_user(server, &account))? else {
            return Ok(None);
        };
        let record: SecretRecord =
            serde_json::from_str(&secret).map_err(|_| StoreError::Corrupt)?;
        Ok(Some(record.into_session()))
    }

    fn save(&self, server: &Server, session: &StoredSession) -> Result<(), StoreError> {
        let index = KeyringStore::index_user(server);
        if let Some(previous) = self.read(&index)?
            && previous != session.account
        {
            self.remove(&KeyringStore::token_user(server, &previous))?;
        }
        let secret = serde_json::to_string(&SecretRecord::from_session(session))
            .map_err(|_| StoreError::Corrupt)?;
        self.entry(&KeyringStore::token_user(server, &session.account))?
            .set_password(&secret)
            .map_err(map_keyring_error)?;
        self.entry(&index)?
            .set_password(&session.account)
            .map_err(map_keyring_error)
    }

    fn delete(&self, server: &Server) -> Result<(), StoreError> {
        let index = KeyringStore::index_user(server);
        if let Some(account) = self.read(&index)? {
            self.remove(&KeyringStore::token_user(server, &account))?;
        }
        self.remove(&index)
    }

    fn is_memory_only(&self) -> bool {
        false
    }
}

/// Maps a keyring failure to what the user can do about it; keeps no secret.
fn map_keyring_error(e: keyring::Error) -> StoreError {
    match e {
        keyring::Error::PlatformFailure(inner) => StoreError::Unavailable(inner.to_string()),
        keyring::Error::NoStorageAccess(inner) => StoreError::Locked(inner.to_string()),
        keyring::Error::BadEncoding(_) => StoreError::Corrupt,
        other => StoreError::Other(other.to_string()),
    }
}
