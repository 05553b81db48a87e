//! Name resolution for `connect_host`: a numeric host without a lookup, a
//! name through `getaddrinfo`, and, under a deadline, `getaddrinfo` on a
//! helper thread that the caller can leave behind.
//!
//! `getaddrinfo` cannot be cancelled, and a resolver that does not answer
//! holds it for the resolver's own timeouts (`options timeout:` and
//! `attempts:` in resolv.conf: 10 s by default on glibc, far more when
//! configured so). A caller with a deadline therefore hands the lookup to a
//! helper thread and waits for its answer only until the deadline; the
//! thread finishes on its own.
//!
//! The helpers are a small pool: a thread that has answered waits
//! [`KEEP_ALIVE`] for the next lookup before it ends, since starting a
//! thread costs more than a lookup in the hosts file. The lookups left
//! behind at their deadline are counted: with [`MAX_ABANDONED`] of them
//! still running, a new call waits (until its own deadline) for one to end
//! rather than start another, so that a resolver that never answers and a
//! caller that keeps retrying cannot pile up threads without bound.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::addrinfo::get_addr_info;
use crate::error::{invalid_input, not_found};
use crate::ip_text::{parse_ip_text, parse_ipv4_aton};
use crate::types::{Domain, Port, Protocol, SockType};

/// How many lookups given up at their deadline may still be running.
const MAX_ABANDONED: usize = 32;

/// How long an idle helper thread waits for another lookup.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// The helpers' shared state.
struct Pool {
    /// The process it belongs to: a child made by `fork` inherits the
    /// state but not the threads, and starts afresh.
    pid: u32,
    /// Lookups handed over and not yet taken by a helper.
    jobs: VecDeque<Job>,
    /// Helpers waiting for a lookup.
    idle: usize,
    /// Lookups given up at their deadline whose helper is still in
    /// `getaddrinfo`.
    abandoned: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    pid: 0,
    jobs: VecDeque::new(),
    idle: 0,
    abandoned: 0,
});
/// Signalled when a lookup is handed over.
static WORK: Condvar = Condvar::new();
/// Signalled each time an abandoned lookup ends.
static ONE_ENDED: Condvar = Condvar::new();

/// One lookup: the query and where its answer goes.
struct Job {
    host: String,
    port: Port,
    domain: Domain,
    sock_type: SockType,
    slot: Arc<Slot>,
}

/// What resolution gives: the addresses to try, or why there are none.
pub(crate) enum Resolved {
    Addrs(Vec<SocketAddr>),
    /// The deadline passed first.
    TimedOut,
}

/// The host as an address, when it is numeric text (every form
/// [`parse_ip_text`] reads, scopes included); `Ok(None)` for a name.
pub(crate) fn numeric(host: &str, port: Port, domain: Domain) -> io::Result<Option<SocketAddr>> {
    // The common cases without `parse_ip_text`, whose error for a name
    // (built, then dropped) would cost more than the rest of this check.
    let (ip, scope) = if let Some(v4) = parse_ipv4_aton(host) {
        (IpAddr::V4(v4), 0)
    } else {
        let (text, scope) = match host.split_once('%') {
            Some((text, _)) => (text, true),
            None => (host, false),
        };
        match text.parse::<Ipv6Addr>() {
            Err(_) => return Ok(None),
            Ok(v6) if !scope => (IpAddr::V6(v6), 0),
            // A bad scope (empty, no such interface) is the caller's
            // mistake, not a host name to look up.
            Ok(_) => parse_ip_text(host)?,
        }
    };
    let addr = match ip {
        IpAddr::V4(v4) => SocketAddr::from((v4, port.0)),
        IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, port.0, 0, scope)),
    };
    let refused = match (domain, addr) {
        (Domain::Inet, SocketAddr::V6(_)) => Some("is an IPv6 address, and the domain is Inet"),
        (Domain::Inet6, SocketAddr::V4(_)) => Some("is an IPv4 address, and the domain is Inet6"),
        (Domain::Inet6, SocketAddr::V6(v6)) if v6.ip().to_ipv4_mapped().is_some() => {
            Some("is a v4-mapped (IPv4) address, and the domain is Inet6 (IPv6 only)")
        }
        _ => None,
    };
    match refused {
        Some(why) => Err(invalid_input("host", host, why)),
        None => Ok(Some(addr)),
    }
}

/// Looks `host` up, giving up at `deadline` if there is one.
pub(crate) fn resolve(
    host: &str,
    port: Port,
    domain: Domain,
    sock_type: SockType,
    deadline: Option<Instant>,
) -> io::Result<Resolved> {
    let Some(deadline) = deadline else {
        return lookup(host, port, domain, sock_type).map(Resolved::Addrs);
    };
    let slot = Arc::new(Slot {
        state: Mutex::new(State {
            answer: None,
            abandoned: false,
        }),
        answered: Condvar::new(),
    });
    let job = Job {
        host: host.to_owned(),
        port,
        domain,
        sock_type,
        slot: Arc::clone(&slot),
    };
    if !hand_over(job, deadline)? {
        return Ok(Resolved::TimedOut);
    }
    let mut state = lock(&slot.state);
    loop {
        if let Some(answer) = state.answer.take() {
            return answer.map(Resolved::Addrs);
        }
        let now = Instant::now();
        if now >= deadline {
            // Under the slot's lock, so the helper sees the flag when it
            // answers and counts the lookup out.
            state.abandoned = true;
            lock(&POOL).abandoned += 1;
            return Ok(Resolved::TimedOut);
        }
        state = slot
            .answered
            .wait_timeout(state, deadline - now)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// Gives `job` to an idle helper, or to a new one; `false` when the
/// deadline passed while too many abandoned lookups were running.
fn hand_over(job: Job, deadline: Instant) -> io::Result<bool> {
    let mut pool = lock(&POOL);
    let pid = std::process::id();
    if pool.pid != pid {
        pool.pid = pid;
        pool.jobs.clear();
        pool.idle = 0;
        pool.abandoned = 0;
    }
    while pool.abandoned >= MAX_ABANDONED {
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        pool = ONE_ENDED
            .wait_timeout(pool, deadline - now)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    pool.jobs.push_back(job);
    if pool.idle >= pool.jobs.len() {
        WORK.notify_one();
        return Ok(true);
    }
    match thread::Builder::new()
        .name("nativesockets-resolve".into())
        .spawn(helper)
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let job = pool.jobs.pop_back();
            drop(pool);
            let host = job.map(|j| j.host).unwrap_or_default();
            Err(io::Error::new(
                e.kind(),
                format!("cannot start a thread to resolve host {host:?}: {e}"),
            ))
        }
    }
}

/// A helper thread: takes lookups until none comes for [`KEEP_ALIVE`].
fn helper() {
    let mut pool = lock(&POOL);
    loop {
        if let Some(job) = pool.jobs.pop_front() {
            drop(pool);
            answer(job);
            pool = lock(&POOL);
            continue;
        }
        pool.idle += 1;
        let (guard, waited) = WORK
            .wait_timeout(pool, KEEP_ALIVE)
            .unwrap_or_else(PoisonError::into_inner);
        pool = guard;
        pool.idle -= 1;
        if waited.timed_out() && pool.jobs.is_empty() {
            return;
        }
    }
}

/// Runs one lookup and hands its answer over, or, when the caller has
/// given up, drops it and counts the lookup out.
fn answer(job: Job) {
    let answer = lookup(&job.host, job.port, job.domain, job.sock_type);
    let mut state = lock(&job.slot.state);
    if state.abandoned {
        drop(answer);
        lock(&POOL).abandoned -= 1;
        ONE_ENDED.notify_all();
    } else {
        state.answer = Some(answer);
        job.slot.answered.notify_one();
    }
}

/// A lookup's answer, handed from its thread to the caller.
struct Slot {
    state: Mutex<State>,
    answered: Condvar,
}

struct State {
    answer: Option<io::Result<Vec<SocketAddr>>>,
    /// Set by the caller when it stops waiting.
    abandoned: bool,
}

/// Nothing in these locks can be left half-done by a panic, so a poisoned
/// lock is used as it is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many abandoned lookups are still running (for the tests).
#[cfg(test)]
pub(crate) fn abandoned() -> usize {
    lock(&POOL).abandoned
}

/// `getaddrinfo` for one type's addresses, as a list without repeats. For
/// [`Domain::Inet6`] the v4-mapped addresses `get_addr_info` adds for a
/// name with only IPv4 ones are dropped: IPv6 only means IPv6 only.
fn lookup(
    host: &str,
    port: Port,
    domain: Domain,
    sock_type: SockType,
) -> io::Result<Vec<SocketAddr>> {
    let protocol = match sock_type {
        SockType::Dgram => Protocol::Udp,
        _ => Protocol::Tcp,
    };
    let list = get_addr_info(host, port, domain, sock_type, protocol)?;
    let mut addrs: Vec<SocketAddr> = Vec::with_capacity(4);
    for addr in list.iter().filter_map(|ai| ai.socket_addr()) {
        let mapped = match addr {
            SocketAddr::V6(v6) => v6.ip().to_ipv4_mapped().is_some(),
            SocketAddr::V4(_) => false,
        };
        if domain == Domain::Inet6 && mapped {
            continue;
        }
        if !addrs.contains(&addr) {
            addrs.push(addr);
        }
    }
    if addrs.is_empty() {
        return Err(not_found(
            "host",
            host,
            "has no IPv6 address (only IPv4 ones, which Domain::Inet6 does not try)",
        ));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_hosts_need_no_lookup() {
        let a = numeric("127.1", Port(80), Domain::Unspec).unwrap().unwrap();
        assert_eq!(a, "127.0.0.1:80".parse().unwrap());
        let a = numeric("::1", Port(80), Domain::Inet6).unwrap().unwrap();
        assert_eq!(a, "[::1]:80".parse().unwrap());
        assert!(numeric("localhost", Port(80), Domain::Unspec)
            .unwrap()
            .is_none());
        assert!(numeric("fe80::1%", Port(80), Domain::Unspec).is_err());
        let a = numeric("fe80::1%7", Port(80), Domain::Unspec)
            .unwrap()
            .unwrap();
        assert_eq!(a, "[fe80::1%7]:80".parse().unwrap());
        for (host, domain) in [
            ("127.0.0.1", Domain::Inet6),
            ("::ffff:127.0.0.1", Domain::Inet6),
            ("::1", Domain::Inet),
        ] {
            let e = numeric(host, Port(80), domain).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert!(e.to_string().contains(host), "{e}");
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "getaddrinfo on a helper thread, which Miri does not emulate"
    )]
    fn an_answered_lookup_leaves_nothing_behind() {
        let deadline = Instant::now() + Duration::from_secs(30);
        let before = abandoned();
        match resolve(
            "localhost",
            Port(80),
            Domain::Unspec,
            SockType::Stream,
            Some(deadline),
        )
        .unwrap()
        {
            Resolved::Addrs(a) => assert!(a.iter().all(|a| a.ip().is_loopback())),
            Resolved::TimedOut => panic!("localhost not resolved in 30 s"),
        }
        assert_eq!(abandoned(), before);
    }
}
