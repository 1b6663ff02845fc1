//! Connector origins (`https://host[:port]`), parsed strictly.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rustls_pki_types::ServerName;

use crate::failure::FailureCause;

/// Maximum origin length in characters: a 253-character DNS name plus scheme and port fit easily.
const MAX_ORIGIN_CHARS: usize = 300;

/// Maximum DNS name length (RFC 1035, without the trailing dot).
const MAX_DNS_NAME_CHARS: usize = 253;

/// Maximum DNS label length (RFC 1035).
const MAX_LABEL_CHARS: usize = 63;

/// Port used when the origin names none.
const HTTPS_PORT: u16 = 443;

/// Maximum number of characters of a rejected origin repeated in an error message.
const MAX_ECHOED_CHARS: usize = 80;

/// Host part of an origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A DNS name in lowercase ASCII, without a trailing dot.
    Domain(String),
    /// An IPv4 address, or an IPv6 address given in brackets.
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(name) => formatter.write_str(name),
            Host::Ip(IpAddr::V4(address)) => write!(formatter, "{address}"),
            Host::Ip(IpAddr::V6(address)) => write!(formatter, "[{address}]"),
        }
    }
}

/// A validated `https://host[:port]` origin.
///
/// The scheme is HTTPS and nothing else: no user information, path, query
/// or fragment. Its text form is normalised: lowercase, and without `:443`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    host: Host,
    port: u16,
    /// Name the certificate must be valid for, also sent as SNI for DNS names.
    server_name: ServerName<'static>,
}

impl Origin {
    /// Parses an origin, failing with [`FailureCause::InvalidOrigin`] that names the broken rule.
    pub fn parse(text: &str) -> Result<Origin, FailureCause> {
        let invalid = |rule: &str| FailureCause::InvalidOrigin(format!("{}: {rule}", echo(text)));

        if text.is_empty() {
            return Err(invalid("empty, expected https://host[:port]"));
        }
        if text.chars().count() > MAX_ORIGIN_CHARS {
            return Err(invalid(&format!(
                "longer than {MAX_ORIGIN_CHARS} characters"
            )));
        }
        if let Some(character) = text.chars().find(|character| !character.is_ascii_graphic()) {
            return Err(invalid(&disallowed_character_rule(character)));
        }

        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(invalid(
                "the scheme is missing: expected https://host[:port]",
            ));
        };
        if !scheme.eq_ignore_ascii_case("https") {
            return Err(invalid(&format!(
                "the scheme is `{scheme}`, but connectors are called over HTTPS only: expected https://host[:port]"
            )));
        }
        if rest.contains('@') {
            return Err(invalid(
                "contains user information (`@`): give the user name and password in their own fields",
            ));
        }
        if rest.contains('?') {
            return Err(invalid(
                "contains a query (`?`): expected https://host[:port]",
            ));
        }
        if rest.contains('#') {
            return Err(invalid(
                "contains a fragment (`#`): expected https://host[:port]",
            ));
        }
        if rest.ends_with('/') && !rest[..rest.len() - 1].contains('/') {
            return Err(invalid(
                "ends with `/`: remove it, because each service has its own endpoint path",
            ));
        }
        if rest.contains('/') {
            return Err(invalid(
                "contains a path: give only https://host[:port], because each service has its own endpoint path",
            ));
        }

        let (host_text, port_text) = split_host_and_port(rest).map_err(&invalid)?;
        let host = parse_host(host_text).map_err(|rule| invalid(&rule))?;
        let port = match port_text {
            Some(port_text) => parse_port(port_text).map_err(|rule| invalid(&rule))?,
            None => HTTPS_PORT,
        };
        let server_name = match &host {
            Host::Ip(address) => ServerName::IpAddress((*address).into()),
            Host::Domain(name) => ServerName::try_from(name.clone())
                .map_err(|_| invalid("the host name is not a valid TLS server name"))?,
        };
        Ok(Origin {
            host,
            port,
            server_name,
        })
    }

    /// Returns the host part.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Returns the TCP port, 443 when the origin names none.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns the value of the `Host` request header: the host, and the port unless it is 443.
    pub fn authority(&self) -> String {
        if self.port == HTTPS_PORT {
            self.host.to_string()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Returns the name the certificate must be valid for.
    pub(crate) fn server_name(&self) -> &ServerName<'static> {
        &self.server_name
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "https://{}", self.authority())
    }
}

/// Splits `host[:port]` or `[ipv6][:port]`; the port text is `None` when absent.
fn split_host_and_port(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    if authority.is_empty() {
        return Err("the host is missing: expected https://host[:port]");
    }

    if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((address, after)) = bracketed.split_once(']') else {
            return Err("the IPv6 address has no closing `]`");
        };
        // Keeps the brackets, so that `parse_host` reads an IPv6 literal.
        let bracketed_host = &authority[..address.len() + 2];
        return match after {
            "" => Ok((bracketed_host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((bracketed_host, Some(port))),
                None => Err(
                    "unexpected characters after the IPv6 address: expected `]:port` or nothing",
                ),
            },
        };
    }

    match authority.matches(':').count() {
        0 => Ok((authority, None)),
        1 => {
            let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
            Ok((host, Some(port)))
        }
        _ => Err("an IPv6 address must be written in brackets, as in https://[2001:db8::1]:8443"),
    }
}

fn parse_host(text: &str) -> Result<Host, String> {
    if text.is_empty() {
        return Err("the host is missing: expected https://host[:port]".to_owned());
    }

    if let Some(inner) = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        if inner.contains('%') {
            return Err("IPv6 zone identifiers (`%`) are not allowed".to_owned());
        }
        return inner
            .parse::<Ipv6Addr>()
            .map(|address| Host::Ip(IpAddr::V6(address)))
            .map_err(|_| format!("`[{inner}]` is not a valid IPv6 address"));
    }

    if let Ok(address) = text.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(address)));
    }
    parse_dns_name(text).map(Host::Domain)
}

/// Checks a host name against RFC 1123: letters, digits and hyphens in labels of 1 to 63 characters.
fn parse_dns_name(text: &str) -> Result<String, String> {
    let name = text.to_ascii_lowercase();
    if name.len() > MAX_DNS_NAME_CHARS {
        return Err(format!(
            "the host name is longer than {MAX_DNS_NAME_CHARS} characters"
        ));
    }
    if name.ends_with('.') {
        return Err("the host name ends with `.`: remove the trailing dot".to_owned());
    }

    let labels: Vec<&str> = name.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err("the host name contains an empty label (`..` or a leading `.`)".to_owned());
        }
        if label.len() > MAX_LABEL_CHARS {
            return Err(format!(
                "the host name label `{label}` is longer than {MAX_LABEL_CHARS} characters"
            ));
        }
        if let Some(character) = label
            .chars()
            .find(|character| !(character.is_ascii_alphanumeric() || *character == '-'))
        {
            return Err(format!(
                "the host name contains `{character}`: only letters, digits, `-` and `.` are allowed (write internationalised names in their xn-- form)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "the host name label `{label}` starts or ends with `-`"
            ));
        }
    }

    // Resolvers read names such as `127.1` or `0x7f.1` as IPv4 addresses, so
    // a numeric last label is rejected unless the whole host is a dotted quad.
    let last = labels.last().copied().unwrap_or_default();
    let numeric = last.chars().all(|character| character.is_ascii_digit())
        || (last.starts_with("0x")
            && last[2..]
                .chars()
                .all(|character| character.is_ascii_hexdigit()));
    if numeric {
        return Err(
            "the host is neither a dotted-quad IPv4 address nor a DNS name (its last label is a number)"
                .to_owned(),
        );
    }
    Ok(name)
}

fn parse_port(text: &str) -> Result<u16, String> {
    if text.is_empty() {
        return Err("the port after `:` is empty".to_owned());
    }
    if !text.chars().all(|character| character.is_ascii_digit()) || text.len() > 5 {
        return Err(format!("the port `{text}` is not a number from 1 to 65535"));
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("the port `{text}` is not a number from 1 to 65535")),
        Ok(port) => Ok(port),
    }
}

fn disallowed_character_rule(character: char) -> String {
    if character.is_ascii_whitespace() {
        "contains whitespace".to_owned()
    } else if character.is_ascii_control() {
        "contains a control character".to_owned()
    } else {
        format!(
            "contains `{character}`, which is not ASCII: write internationalised names in their xn-- form"
        )
    }
}

/// Quotes a rejected origin for an error message, cut to a bounded length and with control characters escaped.
fn echo(text: &str) -> String {
    let truncated: String = text.chars().take(MAX_ECHOED_CHARS).collect();
    let suffix = if text.chars().count() > MAX_ECHOED_CHARS {
        "…"
    } else {
        ""
    };
    format!("{truncated:?}{suffix}")
}
