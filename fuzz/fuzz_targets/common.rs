//! What both address targets check: every accessor of a `SockAddr`, its
//! `Display`, `Debug` and `get_addr_string`, against an independent decoding
//! of the address's raw bytes in Linux's layout (the fuzzers run on Linux).

#![allow(dead_code)] // each target uses part of it

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use nativesockets::{get_addr_string, Domain, Port, SockAddr};

pub const AF_UNSPEC: u16 = 0;
pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
/// `offsetof(struct sockaddr_un, sun_path)` and `sizeof(struct sockaddr_un)`.
pub const SUN_PATH_OFFSET: usize = 2;
pub const SOCKADDR_UN_LEN: usize = 110;

/// What the bytes of an address mean, decoded without the crate.
#[derive(Debug, PartialEq)]
pub enum Expected {
    V4(SocketAddrV4),
    V6(SocketAddrV6),
    Path(Vec<u8>),
    Abstract(Vec<u8>),
    Unnamed,
    Other { family: u16 },
}

pub fn decode(bytes: &[u8]) -> Expected {
    let family = u16::from_ne_bytes([bytes[0], bytes[1]]);
    match family {
        AF_INET if bytes.len() >= 16 => {
            let port = u16::from_be_bytes([bytes[2], bytes[3]]);
            let ip = Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]);
            Expected::V4(SocketAddrV4::new(ip, port))
        }
        AF_INET6 if bytes.len() >= 28 => {
            let port = u16::from_be_bytes([bytes[2], bytes[3]]);
            let flowinfo = u32::from_ne_bytes(bytes[4..8].try_into().unwrap());
            let ip: [u8; 16] = bytes[8..24].try_into().unwrap();
            let scope_id = u32::from_ne_bytes(bytes[24..28].try_into().unwrap());
            Expected::V6(SocketAddrV6::new(
                Ipv6Addr::from(ip),
                port,
                flowinfo,
                scope_id,
            ))
        }
        AF_UNIX => {
            let path = &bytes[SUN_PATH_OFFSET..bytes.len().min(SOCKADDR_UN_LEN)];
            match path.first() {
                None => Expected::Unnamed,
                Some(0) => Expected::Abstract(path[1..].to_vec()),
                Some(_) => Expected::Path(path.split(|&b| b == 0).next().unwrap().to_vec()),
            }
        }
        family => Expected::Other { family },
    }
}

fn hash_of(addr: &SockAddr) -> u64 {
    let mut h = DefaultHasher::new();
    addr.hash(&mut h);
    h.finish()
}

/// Runs every accessor of `addr` and checks each against `decode`.
pub fn check(addr: &SockAddr) {
    let bytes = addr.as_bytes();
    assert_eq!(bytes.len(), addr.len() as usize);
    assert!(bytes.len() >= 2 && bytes.len() <= 128, "{}", bytes.len());
    let expected = decode(bytes);
    assert_eq!(
        addr.family(),
        i32::from(u16::from_ne_bytes([bytes[0], bytes[1]]))
    );
    assert_eq!(addr.domain(), Domain::from_int(addr.family()));

    // A copy through the raw bytes is the same address, equal and equally
    // hashed; so is a clone.
    let copy = SockAddr::from_bytes(bytes).expect("an address's own bytes are accepted");
    assert_eq!(&copy, addr);
    assert_eq!(hash_of(&copy), hash_of(addr));
    assert_eq!(&addr.clone(), addr);

    let text = get_addr_string(addr);
    let display = addr.to_string();
    let debug = format!("{addr:?}");
    assert!(debug.starts_with("SockAddr {"), "{debug}");
    assert!(debug.contains(&format!("len: {}", addr.len())), "{debug}");

    let ip_of = |sa: SocketAddr| {
        assert_eq!(addr.as_socket_addr(), Some(sa));
        assert_eq!(addr.port(), Some(Port(sa.port())));
        assert_eq!(addr.as_unix_path(), None);
        assert_eq!(addr.as_abstract_name(), None);
        assert!(!addr.is_unnamed());
        assert_eq!(display, sa.to_string());
        let text = text.as_ref().expect("an IP address has a text form");
        assert_eq!(*text, ip_text(sa));
        // The address part parses back to the same address (the scope, if
        // any, after a `%`).
        let ip_part = text.split('%').next().unwrap_or_default();
        assert_eq!(
            ip_part.parse::<std::net::IpAddr>().ok(),
            Some(sa.ip()),
            "{text}"
        );
        // Through std and back gives the same address.
        let again = SockAddr::from(sa);
        assert_eq!(again.as_socket_addr(), Some(sa));
    };
    match &expected {
        Expected::V4(a) => {
            assert_eq!(addr.as_socket_addr_v4(), Some(*a));
            assert_eq!(addr.as_socket_addr_v6(), None);
            ip_of(SocketAddr::V4(*a));
        }
        Expected::V6(a) => {
            assert_eq!(addr.as_socket_addr_v6(), Some(*a));
            assert_eq!(addr.as_socket_addr_v4(), None);
            ip_of(SocketAddr::V6(*a));
        }
        Expected::Path(p) => {
            not_ip(addr);
            let lossy = String::from_utf8_lossy(p).into_owned();
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(
                addr.as_unix_path().map(|p| p.as_os_str().as_bytes()),
                Some(&p[..])
            );
            assert_eq!(addr.as_abstract_name(), None);
            assert!(!addr.is_unnamed());
            assert_eq!(display, lossy);
            assert_eq!(text.unwrap(), lossy);
        }
        Expected::Abstract(n) => {
            not_ip(addr);
            let at = format!("@{}", String::from_utf8_lossy(n));
            assert_eq!(addr.as_abstract_name(), Some(&n[..]));
            assert_eq!(addr.as_unix_path(), None);
            assert!(!addr.is_unnamed());
            assert_eq!(display, at);
            assert_eq!(text.unwrap(), at);
        }
        Expected::Unnamed => {
            not_ip(addr);
            assert!(addr.is_unnamed());
            assert_eq!(addr.as_unix_path(), None);
            assert_eq!(addr.as_abstract_name(), None);
            assert_eq!(display, "(unnamed)");
            assert_eq!(text.unwrap(), "");
        }
        Expected::Other { family } => {
            not_ip(addr);
            assert!(!addr.is_unnamed());
            assert_eq!(addr.as_unix_path(), None);
            assert_eq!(addr.as_abstract_name(), None);
            assert_eq!(display, format!("(family {family}, {} bytes)", addr.len()));
            let err = text.expect_err("no text form for this family or length");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(&display), "{err}");
        }
    }
}

fn not_ip(addr: &SockAddr) {
    assert_eq!(addr.as_socket_addr(), None);
    assert_eq!(addr.as_socket_addr_v4(), None);
    assert_eq!(addr.as_socket_addr_v6(), None);
    assert_eq!(addr.port(), None);
}

/// The text `get_addr_string` gives for an IP address, as std prints the
/// address inside a `SocketAddr`: the IP, and for IPv6 a non-zero scope id
/// after a `%` (`fe80::1%2`).
pub fn ip_text(sa: SocketAddr) -> String {
    match sa {
        SocketAddr::V6(v6) if v6.scope_id() != 0 => format!("{}%{}", v6.ip(), v6.scope_id()),
        _ => sa.ip().to_string(),
    }
}
