//! No OS keyring is known on this platform: every call says so.

use secrecy::SecretString;

use crate::secrets::StoreError;

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
