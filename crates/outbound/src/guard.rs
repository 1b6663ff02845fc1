//! Address guard: which IP addresses a callout may connect to when private targets are not allowed.
//!
//! Only globally reachable unicast addresses pass. The special-purpose
//! ranges come from the IANA IPv4 and IPv6 Special-Purpose Address
//! Registries (RFC 6890 and its updates). IPv6 addresses that embed an IPv4
//! address (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged
//! by the embedded address, so `::ffff:127.0.0.1` is loopback like `127.0.0.1`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 special-purpose ranges: network, prefix length, description.
///
/// Order matters where ranges nest: the broadcast address comes before the
/// reserved `240.0.0.0/4` that contains it.
const IPV4_RANGES: &[(Ipv4Addr, u32, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "\"this network\" (0.0.0.0/8)"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private (10.0.0.0/8)"),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "carrier-grade NAT shared space (100.64.0.0/10)",
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"),
    (
        Ipv4Addr::new(169, 254, 0, 0),
        16,
        "link-local (169.254.0.0/16)",
    ),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private (172.16.0.0/12)"),
    (
        Ipv4Addr::new(192, 0, 0, 0),
        24,
        "IETF protocol assignments (192.0.0.0/24)",
    ),
    (
        Ipv4Addr::new(192, 0, 2, 0),
        24,
        "documentation (192.0.2.0/24)",
    ),
    (
        Ipv4Addr::new(192, 88, 99, 0),
        24,
        "deprecated 6to4 relay anycast (192.88.99.0/24)",
    ),
    (
        Ipv4Addr::new(192, 168, 0, 0),
        16,
        "private (192.168.0.0/16)",
    ),
    (
        Ipv4Addr::new(198, 18, 0, 0),
        15,
        "benchmarking (198.18.0.0/15)",
    ),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        "documentation (198.51.100.0/24)",
    ),
    (
        Ipv4Addr::new(203, 0, 113, 0),
        24,
        "documentation (203.0.113.0/24)",
    ),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"),
    (
        Ipv4Addr::new(255, 255, 255, 255),
        32,
        "broadcast (255.255.255.255)",
    ),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved (240.0.0.0/4)"),
];

/// IPv6 special-purpose ranges: network, prefix length, description.
///
/// Ranges that embed an IPv4 address are handled before this table, and
/// `2001:db8::/32` comes before the `2001::/23` block that contains it.
const IPV6_RANGES: &[(Ipv6Addr, u32, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, "unspecified (::)"),
    (Ipv6Addr::LOCALHOST, 128, "loopback (::1)"),
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0),
        96,
        "IPv4-compatible, deprecated (::/96)",
    ),
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        "local-use NAT64 (64:ff9b:1::/48)",
    ),
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        "discard-only (100::/64)",
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        "documentation (2001:db8::/32)",
    ),
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        23,
        "IETF protocol assignments (2001::/23)",
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        "documentation (3fff::/20)",
    ),
    (
        Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0),
        16,
        "segment routing SIDs (5f00::/16)",
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "unique local (fc00::/7)",
    ),
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        "link-local (fe80::/10)",
    ),
    (
        Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
        10,
        "site-local, deprecated (fec0::/10)",
    ),
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        "multicast (ff00::/8)",
    ),
];

/// NAT64 well-known prefix `64:ff9b::/96` (RFC 6052): the last 32 bits are an IPv4 address.
const NAT64_PREFIX: Ipv6Addr = Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0);

/// 6to4 prefix `2002::/16` (RFC 3056): bits 16 to 48 are an IPv4 address.
const SIX_TO_FOUR_PREFIX: Ipv6Addr = Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0);

/// Global unicast `2000::/3`: every public IPv6 address lies inside it.
const GLOBAL_UNICAST_PREFIX: Ipv6Addr = Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0);

/// Returns whether a callout may connect to `address` when private targets are not allowed.
pub fn is_public(address: IpAddr) -> bool {
    non_public_range(address).is_none()
}

/// Describes the special-purpose range that contains `address`, such as
/// `"loopback (127.0.0.0/8)"`, or returns `None` for a public address.
pub fn non_public_range(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => ipv4_range(v4),
        IpAddr::V6(v6) => ipv6_range(v6),
    }
}

fn ipv4_range(address: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(address);
    IPV4_RANGES
        .iter()
        .find(|(network, prefix, _)| same_prefix_v4(bits, u32::from(*network), *prefix))
        .map(|(_, _, description)| *description)
}

fn ipv6_range(address: Ipv6Addr) -> Option<&'static str> {
    if let Some(mapped) = address.to_ipv4_mapped() {
        return ipv4_range(mapped);
    }

    let bits = u128::from(address);
    if same_prefix_v6(bits, u128::from(NAT64_PREFIX), 96) {
        return ipv4_range(Ipv4Addr::from(bits as u32));
    }
    if same_prefix_v6(bits, u128::from(SIX_TO_FOUR_PREFIX), 16) {
        return ipv4_range(Ipv4Addr::from((bits >> 80) as u32));
    }

    let special = IPV6_RANGES
        .iter()
        .find(|(network, prefix, _)| same_prefix_v6(bits, u128::from(*network), *prefix))
        .map(|(_, _, description)| *description);
    if special.is_some() {
        return special;
    }
    if !same_prefix_v6(bits, u128::from(GLOBAL_UNICAST_PREFIX), 3) {
        return Some("reserved (outside the global unicast range 2000::/3)");
    }
    None
}

fn same_prefix_v4(address: u32, network: u32, prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    address & mask == network & mask
}

fn same_prefix_v6(address: u128, network: u128, prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    address & mask == network & mask
}
