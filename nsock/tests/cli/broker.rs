//! `nsock listen --broker`: each client's bytes to every other client,
//! and a client that never reads dropped without stalling the rest; each
//! test on both engines (`--engine ring`, `--engine poller`), the first
//! also on the ring's Poller emulation (`NATIVESOCKETS_RING=poller`).

use super::*;

/// A running broker: the child, its address, and its stderr lines as they
/// come (the `connection from` lines tell when clients are accepted).
struct Broker {
    _child: Proc,
    addr: String,
    lines: mpsc::Receiver<String>,
}

/// Which engine a test runs the broker on.
#[derive(Clone, Copy)]
enum Engine {
    Ring,
    Poller,
    /// `--engine ring` with `NATIVESOCKETS_RING=poller`: the ring's own
    /// emulation on a Poller.
    RingEmulated,
}

/// Two tests (three with `emulated`) from one test function: each runs
/// it on one engine.
macro_rules! on_engines {
    ($name:ident $(, $emulated:ident)?) => {
        mod $name {
            #[test]
            fn ring() {
                super::$name(super::Engine::Ring);
            }
            #[test]
            fn poller() {
                super::$name(super::Engine::Poller);
            }
            $(
                #[test]
                fn $emulated() {
                    super::$name(super::Engine::RingEmulated);
                }
            )?
        }
    };
}

fn broker(engine: Engine) -> Broker {
    let mut cmd = nsock();
    let name = match engine {
        Engine::Ring => "ring",
        Engine::Poller => "poller",
        Engine::RingEmulated => {
            cmd.env("NATIVESOCKETS_RING", "poller");
            "ring"
        }
    };
    cmd.args(["listen", "--broker", "127.0.0.1:0", "--engine", name])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Proc(cmd.spawn().expect("spawn nsock"));
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        while err.read_line(&mut line).is_ok_and(|n| n > 0) {
            if tx.send(std::mem::take(&mut line)).is_err() {
                break;
            }
        }
    });
    let first = lines
        .recv_timeout(DEADLINE)
        .expect("the broker's first line");
    let addr = first
        .strip_prefix("broker listening on ")
        .unwrap_or_else(|| panic!("broker printed {first:?}"))
        .trim()
        .to_string();
    Broker {
        _child: child,
        addr,
        lines,
    }
}

impl Broker {
    /// Waits (within the deadline) until `n` more stderr lines containing
    /// `needle` have come; returns every line seen meanwhile.
    fn expect(&self, needle: &str, n: usize) -> Vec<String> {
        let end = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        let mut found = 0;
        while found < n {
            let left = end.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("{found} of {n} {needle:?} lines; saw {seen:?}"));
            found += usize::from(line.contains(needle));
            seen.push(line);
        }
        seen
    }
}

on_engines!(
    broker_sends_each_clients_bytes_to_every_other_client_and_nothing_else,
    ring_emulated
);

fn broker_sends_each_clients_bytes_to_every_other_client_and_nothing_else(engine: Engine) {
    const CLIENTS: usize = 200;
    let b = broker(engine);
    let mut clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| TcpStream::connect(&b.addr).unwrap())
        .collect();
    b.expect("connection from", CLIENTS);
    // Every message is 6 bytes, sent in one write: `m0007\n`.
    for (i, c) in clients.iter_mut().enumerate() {
        c.write_all(format!("m{i:04}\n").as_bytes()).unwrap();
    }
    let everyone: BTreeSet<String> = (0..CLIENTS).map(|i| format!("m{i:04}\n")).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut got = vec![0u8; 6 * (CLIENTS - 1)];
        c.read_exact(&mut got).unwrap();
        let got: BTreeSet<String> = got
            .chunks(6)
            .map(|m| String::from_utf8(m.to_vec()).unwrap())
            .collect();
        let mut want = everyone.clone();
        want.remove(&format!("m{i:04}\n"));
        assert_eq!(got, want, "client {i}");
    }
    // Nothing more: not its own message, nothing twice.
    for (i, c) in clients.iter_mut().enumerate().step_by(20) {
        c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut more = [0u8; 16];
        match c.read(&mut more) {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            other => panic!("client {i} got more: {other:?}"),
        }
    }
    drop(clients);
    b.expect("disconnected", CLIENTS);
}

on_engines!(broker_drops_a_client_that_never_reads_without_stalling_the_rest);

fn broker_drops_a_client_that_never_reads_without_stalling_the_rest(engine: Engine) {
    let b = broker(engine);
    let mut sender = TcpStream::connect(&b.addr).unwrap();
    let reader = TcpStream::connect(&b.addr).unwrap();
    let stuck = TcpStream::connect(&b.addr).unwrap();
    b.expect("connection from", 3);
    let stuck_addr = stuck.local_addr().unwrap().to_string();
    // Far more than the stuck client's socket buffers and its 1 MiB queue.
    const TOTAL: usize = 48 << 20;
    const CHUNK: usize = 64 << 10;
    // The reader reports its progress; the sender keeps at most 256 KiB
    // ahead of it, so the reader's own queue at the broker stays small.
    let (progress_tx, progress) = mpsc::channel::<usize>();
    let read = thread::spawn(move || {
        let mut reader = reader;
        reader.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut buf = vec![0u8; CHUNK];
        let (mut total, mut sum) = (0usize, 0u64);
        while total < TOTAL {
            let n = reader.read(&mut buf).unwrap();
            assert!(n > 0, "the broker closed the reader after {total} bytes");
            sum += buf[..n].iter().map(|&x| u64::from(x)).sum::<u64>();
            total += n;
            let _ = progress_tx.send(total);
        }
        sum
    });
    let mut sent_sum = 0u64;
    let mut read_so_far = 0usize;
    for k in 0..TOTAL / CHUNK {
        let chunk: Vec<u8> = (0..CHUNK).map(|j| ((k * 7 + j) % 251) as u8).collect();
        sent_sum += chunk.iter().map(|&x| u64::from(x)).sum::<u64>();
        sender.write_all(&chunk).unwrap();
        while (k + 1) * CHUNK > read_so_far + (256 << 10) {
            read_so_far = progress
                .recv_timeout(DEADLINE)
                .expect("the reader stalled: the stuck client held up the broker");
        }
    }
    assert_eq!(read.join().unwrap(), sent_sum, "the reader got other bytes");
    let lines = b.expect("dropping client", 1);
    let dropped = lines
        .iter()
        .find(|l| l.contains("dropping client"))
        .unwrap();
    assert!(dropped.contains(&stuck_addr), "{dropped}");
    assert!(dropped.contains("stopped reading"), "{dropped}");
    drop(stuck);
}
