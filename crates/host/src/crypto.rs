//! Encryption of connector passwords at rest: XChaCha20-Poly1305 with a random nonce per value.
//!
//! The host must send each password to its connector in Basic
//! authentication, so a one-way hash will not do. A sealed value is
//! `version (1 byte) || nonce (24 bytes) || ciphertext and tag`; the
//! 192-bit nonce makes random nonces safe for any number of values.

use std::fmt;
use std::path::Path;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use connector::Secret;
use rand::RngCore;

/// Length of the key in bytes.
pub const KEY_LENGTH: usize = 32;

const FORMAT_VERSION: u8 = 1;
const NONCE_LENGTH: usize = 24;
/// Associated data, so that a sealed password cannot pass for another kind of sealed value.
const ASSOCIATED_DATA: &[u8] = b"callouts-host registration password";

/// A connector password as stored: encrypted, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPassword(Vec<u8>);

impl SealedPassword {
    /// Wraps bytes read from the store.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        SealedPassword(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SealedPassword {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("[sealed]")
    }
}

/// Reason a key could not be loaded. Messages never contain the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the secret key is not valid base64")]
    NotBase64,
    #[error("the secret key must be {KEY_LENGTH} bytes, found {0}")]
    WrongLength(usize),
    #[error("failed to read the secret key file {path}")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why a sealed password could not be opened: the key differs from the one
/// that sealed it, or the stored bytes were changed.
#[derive(Debug, thiserror::Error)]
#[error(
    "a stored password could not be decrypted; the secret key differs from the one that encrypted it, or the value is damaged"
)]
pub struct OpenError;

/// Seals and opens connector passwords with one key.
pub struct PasswordCipher {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for PasswordCipher {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("PasswordCipher([redacted])")
    }
}

impl PasswordCipher {
    /// Builds a cipher from the raw key bytes.
    pub fn from_key(key: &[u8; KEY_LENGTH]) -> Self {
        PasswordCipher {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// Builds a cipher from the base64 encoding of the key; surrounding
    /// whitespace is ignored, so a key file may end with a newline.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| KeyError::NotBase64)?;
        let key: [u8; KEY_LENGTH] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongLength(bytes.len()))?;
        Ok(PasswordCipher::from_key(&key))
    }

    /// Reads the base64 key from a file.
    pub fn from_key_file(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        PasswordCipher::from_base64(&text)
    }

    /// Encrypts a password under a fresh random nonce.
    pub fn seal(&self, password: &Secret) -> SealedPassword {
        let mut nonce = [0u8; NONCE_LENGTH];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: password.expose().as_bytes(),
            aad: ASSOCIATED_DATA,
        };
        // Encryption fails only for messages beyond 256 GiB (chacha20poly1305
        // 0.10), far beyond any password.
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();

        let mut sealed = Vec::with_capacity(1 + NONCE_LENGTH + ciphertext.len());
        sealed.push(FORMAT_VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        SealedPassword(sealed)
    }

    /// Decrypts a sealed password.
    pub fn open(&self, sealed: &SealedPassword) -> Result<Secret, OpenError> {
        let bytes = sealed.as_bytes();
        let (&version, rest) = bytes.split_first().ok_or(OpenError)?;
        if version != FORMAT_VERSION || rest.len() < NONCE_LENGTH {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LENGTH);
        let payload = Payload {
            msg: ciphertext,
            aad: ASSOCIATED_DATA,
        };
        let plaintext = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| OpenError)?;
        String::from_utf8(plaintext)
            .map(Secret::new)
            .map_err(|_| OpenError)
    }
}

/// Generates a random key and returns its base64 encoding, for a new installation.
pub fn generate_key_base64() -> String {
    let mut key = [0u8; KEY_LENGTH];
    rand::rng().fill_bytes(&mut key);
    base64::engine::general_purpose::STANDARD.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> PasswordCipher {
        PasswordCipher::from_key(&[7u8; KEY_LENGTH])
    }

    #[test]
    fn seal_then_open_returns_password() {
        let sealed = cipher().seal(&Secret::new("connector-password"));

        let opened = cipher().open(&sealed).unwrap();
        assert_eq!(opened.expose(), "connector-password");
    }

    #[test]
    fn seal_uses_fresh_nonce() {
        let first = cipher().seal(&Secret::new("connector-password"));
        let second = cipher().seal(&Secret::new("connector-password"));

        assert_ne!(first, second);
    }

    #[test]
    fn sealed_bytes_do_not_contain_password() {
        let sealed = cipher().seal(&Secret::new("connector-password"));

        let found = sealed
            .as_bytes()
            .windows("connector-password".len())
            .any(|window| window == b"connector-password");
        assert!(!found);
    }

    #[test]
    fn open_with_other_key_fails() {
        let sealed = cipher().seal(&Secret::new("connector-password"));
        let other = PasswordCipher::from_key(&[8u8; KEY_LENGTH]);

        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn open_changed_bytes_fails() {
        let mut bytes = cipher().seal(&Secret::new("connector-password")).0;
        let last = bytes.len() - 1;
        bytes[last] ^= 1;

        assert!(cipher().open(&SealedPassword(bytes)).is_err());
    }

    #[test]
    fn open_empty_bytes_fails() {
        assert!(cipher().open(&SealedPassword(Vec::new())).is_err());
    }

    #[test]
    fn key_of_wrong_length_is_rejected() {
        let short = base64::engine::general_purpose::STANDARD.encode([1u8; 16]);

        assert!(matches!(
            PasswordCipher::from_base64(&short),
            Err(KeyError::WrongLength(16))
        ));
    }

    #[test]
    fn key_not_base64_is_rejected() {
        assert!(matches!(
            PasswordCipher::from_base64("not base64 at all!"),
            Err(KeyError::NotBase64)
        ));
    }

    #[test]
    fn generated_key_loads() {
        assert!(PasswordCipher::from_base64(&generate_key_base64()).is_ok());
    }

    #[test]
    fn sealed_password_debug_is_redacted() {
        let sealed = cipher().seal(&Secret::new("connector-password"));

        assert_eq!(format!("{sealed:?}"), "[sealed]");
    }
}
