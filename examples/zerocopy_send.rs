//! Bulk TCP send three ways, to see what zero copy costs and saves: plain
//! sends on a [`Ring`], [`Ring::send_zc`] (io_uring's `SEND_ZC`), and
//! `MSG_ZEROCOPY` sends whose completions come back on the socket's error
//! queue ([`SocketHandle::recv_error_queue`]). Linux only.
//!
//! Two roles, usually in two network namespaces joined by a veth pair
//! (`scripts/bench-zerocopy` sets that up, as root, and prints a table):
//!
//! ```text
//! # the receiver: accepts N connections, one after the other, and drains each
//! cargo run --release --example zerocopy_send -- recv 10.77.0.2:7300 --connections 3
//! # the sender: 4 GiB in 256 KiB buffers, 8 in flight
//! cargo run --release --example zerocopy_send -- send 10.77.0.2:7300 \
//!     --mode zc --bytes 4294967296 --buf 262144 --inflight 8
//! ```
//!
//! `--mode` is `send` (`Ring::send`), `zc` (`Ring::send_zc`) or
//! `msg_zerocopy` (a blocking socket with `SO_ZEROCOPY`, one
//! `sendmsg(MSG_ZEROCOPY)` a buffer, a buffer reused only once the error
//! queue says the kernel is done with it). Each role prints one line of
//! `key=value` fields: bytes, wall time, throughput, and the process's CPU
//! time (`getrusage(RUSAGE_SELF)`, user and system, so io_uring's worker
//! threads count too); the sender adds its send calls, its zero-copy
//! completions and how many of those say the kernel copied after all.
//!
//! The receiver only counts bytes, so several sends may be in flight on
//! the one connection and a short send is simply followed by the next
//! full buffer; a protocol that cares about order would keep one send in
//! flight per socket, or send the rest of a short one before the next.
//! On loopback the kernel always copies (the completions say so); across
//! a veth pair the receiving socket is on the same host too, so expect
//! the same there (see BENCHMARKS.md, "Zero copy across a veth pair").

#[cfg(target_os = "linux")]
fn main() {
    if let Err(e) = linux::main() {
        eprintln!("zerocopy_send: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!(
        "zerocopy_send: Linux only (io_uring's SEND_ZC and MSG_ZEROCOPY); nothing to do on {}",
        std::env::consts::OS
    );
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{self, IoSlice};
    use std::net::{Shutdown, SocketAddr};
    use std::os::fd::AsRawFd;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use nativesockets::{
        Completions, Domain, ErrorQueueEntry, OpKind, Protocol, Ring, SockAddr, SockType,
        SocketHandle, ERROR_QUEUE_CONTROL_SPACE,
    };

    const USAGE: &str = "usage: zerocopy_send recv ADDR [--connections N]\n       \
        zerocopy_send send ADDR --mode send|zc|msg_zerocopy [--bytes N] [--buf N] [--inflight N]";

    fn bad(what: &str, detail: impl std::fmt::Display) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what}: {detail}\n{USAGE}"),
        )
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mode {
        Send,
        Zc,
        MsgZerocopy,
    }

    struct Args {
        role: String,
        addr: SocketAddr,
        mode: Mode,
        bytes: u64,
        buf: usize,
        inflight: usize,
        connections: u32,
    }

    fn number(flag: &str, value: Option<String>) -> io::Result<u64> {
        let value = value.ok_or_else(|| bad(flag, "needs a value"))?;
        value
            .parse()
            .map_err(|e| bad(flag, format!("{value:?}: {e}")))
    }

    fn parse() -> io::Result<Args> {
        let mut it = std::env::args().skip(1);
        let role = it.next().ok_or_else(|| bad("role", "missing"))?;
        if role != "send" && role != "recv" {
            return Err(bad("role", format!("{role:?} is neither send nor recv")));
        }
        let addr = it.next().ok_or_else(|| bad("address", "missing"))?;
        let addr = addr
            .parse()
            .map_err(|e| bad("address", format!("{addr:?}: {e}")))?;
        let mut args = Args {
            role,
            addr,
            mode: Mode::Send,
            bytes: 4 << 30,
            buf: 256 << 10,
            inflight: 8,
            connections: 1,
        };
        while let Some(flag) = it.next() {
            match flag.as_str() {
                "--mode" => {
                    args.mode = match it.next().as_deref() {
                        Some("send") => Mode::Send,
                        Some("zc") => Mode::Zc,
                        Some("msg_zerocopy") => Mode::MsgZerocopy,
                        other => {
                            let other = other.unwrap_or("nothing");
                            return Err(bad(
                                "--mode",
                                format!("{other:?}: not send, zc or msg_zerocopy"),
                            ));
                        }
                    }
                }
                "--bytes" => args.bytes = number(&flag, it.next())?,
                "--buf" => args.buf = number(&flag, it.next())? as usize,
                "--inflight" => args.inflight = number(&flag, it.next())? as usize,
                "--connections" => args.connections = number(&flag, it.next())? as u32,
                _ => return Err(bad("flag", format!("{flag:?} unknown"))),
            }
        }
        if args.buf == 0 || args.inflight == 0 || args.bytes == 0 {
            return Err(bad("--bytes, --buf, --inflight", "must not be 0"));
        }
        Ok(args)
    }

    pub fn main() -> io::Result<()> {
        let args = parse()?;
        if args.role == "recv" {
            receive(&args)
        } else {
            send(&args)
        }
    }

    /// The process's CPU time so far, user and system, in seconds.
    fn cpu() -> io::Result<(f64, f64)> {
        // SAFETY: rusage is plain data; all zeros is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is a valid, writable rusage for the call.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        Ok((secs(usage.ru_utime), secs(usage.ru_stime)))
    }

    fn domain(addr: &SocketAddr) -> Domain {
        if addr.is_ipv4() {
            Domain::Inet
        } else {
            Domain::Inet6
        }
    }

    fn report(
        role: &str,
        extra: &str,
        bytes: u64,
        wall: Duration,
        start: (f64, f64),
    ) -> io::Result<()> {
        let end = cpu()?;
        let (user, sys) = (end.0 - start.0, end.1 - start.1);
        let gib = bytes as f64 / f64::from(1u32 << 30);
        let wall = wall.as_secs_f64();
        println!(
            "role={role} {extra}bytes={bytes} wall_s={wall:.3} gbit_s={:.2} user_s={user:.3} sys_s={sys:.3} cpu_s_per_gib={:.3}",
            bytes as f64 * 8.0 / wall / 1e9,
            (user + sys) / gib,
        );
        Ok(())
    }

    fn receive(args: &Args) -> io::Result<()> {
        let listener = SocketHandle::new(domain(&args.addr), SockType::Stream, Protocol::Tcp)?;
        listener.set_reuse_address(true)?;
        listener.bind_addr(&SockAddr::from(args.addr))?;
        listener.listen(4)?;
        eprintln!("zerocopy_send: receiving on {}", listener.local_addr()?);
        let mut buf = vec![0u8; 4 << 20];
        for _ in 0..args.connections {
            let (conn, _) = listener.accept()?;
            let (t0, c0) = (Instant::now(), cpu()?);
            let mut total = 0u64;
            loop {
                match conn.recv(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => total += n as u64,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            // The sender waits for this end of stream: its wall time then
            // covers the delivery of its last byte.
            conn.shutdown(Shutdown::Write)?;
            report("recv", "", total, t0.elapsed(), c0)?;
        }
        Ok(())
    }

    /// Connects, retrying for a few seconds while the receiver starts.
    fn connect(addr: SocketAddr) -> io::Result<SocketHandle> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = SocketHandle::new(domain(&addr), SockType::Stream, Protocol::Tcp)?;
            match s.connect(&SockAddr::from(addr)) {
                Ok(()) => return Ok(s),
                Err(e) if Instant::now() < deadline => {
                    if e.kind() != io::ErrorKind::ConnectionRefused {
                        eprintln!("zerocopy_send: connect {addr}: {e}; again");
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// What a sender counts besides bytes.
    #[derive(Default)]
    struct Counts {
        calls: u64,
        completions: u64,
        copied: u64,
    }

    fn send(args: &Args) -> io::Result<()> {
        let socket = Arc::new(connect(args.addr)?);
        let (t0, c0) = (Instant::now(), cpu()?);
        let (sent, counts) = match args.mode {
            Mode::Send | Mode::Zc => send_ring(args, &socket)?,
            Mode::MsgZerocopy => send_msg_zerocopy(args, &socket)?,
        };
        socket.shutdown(Shutdown::Write)?;
        socket.set_blocking(true)?;
        let mut sink = [0u8; 64];
        while socket.recv(&mut sink)? != 0 {}
        let wall = t0.elapsed();
        let mode = match args.mode {
            Mode::Send => "send",
            Mode::Zc => "zc",
            Mode::MsgZerocopy => "msg_zerocopy",
        };
        let extra = format!(
            "mode={mode} buf={} inflight={} calls={} zc_completions={} zc_copied={} ",
            args.buf, args.inflight, counts.calls, counts.completions, counts.copied
        );
        report("send", &extra, sent, wall, c0)
    }

    /// `Ring::send` or `Ring::send_zc`, `inflight` buffers at a time; a
    /// buffer goes out again as soon as its completion gives it back.
    fn send_ring(args: &Args, socket: &Arc<SocketHandle>) -> io::Result<(u64, Counts)> {
        socket.set_blocking(false)?;
        let mut ring = Ring::new()?;
        eprintln!("zerocopy_send: Ring on {:?}", ring.backend());
        let zc = args.mode == Mode::Zc;
        let mut counts = Counts::default();
        let (mut submitted, mut sent) = (0u64, 0u64);
        let mut in_flight = 0usize;
        // The last buffers are cut to what is left, so that exactly
        // `bytes` go out.
        let submit = |ring: &mut Ring, mut buf: Vec<u8>, key: u64, submitted: &mut u64| {
            let len = (args.bytes - *submitted).min(args.buf as u64) as usize;
            buf.resize(len, 0x5a);
            *submitted += len as u64;
            if zc {
                ring.send_zc(socket, buf, key)
            } else {
                ring.send(socket, buf, key)
            }
        };
        for key in 0..args.inflight as u64 {
            if submitted >= args.bytes {
                break;
            }
            submit(&mut ring, vec![0x5a; args.buf], key, &mut submitted)?;
            counts.calls += 1;
            in_flight += 1;
        }
        let mut done = Completions::with_capacity(args.inflight);
        while in_flight > 0 {
            ring.wait(&mut done, None)?;
            for mut c in done.drain() {
                debug_assert!(matches!(c.kind(), OpKind::Send | OpKind::SendZc));
                in_flight -= 1;
                let n = c.take_result()?;
                let buf = c.take_buffer().unwrap_or_default();
                sent += n as u64;
                // A short send leaves bytes unsent: they go out with a
                // later buffer.
                submitted -= (buf.len() - n) as u64;
                if let Some(copied) = c.zc_copied() {
                    counts.completions += 1;
                    counts.copied += u64::from(copied);
                }
                if submitted < args.bytes {
                    submit(&mut ring, buf, c.key(), &mut submitted)?;
                    counts.calls += 1;
                    in_flight += 1;
                }
            }
        }
        Ok((sent, counts))
    }

    /// `sendmsg(MSG_ZEROCOPY)` on a blocking socket, `inflight` buffers
    /// taken in turn; before a buffer is written to the socket again, the
    /// error queue must have said the kernel is done with its last send.
    fn send_msg_zerocopy(args: &Args, socket: &SocketHandle) -> io::Result<(u64, Counts)> {
        socket.set_zerocopy(true)?;
        let bufs: Vec<Vec<u8>> = (0..args.inflight).map(|_| vec![0x5a; args.buf]).collect();
        // owner[i]: the number of the send that last used buffer i, while
        // not yet completed.
        let mut owner: Vec<Option<u32>> = vec![None; args.inflight];
        // done[n]: send number n is completed (numbers count from 0).
        let mut done: Vec<bool> = Vec::new();
        let mut counts = Counts::default();
        let mut sent = 0u64;
        let mut next = 0usize;
        let mut data = [0u8; 16];
        let mut control = [0u8; ERROR_QUEUE_CONTROL_SPACE];
        let mut drain =
            |mut wait: bool, done: &mut Vec<bool>, counts: &mut Counts| -> io::Result<()> {
                loop {
                    match socket.recv_error_queue(&mut data, &mut control) {
                        Ok(msg) => match msg.entry() {
                            ErrorQueueEntry::ZeroCopy(z) => {
                                counts.completions += z.count();
                                if z.copied {
                                    counts.copied += z.count();
                                }
                                for n in z.range() {
                                    let n = n as usize;
                                    if done.len() <= n {
                                        done.resize(n + 1, false);
                                    }
                                    done[n] = true;
                                }
                            }
                            other => {
                                return Err(io::Error::other(format!("error queue: {other:?}")));
                            }
                        },
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if !wait {
                                return Ok(());
                            }
                            let mut pfd = libc::pollfd {
                                fd: socket.as_raw_fd(),
                                events: 0,
                                revents: 0,
                            };
                            // SAFETY: one valid pollfd; POLLERR is reported
                            // whatever `events` asks for.
                            if unsafe { libc::poll(&mut pfd, 1, 1000) } < 0 {
                                let e = io::Error::last_os_error();
                                if e.kind() != io::ErrorKind::Interrupted {
                                    return Err(e);
                                }
                            }
                            // One entry is enough to look at the buffer again.
                            wait = false;
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
            };
        let mut number = 0u32;
        while sent < args.bytes {
            let i = next % args.inflight;
            while let Some(n) = owner[i] {
                if done.get(n as usize).copied().unwrap_or(false) {
                    owner[i] = None;
                } else {
                    drain(true, &mut done, &mut counts)?;
                }
            }
            let len = args.buf.min((args.bytes - sent) as usize);
            match socket.send_zerocopy(None, &[IoSlice::new(&bufs[i][..len])]) {
                Ok(n) => {
                    sent += n as u64;
                    owner[i] = Some(number);
                    number = number.wrapping_add(1);
                    counts.calls += 1;
                    next += 1;
                }
                // The socket's budget of pinned pages (optmem_max) is
                // spent: completions free it.
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    drain(true, &mut done, &mut counts)?
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            drain(false, &mut done, &mut counts)?;
        }
        // Every buffer back before they are freed.
        for slot in &owner {
            if let Some(n) = *slot {
                while !done.get(n as usize).copied().unwrap_or(false) {
                    drain(true, &mut done, &mut counts)?;
                }
            }
        }
        Ok((sent, counts))
    }
}
