//! Sixteen threads at once, for a bounded time, mixing every kind of call
//! the crate makes: service, host, protocol and numeric address lookups;
//! socket creation and closing; TCP and UDP traffic on loopback; readiness
//! waits. Every result is checked against the answer the same call gave
//! before the threads started, no call may fail, and (on Linux) no
//! descriptor may be left open afterwards.
//!
//! It runs for two seconds; `NATIVESOCKETS_STRESS_SECONDS` sets another
//! duration (for a long local soak). Every blocking socket has a five
//! second timeout, so a bug shows as an error, not a hang.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use nativesockets::*;
use nativesockets_testutil::descriptors::open_descriptors;

mod common;
use common::loopback_v4;

const THREADS: usize = 16;
const IO_TIMEOUT: Duration = Duration::from_secs(5);

fn duration() -> Duration {
    let secs = std::env::var("NATIVESOCKETS_STRESS_SECONDS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// The answers every thread must get, taken once before they start.
#[derive(Debug)]
struct Reference {
    services: Vec<(String, String, Servent)>,
    localhost: Hostent,
    loopback_host: Hostent,
    hostname: String,
    tcp_number: i32,
}

impl Reference {
    fn take() -> Reference {
        // Whatever the system's file says, as long as it says the same to
        // every thread; the embedded table has all of these.
        let services = [
            ("ssh", "tcp"),
            ("domain", "udp"),
            ("http", ""),
            ("https", "tcp"),
        ]
        .iter()
        .map(|&(name, proto)| {
            let s = get_serv_by_name(name, proto).unwrap();
            (name.to_string(), proto.to_string(), s)
        })
        .collect();
        Reference {
            services,
            localhost: get_host_by_name("localhost").unwrap(),
            loopback_host: get_host_by_addr("127.0.0.1").unwrap(),
            hostname: get_hostname().unwrap(),
            tcp_number: get_proto_by_name("tcp").unwrap(),
        }
    }
}

/// What one thread did: how many times it completed each kind of work.
#[derive(Default, Debug)]
struct Counts {
    lookups: u64,
    sockets: u64,
    tcp: u64,
    udp: u64,
    readiness: u64,
}

fn lookups(r: &Reference, round: u64) {
    for (name, proto, expected) in &r.services {
        assert_eq!(&get_serv_by_name(name, proto).unwrap(), expected);
        let by_port = get_serv_by_port(expected.port, &expected.proto).unwrap();
        assert_eq!(by_port.port, expected.port);
        assert_eq!(by_port.proto, expected.proto);
    }
    let miss = get_serv_by_name("no-such-service-nativesockets", "tcp").unwrap_err();
    assert_eq!(miss.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(get_host_by_name("localhost").unwrap(), r.localhost);
    assert_eq!(get_host_by_addr("127.0.0.1").unwrap(), r.loopback_host);
    assert_eq!(get_hostname().unwrap(), r.hostname);
    assert_eq!(get_proto_by_name("tcp").unwrap(), r.tcp_number);
    // Numeric addresses: the resolver answers without any query.
    let port = Port((round % 60000) as u16 + 1);
    for (text, ip, domain) in [
        ("127.0.0.1", IpAddr::V4(Ipv4Addr::LOCALHOST), Domain::Inet),
        ("::1", IpAddr::V6(Ipv6Addr::LOCALHOST), Domain::Inet6),
    ] {
        let list = get_addr_info(text, port, domain, SockType::Stream, Protocol::Tcp).unwrap();
        let first = list.first();
        assert_eq!(first.domain(), Some(domain));
        assert_eq!(first.sock_type(), Some(SockType::Stream));
        assert_eq!(
            first.addr().as_socket_addr(),
            Some(SocketAddr::new(ip, port.0))
        );
    }
}

fn sockets() {
    for (d, t, p) in [
        (Domain::Inet, SockType::Stream, Protocol::Tcp),
        (Domain::Inet6, SockType::Dgram, Protocol::Udp),
        (Domain::Unix, SockType::Stream, Protocol::Ip),
    ] {
        // Wine 8 and Windows before 10 1803 have no Unix-domain sockets;
        // tests/windows.rs checks them (or their Unsupported error) there.
        if cfg!(windows) && d == Domain::Unix {
            continue;
        }
        let s = new_native_socket(d, t, p).unwrap();
        assert_eq!(get_sock_domain(&s).unwrap(), d);
        assert!(!s.is_inheritable().unwrap());
        let dup = s.try_clone().unwrap();
        close(s).unwrap();
        close(dup).unwrap();
    }
}

fn tcp(id: usize, round: u64) {
    let l = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    bind_addr(&l, &loopback_v4(0)).unwrap();
    listen(&l, 4).unwrap();
    let c = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    c.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    c.connect(&l.local_addr().unwrap()).unwrap();
    let (a, peer) = accept(&l).unwrap();
    a.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    assert_eq!(peer, c.local_addr().unwrap());
    assert_eq!(get_peer_addr(&a).unwrap(), get_local_addr(&c).unwrap());

    let msg = format!("thread {id} round {round}");
    (&c).write_all(msg.as_bytes()).unwrap();
    let mut buf = vec![0u8; msg.len()];
    (&a).read_exact(&mut buf).unwrap();
    assert_eq!(buf, msg.as_bytes());
    (&a).write_all(&buf).unwrap();
    let mut back = vec![0u8; msg.len()];
    (&c).read_exact(&mut back).unwrap();
    assert_eq!(back, msg.as_bytes());
    c.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(a.recv(&mut buf).unwrap(), 0);
}

fn udp(id: usize, round: u64) {
    let a = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let b = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    a.bind_addr(&loopback_v4(0)).unwrap();
    b.bind_addr(&loopback_v4(0)).unwrap();
    b.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let msg = [id as u8, (round % 251) as u8, 0xa5];
    assert_eq!(a.send_to(&msg, &b.local_addr().unwrap()).unwrap(), 3);
    let mut buf = [0u8; 8];
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&msg[..], a.local_addr().unwrap()));
}

fn readiness() {
    let l = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    bind_addr(&l, &loopback_v4(0)).unwrap();
    listen(&l, 4).unwrap();
    let c = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    c.connect_timeout(&l.local_addr().unwrap(), IO_TIMEOUT)
        .unwrap();
    let mut pending = vec![&l];
    assert_eq!(select(&mut pending, 5000).unwrap(), 1);
    let (a, _) = accept(&l).unwrap();

    let mut idle = vec![&a, &c];
    assert_eq!(select_read(&mut idle, 0).unwrap(), 0);
    assert!(idle.is_empty());
    c.send(b"!").unwrap();
    let mut both = vec![&c, &a];
    assert_eq!(select(&mut both, 5000).unwrap(), 1);
    assert_eq!(both[0].as_raw(), a.as_raw());
    let mut writable = vec![&c, &a];
    assert_eq!(select_write(&mut writable, 5000).unwrap(), 2);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "gethostname(2), gethostbyname2_r(3), UDP sockets and poll(2), which Miri does not emulate"
)]
fn sixteen_threads_mixing_every_call_get_the_same_answers_and_leak_nothing() {
    let reference = Arc::new(Reference::take());
    // Warm up what is opened once and kept (the services file's cache):
    // it is not a leak.
    lookups(&reference, 0);
    let before = open_descriptors();

    let run_for = duration();
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|id| {
            let reference = Arc::clone(&reference);
            let barrier = Arc::clone(&barrier);
            thread::Builder::new()
                .name(format!("stress-{id}"))
                .spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let mut counts = Counts::default();
                    let mut round = 0u64;
                    // Each thread starts the cycle at its own place, so all
                    // kinds of work overlap from the first moment.
                    while round < 5 || start.elapsed() < run_for {
                        match (id as u64 + round) % 5 {
                            0 => {
                                lookups(&reference, round);
                                counts.lookups += 1;
                            }
                            1 => {
                                sockets();
                                counts.sockets += 1;
                            }
                            2 => {
                                tcp(id, round);
                                counts.tcp += 1;
                            }
                            3 => {
                                udp(id, round);
                                counts.udp += 1;
                            }
                            _ => {
                                readiness();
                                counts.readiness += 1;
                            }
                        }
                        round += 1;
                    }
                    counts
                })
                .unwrap()
        })
        .collect();

    let mut total = Counts::default();
    for t in threads {
        let name = t.thread().name().unwrap_or("?").to_string();
        let c = t.join().unwrap_or_else(|_| panic!("{name} failed"));
        assert!(
            c.lookups > 0 && c.sockets > 0 && c.tcp > 0 && c.udp > 0 && c.readiness > 0,
            "{name} skipped some kind of work: {c:?}"
        );
        total.lookups += c.lookups;
        total.sockets += c.sockets;
        total.tcp += c.tcp;
        total.udp += c.udp;
        total.readiness += c.readiness;
    }
    println!("{THREADS} threads for {run_for:?}: {total:?}");
    assert_eq!(open_descriptors(), before, "descriptors left open");
}
