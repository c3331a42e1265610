//! The macOS Keychain and the Windows Credential Manager, through the `keyring` crate.

use secrecy::{ExposeSecret, SecretString};

use crate::secrets::StoreError;

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
