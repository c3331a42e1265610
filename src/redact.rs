//! Masks secrets in text that came from a server before anyone sees it.
//!
//! A server may echo a user's own token, password, App Key or auth random back in a header or
//! a field. Every piece of server-supplied text meetjoin prints, shows, copies or logs (request
//! id, error code, message, subject, user name, redirect target) goes through
//! [`Redactor::mask`] first, with every secret meetjoin holds at that moment.

use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::{ExposeSecret, SecretString};

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// A set of secrets to hide in text. Cheap to build; `Debug` never shows the secrets.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// A redactor with no secrets yet.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds a secret (empty ones are ignored), with the forms a server could echo it in:
    /// as sent, trimmed, and percent-encoded.
    pub fn add(&mut self, secret: &str) {
        let trimmed = secret.trim();
        for form in [
            secret.to_owned(),
            trimmed.to_owned(),
            url::form_urlencoded::byte_serialize(trimmed.as_bytes()).collect::<String>(),
        ] {
            if !form.is_empty()
                && !self
                    .secrets
                    .iter()
                    .any(|s| s.expose_secret() == form.as_str())
            {
                self.secrets.push(SecretString::from(form));
            }
        }
    }

    /// Adds a secret held as a [`SecretString`].
    pub fn add_secret(&mut self, secret: &SecretString) {
        self.add(secret.expose_secret());
    }

    /// Adds HTTP Basic credentials: the password, and the base64 of `account:password` that
    /// travels in the header.
    pub fn add_basic(&mut self, account: &str, password: &SecretString) {
        self.add_secret(password);
        self.add(&BASE64.encode(format!("{account}:{}", password.expose_secret())));
    }

    /// This redactor with the secrets of `other` as well.
    pub fn merged(mut self, other: &Redactor) -> Redactor {
        for secret in &other.secrets {
            self.add_secret(secret);
        }
        self
    }

    /// True when there is nothing to hide.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every occurrence of every secret replaced by [`MASK`] (longest secrets
    /// first, so that a secret inside another is not left half visible).
    pub fn mask(&self, text: &str) -> String {
        let mut secrets: Vec<&str> = self.secrets.iter().map(|s| s.expose_secret()).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut masked = text.to_owned();
        for secret in secrets {
            if masked.contains(secret) {
                masked = masked.replace(secret, MASK);
            }
        }
        masked
    }

    /// [`Redactor::mask`] on an optional text.
    pub fn mask_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.mask(&t))
    }
}

/// Secrets shared by every clone of a client: what the signed-in session holds (tokens, a kept
/// App Key). Replaced as a whole whenever the session changes.
#[derive(Clone, Default)]
pub struct HeldSecrets {
    inner: Arc<Mutex<Redactor>>,
}

impl std::fmt::Debug for HeldSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeldSecrets")
    }
}

impl HeldSecrets {
    /// Replaces the held secrets.
    pub fn replace(&self, secrets: Redactor) {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = secrets;
    }

    /// A copy of the held secrets.
    pub fn snapshot(&self) -> Redactor {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_form_and_longest_first() {
        let mut r = Redactor::new();
        r.add("abc");
        r.add("xxabcxx");
        r.add(" p w ");
        assert_eq!(r.mask("id-xxabcxx-abc"), "id-***-***");
        assert_eq!(r.mask("pw: p+w and p w"), "pw: *** and ***");
        assert_eq!(r.mask("clean"), "clean");
        r.add("");
        assert_eq!(r.mask("x"), "x");
    }

    #[test]
    fn basic_credentials_are_masked_encoded_too() {
        let mut r = Redactor::new();
        r.add_basic("me", &SecretString::from("pw123".to_owned()));
        let encoded = BASE64.encode("me:pw123");
        assert_eq!(
            r.mask(&format!("Basic {encoded} / pw123")),
            "Basic *** / ***"
        );
    }
}
