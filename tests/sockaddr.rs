//! `SockAddr` as a socket2 or std user builds it: from an IP address and a
//! port, and from text, with errors that name the text.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use nativesockets::*;

#[test]
fn an_ip_address_and_a_port_make_the_same_address_as_std_does() {
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    assert_eq!(
        SockAddr::from((ip, 80)),
        SockAddr::from(SocketAddr::new(ip, 80))
    );
    assert_eq!(
        SockAddr::from((Ipv4Addr::new(192, 0, 2, 1), 443)).to_string(),
        "192.0.2.1:443"
    );
    assert_eq!(
        SockAddr::from((Ipv6Addr::LOCALHOST, 8080)).as_socket_addr(),
        Some("[::1]:8080".parse().unwrap())
    );
    assert_eq!(
        SockAddr::from((IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0)).domain(),
        Some(Domain::Inet6)
    );
}

#[test]
fn ip_and_port_text_parses_into_a_sockaddr() -> io::Result<()> {
    let a: SockAddr = "127.0.0.1:80".parse()?;
    assert_eq!(a.as_socket_addr(), Some("127.0.0.1:80".parse().unwrap()));
    let b: SockAddr = "[::1]:80".parse()?;
    assert_eq!(b.as_socket_addr(), Some("[::1]:80".parse().unwrap()));
    assert_eq!(b.port().map(u16::from), Some(80));
    let c: SockAddr = "[fe80::1%2]:443".parse()?;
    let v6 = c.as_socket_addr_v6().unwrap();
    assert_eq!((v6.scope_id(), v6.port()), (2, 443));
    assert_eq!(c.to_string(), "[fe80::1%2]:443");
    // The crate's numeric forms, as get_addr_info takes them.
    let d: SockAddr = "127.1:65535".parse()?;
    assert_eq!(d.to_string(), "127.0.0.1:65535");
    Ok(())
}

#[test]
#[cfg_attr(miri, ignore = "if_nametoindex, which Miri does not emulate")]
fn a_scope_may_name_an_interface() {
    let Some((index, name)) = (1..64).find_map(|i| if_indextoname(i).ok().map(|n| (i, n))) else {
        eprintln!("skipped: no network interface has a name");
        return;
    };
    let text = format!("[fe80::1%{name}]:80");
    let a: SockAddr = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(
        a.as_socket_addr_v6(),
        Some(SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, index))
    );
}

#[test]
fn bad_address_text_is_invalid_input_naming_the_text() {
    let cases = [
        ("localhost:80", "IP address"),
        ("127.0.0.1", ":port"),
        ("", ":port"),
        ("::1:80", "brackets"),
        ("[::1]80", "]:port"),
        ("[::1]:http", "not a decimal number"),
        ("[::1]:65536", "out of range"),
        ("127.0.0.1:-1", "not a decimal number"),
        ("[127.0.0.1]:80", "IPv4 address in brackets"),
        ("/tmp/app.sock", "SockAddr::unix"),
        ("1.2.3.4:80\0", "not a decimal number"),
        ("[fe80::1%]:80", "empty scope"),
    ];
    for (text, why) in cases {
        let err = text.parse::<SockAddr>().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{text:?}: {err}");
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("socket address {text:?}: ")),
            "{text:?}: {msg}"
        );
        assert!(msg.contains(why), "{text:?}: {msg}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "if_nametoindex, which Miri does not emulate")]
fn a_scope_naming_no_interface_is_not_found() {
    let err = "[fe80::1%nosuchif9]:80".parse::<SockAddr>().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("nosuchif9"), "{err}");
}

#[test]
#[cfg_attr(miri, ignore = "a UDP socket, which Miri does not emulate")]
fn text_parses_where_io_results_are_returned() -> io::Result<()> {
    let socket = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    socket.bind_addr(&"127.0.0.1:0".parse()?)?;
    let port = socket.local_addr()?.port().map(u16::from);
    assert!(matches!(port, Some(p) if p != 0));
    Ok(())
}
