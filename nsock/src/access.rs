//! Who may use a server: `--allow CIDR` and `--deny CIDR`, as ncat takes
//! them. A client is served when it matches an `--allow` (or none was
//! given) and no `--deny`; a deny wins over an allow. An IPv4-mapped IPv6
//! client (`::ffff:a.b.c.d`) is checked as the IPv4 address it carries.

use std::fmt;
use std::net::IpAddr;

/// An address block: `10.0.0.0/8`, `::1/128`, or a bare address (all of
/// its bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    /// Whether `ip` lies in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.bits)
    }
}

/// A mapped IPv4 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[whole] & mask == b[whole] & mask
}

/// For clap: parses `ADDR/BITS` or `ADDR`, naming the bad part.
pub fn parse_cidr(text: &str) -> Result<Cidr, String> {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let net: IpAddr = addr
        .parse()
        .map_err(|_| format!("{text:?}: {addr:?} is not an IPv4 or IPv6 address"))?;
    let net = canonical(net);
    let max = if net.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => max,
        Some(b) => match b.parse::<u8>() {
            Ok(n) if n <= max && !b.starts_with('+') => n,
            _ => {
                return Err(format!(
                    "{text:?}: the prefix length {b:?} is not a number from 0 to {max}"
                ))
            }
        },
    };
    // The network's own bits past the prefix are ignored, as ncat does:
    // `10.1.2.3/8` is `10.0.0.0/8`.
    Ok(Cidr { net, bits })
}

/// The `--allow` and `--deny` lists of a server.
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub allow: Vec<Cidr>,
    pub deny: Vec<Cidr>,
}

impl Access {
    /// Whether a client at `ip` may be served (`None`: a Unix-domain
    /// client, which the lists cannot name, is served).
    pub fn permits(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else {
            return true;
        };
        if self.deny.iter().any(|c| c.contains(ip)) {
            return false;
        }
        self.allow.is_empty() || self.allow.iter().any(|c| c.contains(ip))
    }

    /// Whether `--allow` limits who may connect.
    pub fn restricted(&self) -> bool {
        !self.allow.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_contain_their_addresses_only() {
        let c = parse_cidr("10.1.2.3/8").unwrap();
        assert!(c.contains(ip("10.255.0.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.0.0.7")));
        let c = parse_cidr("192.168.1.0/23").unwrap();
        assert!(c.contains(ip("192.168.0.9")));
        assert!(!c.contains(ip("192.168.2.0")));
        let c = parse_cidr("::1").unwrap();
        assert!(c.contains(ip("::1")));
        assert!(!c.contains(ip("::2")));
        assert!(!c.contains(ip("127.0.0.1")));
        assert!(parse_cidr("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(parse_cidr("fe80::/10").unwrap().contains(ip("febf::1")));
    }

    #[test]
    fn bad_blocks_name_the_bad_part() {
        for (text, needle) in [
            ("10.0.0.0/33", "\"33\" is not a number from 0 to 32"),
            ("::/129", "from 0 to 128"),
            ("10.0.0/8", "\"10.0.0\" is not an IPv4 or IPv6 address"),
            ("host/8", "\"host\""),
            ("10.0.0.0/", "\"\" is not a number"),
            ("10.0.0.0/+8", "\"+8\""),
        ] {
            let err = parse_cidr(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn deny_wins_and_allow_limits() {
        let mut a = Access::default();
        assert!(a.permits(Some(ip("1.2.3.4"))));
        a.allow.push(parse_cidr("127.0.0.0/8").unwrap());
        a.deny.push(parse_cidr("127.0.0.2").unwrap());
        assert!(a.permits(Some(ip("127.0.0.1"))));
        assert!(!a.permits(Some(ip("127.0.0.2"))));
        assert!(!a.permits(Some(ip("10.0.0.1"))));
        assert!(a.permits(None));
    }
}
