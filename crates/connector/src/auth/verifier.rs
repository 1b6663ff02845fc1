//! Checks presented Basic credentials against the configured pair.
//!
//! A clear-text password is checked together with the user name: one
//! HMAC-SHA256 tag of the pair, under a key drawn at start-up, is compared
//! with `subtle`'s constant-time equality. Comparing fixed-size tags hides
//! both the content and the length of the configured values, and one tag
//! per request costs half as much as one per value. An argon2
//! PHC password is verified on the blocking pool, and a success is remembered
//! for `credentials.verified_cache_secs` under a tag of the presented pair so
//! that the host's next callouts skip the deliberately slow hash.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use ring::hmac;
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::basic::PresentedCredentials;
use crate::config::CredentialsConfig;
use crate::config::{check_argon2_phc, is_argon2_phc};

/// Tag of a value under the per-process key.
type Tag = [u8; 32];

/// Most argon2 verifications running at once, so that a burst of wrong
/// passwords cannot take every blocking thread and core.
const MAX_CONCURRENT_ARGON2: usize = 2;

/// Most remembered successes; the host uses one pair, so a few suffice.
const MAX_CACHED_SUCCESSES: usize = 16;

/// The configured password, ready for comparison.
enum ExpectedPassword {
    /// Tag of the configured user name and password, made by [`pair_tag`].
    Clear(Tag),
    Argon2(Arc<str>),
}

/// Result of checking one presented pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Accepted,
    Rejected,
}

/// Verifies Basic credentials in constant time or with argon2.
pub struct CredentialVerifier {
    key: hmac::Key,
    username: Tag,
    password: ExpectedPassword,
    cache_ttl: Duration,
    verified: Mutex<HashMap<Tag, Instant>>,
    argon2_permits: Arc<Semaphore>,
}

impl CredentialVerifier {
    /// Prepares the configured credentials; fails only when the system
    /// random generator does or the argon2 string does not parse.
    pub fn new(credentials: &CredentialsConfig) -> anyhow::Result<Self> {
        let random = ring::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &random)
            .map_err(|_| anyhow!("failed to draw a random key for credential comparison"))?;

        let configured_password = credentials.password.expose();
        let password = if is_argon2_phc(configured_password) {
            check_argon2_phc(configured_password)
                .map_err(|message| anyhow!("credentials.password: {message}"))?;
            ExpectedPassword::Argon2(Arc::from(configured_password))
        } else {
            let username = credentials.username.as_bytes();
            ExpectedPassword::Clear(pair_tag(&key, username, configured_password.as_bytes()))
        };

        Ok(CredentialVerifier {
            username: tag(&key, credentials.username.as_bytes()),
            key,
            password,
            cache_ttl: Duration::from_secs(credentials.verified_cache_secs),
            verified: Mutex::new(HashMap::new()),
            argon2_permits: Arc::new(Semaphore::new(MAX_CONCURRENT_ARGON2)),
        })
    }

    /// Checks the presented pair at once against a clear-text password, or
    /// against the successes remembered for an argon2 hash. Returns `None`
    /// when an argon2 hash has to be verified on the blocking pool.
    pub fn verify_now(&self, presented: &PresentedCredentials) -> Option<Verification> {
        match &self.password {
            ExpectedPassword::Clear(expected) => {
                Some(decide(self.pair_tag(presented).ct_eq(expected)))
            }
            ExpectedPassword::Argon2(_) => self
                .is_cached(&self.pair_tag(presented))
                .then_some(Verification::Accepted),
        }
    }

    /// Checks the presented pair. Timing does not tell which of the two was
    /// wrong: a clear-text password shares one tag with the user name, and
    /// against an argon2 hash the user name is compared even when the
    /// password fails, and the password even when the user name failed.
    pub async fn verify(&self, presented: &PresentedCredentials) -> Verification {
        let admitted = self
            .verify_admitted(presented, || Ok::<(), Infallible>(()))
            .await;
        match admitted {
            Ok(verification) => verification,
            Err(never) => match never {},
        }
    }

    /// Checks the presented pair like [`CredentialVerifier::verify`]. An
    /// argon2 check first waits for one of the few slots, then runs only
    /// when `admit` still allows it, so that a client throttled meanwhile
    /// gets the error of `admit` instead of more argon2 time.
    pub async fn verify_admitted<E>(
        &self,
        presented: &PresentedCredentials,
        admit: impl FnOnce() -> Result<(), E>,
    ) -> Result<Verification, E> {
        if let Some(verification) = self.verify_now(presented) {
            return Ok(verification);
        }
        let ExpectedPassword::Argon2(phc) = &self.password else {
            return Ok(Verification::Rejected);
        };
        // Nothing closes this private semaphore, so acquiring does not fail.
        let Ok(permit) = Arc::clone(&self.argon2_permits).acquire_owned().await else {
            return Ok(Verification::Rejected);
        };
        admit()?;
        // Another request may have verified the same pair during the wait.
        let pair_tag = self.pair_tag(presented);
        if self.is_cached(&pair_tag) {
            return Ok(Verification::Accepted);
        }

        let username_matches = tag(&self.key, presented.username.as_bytes()).ct_eq(&self.username);
        let matches = verify_argon2(phc, presented, permit).await;
        if matches && bool::from(username_matches) {
            self.remember(pair_tag);
        }
        Ok(decide(
            username_matches & subtle::Choice::from(u8::from(matches)),
        ))
    }

    fn pair_tag(&self, presented: &PresentedCredentials) -> Tag {
        let password = presented.password.expose().as_bytes();
        pair_tag(&self.key, presented.username.as_bytes(), password)
    }

    fn is_cached(&self, pair_tag: &Tag) -> bool {
        let Ok(verified) = self.verified.lock() else {
            return false;
        };
        verified
            .get(pair_tag)
            .is_some_and(|since| since.elapsed() < self.cache_ttl)
    }

    fn remember(&self, pair_tag: Tag) {
        if self.cache_ttl.is_zero() {
            return;
        }
        let Ok(mut verified) = self.verified.lock() else {
            return;
        };
        let ttl = self.cache_ttl;
        verified.retain(|_, since| since.elapsed() < ttl);
        if verified.len() >= MAX_CACHED_SUCCESSES {
            verified.clear();
        }
        verified.insert(pair_tag, Instant::now());
    }
}

/// Verifies the password against the argon2 hash on the blocking pool. The
/// permit moves into the blocking task, so that a check whose request gave
/// up still counts against the limit until it ends.
async fn verify_argon2(
    phc: &Arc<str>,
    presented: &PresentedCredentials,
    permit: OwnedSemaphorePermit,
) -> bool {
    let phc = Arc::clone(phc);
    let password = presented.password.clone();

    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let hash = PasswordHash::new(&phc).ok()?;
        let verified = Argon2::default().verify_password(password.expose().as_bytes(), &hash);
        Some(verified.is_ok())
    })
    .await;

    match outcome {
        Ok(Some(matches)) => matches,
        Ok(None) => false,
        Err(error) => {
            tracing::error!(%error, "argon2 verification task failed");
            false
        }
    }
}

fn decide(both_match: subtle::Choice) -> Verification {
    if bool::from(both_match) {
        Verification::Accepted
    } else {
        Verification::Rejected
    }
}

fn tag(key: &hmac::Key, value: &[u8]) -> Tag {
    to_tag(hmac::sign(key, value))
}

/// Returns the tag of a user name and password together. The user name's
/// length comes first, so that `ab` + `c` and `a` + `bc` differ.
fn pair_tag(key: &hmac::Key, username: &[u8], password: &[u8]) -> Tag {
    let mut context = hmac::Context::with_key(key);
    context.update(&(username.len() as u64).to_be_bytes());
    context.update(username);
    context.update(password);
    to_tag(context.sign())
}

fn to_tag(signature: hmac::Tag) -> Tag {
    let mut tag = [0u8; 32];
    tag.copy_from_slice(signature.as_ref());
    tag
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use argon2::PasswordHasher;
    use argon2::password_hash::SaltString;

    fn presented(username: &str, password: &str) -> PresentedCredentials {
        PresentedCredentials {
            username: username.to_owned(),
            password: Secret::new(password),
        }
    }

    fn clear_verifier() -> CredentialVerifier {
        let credentials = CredentialsConfig {
            username: "connector-user".to_owned(),
            password: Secret::new("pass:wörd-123"),
            verified_cache_secs: 60,
        };
        CredentialVerifier::new(&credentials).unwrap()
    }

    fn argon2_verifier(password: &str) -> CredentialVerifier {
        let salt = SaltString::encode_b64(b"fixed salt bytes").unwrap();
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string();
        let credentials = CredentialsConfig {
            username: "connector-user".to_owned(),
            password: Secret::new(hash),
            verified_cache_secs: 60,
        };
        CredentialVerifier::new(&credentials).unwrap()
    }

    #[tokio::test]
    async fn clear_password_accepts_exact_pair() {
        let verifier = clear_verifier();

        let verification = verifier
            .verify(&presented("connector-user", "pass:wörd-123"))
            .await;
        assert_eq!(verification, Verification::Accepted);
    }

    #[tokio::test]
    async fn clear_password_rejects_prefix() {
        let verifier = clear_verifier();

        let verification = verifier
            .verify(&presented("connector-user", "pass:wörd-12"))
            .await;
        assert_eq!(verification, Verification::Rejected);
    }

    #[tokio::test]
    async fn clear_password_rejects_wrong_username() {
        let verifier = clear_verifier();

        let verification = verifier
            .verify(&presented("connector-usex", "pass:wörd-123"))
            .await;
        assert_eq!(verification, Verification::Rejected);
    }

    #[tokio::test]
    async fn clear_password_rejects_pair_split_elsewhere() {
        let verifier = clear_verifier();

        let verification = verifier
            .verify(&presented("connector-use", "rpass:wörd-123"))
            .await;
        assert_eq!(verification, Verification::Rejected);
    }

    #[test]
    fn verify_now_decides_clear_password() {
        let verifier = clear_verifier();

        let right = verifier.verify_now(&presented("connector-user", "pass:wörd-123"));
        let wrong = verifier.verify_now(&presented("connector-user", "pass:wörd-124"));
        assert_eq!(right, Some(Verification::Accepted));
        assert_eq!(wrong, Some(Verification::Rejected));
    }

    #[test]
    fn verify_now_leaves_argon2_to_verify() {
        let verifier = argon2_verifier("argon2-password");

        assert_eq!(
            verifier.verify_now(&presented("connector-user", "argon2-password")),
            None
        );
    }

    #[tokio::test]
    async fn argon2_accepts_and_caches() {
        let verifier = argon2_verifier("argon2-password");
        let pair = presented("connector-user", "argon2-password");

        assert_eq!(verifier.verify(&pair).await, Verification::Accepted);
        assert!(verifier.is_cached(&verifier.pair_tag(&pair)));
    }

    #[tokio::test]
    async fn argon2_rejects_wrong_password() {
        let verifier = argon2_verifier("argon2-password");

        let verification = verifier
            .verify(&presented("connector-user", "argon2-passworx"))
            .await;
        assert_eq!(verification, Verification::Rejected);
    }

    #[tokio::test]
    async fn argon2_right_password_wrong_username_is_not_cached() {
        let verifier = argon2_verifier("argon2-password");
        let pair = presented("someone-else", "argon2-password");

        assert_eq!(verifier.verify(&pair).await, Verification::Rejected);
        assert!(!verifier.is_cached(&verifier.pair_tag(&pair)));
    }
}
