//! Connection and TLS: reachability, protocol version, cipher suite, certificate chain and expiry.

use std::time::{SystemTime, UNIX_EPOCH};

use x509_parser::prelude::{FromDer, X509Certificate};

use super::{Check, Context, Findings};
use crate::raw::{Negotiated, TlsInspection};

pub(crate) const REACHABLE: Check = Check {
    id: "connection.reachable",
    rule: "The host name resolves to an address a host may call, and the port accepts TCP connections.",
};
pub(crate) const PROTOCOL_VERSION: Check = Check {
    id: "tls.protocol_version",
    rule: "The connector negotiates TLS 1.2 or newer.",
};
pub(crate) const CIPHER_SUITE: Check = Check {
    id: "tls.cipher_suite",
    rule: "The cipher suite uses ECDHE key exchange (every TLS 1.3 suite does) with AES-GCM or CHACHA20-POLY1305.",
};
pub(crate) const CERTIFICATE_CHAIN: Check = Check {
    id: "tls.certificate_chain",
    rule: "The certificate chains to a trusted certificate authority and is valid for the host name; a self-signed certificate fails.",
};
pub(crate) const CERTIFICATE_EXPIRY: Check = Check {
    id: "tls.certificate_expiry",
    rule: "The server certificate stays valid for at least 30 more days, so renewal is not urgent.",
};

/// Every check of this module.
pub(crate) const CHECKS: [Check; 5] = [
    REACHABLE,
    PROTOCOL_VERSION,
    CIPHER_SUITE,
    CERTIFICATE_CHAIN,
    CERTIFICATE_EXPIRY,
];

/// Days of validity left below which the expiry check warns.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// Runs the TLS checks and returns whether a host could call the connector:
/// reachable, handshake complete, certificate verified.
pub(crate) async fn run(context: &Context<'_>, findings: &mut Findings) -> bool {
    let client = &context.client;
    let inspection = client.raw().inspect_tls(client.origin()).await;
    let address = format!("{}:{}", client.origin().host(), client.origin().port());

    match inspection {
        TlsInspection::Unreachable(reason) => {
            findings.push(REACHABLE.fail(reason));
            findings.skip_all(&CHECKS[1..], "no TCP connection could be opened");
            false
        }
        TlsInspection::HandshakeFailed(reason) => {
            findings.push(REACHABLE.pass(format!("{address} accepts TCP connections")));
            findings.push(PROTOCOL_VERSION.fail(format!("the TLS handshake failed: {reason}")));
            findings.push(CIPHER_SUITE.fail(format!("the TLS handshake failed: {reason}")));
            findings.skip_all(&CHECKS[3..], "no TLS handshake completed");
            false
        }
        TlsInspection::Verified(negotiated) => {
            findings.push(REACHABLE.pass(format!("{address} accepts TCP connections")));
            record_negotiated(findings, &negotiated);
            findings.push(CERTIFICATE_CHAIN.pass(format!(
                "the chain of {} certificate(s) verifies to a trusted root for {}",
                negotiated.chain.len(),
                client.origin().host()
            )));
            findings.push(expiry(&negotiated));
            true
        }
        TlsInspection::CertificateRejected { reason, inspected } => {
            findings.push(REACHABLE.pass(format!("{address} accepts TCP connections")));
            match &inspected {
                Ok(negotiated) => record_negotiated(findings, negotiated),
                Err(error) => findings.skip_all(
                    &CHECKS[1..3],
                    &format!("the handshake that ignores the certificate failed too: {error}"),
                ),
            }
            let self_signed = inspected
                .as_ref()
                .ok()
                .is_some_and(|negotiated| is_self_signed(&negotiated.chain));
            let message = if self_signed {
                format!("the certificate is self-signed (its issuer is its own subject): {reason}")
            } else {
                reason
            };
            findings.push(CERTIFICATE_CHAIN.fail(message));
            match &inspected {
                Ok(negotiated) => findings.push(expiry(negotiated)),
                Err(_) => findings.push(CERTIFICATE_EXPIRY.skipped("no certificate was read")),
            }
            false
        }
    }
}

fn record_negotiated(findings: &mut Findings, negotiated: &Negotiated) {
    let version = &negotiated.protocol_version;
    if version == "TLSv1.3" || version == "TLSv1.2" {
        findings.push(PROTOCOL_VERSION.pass(format!("negotiated {version}")));
    } else {
        findings.push(PROTOCOL_VERSION.fail(format!("negotiated {version}")));
    }

    let suite = &negotiated.cipher_suite;
    if negotiated.ephemeral_key_exchange {
        findings.push(CIPHER_SUITE.pass(format!("negotiated {suite}")));
    } else {
        findings.push(CIPHER_SUITE.fail(format!(
            "negotiated {suite}, which has no ECDHE key exchange"
        )));
    }
}

/// Judges the server certificate's remaining validity.
fn expiry(negotiated: &Negotiated) -> crate::report::Finding {
    let Some(leaf) = negotiated.chain.first() else {
        return CERTIFICATE_EXPIRY.skipped("the server sent no certificate");
    };
    let Ok((_, certificate)) = X509Certificate::from_der(leaf) else {
        return CERTIFICATE_EXPIRY.fail("the server certificate is not valid DER");
    };

    let not_after = certificate.validity().not_after;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    let days_left = (not_after.timestamp() - now) / 86_400;
    if not_after.timestamp() < now {
        CERTIFICATE_EXPIRY.fail(format!("the certificate expired on {not_after}"))
    } else if days_left < EXPIRY_WARNING_DAYS {
        CERTIFICATE_EXPIRY.warn(format!(
            "the certificate expires on {not_after}, in {days_left} days"
        ))
    } else {
        CERTIFICATE_EXPIRY.pass(format!(
            "the certificate expires on {not_after}, in {days_left} days"
        ))
    }
}

/// Returns whether the server sent one certificate whose issuer is its own subject.
fn is_self_signed(chain: &[rustls::pki_types::CertificateDer<'_>]) -> bool {
    let [leaf] = chain else {
        return false;
    };
    X509Certificate::from_der(leaf).is_ok_and(|(_, certificate)| {
        certificate.issuer().as_raw() == certificate.subject().as_raw()
    })
}
