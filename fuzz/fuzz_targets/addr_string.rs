//! `get_addr_string` on addresses built every way the crate offers, from
//! arbitrary bytes and lengths: Unix paths (`SockAddr::unix`), abstract
//! names, raw bytes with a chosen family and length, `from_raw_parts`, and
//! std addresses.
//!
//! Input: one selector byte, then the payload.

#![no_main]

use std::ffi::OsStr;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::ffi::OsStrExt;

use libfuzzer_sys::fuzz_target;
use nativesockets::{get_addr_string, RawSockAddrStorage, SockAddr};

mod common;
use common::{AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, SOCKADDR_UN_LEN, SUN_PATH_OFFSET};

/// The longest path `SockAddr::unix` takes: `sun_path` less its NUL.
const MAX_PATH: usize = SOCKADDR_UN_LEN - SUN_PATH_OFFSET - 1;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => unix_path(rest),
        1 => abstract_name(rest),
        2 => raw_with_family(rest),
        3 => raw_parts(rest),
        _ => std_addr(rest),
    }
});

fn unix_path(path: &[u8]) {
    match SockAddr::unix(OsStr::from_bytes(path)) {
        Ok(addr) => {
            assert!(!path.is_empty() && !path.contains(&0) && path.len() <= MAX_PATH);
            assert_eq!(
                get_addr_string(&addr).unwrap(),
                String::from_utf8_lossy(path)
            );
            assert_eq!(addr.as_unix_path().unwrap().as_os_str().as_bytes(), path);
            common::check(&addr);
        }
        Err(e) => {
            assert!(path.is_empty() || path.contains(&0) || path.len() > MAX_PATH);
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert!(e.to_string().starts_with("Unix socket path \""), "{e}");
        }
    }
}

fn abstract_name(name: &[u8]) {
    match SockAddr::unix_abstract(name) {
        Ok(addr) => {
            assert!(name.len() < SOCKADDR_UN_LEN - SUN_PATH_OFFSET);
            let expected = format!("@{}", String::from_utf8_lossy(name));
            assert_eq!(get_addr_string(&addr).unwrap(), expected);
            assert_eq!(addr.as_abstract_name(), Some(name));
            common::check(&addr);
        }
        Err(e) => {
            assert!(name.len() >= SOCKADDR_UN_LEN - SUN_PATH_OFFSET);
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert!(
                e.to_string().starts_with("abstract Unix socket name"),
                "{e}"
            );
        }
    }
}

/// Payload: family choice, length, then the bytes after the family field.
fn raw_with_family(rest: &[u8]) {
    let [choice, len, body @ ..] = rest else {
        return;
    };
    let family = match choice % 5 {
        0 => AF_INET,
        1 => AF_INET6,
        2 => AF_UNIX,
        3 => AF_UNSPEC,
        _ => u16::from(*choice) << 4 | u16::from(*len) >> 4,
    };
    let len = usize::from(*len);
    let mut bytes = vec![0u8; len];
    for (dst, src) in bytes.iter_mut().skip(2).zip(body) {
        *dst = *src;
    }
    if len >= 2 {
        bytes[..2].copy_from_slice(&family.to_ne_bytes());
    }
    match SockAddr::from_bytes(&bytes) {
        Ok(addr) => common::check(&addr),
        Err(e) => {
            assert!(!(2..=128).contains(&len), "{len}: {e}");
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        }
    }
}

/// Payload: a length byte, then the storage's bytes.
fn raw_parts(rest: &[u8]) {
    let Some((&len, body)) = rest.split_first() else {
        return;
    };
    // `from_raw_parts` requires a length within the storage.
    let len = u32::from(len) % 129;
    let mut buf = [0u8; 128];
    let n = body.len().min(128);
    buf[..n].copy_from_slice(&body[..n]);
    // SAFETY: sockaddr_storage is plain data of 128 bytes, so any bytes
    // are a valid value and the copy stays in bounds.
    let storage: RawSockAddrStorage = unsafe { std::mem::transmute(buf) };
    // SAFETY: `len` is at most the storage's size; any content is sound.
    let addr = unsafe { SockAddr::from_raw_parts(storage, len) };
    assert_eq!(addr.len(), len);
    assert_eq!(addr.as_bytes(), &buf[..len as usize]);
    if len >= 2 {
        common::check(&addr);
    } else {
        assert_eq!(addr.family(), 0);
        assert!(get_addr_string(&addr).is_err());
        let _ = format!("{addr} {addr:?}");
    }
}

/// Payload: v4/v6 choice, then address, port, flow info and scope id.
fn std_addr(rest: &[u8]) {
    let mut b = [0u8; 27];
    let n = rest.len().min(27);
    b[..n].copy_from_slice(&rest[..n]);
    let port = u16::from_ne_bytes([b[1], b[2]]);
    let sa = if b[0] % 2 == 0 {
        SocketAddr::V4(SocketAddrV4::new(
            Ipv4Addr::new(b[3], b[4], b[5], b[6]),
            port,
        ))
    } else {
        let ip: [u8; 16] = b[3..19].try_into().unwrap();
        let flow = u32::from_ne_bytes(b[19..23].try_into().unwrap());
        let scope = u32::from_ne_bytes(b[23..27].try_into().unwrap());
        SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, flow, scope))
    };
    let addr = SockAddr::from(sa);
    assert_eq!(addr.as_socket_addr(), Some(sa));
    assert_eq!(get_addr_string(&addr).unwrap(), common::ip_text(sa));
    common::check(&addr);
}
