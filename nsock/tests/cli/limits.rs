//! Servers that stay up: the broker at its descriptor limit (no spin, no
//! flood of stderr, its clients served, the waiting ones accepted later),
//! under connection churn with resets (no descriptor left behind), and
//! with slow peers (one trickling client costs one connection); each test
//! on both of the broker's engines (`--engine ring`, `--engine poller`).
//!
//! Linux only: the broker's CPU time and descriptors are read from
//! `/proc/PID`. Loopback only; every wait is bounded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use nativesockets::SocketRef;
use nativesockets_testutil::descriptors::{cpu_time_of, open_descriptors_of};
use nativesockets_testutil::limits::lower_fd_limit_in_child;
use nativesockets_testutil::process::qemu_gap;

use super::*;

/// Two tests from one test function: each runs it on one of the
/// broker's engines.
macro_rules! on_engines {
    ($name:ident) => {
        mod $name {
            #[test]
            fn ring() {
                super::$name("ring");
            }
            #[test]
            fn poller() {
                super::$name("poller");
            }
        }
    };
}

/// A broker started for these tests, with every stderr line it writes
/// kept (and counted) as it comes.
struct Broker {
    child: Proc,
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Broker {
    /// `nsock listen --broker 127.0.0.1:PORT [extra]`, with a descriptor
    /// limit when `limit` is given; `port` 0 lets nsock choose and tell.
    fn start(engine: &str, limit: Option<u64>, extra: &[&str]) -> Broker {
        // With -q the broker does not print its address: pick a free port.
        let port = if extra.contains(&"-q") {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        } else {
            0
        };
        let at = format!("127.0.0.1:{port}");
        let mut cmd = nsock();
        cmd.args(["listen", "--broker", &at, "--engine", engine])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(limit) = limit {
            lower_fd_limit_in_child(&mut cmd, limit);
        }
        let mut child = Proc(cmd.spawn().expect("spawn nsock"));
        let err = BufReader::new(child.stderr.take().unwrap());
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, first) = mpsc::channel();
        let kept = Arc::clone(&lines);
        thread::spawn(move || {
            let mut err = err;
            let mut line = String::new();
            let mut tx = Some(tx);
            while err.read_line(&mut line).is_ok_and(|n| n > 0) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(line.clone());
                }
                kept.lock().unwrap().push(std::mem::take(&mut line));
            }
        });
        let addr = if port == 0 {
            let line = first
                .recv_timeout(DEADLINE)
                .expect("the broker's first line");
            line.strip_prefix("broker listening on ")
                .unwrap_or_else(|| panic!("broker printed {line:?}"))
                .trim()
                .parse()
                .unwrap()
        } else {
            let addr: SocketAddr = at.parse().unwrap();
            let start = Instant::now();
            // Listening once a connection is accepted (and then closed).
            while TcpStream::connect(addr).is_err() {
                assert!(start.elapsed() < DEADLINE, "the broker never listened");
                thread::sleep(Duration::from_millis(10));
            }
            addr
        };
        Broker { child, addr, lines }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn count(&self, needle: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Waits (within the deadline) until `cond` holds of the lines so far.
    fn wait_for(&self, what: &str, cond: impl Fn(&[String]) -> bool) {
        let start = Instant::now();
        while !cond(&self.lines.lock().unwrap()) {
            assert!(
                start.elapsed() < DEADLINE,
                "{what}: not within {DEADLINE:?}; stderr: {:?}",
                self.lines()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The broker's open descriptors once they are back to `idle`, or
    /// what they are at the deadline: a broker that had thousands of
    /// clients at once (under qemu, say) may take a while over their
    /// closes, and a count that holds still for a moment is not yet a
    /// leak.
    fn descriptors_back_to(&self, idle: usize) -> usize {
        let start = Instant::now();
        loop {
            let now = open_descriptors_of(self.pid()).expect("/proc/PID/fd");
            if now == idle || start.elapsed() >= DEADLINE {
                return now;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The broker's open descriptors once they have stayed at one count
    /// for 200 ms (closes are handled as the broker gets to them).
    fn settled_descriptors(&self) -> usize {
        let start = Instant::now();
        let mut last = open_descriptors_of(self.pid()).expect("/proc/PID/fd");
        let mut since = Instant::now();
        while since.elapsed() < Duration::from_millis(200) && start.elapsed() < DEADLINE {
            thread::sleep(Duration::from_millis(20));
            let now = open_descriptors_of(self.pid()).expect("/proc/PID/fd");
            if now != last {
                (last, since) = (now, Instant::now());
            }
        }
        last
    }
}

/// The local ports of the clients the broker has announced as accepted.
fn accepted_ports(b: &Broker) -> BTreeSet<u16> {
    b.lines()
        .iter()
        .filter_map(|l| l.strip_prefix("connection from "))
        .filter_map(|a| a.trim().parse::<SocketAddr>().ok())
        .map(|a| a.port())
        .collect()
}

fn client(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(DEADLINE)).unwrap();
    c
}

/// Sends `msg` from `from` and checks every one of `to` receives it.
fn broadcast_reaches(from: &mut TcpStream, to: &mut [&mut TcpStream], msg: &[u8]) {
    from.write_all(msg).unwrap();
    for c in to.iter_mut() {
        let mut got = vec![0u8; msg.len()];
        c.read_exact(&mut got).unwrap();
        assert_eq!(got, msg);
    }
}

on_engines!(
    broker_at_the_descriptor_limit_neither_spins_nor_floods_and_takes_the_waiting_clients_later
);

fn broker_at_the_descriptor_limit_neither_spins_nor_floods_and_takes_the_waiting_clients_later(
    engine: &str,
) {
    if qemu_gap("a descriptor limit as low as 40 (qemu-user needs descriptors of its own)") {
        return;
    }
    const LIMIT: u64 = 40;
    const CLIENTS: usize = 80;
    let b = Broker::start(engine, Some(LIMIT), &[]);
    let mut clients: Vec<Option<TcpStream>> = (0..CLIENTS).map(|_| Some(client(b.addr))).collect();
    b.wait_for("the limit's line", |l| {
        l.iter().any(|l| l.contains("Too many open files"))
    });
    // Let the accepts the broker had in hand finish, then measure.
    thread::sleep(Duration::from_millis(200));
    let cpu0 = cpu_time_of(b.pid()).expect("/proc/PID/stat");
    let t0 = Instant::now();
    thread::sleep(Duration::from_secs(2));
    let cpu = cpu_time_of(b.pid()).unwrap() - cpu0;
    let share = cpu.as_secs_f64() / t0.elapsed().as_secs_f64();
    let lines = b.lines();
    println!(
        "at the limit: {:.1} % of a core over 2 s, {} stderr lines, {} of {CLIENTS} clients accepted",
        share * 100.0,
        lines.len(),
        accepted_ports(&b).len()
    );
    assert!(
        share < 0.05,
        "the broker used {:.1} % of a core",
        share * 100.0
    );
    assert!(lines.len() < 100, "{} stderr lines: {lines:?}", lines.len());
    assert_eq!(b.count("Too many open files"), 1, "{lines:?}");

    // The clients it has are served: one's message reaches every other.
    let ports: Vec<u16> = clients
        .iter()
        .map(|c| c.as_ref().unwrap().local_addr().unwrap().port())
        .collect();
    let accepted = accepted_ports(&b);
    let (inside, waiting): (Vec<usize>, Vec<usize>) =
        (0..CLIENTS).partition(|&i| accepted.contains(&ports[i]));
    assert!(inside.len() >= 10, "only {} accepted", inside.len());
    assert!(
        !waiting.is_empty(),
        "every client was accepted under the limit"
    );
    let (first, rest) = inside.split_first().unwrap();
    let mut sender = clients[*first].take().unwrap();
    let mut others: Vec<TcpStream> = rest.iter().map(|&i| clients[i].take().unwrap()).collect();
    broadcast_reaches(
        &mut sender,
        &mut others.iter_mut().collect::<Vec<_>>(),
        b"all here\n",
    );

    // Clients leave, a batch at a time: the waiting ones are accepted
    // (the queue is emptied) and served.
    // Five of the first stay throughout; the rest make room.
    const STAY: usize = 5;
    let mut waiting: Vec<TcpStream> = waiting
        .iter()
        .map(|&i| clients[i].take().unwrap())
        .collect();
    let mut present = others;
    while !waiting.is_empty() {
        let room = present.len().saturating_sub(STAY).min(waiting.len());
        assert!(room > 0, "{} present", present.len());
        let before = b.count("connection from");
        present.drain(STAY..STAY + room);
        b.wait_for("the waiting clients accepted", |l| {
            l.iter().filter(|l| l.contains("connection from")).count() >= before + room
        });
        present.extend(waiting.drain(..room));
    }
    b.wait_for("the episode's end", |l| {
        l.iter().any(|l| l.contains("accepting again"))
    });
    let mut everyone: Vec<&mut TcpStream> = present.iter_mut().collect();
    broadcast_reaches(&mut sender, &mut everyone, b"late ones too\n");
    let end = b
        .lines()
        .into_iter()
        .find(|l| l.contains("accepting again"))
        .unwrap();
    println!("{}", end.trim());
    assert!(end.contains("Too many open files") && end.contains("failed accepts over"));
    let errors = b
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("nsock: "))
        .collect::<Vec<_>>();
    assert!(errors.len() <= 3, "{errors:?}");
}

/// How long the churn test goes on: 20,000 connections (or
/// `NSOCK_CHURN_CONNECTIONS`), or, with `NSOCK_CHURN_SECONDS` (the soak
/// script's run), that many seconds whatever the count.
fn churn_bounds() -> (usize, Option<Duration>) {
    let var = |name| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    match var("NSOCK_CHURN_SECONDS") {
        Some(s) => (usize::MAX, Some(Duration::from_secs(s))),
        None => (
            var("NSOCK_CHURN_CONNECTIONS").map_or(20_000, |n| n as usize),
            None,
        ),
    }
}

/// A process's resident memory in KiB (`VmRSS` of `/proc/PID/status`).
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

on_engines!(
    broker_churned_by_thousands_of_connections_and_resets_keeps_no_descriptor_and_serves_on
);

fn broker_churned_by_thousands_of_connections_and_resets_keeps_no_descriptor_and_serves_on(
    engine: &str,
) {
    const THREADS: usize = 50;
    let (limit, seconds) = churn_bounds();
    let b = Broker::start(engine, None, &["-q"]);
    let idle = b.settled_descriptors();
    let rss0 = resident_kib(b.pid()).unwrap();
    let cpu0 = cpu_time_of(b.pid()).unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (next, done) = (Arc::clone(&next), Arc::clone(&done));
            let addr = b.addr;
            thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= limit || seconds.is_some_and(|s| start.elapsed() >= s) {
                    return;
                }
                let mut c = match TcpStream::connect(addr) {
                    Ok(c) => c,
                    // Out of local ports for a moment: that connection
                    // is not the broker's to count.
                    Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => continue,
                    Err(e) => panic!("connection {i}: {e}"),
                };
                done.fetch_add(1, Ordering::Relaxed);
                match i % 4 {
                    // Orderly, after a whole message.
                    0 => {
                        let _ = c.write_all(b"hello everyone\n");
                    }
                    // Reset, mid-message.
                    1 => {
                        let _ = c.write_all(b"half a mess");
                        SocketRef::from(&c)
                            .set_linger(Some(Duration::ZERO))
                            .unwrap();
                    }
                    // Orderly, silent.
                    2 => {}
                    // Reset at once.
                    _ => SocketRef::from(&c)
                        .set_linger(Some(Duration::ZERO))
                        .unwrap(),
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let elapsed = start.elapsed();
    let total = done.load(Ordering::Relaxed);
    let after = b.descriptors_back_to(idle);
    let cpu = cpu_time_of(b.pid()).unwrap() - cpu0;
    let rss = resident_kib(b.pid()).unwrap();
    let lines = b.lines();
    println!(
        "churn: {total} connections (half reset) in {:.2} s, {:.0} a second; broker CPU {:.2} s; \
         descriptors {idle} idle, {after} after; resident {rss0} KiB idle, {rss} KiB after; \
         {} stderr lines",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64(),
        lines.len()
    );
    assert_eq!(after, idle, "descriptors left behind");
    assert!(lines.len() < 100, "{} stderr lines: {lines:?}", lines.len());
    // And a fresh pair of clients is served.
    let mut a = client(b.addr);
    let mut c = client(b.addr);
    let start = Instant::now();
    while open_descriptors_of(b.pid()).unwrap() < idle + 2 {
        assert!(
            start.elapsed() < DEADLINE,
            "the fresh clients were not accepted"
        );
        thread::sleep(Duration::from_millis(5));
    }
    broadcast_reaches(&mut a, &mut [&mut c], b"still here\n");
}

on_engines!(
    broker_gives_a_client_trickling_a_byte_at_a_time_one_connection_and_the_others_full_speed
);

fn broker_gives_a_client_trickling_a_byte_at_a_time_one_connection_and_the_others_full_speed(
    engine: &str,
) {
    const TOTAL: usize = 16 << 20;
    const CHUNK: usize = 64 << 10;
    let b = Broker::start(engine, None, &["-q"]);
    let idle = b.settled_descriptors();
    let mut sender = client(b.addr);
    let receiver = client(b.addr);
    let trickler = client(b.addr);
    while open_descriptors_of(b.pid()).unwrap() < idle + 3 {
        thread::sleep(Duration::from_millis(5));
    }
    // The trickler reads what it is sent (it is slow to send, not to
    // read) and sends one byte, 0xff, every 100 ms until told to stop.
    let stop = Arc::new(AtomicUsize::new(0));
    let trickle = {
        let stop = Arc::clone(&stop);
        let mut t = trickler.try_clone().unwrap();
        thread::spawn(move || {
            let mut sent = 0usize;
            while stop.load(Ordering::Relaxed) == 0 {
                t.write_all(&[0xff]).unwrap();
                sent += 1;
                thread::sleep(Duration::from_millis(100));
            }
            sent
        })
    };
    // The sender keeps at most 256 KiB ahead of both readers, so that
    // neither's queue at the broker nears its 1 MiB limit.
    let trickler_got = Arc::new(AtomicUsize::new(0));
    let receiver_got = Arc::new(AtomicUsize::new(0));
    let drain = {
        let got = Arc::clone(&trickler_got);
        thread::spawn(move || {
            let mut t = trickler;
            let mut buf = vec![0u8; CHUNK];
            let mut n = 0usize;
            while n < TOTAL {
                n += t.read(&mut buf).unwrap();
                got.store(n, Ordering::Relaxed);
            }
            t
        })
    };
    // A second of trickle first: the broker must not wait on it.
    thread::sleep(Duration::from_secs(1));
    let got = Arc::clone(&receiver_got);
    let read = thread::spawn(move || {
        let mut r = receiver;
        let mut buf = vec![0u8; CHUNK];
        let (mut data, mut trickled) = (0usize, 0usize);
        while data < TOTAL {
            let n = r.read(&mut buf).unwrap();
            assert!(n > 0, "the broker closed the receiver");
            let ff = buf[..n].iter().filter(|&&x| x == 0xff).count();
            trickled += ff;
            data += n - ff;
            got.store(data, Ordering::Relaxed);
        }
        (r, trickled)
    });
    let start = Instant::now();
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
    for k in 1..=TOTAL / CHUNK {
        sender.write_all(&chunk).unwrap();
        let ahead = |got: &AtomicUsize| k * CHUNK > got.load(Ordering::Relaxed) + (256 << 10);
        while ahead(&receiver_got) || ahead(&trickler_got) {
            assert!(start.elapsed() < DEADLINE, "the readers stalled");
            thread::sleep(Duration::from_micros(200));
        }
    }
    let (mut receiver, trickled_during) = read.join().unwrap();
    let elapsed = start.elapsed();
    stop.store(1, Ordering::Relaxed);
    let sent = trickle.join().unwrap();
    let _trickler = drain.join().unwrap();
    println!(
        "16 MiB through the broker in {:.2} s ({:.0} MiB/s) while another client sent a byte every \
         100 ms ({sent} in all)",
        elapsed.as_secs_f64(),
        16.0 / elapsed.as_secs_f64()
    );
    assert!(
        elapsed < Duration::from_secs(30),
        "16 MiB took {elapsed:?}: the trickle held the broker up"
    );
    // Every trickled byte reaches the receiver, in time, one by one.
    let mut rest = vec![0u8; sent - trickled_during];
    receiver.read_exact(&mut rest).unwrap();
    assert!(rest.iter().all(|&x| x == 0xff));
    assert_eq!(open_descriptors_of(b.pid()).unwrap(), idle + 3, "one each");
    assert!(b.lines().is_empty(), "{:?}", b.lines());
}
