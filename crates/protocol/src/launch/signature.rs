//! The signature shared by both versions.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use super::LaunchError;

/// The connector's Basic-auth credentials, which key the signature.
#[derive(Clone, Copy)]
pub struct LaunchCredentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
}

impl std::fmt::Debug for LaunchCredentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl LaunchCredentials<'_> {
    /// Returns the key: the user name in lower case followed by the password.
    fn key(&self) -> Vec<u8> {
        let mut key = self.username.to_lowercase().into_bytes();
        key.extend_from_slice(self.password.as_bytes());
        key
    }
}

/// The hash function of a version.
#[derive(Debug, Clone, Copy)]
pub(super) enum Algorithm {
    HmacSha1,
    HmacSha256,
}

/// Builds the signed message: `values` in order, then the user name, the
/// password and the nonce, concatenated without separators.
fn message(values: &[&str], credentials: LaunchCredentials<'_>, nonce: &str) -> Vec<u8> {
    let mut message = Vec::new();
    for value in values {
        message.extend_from_slice(value.as_bytes());
    }
    message.extend_from_slice(credentials.username.as_bytes());
    message.extend_from_slice(credentials.password.as_bytes());
    message.extend_from_slice(nonce.as_bytes());
    message
}

fn mac(algorithm: Algorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC hashes a key longer than the block size and pads a shorter one
    // (RFC 2104), so `new_from_slice` accepts every key length.
    match algorithm {
        Algorithm::HmacSha1 => {
            let mut mac =
                Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::HmacSha256 => {
            let mut mac =
                Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// Returns the Base64 signature of `values` and `nonce`.
pub(super) fn sign(
    algorithm: Algorithm,
    values: &[&str],
    credentials: LaunchCredentials<'_>,
    nonce: &str,
) -> String {
    let digest = mac(
        algorithm,
        &credentials.key(),
        &message(values, credentials, nonce),
    );
    BASE64.encode(digest)
}

/// Checks a received Base64 signature in constant time.
pub(super) fn verify(
    algorithm: Algorithm,
    values: &[&str],
    credentials: LaunchCredentials<'_>,
    nonce: &str,
    signature: &str,
) -> Result<(), LaunchError> {
    let received = BASE64
        .decode(signature)
        .map_err(|_| LaunchError::SignatureEncoding)?;
    let expected = mac(
        algorithm,
        &credentials.key(),
        &message(values, credentials, nonce),
    );
    if bool::from(expected.ct_eq(&received)) {
        Ok(())
    } else {
        Err(LaunchError::SignatureMismatch)
    }
}
