//! Connecting by name: [`connect_host`] resolves a host and races its
//! addresses (Happy Eyeballs, RFC 8305) under one deadline, and reports
//! every failed attempt in one error ([`ConnectError`]).
//!
//! `mod.rs` holds the public items and the checks of the input;
//! `resolve.rs` the lookup (on a helper thread under a deadline),
//! `race.rs` the attempts, `error.rs` the error.

mod error;
mod race;
mod resolve;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use self::error::ConnectError;
use self::race::{interleave, Attempts};
use self::resolve::{numeric, resolve, Resolved};
use crate::error::{invalid_input, MAX_NAME_LEN};
use crate::socket::SocketHandle;
use crate::sys::SockAddr;
use crate::types::{Domain, Port, SockType};

/// RFC 8305's recommended Connection Attempt Delay.
const DEFAULT_FALLBACK_DELAY: Duration = Duration::from_millis(250);

/// How [`connect_host`] connects: the deadline, Happy Eyeballs' head
/// start, the family and type of socket, the source address, and an
/// observer of the attempts. Built like std's `OpenOptions`:
/// `ConnectOptions::new().timeout(Duration::from_secs(5))`.
///
/// `Default` is the same as [`new`](Self::new).
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    timeout: Option<Duration>,
    fallback_delay: Duration,
    attempt_timeout: Option<Duration>,
    domain: Domain,
    sock_type: SockType,
    bind: Option<SockAddr>,
    #[cfg(linux_like)]
    device: Option<Vec<u8>>,
    observer: Option<Observer>,
}

/// The callback of [`ConnectOptions::on_attempt`], shared by the clones of
/// the options.
#[derive(Clone)]
struct Observer(Arc<dyn Fn(&ConnectEvent<'_>) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer(..)")
    }
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions::new()
    }
}

impl ConnectOptions {
    /// A stream (TCP) connection to any family, with no deadline, a
    /// fallback delay of 250 ms, no source address and no observer.
    pub fn new() -> ConnectOptions {
        ConnectOptions {
            timeout: None,
            fallback_delay: DEFAULT_FALLBACK_DELAY,
            attempt_timeout: None,
            domain: Domain::Unspec,
            sock_type: SockType::Stream,
            bind: None,
            #[cfg(linux_like)]
            device: None,
            observer: None,
        }
    }

    /// The whole call's deadline: name resolution and every attempt
    /// together. Past it, `connect_host` returns `TimedOut` naming the
    /// host (and the addresses, when it got that far). A zero duration is
    /// refused by `connect_host` (`InvalidInput`), as std's
    /// `connect_timeout` refuses it.
    pub fn timeout(mut self, whole: Duration) -> ConnectOptions {
        self.timeout = Some(whole);
        self
    }

    /// How long an attempt has to itself before the next address is tried
    /// beside it (RFC 8305's Connection Attempt Delay); 250 ms by default,
    /// as the RFC recommends. The next attempt starts at once when one
    /// fails. Zero starts every attempt at once.
    pub fn fallback_delay(mut self, delay: Duration) -> ConnectOptions {
        self.fallback_delay = delay;
        self
    }

    /// The most one attempt may take before it counts as failed
    /// (`TimedOut`) and the next address gets its turn; no limit by
    /// default (the OS's own, over two minutes on Linux). Unlike
    /// [`timeout`](Self::timeout) this does not end the call.
    pub fn attempt_timeout(mut self, each: Duration) -> ConnectOptions {
        self.attempt_timeout = Some(each);
        self
    }

    /// Which addresses to try: [`Domain::Inet`] IPv4 only,
    /// [`Domain::Inet6`] IPv6 only (never an IPv4 address as a v4-mapped
    /// one), [`Domain::Unspec`] both (the default). Any other domain is
    /// refused by `connect_host` (`InvalidInput`).
    pub fn domain(mut self, domain: Domain) -> ConnectOptions {
        self.domain = domain;
        self
    }

    /// [`SockType::Stream`] (TCP, the default) or [`SockType::Dgram`]
    /// (UDP); any other type is refused by `connect_host`
    /// (`InvalidInput`).
    pub fn sock_type(mut self, sock_type: SockType) -> ConnectOptions {
        self.sock_type = sock_type;
        self
    }

    /// The source address (and port, when not 0) every attempt binds
    /// before it connects. Only addresses of its family are tried; a
    /// [`domain`](Self::domain) of the other family is refused. With a
    /// port other than 0 each attempt sets `SO_REUSEADDR`, so that
    /// attempts running side by side can all bind it.
    pub fn bind(mut self, local: SockAddr) -> ConnectOptions {
        self.bind = Some(local);
        self
    }

    /// Binds every attempt to the network interface `interface` (`b"eth0"`)
    /// with `SO_BINDTODEVICE`, as
    /// [`SocketHandle::bind_device`](crate::SocketHandle::bind_device)
    /// does (Linux only). `connect_host` refuses a name that is empty,
    /// 16 bytes or longer, or holds a NUL (`InvalidInput`); an interface
    /// that does not exist fails each attempt (`ENODEV`).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn bind_device(mut self, interface: &[u8]) -> ConnectOptions {
        self.device = Some(interface.to_vec());
        self
    }

    /// Calls `observer` as the call goes: once the addresses are known,
    /// and as each attempt starts, fails or connects, on the calling
    /// thread, as it happens (what a tool's `-v` prints: curl's
    /// `Trying [::1]:80...`).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{connect_host, ConnectEvent, ConnectOptions, Port};
    /// use std::sync::{Arc, Mutex};
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let port = Port(listener.local_addr()?.port());
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let seen = Arc::clone(&log);
    /// let options = ConnectOptions::new().on_attempt(move |event| {
    ///     if let ConnectEvent::Trying { addr } = event {
    ///         seen.lock().unwrap().push(format!("Trying {addr}..."));
    ///     }
    /// });
    /// connect_host("127.0.0.1", port, &options)?;
    /// assert_eq!(*log.lock().unwrap(), [format!("Trying 127.0.0.1:{port}...")]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_attempt(
        mut self,
        observer: impl Fn(&ConnectEvent<'_>) + Send + Sync + 'static,
    ) -> ConnectOptions {
        self.observer = Some(Observer(Arc::new(observer)));
        self
    }
}

/// What [`ConnectOptions::on_attempt`]'s observer is told.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectEvent<'a> {
    /// The addresses that will be tried, in the order they will be (after
    /// resolution, or at once for a numeric host).
    Resolved {
        /// In Happy Eyeballs' order: families alternating.
        addrs: &'a [SocketAddr],
    },
    /// An attempt starts.
    Trying {
        /// Its address.
        addr: &'a SocketAddr,
    },
    /// An attempt failed (others may still succeed).
    Failed {
        /// Its address.
        addr: &'a SocketAddr,
        /// Why.
        error: &'a io::Error,
    },
    /// An attempt connected: its socket is the one returned.
    Connected {
        /// Its address.
        addr: &'a SocketAddr,
    },
}

/// Connects to `host` on `port`: resolves it, tries its addresses with
/// Happy Eyeballs (RFC 8305) and returns the first socket that connects,
/// in blocking mode, as one from [`SocketHandle::connect`] would be.
///
/// - **Resolution**: a numeric host (every form
///   [`parse_ip_text`](crate::parse_ip_text) reads: `127.1`, `::1`,
///   `fe80::1%lo`) is used as it is, with no lookup; a name goes to
///   `getaddrinfo` (as [`get_addr_info`](crate::get_addr_info) does), and
///   its addresses are tried in the order the resolver gave them (RFC
///   6724's, on glibc), families alternating from the first address's
///   family.
/// - **The race** (streams): the first attempt starts; when it has not
///   connected within [`fallback_delay`](ConnectOptions::fallback_delay)
///   (250 ms), the next starts beside it, and so on; an attempt that fails
///   starts the next at once. The first to connect wins and the others are
///   closed. A host with one address is simply connected to, with the calls
///   a program would make by hand.
/// - **Datagrams** ([`SockType::Dgram`]): connecting sends nothing, so the
///   addresses are tried in turn and the first whose `connect` succeeds
///   (it has a route) is returned.
/// - **The deadline** ([`timeout`](ConnectOptions::timeout)) covers
///   resolution too: a lookup under a deadline runs on a helper thread that
///   the call stops waiting for at the deadline (`getaddrinfo` cannot be
///   cancelled; the lookup goes on until the resolver answers). Lookups
///   left behind this way are bounded: while 32 still run, a new call
///   waits for one to end, within its own deadline. A helper that has
///   answered waits 5 s for the next lookup before its thread ends.
///   Without a deadline the lookup runs on the calling thread.
///
/// Corresponds to [`getaddrinfo(3)`], then [`socket(2)`], [`bind(2)`]
/// (with [`bind`](ConnectOptions::bind)) and [`connect(2)`] per attempt,
/// with the attempts non-blocking and waited on with [`poll(2)`] on Unix
/// ([`select`] with `writefds` and `exceptfds` on Windows), and the
/// winner made blocking again.
///
/// [`getaddrinfo(3)`]: https://man7.org/linux/man-pages/man3/getaddrinfo.3.html
/// [`socket(2)`]: https://man7.org/linux/man-pages/man2/socket.2.html
/// [`bind(2)`]: https://man7.org/linux/man-pages/man2/bind.2.html
/// [`connect(2)`]: https://man7.org/linux/man-pages/man2/connect.2.html
/// [`poll(2)`]: https://man7.org/linux/man-pages/man2/poll.2.html
/// [`select`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
///
/// # When to use it
/// Use `connect_host` to reach a service by name the way a client should:
/// it does not wait minutes on an address that drops packets while
/// another would answer, it keeps to a deadline even when the resolver
/// hangs, and its error says what happened at each address. Use
/// [`get_addr_info`](crate::get_addr_info) and
/// [`SocketHandle::connect`] yourself to choose the addresses, their order
/// or the socket options set before connecting, or to connect
/// asynchronously.
///
/// | | `connect_host` | Python `socket.create_connection` | Go `net.Dialer` |
/// |---|---|---|---|
/// | Order | families alternate (RFC 8305) | resolver's order, one at a time | primary family, then fallback family |
/// | Parallel attempts | every address, 250 ms apart | no | two: one per family, 300 ms apart |
/// | Deadline covers lookup | yes (`timeout`) | no (`timeout` is per attempt) | yes (`Timeout`, `Deadline`) |
/// | All errors | [`ConnectError`] inside the `io::Error` | `all_errors=True` (`ExceptionGroup`) | first error only |
/// | Source address | [`bind`](ConnectOptions::bind) | `source_address` | `LocalAddr` |
/// | Family only | [`domain`](ConnectOptions::domain) | `family` argument of `getaddrinfo` | network `"tcp4"`, `"tcp6"` |
///
/// # Errors
/// - `InvalidInput`, naming the input, before anything is sent: an empty
///   host, one longer than 1 KiB or holding a NUL byte; port 0; a domain
///   other than `Inet`, `Inet6`, `Unspec`; a socket type other than
///   `Stream` and `Dgram`; a zero timeout or attempt timeout; a source
///   address that is not IPv4 or IPv6 or not of the domain's family; a
///   numeric host of the other family than the domain (or source address),
///   or a v4-mapped one under `Domain::Inet6`; a bad interface name for
///   `bind_device` (Linux).
/// - `NotFound` and the other errors of [`get_addr_info`](crate::get_addr_info)
///   when the name does not resolve (`NotFound` too for `Domain::Inet6`
///   and a name with IPv4 addresses only).
/// - `TimedOut` when the deadline passes: its inner [`ConnectError`]
///   names the host and, if the lookup finished, each address and how far
///   it got.
/// - When every attempt fails: one error whose message names the host and
///   each address tried with its reason, whose kind is the first attempt's
///   (`ConnectionRefused`, ...), and whose inner error
///   (`err.get_ref().and_then(|e| e.downcast_ref::<ConnectError>())`)
///   lists the attempts, each with its `io::Error`.
///
/// # Examples
/// ```
/// use nativesockets::{connect_host, ConnectOptions, Port};
/// use std::time::Duration;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let port = Port(listener.local_addr()?.port());
/// let options = ConnectOptions::new().timeout(Duration::from_secs(5));
/// let socket = connect_host("localhost", port, &options)?;
/// assert!(socket.peer_addr()?.as_socket_addr().unwrap().ip().is_loopback());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn connect_host(host: &str, port: Port, options: &ConnectOptions) -> io::Result<SocketHandle> {
    let started = Instant::now();
    check(host, port, options)?;
    // A deadline past what `Instant` holds is no deadline.
    let deadline = options.timeout.and_then(|t| started.checked_add(t));
    let domain = match &options.bind {
        Some(local) => local.domain().unwrap_or(options.domain),
        None => options.domain,
    };
    let attempts = Attempts {
        host,
        port,
        options,
        deadline,
    };
    let addrs = match numeric(host, port, domain)? {
        Some(addr) => {
            attempts.event_resolved(&[addr]);
            return match options.sock_type {
                SockType::Dgram => attempts.in_turn(&[addr]),
                _ => attempts.one(addr),
            };
        }
        None => match resolve(host, port, domain, options.sock_type, deadline)? {
            Resolved::Addrs(addrs) => interleave(addrs),
            Resolved::TimedOut => {
                return Err(
                    ConnectError::new(host, port, Vec::new(), Vec::new(), options.timeout)
                        .into_io_error(),
                )
            }
        },
    };
    attempts.event_resolved(&addrs);
    match (options.sock_type, addrs.as_slice()) {
        (SockType::Dgram, _) => attempts.in_turn(&addrs),
        (_, [one]) => attempts.one(*one),
        _ => attempts.race(&addrs),
    }
}

impl Attempts<'_> {
    fn event_resolved(&self, addrs: &[SocketAddr]) {
        if let Some(observer) = &self.options.observer {
            (observer.0)(&ConnectEvent::Resolved { addrs });
        }
    }
}

/// The input checks, all before any lookup or socket.
fn check(host: &str, port: Port, options: &ConnectOptions) -> io::Result<()> {
    if host.is_empty() {
        return Err(invalid_input(
            "host",
            host,
            "is empty (name a host, or an address such as \"127.0.0.1\" or \"::1\")",
        ));
    }
    if host.as_bytes().contains(&0) {
        return Err(invalid_input("host", host, "contains a NUL byte"));
    }
    if host.len() > MAX_NAME_LEN {
        return Err(invalid_input("host", host, "is longer than 1024 bytes"));
    }
    if port.0 == 0 {
        return Err(invalid_input(
            "port",
            port.0,
            &format!("cannot be connected to (connecting to host {host:?})"),
        ));
    }
    if !matches!(
        options.domain,
        Domain::Inet | Domain::Inet6 | Domain::Unspec
    ) {
        return Err(invalid_input(
            "domain",
            options.domain,
            "cannot be connected to by host name (Inet, Inet6 or Unspec)",
        ));
    }
    if !matches!(options.sock_type, SockType::Stream | SockType::Dgram) {
        return Err(invalid_input(
            "socket type",
            options.sock_type,
            "cannot be connected to by host name (Stream or Dgram)",
        ));
    }
    if options.timeout == Some(Duration::ZERO) {
        return Err(invalid_input("connect timeout", Duration::ZERO, "is zero"));
    }
    if options.attempt_timeout == Some(Duration::ZERO) {
        return Err(invalid_input("attempt timeout", Duration::ZERO, "is zero"));
    }
    #[cfg(linux_like)]
    if let Some(device) = &options.device {
        if device.is_empty() || device.len() >= 16 || device.contains(&0) {
            return Err(invalid_input(
                "interface name",
                String::from_utf8_lossy(device),
                "is not a name of 1 to 15 bytes without NUL",
            ));
        }
    }
    if let Some(local) = &options.bind {
        match local.domain() {
            Some(d @ (Domain::Inet | Domain::Inet6))
                if options.domain == Domain::Unspec || options.domain == d => {}
            Some(d @ (Domain::Inet | Domain::Inet6)) => {
                return Err(invalid_input(
                    "source address",
                    format_args!("{local}"),
                    &format!("is {d:?}, which domain {:?} does not try", options.domain),
                ))
            }
            _ => {
                return Err(invalid_input(
                    "source address",
                    format_args!("{local}"),
                    "is not an IPv4 or IPv6 address",
                ))
            }
        }
    }
    Ok(())
}
