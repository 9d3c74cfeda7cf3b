//! Refuses connections to loopback, private, link-local and other
//! non-public addresses unless the user allowed them.
//!
//! The check runs on every address that DNS returns (a custom reqwest
//! resolver) and on IP-literal hosts before each request, including each
//! redirect hop, so neither a name that resolves to 127.0.0.1 nor a
//! redirect to 10.0.0.1 gets through.

use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A connection the guard refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "refused to connect to {host} ({address}): it is a loopback, private or link-local address\nhint: pass --allow-private-network to archive from a local server"
)]
pub struct PrivateAddressError {
    pub host: String,
    pub address: IpAddr,
}

/// Returns whether `ip` is reachable on the public internet, as opposed to
/// loopback, private (RFC 1918, RFC 4193), link-local, carrier-grade NAT,
/// unspecified, broadcast or multicast space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [first, second, ..] = ip.octets();
    let carrier_grade_nat = first == 100 && (64..128).contains(&second);
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || carrier_grade_nat
        || first == 0)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || unique_local || link_local)
}

/// Checks a host that is an IP literal; names are checked at resolution.
pub fn check_host(host: &url::Host<&str>, allow_private: bool) -> Result<(), PrivateAddressError> {
    let address = match host {
        url::Host::Ipv4(v4) => IpAddr::V4(*v4),
        url::Host::Ipv6(v6) => IpAddr::V6(*v6),
        url::Host::Domain(_) => return Ok(()),
    };
    if allow_private || is_public(address) {
        return Ok(());
    }
    Err(PrivateAddressError {
        host: host.to_string(),
        address,
    })
}

/// DNS resolver that drops non-public addresses unless they are allowed.
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|address| allow_private || is_public(address.ip()))
                .collect();
            if allowed.is_empty()
                && let Some(first) = resolved.first()
            {
                let error: Box<dyn StdError + Send + Sync> = Box::new(PrivateAddressError {
                    host,
                    address: first.ip(),
                });
                return Err(error);
            }
            let addresses: Addrs = Box::new(allowed.into_iter());
            Ok(addresses)
        })
    }
}

/// Finds a guard refusal in the source chain of a transport error.
pub fn find_refusal<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a PrivateAddressError> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(error) = current {
        if let Some(refusal) = error.downcast_ref::<PrivateAddressError>() {
            return Some(refusal);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_rejected() {
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = address.parse().expect("test address parses");
            assert!(!is_public(ip), "{address} must count as non-public");
        }
    }

    #[test]
    fn public_addresses_allowed() {
        for address in ["8.8.8.8", "192.0.2.1", "2001:4860::8888", "172.32.0.1"] {
            let ip: IpAddr = address.parse().expect("test address parses");
            assert!(is_public(ip), "{address} must count as public");
        }
    }

    #[test]
    fn ip_literal_checked() {
        let host = url::Host::Ipv4(Ipv4Addr::LOCALHOST);
        assert!(check_host(&host, false).is_err());
        assert!(check_host(&host, true).is_ok());
        assert!(check_host(&url::Host::Domain("api.tumblr.com"), false).is_ok());
    }
}
