//! Where a run's browser may not go: the appliance itself. Every request of a run's pages
//! (documents, redirects, frames, subresources, `fetch`, WebSocket handshakes) that could reach
//! it is checked by its destination: the host resolved to its addresses, and the port. A request
//! reaches the appliance when it goes to an address the appliance answers on (every local
//! address when it listens on all of them; `0.0.0.0` is this machine) at its port, or to its
//! public host and port (`server.public_url`, by name and by address). Another site on the same
//! port is another destination, and is allowed.
//!
//! CDP holds back every request but a WebSocket's handshake, so the pages' own `WebSocket` is
//! given the same destinations by name and address (`websocket_guard.js`, through `guard_script`).
//! Two ways around it remain open, and lead only to the appliance's WebSocket endpoints, which
//! need an API key that a run's page never has: a host name that resolves to the appliance but
//! is not its own (another name in DNS), and a WebSocket opened by a worker.
//!
//! A remote browser (a pool endpoint or a run's `browser_address`) sees the appliance from
//! another machine: it reaches it at the appliance's own addresses (those of every interface when
//! it listens on all of them) or its public URL, which stay off limits; names are resolved here,
//! so a name that only the remote network knows (a Kubernetes service) is covered when it is the
//! public URL's. Its loopback at the appliance's port is kept off limits too, as it is the
//! appliance when the remote browser runs on the same machine. It may not reach its own endpoint
//! either (`for_remote_browser`): by name, by address, or as its own loopback at that port, where
//! the CDP server lists, and would let a page drive, every other run's pages on that browser.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

/// The guard of the pages' WebSockets, see `websocket_guard.js`.
const WEBSOCKET_GUARD: &str = include_str!("websocket_guard.js");
/// How long a host's resolved addresses are trusted.
const RESOLVED_FOR: Duration = Duration::from_secs(30);

/// The appliance's destinations.
#[derive(Debug)]
pub struct OffLimits {
    listen: SocketAddr,
    /// Destinations by host name: the public URL's, and a remote browser's own endpoint.
    named: Vec<Named>,
    resolved: Mutex<HashMap<String, (Instant, Vec<IpAddr>)>>,
}

/// A host (lower case, without a trailing dot) and port, off limits by name and address.
#[derive(Debug, Clone)]
struct Named {
    host: String,
    port: u16,
    /// Whether the browser's own loopback at this port is off limits too.
    loopback: bool,
}

impl Named {
    fn of(address: &str, loopback: bool) -> Option<Named> {
        let url = url::Url::parse(address).ok()?;
        let host = normal_host(url.host_str()?);
        let loopback = loopback || is_loopback_name(&host);
        Some(Named { host, port: url.port_or_known_default()?, loopback })
    }
}

impl OffLimits {
    pub fn new(listen: SocketAddr, public_url: &str) -> OffLimits {
        OffLimits { listen, named: Named::of(public_url, false).into_iter().collect(), resolved: Mutex::default() }
    }

    /// These destinations and the CDP endpoint of a remote browser (its `addresses`: as
    /// configured, and the WebSocket it was reached at), for its pages.
    pub fn for_remote_browser(&self, addresses: &[&str]) -> OffLimits {
        let mut named = self.named.clone();
        named.extend(addresses.iter().filter_map(|address| Named::of(address, true)));
        OffLimits { listen: self.listen, named, resolved: Mutex::default() }
    }

    /// CDP Fetch URL patterns that cover every request that could reach the appliance: URLs
    /// naming its ports (a URL names port 80 or 443 by leaving it out).
    pub fn patterns(&self) -> Vec<String> {
        let mut ports = vec![self.listen.port()];
        ports.extend(self.named.iter().map(|named| named.port));
        ports.sort_unstable();
        ports.dedup();
        ports
            .into_iter()
            .flat_map(|port| match port {
                80 => vec!["http://*".to_owned(), "ws://*".to_owned()],
                443 => vec!["https://*".to_owned(), "wss://*".to_owned()],
                port => vec![format!("*://*:{port}/*")],
            })
            .collect()
    }

    /// The script that keeps the pages' WebSockets away from the appliance, to run in every frame
    /// before the page's own scripts.
    pub fn guard_script(&self) -> String {
        let listening = canonical(self.listen.ip());
        let mut hosts = vec![listening.to_string(), format!("::ffff:{listening}")];
        if listening.is_loopback() {
            hosts.push("0.0.0.0".into());
        }
        if listening.is_unspecified() {
            hosts.extend(local_addresses().iter().map(IpAddr::to_string));
            hosts.extend(nix::unistd::gethostname().ok().and_then(|name| name.into_string().ok()));
        }
        let mut rules = vec![json!({
            "port": self.listen.port(),
            "hosts": hosts,
            "localhost": listening.is_unspecified() || listening.is_loopback(),
            "loopback": listening.is_unspecified(),
        })];
        for Named { host, port, loopback } in &self.named {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            rules.push(json!({ "port": port, "hosts": [bare], "localhost": loopback, "loopback": loopback }));
        }
        format!("({WEBSOCKET_GUARD})({});", Value::Array(rules))
    }

    /// Whether a request to `url` would reach the appliance (or a remote browser's endpoint).
    pub async fn reach(&self, url: &str) -> bool {
        let Ok(url) = url::Url::parse(url) else { return false };
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return false };
        let host = normal_host(host);
        let named: Vec<&Named> = self.named.iter().filter(|named| named.port == port).collect();
        if named.iter().any(|named| named.host == host) {
            return true;
        }
        let addresses = self.addresses_of(&host).await;
        if port == self.listen.port() && addresses.iter().any(|address| self.listens_on(*address)) {
            return true;
        }
        for named in named {
            let looped = |address: &IpAddr| address.is_loopback() || address.is_unspecified();
            if named.loopback && addresses.iter().map(|address| canonical(*address)).any(|address| looped(&address)) {
                return true;
            }
            let named_addresses = self.addresses_of(&named.host).await;
            if addresses.iter().any(|address| named_addresses.contains(address)) {
                return true;
            }
        }
        false
    }

    /// Whether a connection to `address` at the appliance's port reaches its listener.
    fn listens_on(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        let listening = canonical(self.listen.ip());
        if listening.is_unspecified() {
            return address.is_unspecified() || is_local(address);
        }
        address == listening || (address.is_unspecified() && listening.is_loopback())
    }

    /// The addresses a host name stands for (an address stands for itself).
    async fn addresses_of(&self, host: &str) -> Vec<IpAddr> {
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(address) = literal.parse::<IpAddr>() {
            return vec![address];
        }
        // Chromium takes every `localhost` name to loopback without asking the resolver.
        if is_loopback_name(host) {
            return vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)];
        }
        if let Some((at, addresses)) = self.resolved.lock().unwrap_or_else(|p| p.into_inner()).get(host)
            && at.elapsed() < RESOLVED_FOR
        {
            return addresses.clone();
        }
        let addresses: Vec<IpAddr> = match tokio::net::lookup_host((host, 0)).await {
            Ok(found) => found.map(|socket| socket.ip()).collect(),
            Err(_) => Vec::new(),
        };
        self.resolved
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(host.to_owned(), (Instant::now(), addresses.clone()));
        addresses
    }
}

/// A host as URLs compare it: lower case, without the trailing dot of a fully qualified name.
fn normal_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a host (as `normal_host` gives it) always stands for loopback: a `localhost` name or a
/// loopback or unspecified address.
fn is_loopback_name(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.ends_with(".localhost")
        || bare.parse::<IpAddr>().is_ok_and(|address| address.is_loopback() || address.is_unspecified())
}

/// An IPv4 address written as IPv6 is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// This machine's addresses, on every interface.
fn local_addresses() -> Vec<IpAddr> {
    let Ok(interfaces) = nix::ifaddrs::getifaddrs() else { return Vec::new() };
    interfaces
        .filter_map(|interface| interface.address)
        .filter_map(|address| {
            let v4 = address.as_sockaddr_in().map(|v4| IpAddr::V4(v4.ip()));
            v4.or_else(|| address.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip())))
        })
        .collect()
}

/// Whether `address` is one of this machine's (it can be bound to).
fn is_local(address: IpAddr) -> bool {
    address.is_loopback() || std::net::UdpSocket::bind(SocketAddr::new(address, 0)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(listen: &str, public_url: &str) -> OffLimits {
        OffLimits::new(listen.parse().unwrap(), public_url)
    }

    #[tokio::test]
    async fn requests_are_judged_by_where_they_go_not_by_their_port_alone() {
        let on_loopback = limits("127.0.0.1:8000", "");
        for url in [
            "http://127.0.0.1:8000/v1/runs",
            "http://localhost:8000/",
            "http://LOCALHOST.:8000/",
            "ws://0.0.0.0:8000/x",
            "http://[::ffff:127.0.0.1]:8000/",
            "http://app.localhost:8000/",
        ] {
            assert!(on_loopback.reach(url).await, "{url} reaches the appliance");
        }
        for url in ["http://127.0.0.2:8000/", "http://127.0.0.1:8001/", "https://example.invalid:8000/", "not a url"] {
            assert!(!on_loopback.reach(url).await, "{url} is another destination");
        }
        let everywhere = limits("0.0.0.0:80", "");
        assert!(everywhere.reach("http://127.0.0.9/").await, "every loopback address answers");
        assert!(!everywhere.reach("https://127.0.0.9/").await, "another port");
        assert_eq!(everywhere.patterns(), ["http://*", "ws://*"]);
    }

    #[tokio::test]
    async fn the_public_host_and_port_are_off_limits_by_name_and_address() {
        let behind_a_proxy = limits("127.0.0.1:8000", "https://Skyvern.Example.invalid/");
        assert!(behind_a_proxy.reach("https://skyvern.example.invalid/v1/runs").await);
        assert!(behind_a_proxy.reach("wss://skyvern.example.invalid./live").await);
        assert!(!behind_a_proxy.reach("https://other.example.invalid/").await);
        assert_eq!(behind_a_proxy.patterns(), ["https://*", "wss://*", "*://*:8000/*"]);
        let public_on_loopback = limits("127.0.0.1:8000", "http://localhost:9000");
        assert!(public_on_loopback.reach("http://127.0.0.1:9000/").await, "the public name's address");
    }

    #[tokio::test]
    async fn a_remote_browser_may_not_reach_its_own_endpoint_nor_the_appliance() {
        let appliance = limits("0.0.0.0:8000", "https://skyvern.example.invalid/");
        let remote = appliance
            .for_remote_browser(&["http://browser.example.invalid:9222", "ws://10.1.2.3:9222/devtools/browser/x"]);
        for url in [
            "http://browser.example.invalid:9222/json/list",
            "http://10.1.2.3:9222/json/list",
            "http://localhost:9222/json/list",
            "ws://127.0.0.1:9222/devtools/browser/x",
            "http://[::1]:9222/",
            "https://skyvern.example.invalid/v1/runs",
            "http://127.0.0.1:8000/",
        ] {
            assert!(remote.reach(url).await, "{url} is off limits to the remote browser");
        }
        for url in ["http://10.1.2.3:9223/", "http://10.1.2.4:9222/", "https://example.invalid/"] {
            assert!(!remote.reach(url).await, "{url} is another destination");
        }
        assert!(!appliance.reach("http://localhost:9222/").await, "local browsers are not given the endpoint");
        assert!(remote.patterns().contains(&"*://*:9222/*".to_owned()));
        assert!(remote.guard_script().contains(r#""port":9222"#), "{}", remote.guard_script());
    }
}
