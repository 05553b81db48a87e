//! Numeric host text, read the way the C library's resolver reads it:
//! every IPv4 form [`inet_aton(3)`] takes (`127.1`, `0x7f.1`, `2130706433`),
//! IPv6 text, and an IPv6 scope given by number or by interface name
//! (`fe80::1%2`, `fe80::1%lo`); and the interface name and index
//! conversions a scope needs.
//!
//! [`inet_aton(3)`]: https://man7.org/linux/man-pages/man3/inet.3.html

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::cstr::with_c_name;
use crate::error::{invalid_input, not_found, Shortened};
use crate::sys;

/// Parses numeric host text into an address and an IPv6 scope id (0 when
/// there is none, and always for IPv4), accepting exactly the forms that
/// [`get_addr_info`](crate::get_addr_info),
/// [`get_host_by_name`](crate::get_host_by_name) and
/// [`get_host_by_addr`](crate::get_host_by_addr) take as an address rather
/// than a name:
///
/// - IPv4 in every form of [`inet_aton(3)`]: one to four parts separated by
///   dots, each decimal, octal (leading `0`) or hexadecimal (leading
///   `0x`), the last part filling the bytes that remain: `127.1` is
///   `127.0.0.1`, `0x7f.1` too, `2130706433` too. Nothing may follow the
///   address (as glibc's `getaddrinfo`, which uses the exact form, and
///   unlike `inet_aton`, which stops at a space).
/// - IPv6 text as [`inet_pton(3)`] reads it, optionally followed by `%` and
///   a scope: a decimal number (any IPv6 address), or the name of a
///   network interface (a link-local or multicast link- or node-local
///   address, as glibc's `getaddrinfo` allows), turned into its index
///   with [`if_nametoindex`].
///
/// The parse is done in Rust, with no OS call unless a scope is given by
/// name.
///
/// # Errors
/// `InvalidInput`, naming the text, when it is none of these (a host name,
/// an empty text, one with a NUL byte, a number out of range, a scope on
/// an IPv4 address); `NotFound`, naming the interface, when a scope names
/// an interface that does not exist.
///
/// # Examples
/// ```
/// use nativesockets::parse_ip_text;
/// use std::net::IpAddr;
///
/// assert_eq!(parse_ip_text("127.1")?, ("127.0.0.1".parse::<IpAddr>().unwrap(), 0));
/// assert_eq!(parse_ip_text("fe80::1%2")?, ("fe80::1".parse::<IpAddr>().unwrap(), 2));
/// assert!(parse_ip_text("localhost").is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`inet_aton(3)`]: https://man7.org/linux/man-pages/man3/inet.3.html
/// [`inet_pton(3)`]: https://man7.org/linux/man-pages/man3/inet_pton.3.html
pub fn parse_ip_text(text: &str) -> io::Result<(IpAddr, u32)> {
    if text.as_bytes().contains(&0) {
        return Err(invalid_input("IP address", text, "contains a NUL byte"));
    }
    if let Some(v4) = parse_ipv4_aton(text) {
        return Ok((IpAddr::V4(v4), 0));
    }
    let (addr, scope) = match text.split_once('%') {
        Some((addr, scope)) => (addr, Some(scope)),
        None => (text, None),
    };
    let Ok(v6) = addr.parse::<Ipv6Addr>() else {
        return Err(invalid_input(
            "IP address",
            text,
            "is not IPv4 or IPv6 address text",
        ));
    };
    let scope_id = match scope {
        None => 0,
        Some(scope) => parse_scope(text, &v6, scope)?,
    };
    Ok((IpAddr::V6(v6), scope_id))
}

/// A scope: a decimal number that fits 32 bits, or an interface name.
fn parse_scope(text: &str, addr: &Ipv6Addr, scope: &str) -> io::Result<u32> {
    if scope.is_empty() {
        return Err(invalid_input(
            "IP address",
            text,
            "has an empty scope after '%'",
        ));
    }
    if scope.bytes().all(|b| b.is_ascii_digit()) {
        return scope
            .parse::<u32>()
            .map_err(|_| invalid_input("IP address", text, "has a scope id above 4294967295"));
    }
    if !scope_may_name_interface(addr) {
        return Err(invalid_input(
            "IP address",
            text,
            "has a scope given by name, which only a link-local or multicast link- or node-local address may have (a number is taken for any address)",
        ));
    }
    if_nametoindex(scope).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => not_found(
            "IP address",
            text,
            &format!("no network interface is called {}", Shortened(scope)),
        ),
        _ => e,
    })
}

/// glibc's rule (`__inet6_scopeid_pton`): an interface name is looked up
/// only for these addresses.
fn scope_may_name_interface(addr: &Ipv6Addr) -> bool {
    let s = addr.segments();
    let link_local = s[0] & 0xffc0 == 0xfe80;
    let mc_node_or_link_local = s[0] & 0xff0f == 0xff01 || s[0] & 0xff0f == 0xff02;
    link_local || mc_node_or_link_local
}

/// `inet_aton`'s forms, exactly (nothing after the address).
pub(crate) fn parse_ipv4_aton(text: &str) -> Option<Ipv4Addr> {
    if text.is_empty() || !text.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let mut parts = [0u32; 4];
    let mut n = 0;
    for part in text.split('.') {
        if n == 4 {
            return None;
        }
        parts[n] = parse_aton_part(part)?;
        n += 1;
    }
    let last = parts[n - 1];
    let (max_last, shifts): (u32, &[u32]) = match n {
        1 => (u32::MAX, &[]),
        2 => (0x00ff_ffff, &[24]),
        3 => (0xffff, &[24, 16]),
        _ => (0xff, &[24, 16, 8]),
    };
    if last > max_last {
        return None;
    }
    let mut value = last;
    for (part, shift) in parts.iter().zip(shifts) {
        if *part > 0xff {
            return None;
        }
        value |= part << shift;
    }
    Some(Ipv4Addr::from(value))
}

/// One part, as C's `strtoul(part, &end, 0)` reads it, with the whole part
/// used and the value within 32 bits.
fn parse_aton_part(part: &str) -> Option<u32> {
    let b = part.as_bytes();
    let (digits, radix) = match b {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', rest @ ..] => (rest, 8),
        _ => (b, 10),
    };
    if digits.is_empty() && radix != 8 {
        return None;
    }
    let mut value: u32 = 0;
    for &d in digits {
        let digit = (d as char).to_digit(radix)?;
        value = value.checked_mul(radix)?.checked_add(digit)?;
    }
    Some(value)
}

/// The IPv6 scope id of an address, 0 for IPv4.
pub(crate) fn scope_id(a: &SocketAddr) -> u32 {
    match a {
        SocketAddr::V4(_) => 0,
        SocketAddr::V6(v6) => v6.scope_id(),
    }
}

/// An IP address as text, formatted straight into a right-sized string.
pub(crate) fn ip_string(ip: IpAddr) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(if ip.is_ipv4() { 15 } else { 39 });
    // Writing to a String cannot fail.
    let _ = write!(s, "{ip}");
    s
}

/// An IP address as text with its IPv6 scope, as std's `SocketAddrV6`
/// prints it: `fe80::1%2`; no `%` when the scope is 0.
pub(crate) fn scoped_ip_string(ip: IpAddr, scope_id: u32) -> String {
    let mut s = ip_string(ip);
    if scope_id != 0 {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(s, "%{scope_id}");
    }
    s
}

/// Returns the index of the network interface called `name` (`"lo"`,
/// `"eth0"`; on Windows the NDIS name, such as `"loopback_0"`), the number
/// an IPv6 scope (`fe80::1%lo`) stands for.
///
/// Corresponds to [`if_nametoindex(3)`] on Unix and [`if_nametoindex`] (IP
/// helper library) on Windows.
///
/// # Errors
/// `InvalidInput` for an empty name, one over 1 KiB or with a NUL byte;
/// `NotFound`, naming it, when no interface has that name.
///
/// # Examples
/// ```
/// # #[cfg(target_os = "linux")] {
/// let lo = nativesockets::if_nametoindex("lo")?;
/// assert_eq!(nativesockets::if_indextoname(lo)?, "lo");
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`if_nametoindex(3)`]: https://man7.org/linux/man-pages/man3/if_nametoindex.3.html
/// [`if_nametoindex`]: https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-if_nametoindex
pub fn if_nametoindex(name: &str) -> io::Result<u32> {
    sys::init();
    with_c_name("interface name", name, |c_name| {
        sys::if_nametoindex(c_name).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                not_found("interface name", name, "no such network interface")
            }
            _ => e,
        })
    })
}

/// Returns the name of the network interface with index `index`; see
/// [`if_nametoindex`].
///
/// Corresponds to [`if_indextoname(3)`] on Unix and [`if_indextoname`] (IP
/// helper library) on Windows.
///
/// # Errors
/// `NotFound`, naming the index, when no interface has it.
///
/// [`if_indextoname(3)`]: https://man7.org/linux/man-pages/man3/if_nametoindex.3.html
/// [`if_indextoname`]: https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-if_indextoname
pub fn if_indextoname(index: u32) -> io::Result<String> {
    sys::init();
    sys::if_indextoname(index).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => not_found("interface index", index, "no such network interface"),
        _ => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aton_forms() {
        for (text, want) in [
            ("127.1", Some([127, 0, 0, 1])),
            ("127.0.1", Some([127, 0, 0, 1])),
            ("0x7f.1", Some([127, 0, 0, 1])),
            ("0177.0.0.01", Some([127, 0, 0, 1])),
            ("2130706433", Some([127, 0, 0, 1])),
            ("0", Some([0, 0, 0, 0])),
            ("1.2.65535", Some([1, 2, 255, 255])),
            ("1.2.65536", None),
            ("256.1", None),
            ("1.2.3.4.5", None),
            ("08", None),
            ("0x", None),
            ("1.", None),
            ("1..2", None),
            ("4294967296", None),
            ("127.0.0.1 ", None),
            ("+1", None),
        ] {
            assert_eq!(parse_ipv4_aton(text), want.map(Ipv4Addr::from), "{text}");
        }
    }

    #[test]
    fn scoped_text_keeps_the_scope() {
        let ip: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(scoped_ip_string(ip, 2), "fe80::1%2");
        assert_eq!(scoped_ip_string(ip, 0), "fe80::1");
    }
}
