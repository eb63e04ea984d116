//! Who the client of a request is, for rate limits: its address, seen through trusted proxies.
//!
//! Behind a reverse proxy every request arrives from the proxy's address, so every resident
//! would share one rate limit. `X-Forwarded-For` and `Forwarded` name the real client, but
//! anyone can send them: they are honoured only when the connection comes from a configured
//! trusted proxy, and then read from the right (the nearest hop) leftwards, skipping further
//! trusted proxies, so a client cannot choose its own identity by prepending addresses.
//!
//! IPv6 clients are keyed by their /64: one household or host usually holds a whole /64 and
//! can pick a new address in it for each request.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The networks whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(networks)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client's address: the connection's peer, or, when the peer is a trusted proxy, the
    /// nearest untrusted address its forwarding headers name.
    pub fn client_address(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = unmap(peer?.ip());
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded = forwarded_for(headers);
        let mut client = peer;
        for hop in forwarded.iter().rev() {
            client = *hop;
            if !self.trusts(*hop) {
                break;
            }
        }
        Some(client)
    }

    /// The rate-limit key of the client: an IPv4 address, or an IPv6 address's /64 network.
    pub fn client_key(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> String {
        match self.client_address(peer, headers) {
            Some(IpAddr::V6(address)) => {
                let segments = address.segments();
                let network = Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
            Some(address) => address.to_string(),
            None => String::new(),
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn unmap(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        v4 => v4,
    }
}

/// The hops the forwarding headers name, farthest first: `Forwarded: for=` (RFC 7239) when
/// present, else `X-Forwarded-For`. Entries that are not addresses (`unknown`, obfuscated
/// names) end the list there, as nothing to their left can be attributed.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim().eq_ignore_ascii_case("for").then_some(value.trim())
            })
        })
        .collect();
    let entries: Vec<&str> = if forwarded.is_empty() {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect()
    } else {
        forwarded
    };
    let parsed: Vec<Option<IpAddr>> = entries.iter().map(|entry| parse_hop(entry)).collect();
    // Keep only the trailing run of readable addresses (the hops nearest to us).
    let readable = parsed.iter().rev().take_while(|hop| hop.is_some()).count();
    parsed[parsed.len() - readable..].iter().flatten().copied().collect()
}

/// One hop: `203.0.113.7`, `203.0.113.7:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim().trim_matches('"');
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(unmap(address));
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(unmap(socket.ip()));
    }
    let bracketed = entry.strip_prefix('[')?;
    let (inside, _) = bracketed.split_once(']')?;
    inside.parse::<IpAddr>().ok().map(unmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("header value"));
        }
        map
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::new(vec![
            "10.0.0.0/8".parse().expect("net"),
            "::1/128".parse().expect("net"),
        ])
    }

    fn peer(address: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(address.parse().expect("ip"), 5000))
    }

    #[test]
    fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
        let sent = headers(&[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(proxies().client_key(peer("203.0.113.9"), &sent), "203.0.113.9");
    }

    #[test]
    fn a_trusted_proxy_names_the_nearest_untrusted_hop() {
        // The client prepended a made-up address; the proxy appended the real one.
        let sent = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.1.1.1")]);
        assert_eq!(proxies().client_key(peer("10.0.0.2"), &sent), "198.51.100.7");
        let sent = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(proxies().client_key(peer("::1"), &sent), "2001:db8:cafe::/64");
    }

    #[test]
    fn a_trusted_proxy_without_headers_is_the_client() {
        assert_eq!(proxies().client_key(peer("10.0.0.2"), &HeaderMap::new()), "10.0.0.2");
        let sent = headers(&[("x-forwarded-for", "unknown")]);
        assert_eq!(proxies().client_key(peer("10.0.0.2"), &sent), "10.0.0.2");
    }

    #[test]
    fn ipv6_clients_share_their_64_and_mapped_ipv4_is_ipv4() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_key(peer("2001:db8:1:2:aaaa::1"), &HeaderMap::new()),
            none.client_key(peer("2001:db8:1:2:bbbb::9"), &HeaderMap::new())
        );
        assert_ne!(
            none.client_key(peer("2001:db8:1:2::1"), &HeaderMap::new()),
            none.client_key(peer("2001:db8:1:3::1"), &HeaderMap::new())
        );
        assert_eq!(
            none.client_key(peer("::ffff:192.0.2.1"), &HeaderMap::new()),
            "192.0.2.1"
        );
    }
}
