//! `nsock ping`: ICMP echo, printed as iputils' `ping` prints it.
//!
//! The socket is an ICMP datagram socket (`SOCK_DGRAM`, `IPPROTO_ICMP` or
//! `IPPROTO_ICMPV6`) where `net.ipv4.ping_group_range` lets this process
//! open one, a raw socket otherwise (root or `CAP_NET_RAW`); the kernel
//! fills the echo identifier and checksum of a datagram socket, and of a
//! raw ICMPv6 one the checksum, and the tool computes what is left.
//!
//! Round-trip times come from kernel timestamps where the system has
//! them: the reply's receive time (`SO_TIMESTAMPING` software, else
//! `SO_TIMESTAMP`), the request's transmit time from the error queue
//! (`OPT_ID` numbers the sends), else the time just before the send call.
//! ICMP errors about a request (unreachable, time exceeded) are read from
//! the error queue (`IP_RECVERR`) and printed as iputils does.

use std::fmt::Write as _;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nativesockets::{
    select_read, Domain, ErrorOrigin, ErrorQueueEntry, Port, Protocol, ReceivedControl, SockAddr,
    SockType, SocketHandle, Timestamping, ERROR_QUEUE_CONTROL_SPACE,
};

use crate::address;
use crate::json::Json;
use crate::output::{emit, Failure};

pub const PING_HELP: &str = "\
Output: as iputils' ping: a PING line, one line a reply (`64 bytes from \
127.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms`), one a returned ICMP error \
(`From 10.0.0.1 icmp_seq=1 Time to live exceeded`), then the statistics. \
Without -c it runs until interrupted (and then prints no statistics).

Socket: an ICMP datagram socket where net.ipv4.ping_group_range allows \
this process one, else a raw socket (root or CAP_NET_RAW); --socket \
forces one. Times: kernel receive and transmit timestamps where the \
system has them (the JSON's \"clock\" says \"kernel\"), else the time \
around the calls (\"user\").

--json prints one object at the end: host, address, socket (\"dgram\" or \
\"raw\"), clock, data_bytes, replies [{seq, bytes, ttl, time_ms, dup}], \
errors [{seq, from, type, code, message}], transmitted, received, \
duplicates, error_count, loss_percent, time_ms, rtt {min_ms, avg_ms, \
max_ms, mdev_ms} (null without replies).

Exit status: 0 with at least one reply, 1 with none, 2 for bad input \
(an unknown host, a size too large for the family).";

/// Which socket to send with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SocketChoice {
    /// A datagram socket if allowed, else a raw one.
    Auto,
    /// An ICMP datagram socket only.
    Dgram,
    /// A raw socket only.
    Raw,
}

#[derive(Debug)]
pub struct PingOptions {
    pub host: String,
    pub count: Option<u32>,
    pub interval: Duration,
    pub wait: Option<Duration>,
    pub size: u32,
    pub ttl: Option<u8>,
    pub domain: Domain,
    pub socket: SocketChoice,
    pub json: bool,
}

/// Seconds as text (`1`, `0.2`, `0`) for -i and -W.
pub fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("{text:?}: seconds must be from 0 to 86400"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The largest data size of one echo request: an IP datagram's 65,535
/// bytes less the headers (IPv4: 20 + 8; IPv6: its payload length
/// counts no fixed header, so 65,535 - 8).
fn max_size(v6: bool) -> u32 {
    if v6 {
        65_527
    } else {
        65_507
    }
}

/// What the kernel lets this process open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Dgram,
    Raw,
}

/// The state of one request, by send number.
struct Sent {
    wall: Duration,
    at: Instant,
    tx_kernel: Option<Duration>,
    replied: bool,
}

struct Reply {
    seq: u16,
    bytes: usize,
    ttl: Option<u8>,
    rtt: Duration,
    dup: bool,
}

struct IcmpError {
    seq: u16,
    from: String,
    ty: u8,
    code: u8,
    message: String,
}

struct Run {
    kind: Kind,
    v6: bool,
    target: IpAddr,
    /// `"host (ip)"` or `"ip"`, as the reply lines name the sender.
    from_text: String,
    id: u16,
    sent: Vec<Sent>,
    replies: Vec<Reply>,
    errors: Vec<IcmpError>,
    kernel_clock: bool,
    json: bool,
    out: String,
    /// When the output was last written (at -i 0 it is written in
    /// batches, at most 10 ms apart, rather than one write a reply).
    flushed: Instant,
    /// Replies (not duplicates) and errors so far.
    answered: usize,
    /// Whether transmit timestamps are on (then a reply whose request's
    /// stamp has not been read yet looks at the error queue first).
    tx_stamps: bool,
    /// The receive buffer and the request, allocated once.
    buf: Vec<u8>,
    packet: Vec<u8>,
}

pub fn run(o: &PingOptions) -> Result<(), Failure> {
    let target = resolve(&o.host, o.domain)?;
    let v6 = target.is_ipv6();
    if o.size > max_size(v6) {
        return Err(Failure::usage(format!(
            "ping: -s {}: at most {} data bytes fit in one {} echo request",
            o.size,
            max_size(v6),
            if v6 { "ICMPv6" } else { "ICMP" }
        )));
    }
    let (sock, kind) = open(v6, o.socket)?;
    let setup = |e: io::Error, what: &str| Failure::new(format!("ping: {what}: {e}"));
    // The loop waits in select and then reads all that is queued.
    sock.set_blocking(false)
        .map_err(|e| setup(e, "non-blocking mode"))?;
    if let Some(ttl) = o.ttl {
        if v6 {
            sock.set_unicast_hops_v6(u32::from(ttl))
        } else {
            sock.set_ttl(u32::from(ttl))
        }
        .map_err(|e| setup(e, "setting the TTL"))?;
    }
    if kind == Kind::Raw {
        pass_only_replies_and_errors(&sock, v6);
    }
    // Each of these only adds detail (TTL, ICMP errors, kernel times); a
    // system without one still pings.
    let _ = if v6 {
        sock.set_recv_hoplimit_v6(true)
    } else if kind == Kind::Dgram {
        sock.set_recv_ttl_v4(true)
    } else {
        Ok(()) // the raw IPv4 reply carries its IP header, TTL included
    };
    let _ = if v6 {
        sock.set_recv_err_v6(true)
    } else {
        sock.set_recv_err_v4(true)
    };
    let stamps = Timestamping::RX_SOFTWARE
        | Timestamping::TX_SOFTWARE
        | Timestamping::SOFTWARE
        | Timestamping::OPT_ID
        | Timestamping::OPT_TSONLY;
    let tx_stamps = sock.set_timestamping(stamps).is_ok();
    let kernel_clock = tx_stamps || sock.set_recv_timestamp(true).is_ok();

    let ip_text = target.to_string();
    let from_text = if o.host == ip_text {
        ip_text.clone()
    } else {
        format!("{} ({ip_text})", o.host)
    };
    let mut run = Run {
        kind,
        v6,
        target,
        from_text,
        id: (std::process::id() & 0xffff) as u16,
        sent: Vec::new(),
        replies: Vec::new(),
        errors: Vec::new(),
        kernel_clock,
        json: o.json,
        out: String::new(),
        flushed: Instant::now(),
        answered: 0,
        tx_stamps,
        buf: vec![0u8; 65_536 + 60],
        packet: Vec::new(),
    };
    if !o.json {
        if v6 {
            run.line(format_args!(
                "PING {}({ip_text}) {} data bytes",
                o.host, o.size
            ));
        } else {
            run.line(format_args!(
                "PING {} ({ip_text}) {}({}) bytes of data.",
                o.host,
                o.size,
                o.size + 28
            ));
        }
        run.flush()?;
    }
    let start = Instant::now();
    run.ping_loop(&sock, o)?;
    let elapsed = start.elapsed();
    run.finish(o, &ip_text, elapsed)
}

/// The first address of `host` the family flags allow; an unknown host is
/// bad input (exit 2), as for iputils.
fn resolve(host: &str, domain: Domain) -> Result<IpAddr, Failure> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip);
    }
    address::wire_addrs(host, Port(0), domain, SockType::Dgram, Protocol::Udp)
        .map(|addrs| addrs[0].ip())
        .map_err(|e| Failure::usage(format!("ping: {e}")))
}

/// An ICMP datagram socket if allowed (and asked for), else a raw one.
fn open(v6: bool, choice: SocketChoice) -> Result<(SocketHandle, Kind), Failure> {
    let (domain, proto) = if v6 {
        (Domain::Inet6, Protocol::Icmpv6)
    } else {
        (Domain::Inet, Protocol::Icmp)
    };
    let dgram = || SocketHandle::new(domain, SockType::Dgram, proto);
    let raw = || SocketHandle::new(domain, SockType::Raw, proto);
    let refused = |e: io::Error, what: &str| Failure::new(format!("ping: {what}: {e}"));
    match choice {
        SocketChoice::Dgram => dgram().map(|s| (s, Kind::Dgram)).map_err(|e| {
            refused(
                e,
                "an ICMP datagram socket (is this group in net.ipv4.ping_group_range?)",
            )
        }),
        SocketChoice::Raw => raw()
            .map(|s| (s, Kind::Raw))
            .map_err(|e| refused(e, "a raw ICMP socket (needs root or CAP_NET_RAW)")),
        SocketChoice::Auto => match dgram() {
            Ok(s) => Ok((s, Kind::Dgram)),
            Err(d) => raw().map(|s| (s, Kind::Raw)).map_err(|r| {
                Failure::new(format!(
                    "ping: no ICMP socket allowed: a datagram one ({d}; see \
                     net.ipv4.ping_group_range) nor a raw one ({r}; needs root or CAP_NET_RAW)"
                ))
            }),
        },
    }
}

/// A raw socket gets every ICMP message the host receives (on loopback,
/// each request as well as its reply): Linux's `ICMP_FILTER` (level
/// `SOL_RAW`, 255) and `ICMP6_FILTER` (level `IPPROTO_ICMPV6`, 58), each
/// option 1 with a set bit blocking a type, keep echo replies and the
/// errors only, as iputils' ping does. Elsewhere, and if refused, every
/// message is read and the others skipped.
fn pass_only_replies_and_errors(sock: &SocketHandle, v6: bool) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let _ = if v6 {
        let mut block = [u32::MAX; 8];
        for ty in [1u8, 2, 3, 4, 129] {
            block[usize::from(ty >> 5)] &= !(1 << (ty & 31));
        }
        let bytes: Vec<u8> = block.iter().flat_map(|w| w.to_ne_bytes()).collect();
        sock.set_sock_opt_bytes(58, 1, &bytes)
    } else {
        let pass: u32 = [0u8, 3, 4, 5, 11, 12].iter().map(|t| 1u32 << t).sum();
        sock.set_sock_opt_bytes(255, 1, &(!pass).to_ne_bytes())
    };
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The Internet checksum (RFC 1071) of `data`.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

impl Run {
    fn line(&mut self, args: std::fmt::Arguments<'_>) {
        let _ = writeln!(self.out, "{args}");
    }

    fn flush(&mut self) -> Result<(), Failure> {
        if !self.out.is_empty() {
            emit(&self.out)?;
            self.out.clear();
        }
        Ok(())
    }

    /// An echo request: type, code, checksum, identifier, sequence, then
    /// the data (the send time in its first 16 bytes, as iputils puts a
    /// timeval there, then a counting pattern).
    fn request(&self, p: &mut Vec<u8>, seq: u16, size: usize, wall: Duration) {
        p.clear();
        p.resize(8 + size, 0);
        p[0] = if self.v6 { 128 } else { 8 };
        p[4..6].copy_from_slice(&self.id.to_be_bytes());
        p[6..8].copy_from_slice(&seq.to_be_bytes());
        for (i, b) in p[8..].iter_mut().enumerate() {
            *b = i as u8;
        }
        if size >= 16 {
            p[8..16].copy_from_slice(&wall.as_secs().to_ne_bytes());
            p[16..24].copy_from_slice(&u64::from(wall.subsec_micros()).to_ne_bytes());
        }
        // The kernel sums a datagram socket's requests, and a raw ICMPv6
        // socket's (IPV6_CHECKSUM is always on for ICMPv6).
        if self.kind == Kind::Raw && !self.v6 {
            let sum = checksum(p);
            p[2..4].copy_from_slice(&sum.to_be_bytes());
        }
    }

    /// The send number of the latest request with sequence `seq`.
    fn index_of(&self, seq: u16) -> Option<usize> {
        let n = self.sent.len();
        let back = usize::from((n as u16).wrapping_sub(seq));
        (back < n).then(|| n - 1 - back)
    }

    fn ping_loop(&mut self, sock: &SocketHandle, o: &PingOptions) -> Result<(), Failure> {
        let target = SockAddr::from(std::net::SocketAddr::new(self.target, 0));
        let size = o.size as usize;
        // After the last request: wait -W seconds (10 by default, as
        // iputils' linger) for the replies still missing.
        let linger = o.wait.unwrap_or(Duration::from_secs(10));
        // -i 0: the next request as soon as the last is answered, or
        // after 10 ms without an answer (iputils' flood pace).
        let flood_gap = Duration::from_millis(10);
        let mut next_send = Instant::now();
        let mut last_send: Option<Instant> = None;
        loop {
            let now = Instant::now();
            let all_sent = o.count.is_some_and(|c| self.sent.len() >= c as usize);
            let answered = self.answered;
            if all_sent {
                let done = answered >= self.sent.len();
                let waited = last_send.is_none_or(|t| now >= t + linger);
                if done || waited {
                    return Ok(());
                }
            } else {
                let due = if o.interval.is_zero() {
                    answered >= self.sent.len() || now >= next_send
                } else {
                    now >= next_send
                };
                if due {
                    self.send_one(sock, &target, size)?;
                    last_send = Some(now);
                    next_send = now
                        + if o.interval.is_zero() {
                            flood_gap
                        } else {
                            o.interval
                        };
                    continue;
                }
            }
            // What is queued first: on loopback the reply is often there
            // by the time the send returns, and no wait is needed.
            if self.read_one(sock) {
                self.flush_now_and_then(o, flood_gap)?;
                continue;
            }
            let until = if all_sent {
                last_send.map_or(now, |t| t + linger)
            } else {
                next_send
            };
            let wait_ms = until
                .saturating_duration_since(now)
                .as_micros()
                .div_ceil(1000);
            self.flush()?;
            self.flushed = Instant::now();
            let mut ready = vec![sock];
            let n = select_read(&mut ready, wait_ms.min(i32::MAX as u128) as i32)
                .map_err(|e| Failure::new(format!("ping: waiting for replies: {e}")))?;
            if n > 0 && !self.read_one(sock) {
                // Readable with no datagram: an error-queue entry (a
                // transmit stamp or an ICMP error) woke the wait.
                self.drain_error_queue(sock, None);
            }
            self.flush_now_and_then(o, flood_gap)?;
        }
    }

    /// Writes the output at once at a real interval; at -i 0 in batches at
    /// most `gap` apart (one write a reply would cost more than the ping).
    fn flush_now_and_then(&mut self, o: &PingOptions, gap: Duration) -> Result<(), Failure> {
        if !o.interval.is_zero() || self.flushed.elapsed() >= gap {
            self.flush()?;
            self.flushed = Instant::now();
        }
        Ok(())
    }

    fn send_one(&mut self, sock: &SocketHandle, to: &SockAddr, size: usize) -> Result<(), Failure> {
        let seq = (self.sent.len() + 1) as u16;
        let wall = since_epoch();
        let mut packet = std::mem::take(&mut self.packet);
        self.request(&mut packet, seq, size, wall);
        let at = Instant::now();
        self.sent.push(Sent {
            wall,
            at,
            tx_kernel: None,
            replied: false,
        });
        let sent = sock.send_msg(Some(to), &[IoSlice::new(&packet)], &[], 0);
        self.packet = packet;
        match sent {
            Ok(_) => Ok(()),
            // A refused send (no route, a full buffer) is this request's
            // loss, as iputils reports it and goes on.
            Err(e) if e.kind() != io::ErrorKind::PermissionDenied => {
                self.drain_error_queue(sock, None);
                if !self.json {
                    crate::output::warn(format_args!("ping: sendmsg: {e}"));
                }
                Ok(())
            }
            Err(e) => Err(Failure::new(format!("ping: sendmsg: {e}"))),
        }
    }

    /// Reads every queued error-queue entry: transmit timestamps for the
    /// round-trip times, ICMP errors to print.
    /// `want`: stop once that send's transmit stamp is in (one read,
    /// not one more that finds the queue empty).
    fn drain_error_queue(&mut self, sock: &SocketHandle, want: Option<usize>) {
        let mut data = [0u8; 128];
        let mut control = [0u8; ERROR_QUEUE_CONTROL_SPACE];
        while let Ok(msg) = sock.recv_error_queue(&mut data, &mut control) {
            match msg.entry() {
                ErrorQueueEntry::Timestamp(t) => {
                    if let Some(s) = self.sent.get_mut(t.id as usize) {
                        s.tx_kernel = t.software;
                    }
                    if want.is_some_and(|i| i == t.id as usize) {
                        return;
                    }
                }
                ErrorQueueEntry::Error(e) => {
                    // The payload is the ICMP header of our request.
                    let p = msg.payload();
                    if p.len() < 8 {
                        continue;
                    }
                    let seq = u16::from_be_bytes([p[6], p[7]]);
                    let from = e
                        .offender
                        .map_or_else(|| self.target.to_string(), |a| a.to_string());
                    let message = match e.origin {
                        ErrorOrigin::Icmp => icmp_text(e.icmp_type, e.icmp_code, e.info),
                        ErrorOrigin::Icmp6 => icmp6_text(e.icmp_type, e.icmp_code, e.info),
                        _ => format!("local error: {}", e.os_error()),
                    };
                    if let Some(i) = self.index_of(seq) {
                        self.sent[i].replied = true;
                    }
                    if !self.json {
                        self.line(format_args!("From {from} icmp_seq={seq} {message}"));
                    }
                    self.answered += 1;
                    self.errors.push(IcmpError {
                        seq,
                        from,
                        ty: e.icmp_type,
                        code: e.icmp_code,
                        message,
                    });
                }
                _ => {}
            }
        }
    }

    /// Reads one datagram (or the error a receive reports) if one is
    /// queued, without waiting; false when nothing was.
    fn read_one(&mut self, sock: &SocketHandle) -> bool {
        let mut buf = std::mem::take(&mut self.buf);
        let got = self.read_reply(sock, &mut buf);
        self.buf = buf;
        got
    }

    fn read_reply(&mut self, sock: &SocketHandle, buf: &mut [u8]) -> bool {
        let mut control = [0u8; 256];
        let msg = match sock.recv_msg(&mut [IoSliceMut::new(buf)], &mut control, 0) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return true,
            // An ICMP error reported once through the call: it is on
            // the error queue too, and printed from there.
            Err(_) => {
                self.drain_error_queue(sock, None);
                return true;
            }
        };
        let rx_wall_user = since_epoch();
        let rx_at = Instant::now();
        let len = msg.len().min(buf.len());
        let mut ttl = None;
        let mut rx_kernel = None;
        for c in msg.control() {
            match c {
                ReceivedControl::TtlV4(t) | ReceivedControl::HopLimitV6(t) => ttl = Some(t),
                ReceivedControl::Timestamping(t) => rx_kernel = rx_kernel.or(t.software),
                ReceivedControl::Timestamp(t) => rx_kernel = Some(t),
                _ => {}
            }
        }
        let from_ok = msg.addr().as_socket_addr().map(|a| a.ip()) == Some(self.target);
        // Ends the borrow of `buf` (on Unix `msg` owns received
        // descriptors, so it lives to the end of the scope otherwise).
        #[allow(clippy::drop_non_drop)]
        drop(msg);
        let mut icmp = &buf[..len];
        // A raw IPv4 socket receives the IP header too, and so does a
        // datagram one on macOS and the BSDs: its version nibble (4) can
        // never start an echo reply (type 0).
        if !self.v6 && icmp.first().is_some_and(|b| b >> 4 == 4) {
            let ihl = usize::from(icmp[0] & 0x0f) * 4;
            if icmp.len() < ihl + 8 || ihl < 20 {
                return true;
            }
            ttl = Some(icmp[8]);
            icmp = &icmp[ihl..];
        }
        if icmp.len() < 8 || !from_ok {
            return true;
        }
        let reply_type = if self.v6 { 129 } else { 0 };
        let id = u16::from_be_bytes([icmp[4], icmp[5]]);
        // Linux's datagram socket matches the identifier (it chose it);
        // a raw socket, and a datagram one elsewhere, sees every echo
        // reply on the host.
        let kernel_id = self.kind == Kind::Dgram && cfg!(target_os = "linux");
        if icmp[0] != reply_type || (!kernel_id && id != self.id) {
            return true;
        }
        let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
        let Some(i) = self.index_of(seq) else {
            return true;
        };
        // The request's transmit stamp, if not read yet.
        if self.tx_stamps && self.sent[i].tx_kernel.is_none() {
            self.drain_error_queue(sock, Some(i));
        }
        let s = &mut self.sent[i];
        let tx = s.tx_kernel.unwrap_or(s.wall);
        let rtt = match rx_kernel
            .or(Some(rx_wall_user))
            .and_then(|rx| rx.checked_sub(tx))
        {
            Some(d) if self.kernel_clock => d,
            _ => rx_at.duration_since(s.at),
        };
        let dup = s.replied;
        s.replied = true;
        if !dup {
            self.answered += 1;
        }
        let reply = Reply {
            seq,
            bytes: icmp.len(),
            ttl,
            rtt,
            dup,
        };
        if !self.json {
            let _ = write!(
                self.out,
                "{} bytes from {}: icmp_seq={seq}",
                reply.bytes, self.from_text
            );
            if let Some(t) = ttl {
                let _ = write!(self.out, " ttl={t}");
            }
            let _ = write!(self.out, " time={}", RttText(rtt));
            if dup {
                self.out.push_str(" (DUP!)");
            }
            self.out.push('\n');
        }
        self.replies.push(reply);
        true
    }

    fn finish(mut self, o: &PingOptions, ip_text: &str, elapsed: Duration) -> Result<(), Failure> {
        let transmitted = self.sent.len();
        let received = self.replies.iter().filter(|r| !r.dup).count();
        let duplicates = self.replies.len() - received;
        let loss = if transmitted == 0 {
            0.0
        } else {
            (transmitted - received) as f64 * 100.0 / transmitted as f64
        };
        let time_ms = (elapsed.as_micros() + 500) / 1000;
        // In whole microseconds, as iputils counts.
        let us: Vec<i64> = self
            .replies
            .iter()
            .map(|r| r.rtt.as_micros() as i64)
            .collect();
        let stats = (!us.is_empty()).then(|| {
            let n = us.len() as i128;
            let min = *us.iter().min().unwrap_or(&0);
            let max = *us.iter().max().unwrap_or(&0);
            let sum: i128 = us.iter().map(|&t| i128::from(t)).sum();
            let sum2: i128 = us.iter().map(|&t| i128::from(t) * i128::from(t)).sum();
            // iputils' order of integer operations, so that the same
            // times give the same figures.
            let avg = (sum / n) as i64;
            let var = (sum2 - sum * sum / n) / n;
            let mdev = (var.max(0) as f64).sqrt() as i64;
            (min, avg, max, mdev)
        });
        if o.json {
            let ms = |us: i64| Json::Millis(us as f64 / 1000.0);
            let doc = Json::Obj(vec![
                ("host", Json::str(o.host.clone())),
                ("address", Json::str(ip_text)),
                (
                    "socket",
                    Json::str(if self.kind == Kind::Dgram {
                        "dgram"
                    } else {
                        "raw"
                    }),
                ),
                (
                    "clock",
                    Json::str(if self.kernel_clock { "kernel" } else { "user" }),
                ),
                ("data_bytes", Json::Int(i64::from(o.size))),
                (
                    "replies",
                    Json::Arr(
                        self.replies
                            .iter()
                            .map(|r| {
                                Json::Obj(vec![
                                    ("seq", r.seq.into()),
                                    ("bytes", r.bytes.into()),
                                    ("ttl", r.ttl.map_or(Json::Null, |t| Json::Int(t.into()))),
                                    ("time_ms", Json::Millis(r.rtt.as_micros() as f64 / 1000.0)),
                                    ("dup", Json::Int(i64::from(r.dup))),
                                ])
                            })
                            .collect(),
                    ),
                ),
                (
                    "errors",
                    Json::Arr(
                        self.errors
                            .iter()
                            .map(|e| {
                                Json::Obj(vec![
                                    ("seq", e.seq.into()),
                                    ("from", Json::str(e.from.clone())),
                                    ("type", Json::Int(e.ty.into())),
                                    ("code", Json::Int(e.code.into())),
                                    ("message", Json::str(e.message.clone())),
                                ])
                            })
                            .collect(),
                    ),
                ),
                ("transmitted", transmitted.into()),
                ("received", received.into()),
                ("duplicates", duplicates.into()),
                ("error_count", self.errors.len().into()),
                ("loss_percent", Json::Millis(loss)),
                ("time_ms", Json::Int(time_ms as i64)),
                (
                    "rtt",
                    stats.map_or(Json::Null, |(min, avg, max, mdev)| {
                        Json::Obj(vec![
                            ("min_ms", ms(min)),
                            ("avg_ms", ms(avg)),
                            ("max_ms", ms(max)),
                            ("mdev_ms", ms(mdev)),
                        ])
                    }),
                ),
            ]);
            self.line(format_args!("{doc}"));
        } else {
            self.line(format_args!(""));
            self.line(format_args!("--- {} ping statistics ---", o.host));
            let mut text = format!("{transmitted} packets transmitted, {received} received");
            if duplicates > 0 {
                let _ = write!(text, ", +{duplicates} duplicates");
            }
            if !self.errors.is_empty() {
                let _ = write!(text, ", +{} errors", self.errors.len());
            }
            let _ = write!(text, ", {}% packet loss, time {time_ms}ms", percent_g(loss));
            self.line(format_args!("{text}"));
            if let Some((min, avg, max, mdev)) = stats {
                let f = |v: i64| format!("{}.{:03}", v / 1000, v % 1000);
                self.line(format_args!(
                    "rtt min/avg/max/mdev = {}/{}/{}/{} ms",
                    f(min),
                    f(avg),
                    f(max),
                    f(mdev)
                ));
            }
        }
        self.flush()?;
        if received == 0 {
            return Err(Failure::new(format!("ping: no reply from {}", o.host)));
        }
        Ok(())
    }
}

/// A round-trip time as iputils prints it: three decimals below 1 ms,
/// two below 10 ms, one below 100 ms, none above (in microseconds,
/// rounded as iputils rounds).
struct RttText(Duration);

impl std::fmt::Display for RttText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.0.as_micros() as u64;
        if t >= 100_000 - 50 {
            write!(f, "{} ms", (t + 500) / 1000)
        } else if t >= 10_000 - 5 {
            write!(f, "{}.{:01} ms", (t + 50) / 1000, ((t + 50) % 1000) / 100)
        } else if t >= 1000 {
            write!(f, "{}.{:02} ms", (t + 5) / 1000, ((t + 5) % 1000) / 10)
        } else {
            write!(f, "{}.{:03} ms", t / 1000, t % 1000)
        }
    }
}

/// C's `%g` for a percentage: six significant digits, no trailing zeros.
fn percent_g(x: f64) -> String {
    if x == x.trunc() {
        return format!("{}", x as i64);
    }
    let int_digits = if x >= 1.0 {
        (x.log10().floor() as usize) + 1
    } else {
        1
    };
    let text = format!("{:.*}", 6usize.saturating_sub(int_digits), x);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// iputils' words for an ICMP error.
fn icmp_text(ty: u8, code: u8, info: u32) -> String {
    match (ty, code) {
        (3, 0) => "Destination Net Unreachable".into(),
        (3, 1) => "Destination Host Unreachable".into(),
        (3, 2) => "Destination Protocol Unreachable".into(),
        (3, 3) => "Destination Port Unreachable".into(),
        (3, 4) => format!("Frag needed and DF set (mtu = {info})"),
        (3, 5) => "Source Route Failed".into(),
        (3, 6) => "Destination Net Unknown".into(),
        (3, 7) => "Destination Host Unknown".into(),
        (3, 8) => "Source Host Isolated".into(),
        (3, 9) => "Destination Net Prohibited".into(),
        (3, 10) => "Destination Host Prohibited".into(),
        (3, 11) => "Destination Net Unreachable for Type of Service".into(),
        (3, 12) => "Destination Host Unreachable for Type of Service".into(),
        (3, 13) => "Packet filtered".into(),
        (3, 14) => "Precedence Violation".into(),
        (3, 15) => "Precedence Cutoff".into(),
        (3, c) => format!("Dest Unreachable, Bad Code: {c}"),
        (11, 0) => "Time to live exceeded".into(),
        (11, 1) => "Frag reassembly time exceeded".into(),
        (11, c) => format!("Time exceeded, Bad Code: {c}"),
        (5, _) => "Redirect".into(),
        (12, _) => "Parameter problem".into(),
        (t, c) => format!("Bad ICMP type: {t}, code: {c}"),
    }
}

/// iputils' words for an ICMPv6 error.
fn icmp6_text(ty: u8, code: u8, info: u32) -> String {
    let unreach = |c: u8| match c {
        0 => "No route".to_string(),
        1 => "Administratively prohibited".to_string(),
        2 => "Beyond scope of source address".to_string(),
        3 => "Address unreachable".to_string(),
        4 => "Port unreachable".to_string(),
        5 => "Source address failed ingress/egress policy".to_string(),
        6 => "Reject route to destination".to_string(),
        c => format!("Unknown code {c}"),
    };
    match ty {
        1 => format!("Destination unreachable: {}", unreach(code)),
        2 => format!("Packet too big: mtu={info}"),
        3 => match code {
            0 => "Time exceeded: Hop limit".into(),
            1 => "Time exceeded: Defragmentation failure".into(),
            c => format!("Time exceeded: code {c}"),
        },
        4 => format!("Parameter problem: code {code}"),
        t => format!("Unknown ICMPv6 type: {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtt_text(rtt: Duration) -> String {
        RttText(rtt).to_string()
    }

    #[test]
    fn times_print_as_iputils_prints_them() {
        assert_eq!(rtt_text(Duration::from_micros(45)), "0.045 ms");
        assert_eq!(rtt_text(Duration::from_micros(1234)), "1.23 ms");
        assert_eq!(rtt_text(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(rtt_text(Duration::from_micros(123_456)), "123 ms");
        assert_eq!(percent_g(0.0), "0");
        assert_eq!(percent_g(100.0), "100");
        assert_eq!(percent_g(100.0 / 3.0), "33.3333");
        assert_eq!(percent_g(200.0 / 3.0), "66.6667");
    }

    #[test]
    fn the_checksum_of_a_request_with_its_checksum_is_zero() {
        let mut p = vec![8u8, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3];
        let sum = checksum(&p);
        p[2..4].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(checksum(&p), 0);
    }

    #[test]
    fn seconds_parse_with_zero_allowed_and_bad_text_named() {
        assert_eq!(parse_secs("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_secs("0.2").unwrap(), Duration::from_millis(200));
        assert!(parse_secs("-1").unwrap_err().contains("-1"));
        assert!(parse_secs("soon").unwrap_err().contains("soon"));
    }
}
