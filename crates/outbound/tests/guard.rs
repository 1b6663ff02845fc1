//! The address guard, range by range.

use std::net::IpAddr;

use outbound::guard::{is_public, non_public_range};

fn address(text: &str) -> IpAddr {
    text.parse()
        .unwrap_or_else(|_| panic!("{text} is an address"))
}

/// Asserts that each address falls in the range its description names.
fn assert_ranges(cases: &[(&str, &str)]) {
    for (text, range) in cases {
        let description = non_public_range(address(text));
        assert!(
            description.is_some_and(|description| description.contains(range)),
            "{text} falls in {range}, got {description:?}"
        );
    }
}

#[test]
fn guard_rejects_special_ipv4_ranges() {
    let cases = [
        ("0.0.0.0", "0.0.0.0/8"),
        ("0.1.2.3", "0.0.0.0/8"),
        ("10.0.0.1", "10.0.0.0/8"),
        ("10.255.255.255", "10.0.0.0/8"),
        ("100.64.0.1", "100.64.0.0/10"),
        ("100.127.255.254", "100.64.0.0/10"),
        ("127.0.0.1", "127.0.0.0/8"),
        ("127.8.9.10", "127.0.0.0/8"),
        ("169.254.169.254", "169.254.0.0/16"),
        ("172.16.0.1", "172.16.0.0/12"),
        ("172.31.255.255", "172.16.0.0/12"),
        ("192.0.0.8", "192.0.0.0/24"),
        ("192.0.2.1", "192.0.2.0/24"),
        ("192.88.99.1", "192.88.99.0/24"),
        ("192.168.1.1", "192.168.0.0/16"),
        ("198.18.0.1", "198.18.0.0/15"),
        ("198.19.255.255", "198.18.0.0/15"),
        ("198.51.100.7", "198.51.100.0/24"),
        ("203.0.113.7", "203.0.113.0/24"),
        ("224.0.0.1", "224.0.0.0/4"),
        ("239.255.255.250", "224.0.0.0/4"),
        ("240.0.0.1", "240.0.0.0/4"),
        ("255.255.255.255", "broadcast"),
    ];

    assert_ranges(&cases);
}

#[test]
fn guard_rejects_special_ipv6_ranges() {
    let cases = [
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("::7f00:1", "::/96"),
        ("64:ff9b:1::1", "64:ff9b:1::/48"),
        ("100::1", "100::/64"),
        ("2001:db8::1", "2001:db8::/32"),
        ("2001::1", "2001::/23"),
        ("3fff::1", "3fff::/20"),
        ("5f00::1", "5f00::/16"),
        ("fc00::1", "fc00::/7"),
        ("fd12:3456::1", "fc00::/7"),
        ("fe80::1", "fe80::/10"),
        ("fec0::1", "fec0::/10"),
        ("ff02::1", "ff00::/8"),
        ("4000::1", "2000::/3"),
    ];

    assert_ranges(&cases);
}

#[test]
fn guard_judges_embedded_ipv4_by_embedded_address() {
    let cases = [
        ("::ffff:127.0.0.1", "127.0.0.0/8"),
        ("::ffff:10.0.0.1", "10.0.0.0/8"),
        ("::ffff:169.254.169.254", "169.254.0.0/16"),
        ("::ffff:0.0.0.0", "0.0.0.0/8"),
        ("::ffff:100.64.0.1", "100.64.0.0/10"),
        ("::ffff:255.255.255.255", "broadcast"),
        ("64:ff9b::7f00:1", "127.0.0.0/8"),
        ("64:ff9b::c0a8:101", "192.168.0.0/16"),
        ("2002:7f00:1::1", "127.0.0.0/8"),
        ("2002:a00:1::1", "10.0.0.0/8"),
    ];

    assert_ranges(&cases);
}

#[test]
fn guard_accepts_public_addresses() {
    let cases = [
        "1.1.1.1",
        "8.8.8.8",
        "9.255.255.255",
        "11.0.0.1",
        "100.63.255.255",
        "100.128.0.1",
        "172.15.255.255",
        "172.32.0.1",
        "192.169.0.1",
        "198.17.255.255",
        "198.20.0.1",
        "223.255.255.254",
        "2606:4700:4700::1111",
        "2a00:1450:4001::1",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ];

    for text in cases {
        assert!(is_public(address(text)), "{text} is public");
    }
}
