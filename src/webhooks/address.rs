//! Which addresses a webhook may reach. A run chooses its webhook URL, so without this check a
//! run could make the appliance call services inside its network (its own API, a router, a cloud
//! metadata endpoint). Loopback, private, link-local, unspecified, multicast, CGNAT and other
//! reserved addresses, and their IPv6 equivalents, are refused unless `webhooks.allow_private`.
//!
//! The check is on the address connected to, not on the name: the HTTP client resolves names
//! through `PublicOnly`, which hands it only addresses that pass, so a name that resolves to an
//! internal address (or changes its answer between a check and the connection) reaches nothing.
//! Hosts written as IP addresses are not resolved; `check_literal_host` checks them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a webhook was not sent: its host is, or resolves only to, internal addresses.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "refused: {host} is an internal address (loopback, private, link-local or reserved); set webhooks.allow_private to allow it"
)]
pub struct Refused {
    pub host: String,
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = ip.is_unspecified()
        || a == 0                                   // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || (a == 100 && (64..128).contains(&b))    // CGNAT, 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0)           // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b))     // benchmarking
        || ip.is_documentation()
        || ip.is_multicast()
        || a >= 240; // reserved and broadcast
    !reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // NAT64's well-known prefix 64:ff9b::/96 reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., high, low] = segments;
        return is_public_v4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)));
    }
    let reserved = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00         // unique local, fc00::/7
        || (segments[0] & 0xffc0) == 0xfe80         // link-local, fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0         // site-local (deprecated), fec0::/10
        || segments[..6] == [0, 0, 0, 0, 0, 0]      // IPv4-compatible (deprecated), ::/96
        || (segments[0] == 0x2001 && segments[1] == 0x0db8); // documentation
    !reserved
}

/// Refuses a URL whose host is an internal IP address written out (names are checked when they
/// are resolved).
pub fn check_literal_host(url: &url::Url) -> Result<(), Refused> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if is_public(ip) { Ok(()) } else { Err(Refused { host: ip.to_string() }) }
}

/// Resolves names with the system's resolver and keeps only public addresses.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|address| is_public(address.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(Refused { host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_and_public_ones_pass() {
        let internal = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::127.0.0.1",
        ];
        for text in internal {
            assert!(!is_public(text.parse().unwrap()), "{text} passed");
        }
        for text in ["93.184.215.14", "1.1.1.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
        {
            assert!(is_public(text.parse().unwrap()), "{text} was refused");
        }
    }

    #[test]
    fn literal_hosts_are_checked_and_names_are_left_to_the_resolver() {
        let check = |text: &str| check_literal_host(&url::Url::parse(text).unwrap());
        assert!(check("http://127.0.0.1:8000/hook").is_err());
        assert!(check("http://[::1]/hook").is_err());
        assert!(check("https://1.1.1.1/hook").is_ok());
        assert!(check("http://localhost/hook").is_ok(), "a name is checked once resolved");
    }

    #[tokio::test]
    async fn a_name_that_resolves_only_to_loopback_is_refused_by_the_resolver() {
        let resolved = PublicOnly.resolve("localhost".parse().unwrap()).await;
        let error = resolved.err().expect("localhost is refused");
        assert!(error.downcast_ref::<Refused>().is_some(), "{error}");
    }
}
