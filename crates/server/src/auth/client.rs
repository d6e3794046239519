//! Who the client is, behind proxies. The peer of the TCP connection is the client
//! unless it is a trusted proxy (`security.trusted_proxies`); then the client is read
//! from `Forwarded` (RFC 7239) or else `X-Forwarded-For`, from the right, skipping
//! trusted hops. The leftmost entry is whatever the client wrote and is never believed
//! on its own. Limits key IPv6 clients by their /64, the block one subscriber gets.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// An address range: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `fd00::/8`, or a single address (`192.0.2.7`, `::1`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| format!("{text:?} is not an address or CIDR range"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(Self { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                leading_equal(u128::from(n.to_bits()) << 96, u128::from(a.to_bits()) << 96, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => leading_equal(n.to_bits(), a.to_bits(), self.prefix),
            _ => false,
        }
    }
}

fn leading_equal(a: u128, b: u128, bits: u8) -> bool {
    bits == 0 || (a ^ b) >> (128 - u32::from(bits)) == 0
}

/// An IPv4-mapped IPv6 address is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The configured trusted proxies, parsed (the configuration was validated at load).
pub fn trusted_proxies(configured: &[String]) -> Vec<Cidr> {
    configured.iter().filter_map(|p| Cidr::parse(p).ok()).collect()
}

/// One hop of `Forwarded: for=…`: `192.0.2.1`, `"192.0.2.1:8080"`, `"[2001:db8::1]:4711"`;
/// `None` for `unknown` and obfuscated identifiers.
fn forwarded_node(value: &str) -> Option<IpAddr> {
    let v = value.trim().trim_matches('"');
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    v.parse().ok().or_else(|| v.rsplit_once(':').and_then(|(a, _)| a.parse().ok()))
}

/// The hops the proxies recorded, leftmost (claimed client) first. `Forwarded` wins
/// over `X-Forwarded-For` when both are present.
fn recorded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| forwarded_node(v))
                })
            })
            .collect();
    }
    values("x-forwarded-for").iter().flat_map(|v| v.split(',').map(forwarded_node).collect::<Vec<_>>()).collect()
}

/// The client of a request whose TCP peer is `peer`.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut client = canonical(peer);
    if !is_trusted(client) {
        return client;
    }
    for hop in recorded_hops(headers).into_iter().rev() {
        match hop.map(canonical) {
            Some(ip) if is_trusted(ip) => client = ip,
            Some(ip) => return ip,
            // An entry we cannot read: the last trusted hop is the best we know.
            None => return client,
        }
    }
    client
}

/// Whether a trusted proxy says the client reached it over TLS (`Forwarded: proto=https`
/// or `X-Forwarded-Proto: https`). From any other peer the headers are ignored.
pub fn via_tls_proxy(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> bool {
    if !trusted.iter().any(|c| c.contains(canonical(peer))) {
        return false;
    }
    let says_https = |name: &str, split: fn(&str) -> Option<&str>| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(split)
            .any(|p| p.trim().trim_matches('"').eq_ignore_ascii_case("https"))
    };
    says_https("forwarded", |v| {
        v.split([';', ',']).find_map(|pair| {
            pair.split_once('=').filter(|(k, _)| k.trim().eq_ignore_ascii_case("proto")).map(|(_, p)| p)
        })
    }) || says_https("x-forwarded-proto", |v| v.split(',').next_back())
}

/// The key a per-source limit counts under: the IPv4 address, or the IPv6 /64.
pub fn source_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let net = Ipv6Addr::from_bits(v6.to_bits() & (u128::MAX << 64));
            format!("{net}/64")
        }
    }
}

/// The client's address (behind trusted proxies, the one they name).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub fn of(parts_ext: &axum::http::Extensions, headers: &HeaderMap, state: &AppState) -> Self {
        ClientIp(resolve(peer(parts_ext), headers, &state.trusted_proxies))
    }

    pub fn key(&self) -> String {
        source_key(self.0)
    }
}

/// The TCP peer of a request (unspecified when the server was not given connection info).
pub fn peer(parts_ext: &axum::http::Extensions) -> IpAddr {
    parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientIp::of(&parts.extensions, &parts.headers, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_a_trusted_proxy_says_the_client_used_tls() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let fwd = headers(&[("forwarded", "for=192.0.2.1;proto=https")]);
        let xfp = headers(&[("x-forwarded-proto", "https")]);
        let plain = headers(&[("x-forwarded-proto", "http")]);
        assert!(via_tls_proxy(ip("10.1.1.1"), &fwd, &trusted));
        assert!(via_tls_proxy(ip("10.1.1.1"), &xfp, &trusted));
        assert!(!via_tls_proxy(ip("10.1.1.1"), &plain, &trusted));
        assert!(!via_tls_proxy(ip("192.0.2.9"), &xfp, &trusted), "an untrusted peer's header is ignored");
    }

    #[test]
    fn ranges_match_what_they_cover() {
        let ten = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(ten.contains(ip("10.200.1.1")));
        assert!(ten.contains(ip("::ffff:10.0.0.1")), "IPv4-mapped IPv6 is the IPv4 address");
        assert!(!ten.contains(ip("11.0.0.1")));
        assert!(Cidr::parse("::1").unwrap().contains(ip("::1")));
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::5")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "nonsense", "::/129", "1.2.3.4/x"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(resolve(ip("203.0.113.5"), &h, &trusted), ip("203.0.113.5"));
        assert_eq!(resolve(ip("203.0.113.5"), &h, &[]), ip("203.0.113.5"));
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop_never_the_forged_leftmost() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        // The client wrote "1.1.1.1" itself; the edge proxy appended the real address.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("198.51.100.7"));
        let h = headers(&[("x-forwarded-for", "1.1.1.1"), ("x-forwarded-for", "198.51.100.8")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("198.51.100.8"), "repeated headers are one list");
        let h = headers(&[("forwarded", r#"for=1.1.1.1, for="[2001:db8:cafe::17]:4711";proto=https"#)]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "for=unknown"), ("x-forwarded-for", "198.51.100.9")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.1"), "Forwarded wins; unreadable stops");
        assert_eq!(resolve(ip("10.0.0.1"), &HeaderMap::new(), &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(source_key(ip("2001:db8:1:2:aaaa::1")), source_key(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(source_key(ip("2001:db8:1:2::1")), source_key(ip("2001:db8:1:3::1")));
        assert_eq!(source_key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_eq!(source_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }
}
