//! The attempts: Happy Eyeballs (RFC 8305) for streams, one address after
//! another for datagrams.
//!
//! The race keeps its attempts as non-blocking sockets and waits on all of
//! them at once with [`select_write`], whose Windows form watches
//! `exceptfds` too (where a refused connect shows). A new attempt starts
//! when the newest one has had `fallback_delay` without an answer, or at
//! once when an attempt fails; the first socket that connects wins and
//! every other is dropped, which closes it.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::{ConnectEvent, ConnectOptions};
use crate::connect::error::ConnectError;
use crate::select::select_write;
use crate::socket::SocketHandle;
use crate::sys::SockAddr;
use crate::types::{Domain, Port, Protocol, SockType};

/// What the attempts need besides the addresses.
pub(crate) struct Attempts<'a> {
    pub(crate) host: &'a str,
    pub(crate) port: Port,
    pub(crate) options: &'a ConnectOptions,
    pub(crate) deadline: Option<Instant>,
}

/// RFC 8305 section 4: the first address's family first, then the other
/// family's first, and so on alternating; what is left of the longer
/// family comes last, in its order.
pub(crate) fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let first_v6 = first.is_ipv6();
    if addrs.iter().all(|a| a.is_ipv6() == first_v6) {
        return addrs;
    }
    let (mut a, mut b): (Vec<_>, Vec<_>) = addrs.into_iter().partition(|x| x.is_ipv6() == first_v6);
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.drain(..), b.drain(..));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return out,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
}

/// A socket for `addr`, bound as the options say.
fn open(addr: &SocketAddr, options: &ConnectOptions) -> io::Result<SocketHandle> {
    let domain = if addr.is_ipv4() {
        Domain::Inet
    } else {
        Domain::Inet6
    };
    let (sock_type, protocol) = match options.sock_type {
        SockType::Dgram => (SockType::Dgram, Protocol::Udp),
        _ => (SockType::Stream, Protocol::Tcp),
    };
    let socket = SocketHandle::new(domain, sock_type, protocol)?;
    #[cfg(linux_like)]
    if let Some(device) = &options.device {
        socket.bind_device(Some(device))?;
    }
    if let Some(local) = &options.bind {
        // Attempts run side by side: with a fixed source port, each needs
        // SO_REUSEADDR to bind it while another attempt holds it.
        if local.port().is_some_and(|p| p.0 != 0) {
            socket.set_reuse_address(true)?;
        }
        socket.bind_addr(local)?;
    }
    Ok(socket)
}

impl Attempts<'_> {
    fn event(&self, event: ConnectEvent<'_>) {
        if let Some(observer) = &self.options.observer {
            (observer.0)(&event);
        }
    }

    fn failed(&self, attempts: Vec<(SocketAddr, io::Error)>) -> io::Error {
        ConnectError::new(self.host, self.port, attempts, Vec::new(), None).into_io_error()
    }

    fn timed_out(
        &self,
        attempts: Vec<(SocketAddr, io::Error)>,
        untried: &[SocketAddr],
    ) -> io::Error {
        ConnectError::new(
            self.host,
            self.port,
            attempts,
            untried.to_vec(),
            self.options.timeout,
        )
        .into_io_error()
    }

    /// How long the next wait may last, from now: the nearest of the
    /// deadline and `until`.
    fn time_left(&self, now: Instant, until: Option<Instant>) -> Option<Duration> {
        let end = match (self.deadline, until) {
            (Some(d), Some(u)) => Some(d.min(u)),
            (d, u) => d.or(u),
        };
        end.map(|e| e.saturating_duration_since(now))
    }

    /// One address, no race: the same calls as connecting by hand (a
    /// blocking socket, `connect`), or `connect_timeout` under a deadline.
    pub(crate) fn one(&self, addr: SocketAddr) -> io::Result<SocketHandle> {
        let limit = self.time_left(Instant::now(), None);
        if limit.is_some_and(|l| l.is_zero()) {
            // The lookup took the whole deadline.
            return Err(self.timed_out(Vec::new(), &[addr]));
        }
        self.event(ConnectEvent::Trying { addr: &addr });
        let limit = match (limit, self.options.attempt_timeout) {
            (Some(l), Some(a)) => Some(l.min(a)),
            (l, a) => l.or(a),
        };
        let result = open(&addr, self.options).and_then(|socket| {
            let target = SockAddr::from(addr);
            match limit {
                None => socket.connect(&target),
                Some(l) => socket.connect_timeout(&target, l),
            }
            .map(|()| socket)
        });
        match result {
            Ok(socket) => {
                self.event(ConnectEvent::Connected { addr: &addr });
                Ok(socket)
            }
            Err(e) => {
                self.event(ConnectEvent::Failed {
                    addr: &addr,
                    error: &e,
                });
                let past_deadline = self.deadline.is_some_and(|d| Instant::now() >= d);
                if past_deadline && e.kind() == io::ErrorKind::TimedOut {
                    Err(self.timed_out(vec![(addr, e)], &[]))
                } else {
                    Err(self.failed(vec![(addr, e)]))
                }
            }
        }
    }

    /// Datagrams: connecting only sets the destination, so the first
    /// address whose `connect` succeeds is the answer.
    pub(crate) fn in_turn(&self, addrs: &[SocketAddr]) -> io::Result<SocketHandle> {
        let mut errors = Vec::new();
        for (i, addr) in addrs.iter().enumerate() {
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(self.timed_out(errors, &addrs[i..]));
            }
            self.event(ConnectEvent::Trying { addr });
            match open(addr, self.options)
                .and_then(|s| s.connect(&SockAddr::from(*addr)).map(|()| s))
            {
                Ok(socket) => {
                    self.event(ConnectEvent::Connected { addr });
                    return Ok(socket);
                }
                Err(e) => {
                    self.event(ConnectEvent::Failed { addr, error: &e });
                    errors.push((*addr, e));
                }
            }
        }
        Err(self.failed(errors))
    }

    /// Streams over several addresses: the race.
    pub(crate) fn race(&self, addrs: &[SocketAddr]) -> io::Result<SocketHandle> {
        let delay = self.options.fallback_delay;
        // Each attempt's outcome, by the order it started in.
        let mut outcomes: Vec<(SocketAddr, Option<io::Error>)> = Vec::with_capacity(addrs.len());
        let mut pending: Vec<Pending> = Vec::with_capacity(addrs.len());
        let mut next = 0;
        let mut next_start = Instant::now();
        loop {
            let now = Instant::now();
            if self.deadline.is_some_and(|d| now >= d) {
                drop(pending);
                return Err(self.race_timed_out(outcomes, &addrs[next..]));
            }
            if next < addrs.len() && (pending.is_empty() || now >= next_start) {
                let addr = addrs[next];
                next += 1;
                self.event(ConnectEvent::Trying { addr: &addr });
                match start(&addr, self.options) {
                    Ok((socket, true)) => return self.won(socket, addr),
                    Ok((socket, false)) => {
                        pending.push(Pending {
                            socket,
                            index: outcomes.len(),
                            give_up: self.options.attempt_timeout.map(|t| now + t),
                        });
                        outcomes.push((addr, None));
                        next_start = now + delay;
                    }
                    Err(e) => {
                        self.event(ConnectEvent::Failed {
                            addr: &addr,
                            error: &e,
                        });
                        outcomes.push((addr, Some(e)));
                    }
                }
                continue;
            }
            if pending.is_empty() {
                return Err(self.failed(finished(outcomes)));
            }

            let mut until = pending.iter().filter_map(|p| p.give_up).min();
            if next < addrs.len() {
                until = Some(until.map_or(next_start, |u| u.min(next_start)));
            }
            let wait = self.time_left(now, until);
            let ms = wait.map_or(-1, |w| {
                i32::try_from(w.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX)
            });
            let mut ready: Vec<&SocketHandle> = pending.iter().map(|p| &p.socket).collect();
            select_write(&mut ready, ms)?;
            let ready: Vec<_> = ready.iter().map(|s| s.as_raw()).collect();

            let now = Instant::now();
            let mut i = 0;
            while i < pending.len() {
                let p = &pending[i];
                let outcome = if ready.contains(&p.socket.as_raw()) {
                    Some(p.socket.connect_outcome(&outcomes[p.index].0))
                } else if p.give_up.is_some_and(|g| now >= g) {
                    Some(Err(timed_out_attempt(
                        self.options.attempt_timeout.unwrap_or_default(),
                    )))
                } else {
                    None
                };
                match outcome {
                    None => i += 1,
                    Some(Ok(())) => {
                        let p = pending.swap_remove(i);
                        let addr = outcomes[p.index].0;
                        // The losers are closed as `pending` drops.
                        return self.won(p.socket, addr);
                    }
                    Some(Err(e)) => {
                        let p = pending.remove(i);
                        let addr = outcomes[p.index].0;
                        self.event(ConnectEvent::Failed {
                            addr: &addr,
                            error: &e,
                        });
                        outcomes[p.index].1 = Some(e);
                        // RFC 8305 section 5: a failure starts the next
                        // attempt without waiting out the delay.
                        next_start = now;
                    }
                }
            }
        }
    }

    fn won(&self, socket: SocketHandle, addr: SocketAddr) -> io::Result<SocketHandle> {
        socket.set_blocking(true)?;
        self.event(ConnectEvent::Connected { addr: &addr });
        Ok(socket)
    }

    fn race_timed_out(
        &self,
        outcomes: Vec<(SocketAddr, Option<io::Error>)>,
        untried: &[SocketAddr],
    ) -> io::Error {
        let waited = self.options.timeout.unwrap_or_default();
        let attempts = outcomes
            .into_iter()
            .map(|(addr, e)| {
                let e = e.unwrap_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no answer within the {waited:?} deadline"),
                    )
                });
                (addr, e)
            })
            .collect();
        self.timed_out(attempts, untried)
    }
}

/// An attempt under way.
struct Pending {
    socket: SocketHandle,
    /// Its place in the outcomes.
    index: usize,
    /// When its own time (`attempt_timeout`) runs out.
    give_up: Option<Instant>,
}

/// Every attempt has an outcome once none is pending.
fn finished(outcomes: Vec<(SocketAddr, Option<io::Error>)>) -> Vec<(SocketAddr, io::Error)> {
    outcomes
        .into_iter()
        .filter_map(|(addr, e)| e.map(|e| (addr, e)))
        .collect()
}

/// Opens a non-blocking socket for `addr` and starts connecting:
/// `(socket, true)` when it connected at once.
fn start(addr: &SocketAddr, options: &ConnectOptions) -> io::Result<(SocketHandle, bool)> {
    let socket = open(addr, options)?;
    socket.set_blocking(false)?;
    let done = socket.start_connect(&SockAddr::from(*addr))?;
    Ok((socket, done))
}

fn timed_out_attempt(after: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no answer within the attempt's {after:?}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(text: &[&str]) -> Vec<SocketAddr> {
        text.iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn families_alternate_from_the_first_address() {
        let given = addrs(&["[::1]:1", "[::2]:1", "[::3]:1", "10.0.0.1:1", "10.0.0.2:1"]);
        let want = addrs(&["[::1]:1", "10.0.0.1:1", "[::2]:1", "10.0.0.2:1", "[::3]:1"]);
        assert_eq!(interleave(given), want);
        let given = addrs(&["10.0.0.1:1", "10.0.0.2:1", "[::1]:1"]);
        let want = addrs(&["10.0.0.1:1", "[::1]:1", "10.0.0.2:1"]);
        assert_eq!(interleave(given), want);
        let one_family = addrs(&["10.0.0.1:1", "10.0.0.2:1"]);
        assert_eq!(interleave(one_family.clone()), one_family);
    }
}
