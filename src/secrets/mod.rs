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

mod keyring_store;

pub use keyring_store::KeyringStore;
