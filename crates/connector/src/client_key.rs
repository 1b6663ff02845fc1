//! The identity a client address is counted under, for throttling and
//! connection limits: an IPv4 address, or the /64 network of an IPv6
//! address, because one IPv6 client usually controls a whole /64.

use std::net::IpAddr;

/// Client identity derived from its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ClientKey {
    V4(u32),
    V6Network(u64),
}

impl From<IpAddr> for ClientKey {
    fn from(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(v4) => ClientKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(u32::from(v4)),
                None => ClientKey::V6Network((u128::from(v6) >> 64) as u64),
            },
        }
    }
}
