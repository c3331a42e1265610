//! The OS keyring as a [`TokenStore`]: one entry per server, each operation on a thread of
//! its own with a deadline. The keyring itself is `os`: the Secret Service on Linux and the
//! BSDs, the `keyring` crate (Keychain, Credential Manager) on macOS and Windows.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::secrets::{
    KEYRING_SERVICE, OPERATION_TIMEOUT, SecretRecord, StoreError, StoredSession, TokenStore,
};
use crate::server::Server;

#[cfg(all(unix, not(target_vendor = "apple")))]
#[path = "secret_service.rs"]
mod os;

#[cfg(any(target_vendor = "apple", windows))]
#[path = "native.rs"]
mod os;

#[cfg(not(any(unix, windows)))]
#[path = "none.rs"]
mod os;

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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::api::Tokens;
    use crate::secrets::{MemoryStore, SignInMethod};

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
