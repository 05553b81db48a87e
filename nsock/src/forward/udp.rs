//! `nsock forward -u`: UDP forwarding. Each client address gets a
//! session: its own socket connected to the target, so that the target's
//! replies come back on it and go to that client from the listening
//! socket. A session silent for `--idle` seconds is closed.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nativesockets::{
    new_native_socket, Domain, Events, Interest, Poller, Protocol, SockAddr, SockType, SocketHandle,
};

use super::ForwardOptions;
use super::ListenOn;
use crate::output::{context, note, Failure};
use crate::server::{self, accept::Repeated};

const LISTENER_KEY: usize = usize::MAX - 1;

struct Session {
    sock: SocketHandle,
    /// The client, and the listener it wrote to.
    peer: SockAddr,
    listener: usize,
    last: Instant,
}

/// `nsock forward -u`: one thread, one poller.
pub fn run(o: &ForwardOptions, targets: &[SockAddr]) -> Result<(), Failure> {
    let ListenOn::Inet(text) = &o.listen else {
        return Err(Failure::usage(
            "-u with --unix: datagram forwarding is offered between IP addresses only",
        ));
    };
    let target = targets[0].clone();
    if target.domain() == Some(Domain::Unix) {
        return Err(Failure::usage(
            "-u with --to-unix: datagram forwarding is offered between IP addresses only",
        ));
    }
    let mut place = server::place(text, o.domain, true)?;
    let listeners = server::bind(&mut place, true, false, o.quiet)?;
    server::announce("forward (UDP)", &place, &o.access, false, o.quiet);
    let poller = Poller::new()?;
    for (i, l) in listeners.iter().enumerate() {
        poller.add(l, LISTENER_KEY - i, Interest::READABLE)?;
    }
    let lowest = LISTENER_KEY + 1 - listeners.len();
    let idle = Duration::from_secs(o.idle_secs.into());
    let max = o.max_conns.unwrap_or(usize::MAX);
    let mut sessions: Vec<Option<Session>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut by_peer: HashMap<(usize, SocketAddr), usize> = HashMap::new();
    let errors = Repeated::new("forward (UDP)");
    let mut events = Events::with_capacity(256);
    let mut buf = vec![0u8; 65_536];
    let mut next_sweep = Instant::now() + idle.min(Duration::from_secs(1));
    loop {
        let timeout = next_sweep.saturating_duration_since(Instant::now());
        poller
            .wait(&mut events, Some(timeout))
            .map_err(|e| context(e, "forward"))?;
        for e in events.iter() {
            if e.key >= lowest {
                let i = LISTENER_KEY - e.key;
                for _ in 0..64 {
                    let (n, from) = match listeners[i].recv_from(&mut buf) {
                        Ok(r) => r,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            // An ICMP error of an earlier send, on some systems.
                            errors.hit(e);
                            continue;
                        }
                    };
                    let Some(peer_ip) = from.as_socket_addr() else {
                        continue;
                    };
                    if !o.access.permits(Some(peer_ip.ip())) {
                        if o.verbose {
                            note(format_args!(
                                "refused datagram from {peer_ip} (--allow/--deny)"
                            ));
                        }
                        continue;
                    }
                    let slot = match by_peer.get(&(i, peer_ip)) {
                        Some(&s) => s,
                        None => {
                            if by_peer.len() >= max {
                                if o.verbose {
                                    note(format_args!(
                                        "refused {peer_ip}: {max} sessions already (--max-conns)"
                                    ));
                                }
                                continue;
                            }
                            let sock = match session_socket(&target) {
                                Ok(s) => s,
                                Err(e) => {
                                    errors.hit(format_args!("session for {peer_ip}: {e}"));
                                    continue;
                                }
                            };
                            let slot = free.pop().unwrap_or_else(|| {
                                sessions.push(None);
                                sessions.len() - 1
                            });
                            poller.add(&sock, slot, Interest::READABLE)?;
                            if o.verbose {
                                note(format_args!("session for {peer_ip}"));
                            }
                            sessions[slot] = Some(Session {
                                sock,
                                peer: from,
                                listener: i,
                                last: Instant::now(),
                            });
                            by_peer.insert((i, peer_ip), slot);
                            slot
                        }
                    };
                    let s = sessions[slot].as_mut().expect("a live session");
                    s.last = Instant::now();
                    if let Err(e) = s.sock.send(&buf[..n]) {
                        // ECONNREFUSED: the target's port answered an
                        // earlier datagram with an ICMP error.
                        errors.hit(format_args!("to {target}: {e}"));
                    }
                }
                continue;
            }
            let Some(s) = sessions.get_mut(e.key).and_then(Option::as_mut) else {
                continue;
            };
            for _ in 0..64 {
                match s.sock.recv(&mut buf) {
                    Ok(n) => {
                        s.last = Instant::now();
                        if let Err(e) = listeners[s.listener].send_to(&buf[..n], &s.peer) {
                            errors.hit(format_args!("to {}: {e}", s.peer));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        errors.hit(format_args!("from {target}: {e}"));
                        break;
                    }
                }
            }
        }
        let now = Instant::now();
        if now >= next_sweep {
            for (slot, entry) in sessions.iter_mut().enumerate() {
                let expired = entry
                    .as_ref()
                    .is_some_and(|s| now.duration_since(s.last) >= idle);
                if expired {
                    let s = entry.take().expect("checked");
                    let _ = poller.delete(&s.sock);
                    if let Some(a) = s.peer.as_socket_addr() {
                        by_peer.remove(&(s.listener, a));
                    }
                    if o.verbose {
                        note(format_args!("session for {} expired", s.peer));
                    }
                    free.push(slot);
                }
            }
            next_sweep = now + idle.min(Duration::from_secs(1));
        }
        errors.tick();
    }
}

/// A non-blocking UDP socket connected to `target`.
fn session_socket(target: &SockAddr) -> io::Result<SocketHandle> {
    let domain = target.domain().unwrap_or(Domain::Inet);
    let sock = new_native_socket(domain, SockType::Dgram, Protocol::Udp)?;
    sock.connect(target)?;
    sock.set_blocking(false)?;
    Ok(sock)
}
