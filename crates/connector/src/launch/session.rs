//! Launch session ids, and the sealing of a session's tokens with a key derived from its id.
//!
//! The id is 256 random bits, sent to the browser in the page path. The
//! store keeps only its SHA-256, and the version 4 tokens encrypted with
//! ChaCha20-Poly1305 under a second hash of the id, so that a copy of the
//! database neither opens a session nor reveals a token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::digest::{SHA256, digest};
use serde::Deserialize;
use serde_json::json;

use crate::config::Secret;
use crate::notifications::host::UserTokens;

/// Length of a session id in its URL form: 32 bytes in Base64 without padding.
const ENCODED_ID_LENGTH: usize = 43;

/// Prefix that separates the sealing key from the stored id hash.
const SEALING_KEY_CONTEXT: &[u8] = b"callouts launch session token key\0";

/// A launch session id. `Debug` does not show it.
pub struct SessionId([u8; 32]);

impl std::fmt::Debug for SessionId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SessionId([redacted])")
    }
}

impl SessionId {
    /// Draws a new id from the thread's CSPRNG, which the OS seeds.
    pub fn generate() -> SessionId {
        SessionId(rand::random())
    }

    /// Reads the URL form; anything other than 43 Base64url characters
    /// encoding 32 bytes gives `None`.
    pub fn parse(text: &str) -> Option<SessionId> {
        if text.len() != ENCODED_ID_LENGTH {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        bytes.try_into().ok().map(SessionId)
    }

    /// Returns the URL form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Returns the SHA-256 under which the store keeps the session.
    pub fn hash(&self) -> [u8; 32] {
        let hashed = digest(&SHA256, &self.0);
        let mut bytes = [0; 32];
        bytes.copy_from_slice(hashed.as_ref());
        bytes
    }

    fn sealing_key(&self) -> LessSafeKey {
        let mut input = SEALING_KEY_CONTEXT.to_vec();
        input.extend_from_slice(&self.0);
        let key = digest(&SHA256, &input);
        // A SHA-256 digest is 32 bytes, the ChaCha20-Poly1305 key length.
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, key.as_ref())
            .expect("a SHA-256 digest is a valid ChaCha20-Poly1305 key");
        LessSafeKey::new(unbound)
    }

    /// Encrypts the tokens: a random nonce followed by the ciphertext and tag.
    pub fn seal(&self, tokens: &UserTokens) -> Vec<u8> {
        let plain = json!({
            "access": tokens.access.expose(),
            "refresh": tokens.refresh.as_ref().map(Secret::expose),
        });
        let mut sealed = plain.to_string().into_bytes();
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        self.sealing_key()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::empty(),
                &mut sealed,
            )
            .expect("ChaCha20-Poly1305 seals any message shorter than 256 GiB");
        let mut output = nonce_bytes.to_vec();
        output.extend_from_slice(&sealed);
        output
    }

    /// Decrypts tokens sealed by [`Self::seal`] with the same id. Returns `None`
    /// when they were sealed with another id or changed.
    pub fn open(&self, sealed: &[u8]) -> Option<UserTokens> {
        #[derive(Deserialize)]
        struct Plain {
            access: String,
            refresh: Option<String>,
        }

        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce_bytes).ok()?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .sealing_key()
            .open_in_place(nonce, Aad::empty(), &mut buffer)
            .ok()?;
        let plain: Plain = serde_json::from_slice(plain).ok()?;
        Some(UserTokens {
            access: Secret::new(plain.access),
            refresh: plain.refresh.map(Secret::new),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> UserTokens {
        UserTokens {
            access: Secret::new("access-token"),
            refresh: Some(Secret::new("refresh-token")),
        }
    }

    #[test]
    fn session_id_round_trips_url_form() {
        let id = SessionId::generate();

        let parsed = SessionId::parse(&id.encode()).expect("parse own encoding");

        assert_eq!(parsed.hash(), id.hash());
    }

    #[test]
    fn session_id_rejects_other_text() {
        for text in ["", "short", &"A".repeat(44), &"*".repeat(43)] {
            assert!(SessionId::parse(text).is_none(), "{text:?} was accepted");
        }
    }

    #[test]
    fn sealed_tokens_open_with_same_id() {
        let id = SessionId::generate();

        let opened = id.open(&id.seal(&tokens())).expect("open sealed tokens");

        assert_eq!(opened.access.expose(), "access-token");
        assert_eq!(
            opened.refresh.as_ref().map(Secret::expose),
            Some("refresh-token")
        );
    }

    #[test]
    fn sealed_tokens_hide_plain_text() {
        let sealed = SessionId::generate().seal(&tokens());

        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("access-token"));
    }

    #[test]
    fn sealed_tokens_fail_with_other_id() {
        let sealed = SessionId::generate().seal(&tokens());

        assert!(SessionId::generate().open(&sealed).is_none());
    }
}
