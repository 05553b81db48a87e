//! Lookups of every kind from eight threads at once get the answers a
//! single thread gets.

use super::*;

/// A service near the end of the system's services file: Debian's
/// netbase file has x11, Windows' file (and Wine's copy of it) has none,
/// but has directplay8.
#[cfg(not(windows))]
const LATE_SERVICE: (&str, u16) = ("x11", 6000);

#[cfg(windows)]
const LATE_SERVICE: (&str, u16) = ("directplay8", 6073);

/// One lookup of each kind, and its answer as comparable text.
fn mixed_lookups(host_name: &str) -> Vec<Box<dyn Fn() -> String + Send + Sync>> {
    let host_name = host_name.to_owned();
    fn show(r: std::io::Result<String>) -> String {
        match r {
            Ok(s) => s,
            Err(e) => format!("error {:?}: {e}", e.kind()),
        }
    }
    let mut lookups: Vec<Box<dyn Fn() -> String + Send + Sync>> = Vec::new();
    for (name, proto) in [
        ("http", "tcp"),
        ("www", ""),
        ("domain", "udp"),
        (LATE_SERVICE.0, ""),
        ("nope", "tcp"),
    ] {
        lookups.push(Box::new(move || {
            show(get_serv_by_name(name, proto).map(|s| format!("{s:?}")))
        }));
    }
    for (port, proto) in [(22, "tcp"), (53, ""), (LATE_SERVICE.1, "tcp"), (1, "udp")] {
        lookups.push(Box::new(move || {
            show(get_serv_by_port(Port(port), proto).map(|s| format!("{s:?}")))
        }));
    }
    for (addr, domain, ty) in [
        ("127.0.0.1", Domain::Inet, SockType::Stream),
        ("::1", Domain::Unspec, SockType::Dgram),
        ("localhost", Domain::Unspec, SockType::Stream),
        ("127.0.0.1", Domain::Inet6, SockType::Dgram),
    ] {
        lookups.push(Box::new(move || {
            show(get_addr_info(addr, Port(99), domain, ty, Protocol::Ip).map(|l| format!("{l:?}")))
        }));
    }
    lookups.push(Box::new(|| {
        show(get_host_by_name("localhost").map(|h| format!("{h:?}")))
    }));
    lookups.push(Box::new(move || {
        show(get_host_by_name(&host_name).map(|h| format!("{h:?}")))
    }));
    lookups.push(Box::new(|| {
        show(get_host_by_addr("127.0.0.1").map(|h| format!("{h:?}")))
    }));
    lookups.push(Box::new(|| {
        show(get_proto_by_name("udp").map(|p| p.to_string()))
    }));
    lookups.push(Box::new(|| show(get_hostname())));
    lookups
}

#[test]
#[cfg_attr(miri, ignore = "gethostname(3), which Miri does not emulate")]
fn eight_threads_of_mixed_lookups_get_the_single_threaded_answers() {
    let host_name = get_hostname().unwrap();
    let lookups = std::sync::Arc::new(mixed_lookups(&host_name));
    let expected: Vec<String> = lookups.iter().map(|f| f()).collect();
    assert!(
        expected.iter().filter(|a| a.starts_with("error")).count() == 2,
        "{expected:#?}"
    );
    let expected = std::sync::Arc::new(expected);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (lookups, expected) = (lookups.clone(), expected.clone());
            thread::spawn(move || {
                let n = lookups.len();
                for round in 0..150 {
                    for i in 0..n {
                        // Each thread walks the list in its own order.
                        let k = (i * (2 * t + 1) + round + t) % n;
                        assert_eq!(lookups[k](), expected[k], "thread {t}, lookup {k}");
                    }
                }
                150 * n
            })
        })
        .collect();
    let done: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(done >= 8 * 2000, "{done}");
}
