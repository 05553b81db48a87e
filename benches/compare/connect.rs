//! `connect_host` against connecting by hand: a numeric loopback address
//! (what the convenience costs over `get_addr_info` + `connect`), and, in
//! the namespace `scripts/bench-connect` makes, the time to connect to a
//! name whose first address (IPv6) drops connection attempts, against
//! Python's `socket.create_connection` and asyncio's Happy Eyeballs.
//!
//! Every connection is accepted, and the accepted side closes first with
//! `SO_LINGER` 0 (a reset), so that neither side leaves a `TIME_WAIT`
//! entry: tens of thousands of connections a second would otherwise use up
//! the ephemeral ports.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use nativesockets::{
    self as ns, connect_host, ConnectOptions, Domain, Port, Protocol, SockAddr, SockType,
    SocketHandle,
};

use crate::harness::{side, Bench, Row, Target};

/// Where `scripts/bench-connect` tells the fallback case its host and port
/// (`name:port`): a name whose IPv6 address drops SYNs to that port.
const FALLBACK_ENV: &str = "NATIVESOCKETS_BENCH_CONNECT";

pub fn run(b: &mut Bench) {
    loopback(b);
    first_address_drops(b);
}

fn listener_v4() -> (SocketHandle, Port) {
    let l = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).expect("socket");
    l.bind_addr(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))
        .expect("bind");
    l.listen(ns::SOMAXCONN).expect("listen");
    let port = l.sock_name().expect("sock_name");
    (l, port)
}

/// Accepts the connection `client` made and closes both ends, the accepted
/// one first with a reset.
fn finish(listener: &SocketHandle, client: SocketHandle) {
    let (peer, _) = listener.accept().expect("accept");
    peer.set_linger(Some(Duration::ZERO)).expect("SO_LINGER");
    drop(peer);
    drop(client);
}

/// By hand: `get_addr_info`, a socket of the first entry's family,
/// `connect` (or `connect_timeout`).
fn by_hand(host: &str, port: Port, timeout: Option<Duration>) -> SocketHandle {
    let list = ns::get_addr_info(host, port, Domain::Unspec, SockType::Stream, Protocol::Tcp)
        .expect("get_addr_info");
    let first = list.first();
    let s = SocketHandle::new(
        first.domain().expect("domain"),
        SockType::Stream,
        Protocol::Tcp,
    )
    .expect("socket");
    match timeout {
        None => s.connect(&first.addr()).expect("connect"),
        Some(t) => s
            .connect_timeout(&first.addr(), t)
            .expect("connect_timeout"),
    }
    s
}

fn loopback(b: &mut Bench) {
    let (l, port) = listener_v4();
    let l = &l;

    let case = "connect_host 127.0.0.1 (+ accept, close)";
    if b.wants(case) {
        let options = ConnectOptions::new();
        b.compare(
            case,
            side("connect_host", Target::Info, |n| {
                for _ in 0..n {
                    finish(
                        l,
                        connect_host("127.0.0.1", port, &options).expect("connect_host"),
                    );
                }
            }),
            vec![
                side(
                    "get_addr_info + socket + connect",
                    Target::AtMost(1.05),
                    |n| {
                        for _ in 0..n {
                            finish(l, by_hand("127.0.0.1", port, None));
                        }
                    },
                ),
                side("std TcpStream::connect", Target::Info, |n| {
                    for _ in 0..n {
                        let s = std::net::TcpStream::connect(("127.0.0.1", port.0))
                            .expect("TcpStream::connect");
                        finish(l, SocketHandle::from(s));
                    }
                }),
            ],
        );
    }

    let case = "connect_host 127.0.0.1, timeout 5 s (+ accept, close)";
    if b.wants(case) {
        let options = ConnectOptions::new().timeout(Duration::from_secs(5));
        b.compare(
            case,
            side("connect_host", Target::Info, |n| {
                for _ in 0..n {
                    finish(
                        l,
                        connect_host("127.0.0.1", port, &options).expect("connect_host"),
                    );
                }
            }),
            vec![side(
                "get_addr_info + socket + connect_timeout",
                Target::AtMost(1.05),
                |n| {
                    for _ in 0..n {
                        finish(l, by_hand("127.0.0.1", port, Some(Duration::from_secs(5))));
                    }
                },
            )],
        );
    }

    // A name, looked up on the calling thread.
    let case = "connect_host localhost (+ accept, close)";
    if b.wants(case) {
        let plain = ConnectOptions::new();
        let one_address = ns::get_addr_info(
            "localhost",
            port,
            Domain::Unspec,
            SockType::Stream,
            Protocol::Tcp,
        )
        .is_ok_and(|list| list.len() == 1);
        if !one_address {
            b.skip(
                case,
                "localhost has more than one address here: the race and the first address by hand differ",
            );
            return;
        }
        b.compare(
            case,
            side("connect_host", Target::Info, |n| {
                for _ in 0..n {
                    finish(
                        l,
                        connect_host("localhost", port, &plain).expect("connect_host"),
                    );
                }
            }),
            vec![side(
                "get_addr_info + socket + connect",
                Target::AtMost(1.05),
                |n| {
                    for _ in 0..n {
                        finish(l, by_hand("localhost", port, None));
                    }
                },
            )],
        );
    }

    // Under a deadline the lookup runs on a helper thread: its cost, shown
    // in a case of its own so that the threads' start and exit do not
    // disturb the one above.
    let case = "connect_host localhost, timeout 5 s (+ accept, close)";
    if b.wants(case) {
        let timed = ConnectOptions::new().timeout(Duration::from_secs(5));
        b.compare(
            case,
            side("connect_host (lookup thread)", Target::Info, |n| {
                for _ in 0..n {
                    finish(
                        l,
                        connect_host("localhost", port, &timed).expect("connect_host"),
                    );
                }
            }),
            vec![side(
                "get_addr_info + socket + connect_timeout",
                Target::Info,
                |n| {
                    for _ in 0..n {
                        finish(l, by_hand("localhost", port, Some(Duration::from_secs(5))));
                    }
                },
            )],
        );
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Python's times to connect, in seconds, one a line, from a script given
/// the host, port and round count.
fn python_times(script: &str, host: &str, port: Port, rounds: usize) -> Result<Vec<f64>, String> {
    let out = Command::new("python3")
        .args(["-c", script, host, &port.0.to_string(), &rounds.to_string()])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect())
}

const PY_CREATE_CONNECTION: &str = r#"
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for _ in range(n):
    t = time.monotonic()
    s = socket.create_connection((host, port), timeout=1)
    print(time.monotonic() - t)
    s.close()
"#;

const PY_ASYNCIO: &str = r#"
import asyncio, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def main():
    for _ in range(n):
        t = time.monotonic()
        r, w = await asyncio.open_connection(host, port, happy_eyeballs_delay=0.25)
        print(time.monotonic() - t)
        w.close()
asyncio.run(main())
"#;

/// Rounds of single connections that each last a fallback delay: too long
/// for the harness's batches, so the rows are made here, from the medians
/// of each side's times.
fn first_address_drops(b: &mut Bench) {
    let case = "connect_host, first address (IPv6) drops SYNs, default fallback delay";
    if !b.wants(case) {
        return;
    }
    let Some((host, port)) = std::env::var(FALLBACK_ENV).ok().and_then(|v| {
        let (h, p) = v.rsplit_once(':')?;
        Some((h.to_string(), Port(p.parse().ok()?)))
    }) else {
        b.skip(
            case,
            "needs the namespace scripts/bench-connect makes (as root): run that script",
        );
        return;
    };
    let v6 = SocketHandle::new(Domain::Inet6, SockType::Stream, Protocol::Tcp).expect("socket");
    v6.bind_addr(&SockAddr::from(SocketAddr::from((
        std::net::Ipv6Addr::LOCALHOST,
        port.0,
    ))))
    .expect("bind [::1]");
    v6.listen(16).expect("listen");
    let v4 = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).expect("socket");
    v4.bind_addr(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], port.0))))
        .expect("bind 127.0.0.1");
    v4.listen(ns::SOMAXCONN).expect("listen");

    let rounds = if b.cfg.quick { 5 } else { 21 };
    let options = ConnectOptions::new().timeout(Duration::from_secs(5));
    let mut ours: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            let s = connect_host(&host, port, &options).expect("connect_host");
            let took = t.elapsed();
            finish(&v4, s);
            took.as_nanos() as f64
        })
        .collect();
    let ours_ns = median(&mut ours);
    let alternatives = [
        (
            "python asyncio.open_connection(happy_eyeballs_delay=0.25)",
            PY_ASYNCIO,
        ),
        (
            "python socket.create_connection(timeout=1)",
            PY_CREATE_CONNECTION,
        ),
    ];
    for (name, script) in alternatives {
        match python_times(script, &host, port, rounds) {
            Ok(mut times) if !times.is_empty() => {
                // Python accepts nothing: the listener's queue takes them.
                while let Ok((s, _)) = {
                    v4.set_blocking(false).expect("set_blocking");
                    v4.accept()
                } {
                    drop(s);
                }
                v4.set_blocking(true).expect("set_blocking");
                let alt_ns = median(&mut times) * 1e9;
                let ratio = ours_ns / alt_ns;
                eprintln!(
                    "  {}  {case} | ours {:.1} ms vs {name} {:.1} ms",
                    if ours_ns <= 3e8 { "pass" } else { "MISS" },
                    ours_ns / 1e6,
                    alt_ns / 1e6
                );
                b.rows.push(Row {
                    case: case.to_string(),
                    ours: "connect_host".into(),
                    ours_ns,
                    alternative: name.into(),
                    alt_ns,
                    ratio,
                    ratio_q1: ratio,
                    ratio_q3: ratio,
                    target: Target::OursAtMostNs(3e8),
                    rounds,
                    ours_batch: 1,
                    alt_batch: 1,
                });
            }
            Ok(_) => b.note(format!("{case}: {name} printed no times")),
            Err(e) => b.note(format!("{case}: {name} not measured: {}", e.trim())),
        }
    }
}
