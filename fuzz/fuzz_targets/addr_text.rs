//! Text handed to `get_host_by_addr` and `get_addr_info`: only the checks
//! that run before any lookup. This target never causes a name-service
//! query: it calls each function only on text that the function must turn
//! away before it asks the resolver, and the check that decides this is
//! the function's documented contract:
//!
//! - `get_host_by_addr` takes numeric host text only: IPv4 in the forms of
//!   `inet_aton` (`127.1`, `0x7f.1`, `2130706433`: digits, hex digits,
//!   `x` and dots, starting with a digit) and IPv6 text with an optional
//!   `%scope`; anything else is `InvalidInput` before any lookup. It is
//!   called only on text that cannot be such an address by this
//!   independent, looser test: not IPv6 text for std's parser, no `%`, and
//!   not made of digits, hex digits, `x` and dots starting with a digit.
//! - `get_addr_info` turns away `Domain::Unix`, and text that is empty,
//!   longer than 1024 bytes, or holds a NUL byte. It is called only on
//!   such input; to reach the copy of the text onto the stack at every
//!   length, a NUL is put into text that has none.
//!
//! A bug that let such text through would make the call return something
//! other than `InvalidInput`, which fails the target; `scripts/fuzz-ci`
//! runs it without a network where it can, so even then no query leaves
//! the machine.
//!
//! Input: one selector byte (domain, type, protocol, where to put a NUL),
//! then the text (read lossily as UTF-8).

#![no_main]

use std::io::ErrorKind;
use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use nativesockets::{get_addr_info, get_host_by_addr, Domain, Port, Protocol, SockType};

/// The crate's limit on text it passes to a lookup.
const MAX_NAME_LEN: usize = 1024;

/// The start of an error message that names `input` as the crate's error
/// helpers do: `<what> <input:?>`, the Debug text cut to at most 80 bytes.
fn names_input(message: &str, what: &str, input: &str) -> bool {
    let debug = format!("{input:?}");
    let mut end = debug.len().min(80);
    while !debug.is_char_boundary(end) {
        end -= 1;
    }
    message.starts_with(&format!("{what} {}", &debug[..end]))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();

    let maybe_numeric = text.parse::<IpAddr>().is_ok()
        || text.contains('%')
        || (text.starts_with(|c: char| c.is_ascii_digit())
            && text
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | 'x' | 'X')));
    if !maybe_numeric {
        let err = get_host_by_addr(&text).expect_err("not numeric host text, yet accepted");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        let msg = err.to_string();
        assert!(names_input(&msg, "IP address", &text), "{msg}");
    }

    let domain =
        [Domain::Unspec, Domain::Inet, Domain::Inet6, Domain::Unix][usize::from(selector & 3)];
    let sock_type = [
        SockType::Stream,
        SockType::Dgram,
        SockType::Raw,
        SockType::SeqPacket,
    ][usize::from(selector >> 2 & 3)];
    let protocol = [Protocol::Tcp, Protocol::Udp, Protocol::Ip, Protocol::Ipv6]
        [usize::from(selector >> 4 & 3)];
    let port = Port(u16::from(selector).wrapping_mul(257));
    let mut address = text;
    let rejected = |a: &str| {
        domain == Domain::Unix || a.is_empty() || a.len() > MAX_NAME_LEN || a.contains('\0')
    };
    if !rejected(&address) {
        // Somewhere inside, from the selector's top bits and the length.
        let at = (usize::from(selector >> 6) * 7919 + address.len()) % (address.len() + 1);
        let at = (0..=at)
            .rev()
            .find(|&i| address.is_char_boundary(i))
            .unwrap_or(0);
        address.insert(at, '\0');
    }
    assert!(rejected(&address));
    let err = get_addr_info(&address, port, domain, sock_type, protocol)
        .expect_err("text a lookup must not see was accepted");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let msg = err.to_string();
    if domain == Domain::Unix {
        assert!(msg.starts_with("address family Unix"), "{msg}");
    } else {
        assert!(names_input(&msg, "address", &address), "{msg}");
    }
});
