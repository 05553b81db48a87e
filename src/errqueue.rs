//! The error queue (Linux's `MSG_ERRQUEUE`): what a socket learns after a
//! send has returned, typed. An ICMP or local error about a datagram
//! sent ([`ExtendedError`], with `set_recv_err_v4` / `set_recv_err_v6`
//! on), a zero-copy send that has finished with the caller's buffer
//! ([`ZeroCopyCompletion`], with [`set_zerocopy`](SocketHandle::set_zerocopy)
//! and [`MSG_ZEROCOPY`](crate::MSG_ZEROCOPY)), or the time a packet left
//! ([`TxTimestamp`], with [`set_timestamping`](SocketHandle::set_timestamping)).
//!
//! [`SocketHandle::recv_error_queue`] reads one entry;
//! [`ErrorQueueEntry::parse`] types the control area of any
//! `recvmsg(MSG_ERRQUEUE)` (bounds-checked as [`ControlMessages`] is).
//! Outside Linux the calls exist and answer `Unsupported`, naming the
//! call and the platform, so portable code compiles everywhere.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::IpAddr;
use std::ops::{BitAnd, BitOr, BitOrAssign, RangeInclusive};
use std::os::raw::c_int;
use std::time::Duration;

use crate::error::with_kind;
use crate::message::parse::ControlMessages;
use crate::options::{get_switch, set_switch};
use crate::socket::SocketHandle;
use crate::sys::cmsg::{CmsgKind, EeOrigin, ExtendedErr, TSTAMP_ACK, TSTAMP_SCHED, TSTAMP_SND};
use crate::sys::{self, SockAddr};

/// The flags of `SO_TIMESTAMPING` (Linux's `SOF_TIMESTAMPING_*`): which
/// timestamps the kernel takes (*generation* flags: `TX_SOFTWARE`,
/// `RX_SOFTWARE`, `TX_HARDWARE`, ...), which it reports (*reporting*
/// flags: `SOFTWARE`, `RAW_HARDWARE`), and options (`OPT_ID`,
/// `OPT_TSONLY`, ...). Combine them with `|`.
///
/// A generation flag alone reports nothing: transmit software timestamps
/// need `TX_SOFTWARE | SOFTWARE`, received ones `RX_SOFTWARE | SOFTWARE`.
///
/// # Examples
/// ```
/// use nativesockets::Timestamping;
/// let tx = Timestamping::TX_SOFTWARE | Timestamping::SOFTWARE | Timestamping::OPT_ID;
/// assert!(tx.contains(Timestamping::OPT_ID));
/// assert!(!tx.contains(Timestamping::RX_SOFTWARE));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Timestamping(u32);

impl Timestamping {
    /// `SOF_TIMESTAMPING_TX_HARDWARE`: the card stamps each packet sent.
    pub const TX_HARDWARE: Timestamping = Timestamping(sys::ts_flags::TX_HARDWARE);
    /// `SOF_TIMESTAMPING_TX_SOFTWARE`: the driver stamps each packet as
    /// it hands it to the card (loopback does too).
    pub const TX_SOFTWARE: Timestamping = Timestamping(sys::ts_flags::TX_SOFTWARE);
    /// `SOF_TIMESTAMPING_RX_HARDWARE`: the card stamps each packet
    /// received.
    pub const RX_HARDWARE: Timestamping = Timestamping(sys::ts_flags::RX_HARDWARE);
    /// `SOF_TIMESTAMPING_RX_SOFTWARE`: the kernel stamps each packet as
    /// it enters the stack.
    pub const RX_SOFTWARE: Timestamping = Timestamping(sys::ts_flags::RX_SOFTWARE);
    /// `SOF_TIMESTAMPING_SOFTWARE`: report software timestamps.
    pub const SOFTWARE: Timestamping = Timestamping(sys::ts_flags::SOFTWARE);
    /// `SOF_TIMESTAMPING_RAW_HARDWARE`: report hardware timestamps.
    pub const RAW_HARDWARE: Timestamping = Timestamping(sys::ts_flags::RAW_HARDWARE);
    /// `SOF_TIMESTAMPING_OPT_ID`: number the sends (from 0 when the flag
    /// is set), so each transmit timestamp says which send it is for
    /// ([`TxTimestamp::id`]): one number per `send` on a datagram socket,
    /// per byte on a stream.
    pub const OPT_ID: Timestamping = Timestamping(sys::ts_flags::OPT_ID);
    /// `SOF_TIMESTAMPING_TX_SCHED`: stamp when a packet enters the
    /// queueing discipline.
    pub const TX_SCHED: Timestamping = Timestamping(sys::ts_flags::TX_SCHED);
    /// `SOF_TIMESTAMPING_TX_ACK` (TCP): stamp when the peer has
    /// acknowledged all of a send.
    pub const TX_ACK: Timestamping = Timestamping(sys::ts_flags::TX_ACK);
    /// `SOF_TIMESTAMPING_OPT_CMSG`: add the packet's `IP_PKTINFO` to
    /// transmit timestamps.
    pub const OPT_CMSG: Timestamping = Timestamping(sys::ts_flags::OPT_CMSG);
    /// `SOF_TIMESTAMPING_OPT_TSONLY`: transmit timestamps come without
    /// the packet's bytes (cheaper, and needed by unprivileged
    /// processes for some sockets).
    pub const OPT_TSONLY: Timestamping = Timestamping(sys::ts_flags::OPT_TSONLY);
    /// `SOF_TIMESTAMPING_OPT_STATS` (TCP, with `OPT_TSONLY`): add TCP
    /// statistics to transmit timestamps ([`TxTimestamp::stats`]).
    pub const OPT_STATS: Timestamping = Timestamping(sys::ts_flags::OPT_STATS);
    /// `SOF_TIMESTAMPING_OPT_PKTINFO`: add the receiving interface to
    /// hardware-stamped packets.
    pub const OPT_PKTINFO: Timestamping = Timestamping(sys::ts_flags::OPT_PKTINFO);
    /// `SOF_TIMESTAMPING_OPT_TX_SWHW`: report software and hardware
    /// transmit timestamps both, when both are taken.
    pub const OPT_TX_SWHW: Timestamping = Timestamping(sys::ts_flags::OPT_TX_SWHW);

    /// No flag: timestamping off.
    pub const fn empty() -> Timestamping {
        Timestamping(0)
    }

    /// The flags from their bits (the kernel's values), unknown bits kept.
    pub const fn from_bits(bits: u32) -> Timestamping {
        Timestamping(bits)
    }

    /// The bits, as `setsockopt` takes them.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Timestamping) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for Timestamping {
    type Output = Timestamping;
    fn bitor(self, rhs: Timestamping) -> Timestamping {
        Timestamping(self.0 | rhs.0)
    }
}

impl BitOrAssign for Timestamping {
    fn bitor_assign(&mut self, rhs: Timestamping) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Timestamping {
    type Output = Timestamping;
    fn bitand(self, rhs: Timestamping) -> Timestamping {
        Timestamping(self.0 & rhs.0)
    }
}

impl fmt::Debug for Timestamping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(Timestamping, &str); 14] = [
            (Timestamping::TX_HARDWARE, "TX_HARDWARE"),
            (Timestamping::TX_SOFTWARE, "TX_SOFTWARE"),
            (Timestamping::RX_HARDWARE, "RX_HARDWARE"),
            (Timestamping::RX_SOFTWARE, "RX_SOFTWARE"),
            (Timestamping::SOFTWARE, "SOFTWARE"),
            (Timestamping::RAW_HARDWARE, "RAW_HARDWARE"),
            (Timestamping::OPT_ID, "OPT_ID"),
            (Timestamping::TX_SCHED, "TX_SCHED"),
            (Timestamping::TX_ACK, "TX_ACK"),
            (Timestamping::OPT_CMSG, "OPT_CMSG"),
            (Timestamping::OPT_TSONLY, "OPT_TSONLY"),
            (Timestamping::OPT_STATS, "OPT_STATS"),
            (Timestamping::OPT_PKTINFO, "OPT_PKTINFO"),
            (Timestamping::OPT_TX_SWHW, "OPT_TX_SWHW"),
        ];
        let mut rest = self.0;
        let mut first = true;
        f.write_str("Timestamping(")?;
        for (flag, name) in NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
                rest &= !flag.0;
            }
        }
        if rest != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{rest:#x}")?;
        }
        f.write_str(")")
    }
}

/// Where a queued error came from (`ee_origin`, Linux's `SO_EE_ORIGIN_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorOrigin {
    /// `SO_EE_ORIGIN_NONE`.
    None,
    /// `SO_EE_ORIGIN_LOCAL`: this host refused the send (for example
    /// `EMSGSIZE` above the path MTU, which is then in `info`).
    Local,
    /// `SO_EE_ORIGIN_ICMP`: an ICMP message about a packet sent.
    Icmp,
    /// `SO_EE_ORIGIN_ICMP6`: an ICMPv6 message about a packet sent.
    Icmp6,
    /// `SO_EE_ORIGIN_ZEROCOPY`: a zero-copy completion.
    ZeroCopy,
    /// `SO_EE_ORIGIN_TIMESTAMPING` (the number of `SO_EE_ORIGIN_TXSTATUS`
    /// too): a transmit timestamp.
    Timestamping,
    /// Any other value.
    Other(u8),
}

impl From<EeOrigin> for ErrorOrigin {
    fn from(o: EeOrigin) -> ErrorOrigin {
        match o {
            EeOrigin::None => ErrorOrigin::None,
            EeOrigin::Local => ErrorOrigin::Local,
            EeOrigin::Icmp => ErrorOrigin::Icmp,
            EeOrigin::Icmp6 => ErrorOrigin::Icmp6,
            EeOrigin::ZeroCopy => ErrorOrigin::ZeroCopy,
            EeOrigin::Timestamping => ErrorOrigin::Timestamping,
            EeOrigin::Other(n) => ErrorOrigin::Other(n),
        }
    }
}

/// An ICMP, ICMPv6 or local error about something sent: Linux's `struct
/// sock_extended_err` and the address of whoever reported it.
///
/// For an ICMP port unreachable from 127.0.0.1: origin `Icmp`, `errno`
/// `ECONNREFUSED`, `icmp_type` 3, `icmp_code` 3, `offender`
/// `Some(127.0.0.1)`. For a TTL exceeded on the way: `icmp_type` 11 (ICMPv6:
/// 3), `errno` `EHOSTUNREACH`, `offender` the router that dropped it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExtendedError {
    /// `ee_errno`: the error as an OS error number (`ECONNREFUSED`,
    /// `EHOSTUNREACH`, `EMSGSIZE`, ...).
    pub errno: i32,
    /// `ee_origin`.
    pub origin: ErrorOrigin,
    /// `ee_type`: the ICMP or ICMPv6 type (0 for a local error).
    pub icmp_type: u8,
    /// `ee_code`: the ICMP or ICMPv6 code.
    pub icmp_code: u8,
    /// `ee_info`: extra information, such as the MTU of a "fragmentation
    /// needed" / "packet too big" message or of a local `EMSGSIZE`.
    pub info: u32,
    /// `ee_data`: unused by ICMP errors.
    pub data: u32,
    /// `SO_EE_OFFENDER`: who sent the ICMP message (a router, the peer),
    /// or the local address for a local error; `None` where the kernel
    /// gives no IP address.
    pub offender: Option<IpAddr>,
}

impl ExtendedError {
    /// The error as an `io::Error` (its kind from `errno`).
    pub fn os_error(&self) -> io::Error {
        io::Error::from_raw_os_error(self.errno)
    }
}

/// A zero-copy completion: sends number `lo` to `hi` (inclusive, counted
/// from 0 per socket, one number per `MSG_ZEROCOPY` send call) are done
/// with their buffers, which the caller may now reuse or free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZeroCopyCompletion {
    /// `ee_info`: the first send covered.
    pub lo: u32,
    /// `ee_data`: the last send covered.
    pub hi: u32,
    /// `SO_EE_CODE_ZEROCOPY_COPIED`: the kernel copied the data after all
    /// (always so on loopback, and where the device cannot send from user
    /// pages). A caller that sees it often should stop asking for zero
    /// copy: it paid for the page pinning without the gain.
    pub copied: bool,
}

impl ZeroCopyCompletion {
    /// The sends covered, `lo..=hi`.
    pub fn range(&self) -> RangeInclusive<u32> {
        self.lo..=self.hi
    }

    /// How many sends it covers (the counter wraps at 2³²).
    pub fn count(&self) -> u64 {
        u64::from(self.hi.wrapping_sub(self.lo)) + 1
    }
}

/// Which point of a send a transmit timestamp marks (`ee_info`,
/// Linux's `SCM_TSTAMP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimestampKind {
    /// `SCM_TSTAMP_SND`: the packet left (the driver handed it to the
    /// card, or the card sent it, for a hardware stamp).
    Sent,
    /// `SCM_TSTAMP_SCHED`: the packet entered the queueing discipline.
    Scheduled,
    /// `SCM_TSTAMP_ACK`: the peer acknowledged the data (TCP).
    Acknowledged,
    /// Any other value.
    Other(u32),
}

/// A transmit timestamp from the error queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TxTimestamp<'a> {
    /// Which point of the send it marks.
    pub kind: TimestampKind,
    /// With [`Timestamping::OPT_ID`]: which send it is for (`ee_data`;
    /// counted from 0 per socket: one a send on a datagram socket, the
    /// last byte's offset on a stream). 0 without it.
    pub id: u32,
    /// The software timestamp, on the system clock (time since the Unix
    /// epoch, as `SystemTime::UNIX_EPOCH` counts).
    pub software: Option<Duration>,
    /// The raw hardware timestamp, on the card's clock.
    pub hardware: Option<Duration>,
    /// With [`Timestamping::OPT_STATS`]: the TCP statistics, as the raw
    /// netlink attributes of `SCM_TIMESTAMPING_OPT_STATS`.
    pub stats: Option<&'a [u8]>,
}

/// One entry of the error queue, typed from its control messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorQueueEntry<'a> {
    /// An ICMP, ICMPv6 or local error (and any other origin this crate
    /// does not give its own variant to: `None`, `Other`).
    Error(ExtendedError),
    /// A zero-copy completion.
    ZeroCopy(ZeroCopyCompletion),
    /// A transmit timestamp.
    Timestamp(TxTimestamp<'a>),
    /// A control area with no `sock_extended_err` in it (or one too short
    /// to read): its bytes, for [`ControlMessages::new`].
    Raw(&'a [u8]),
}

impl<'a> ErrorQueueEntry<'a> {
    /// Types the control area a `recvmsg(MSG_ERRQUEUE)` filled (its first
    /// `msg_controllen` bytes): the `IP_RECVERR` / `IPV6_RECVERR` message
    /// decides the entry, a `SCM_TIMESTAMPING` one gives a timestamp its
    /// times. Bounds-checked as [`ControlMessages`]: it reads nothing past
    /// `control`, and never panics whatever the bytes.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::ErrorQueueEntry;
    /// assert_eq!(ErrorQueueEntry::parse(&[]), ErrorQueueEntry::Raw(&[]));
    /// ```
    pub fn parse(control: &'a [u8]) -> ErrorQueueEntry<'a> {
        let mut ee: Option<ExtendedErr> = None;
        let mut times: Option<&'a [u8]> = None;
        let mut stats: Option<&'a [u8]> = None;
        let mut walk = ControlMessages::new(control);
        while let Some((level, ty, data)) = walk.next_raw() {
            match sys::cmsg_kind(level, ty) {
                CmsgKind::ExtendedErr => {
                    if let Some(e) = sys::decode_extended_err(data) {
                        ee = Some(e);
                    }
                }
                CmsgKind::Timestamping => times = Some(data),
                CmsgKind::TimestampingStats => stats = Some(data),
                _ => {}
            }
        }
        let Some(e) = ee else {
            return ErrorQueueEntry::Raw(control);
        };
        match e.origin {
            EeOrigin::ZeroCopy => ErrorQueueEntry::ZeroCopy(ZeroCopyCompletion {
                lo: e.info,
                hi: e.data,
                copied: e.copied,
            }),
            EeOrigin::Timestamping => {
                let [software, _, hardware] =
                    times.and_then(sys::decode_timestamping).unwrap_or_default();
                ErrorQueueEntry::Timestamp(TxTimestamp {
                    kind: match e.info {
                        TSTAMP_SND => TimestampKind::Sent,
                        TSTAMP_SCHED => TimestampKind::Scheduled,
                        TSTAMP_ACK => TimestampKind::Acknowledged,
                        n => TimestampKind::Other(n),
                    },
                    id: e.data,
                    software,
                    hardware,
                    stats,
                })
            }
            _ => ErrorQueueEntry::Error(ExtendedError {
                errno: e.errno as i32,
                origin: e.origin.into(),
                icmp_type: e.ty,
                icmp_code: e.code,
                info: e.info,
                data: e.data,
                offender: e.offender,
            }),
        }
    }
}

/// What [`SocketHandle::recv_error_queue`] read: the entry, and the bytes
/// that came with it.
pub struct ErrorQueueMsg<'a> {
    entry: ErrorQueueEntry<'a>,
    payload: &'a [u8],
    len: usize,
    flags: c_int,
    addr: SockAddr,
    control: &'a [u8],
}

impl<'a> ErrorQueueMsg<'a> {
    /// The entry, typed.
    pub fn entry(&self) -> ErrorQueueEntry<'a> {
        self.entry
    }

    /// The bytes the kernel returned with the entry (what fitted in the
    /// data buffer): for an ICMP error, the start of the datagram that
    /// caused it (its payload on a UDP socket, the ICMP header on an
    /// ICMP one); for a transmit timestamp, the packet as it left,
    /// headers included, or nothing with [`Timestamping::OPT_TSONLY`];
    /// nothing for a zero-copy completion.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// How many bytes the kernel had (more than `payload().len()` when
    /// the buffer was too short, see [`is_truncated`](Self::is_truncated)).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes came.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `MSG_TRUNC`: the bytes did not all fit in the data buffer.
    pub fn is_truncated(&self) -> bool {
        self.flags & sys::MSG_TRUNC != 0
    }

    /// `MSG_CTRUNC`: the control area was too small; the entry may be
    /// `Raw` or lack its timestamps.
    pub fn is_control_truncated(&self) -> bool {
        self.flags & sys::MSG_CTRUNC != 0
    }

    /// The destination of the datagram the entry is about (for an ICMP
    /// error: where it was sent; empty otherwise).
    pub fn addr(&self) -> &SockAddr {
        &self.addr
    }

    /// The control area, as bytes.
    pub fn control_bytes(&self) -> &'a [u8] {
        self.control
    }
}

impl fmt::Debug for ErrorQueueMsg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorQueueMsg")
            .field("entry", &self.entry)
            .field("len", &self.len)
            .field("truncated", &self.is_truncated())
            .field("addr", &self.addr)
            .finish()
    }
}

/// The room a control area needs for any one error-queue entry: the
/// extended error with an IPv6 offender, the three timestamps and the
/// packet information, with room to spare; TCP's `OPT_STATS` can take a
/// few hundred bytes more.
pub const ERROR_QUEUE_CONTROL_SPACE: usize = 512;

impl SocketHandle {
    /// Reads one entry of the socket's error queue: an ICMP or local
    /// error, a zero-copy completion or a transmit timestamp, typed
    /// ([`ErrorQueueEntry`]), with the bytes the kernel returns into
    /// `data` and the control messages into `control` (give it
    /// [`ERROR_QUEUE_CONTROL_SPACE`] bytes).
    ///
    /// It never waits: an empty queue is `WouldBlock` at once, whatever
    /// the socket's mode. A queued entry makes the socket readable with
    /// an error condition (`POLLERR`), so a [`Poller`](crate::Poller) or
    /// `select` wakes for it; a send or receive on the socket may also
    /// fail once with the error of an ICMP entry (`ECONNREFUSED`, ...),
    /// which stays on the queue.
    ///
    /// What lands on the queue: ICMP errors with
    /// [`set_recv_err_v4`](Self::set_recv_err_v4) /
    /// [`set_recv_err_v6`](Self::set_recv_err_v6); completions of
    /// `MSG_ZEROCOPY` (Linux) sends with
    /// [`set_zerocopy`](Self::set_zerocopy); transmit timestamps with
    /// [`set_timestamping`](Self::set_timestamping).
    ///
    /// Corresponds to `recvmsg(2)` with `MSG_ERRQUEUE` on Linux (see
    /// `ip(7)` `IP_RECVERR` and the kernel's `timestamping.rst` and
    /// `msg_zerocopy.rst`).
    ///
    /// # Errors
    /// `WouldBlock` when the queue is empty. `Unsupported` outside Linux,
    /// naming the call and the platform, with no system call made.
    /// Otherwise the OS error (`EBADF`, ...).
    ///
    /// # Examples
    /// A datagram to a closed port comes back as an ICMP error:
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use nativesockets::*;
    /// use std::io::IoSlice;
    ///
    /// let closed = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let to = SockAddr::from(closed.local_addr()?);
    /// drop(closed);
    ///
    /// let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// s.set_recv_err_v4(true)?;
    /// s.send_msg(Some(&to), &[IoSlice::new(b"anyone?")], &[], 0)?;
    /// std::thread::sleep(std::time::Duration::from_millis(50));
    ///
    /// let (mut data, mut control) = ([0u8; 64], [0u8; ERROR_QUEUE_CONTROL_SPACE]);
    /// let msg = s.recv_error_queue(&mut data, &mut control)?;
    /// let ErrorQueueEntry::Error(e) = msg.entry() else { panic!("{msg:?}") };
    /// assert_eq!((e.origin, e.icmp_type, e.icmp_code), (ErrorOrigin::Icmp, 3, 3));
    /// assert_eq!(e.os_error().kind(), std::io::ErrorKind::ConnectionRefused);
    /// assert_eq!(msg.payload(), b"anyone?");
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn recv_error_queue<'a>(
        &self,
        data: &'a mut [u8],
        control: &'a mut [u8],
    ) -> io::Result<ErrorQueueMsg<'a>> {
        let (len, addr, flags, control_len) = {
            let mut bufs = [IoSliceMut::new(&mut *data)];
            // SAFETY: the same bytes seen as possibly uninitialised; the
            // kernel writes only initialised bytes into them.
            let area = unsafe { &mut *(control as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
            sys::recv_error_queue(self.sys(), &mut bufs, area)?
        };
        let control: &'a [u8] = &control[..control_len.min(control.len())];
        let payload: &'a [u8] = &data[..len.min(data.len())];
        Ok(ErrorQueueMsg {
            entry: ErrorQueueEntry::parse(control),
            payload,
            len,
            flags,
            addr,
            control,
        })
    }

    /// Allows `MSG_ZEROCOPY` (Linux) sends on the socket
    /// (`SO_ZEROCOPY`, Linux 4.14+; TCP and UDP, 5.0+ for UDP). Without
    /// it the flag is ignored and every send copies.
    ///
    /// Each zero-copy send is then completed on the error queue
    /// ([`ErrorQueueEntry::ZeroCopy`]); until its completion arrives the
    /// kernel may still read the caller's bytes, so they must stay alive
    /// and unchanged. It pays only above about 10 KB per send; on
    /// loopback the kernel always copies (the completion says so).
    ///
    /// Corresponds to `setsockopt(2)` with `SOL_SOCKET`, `SO_ZEROCOPY`.
    ///
    /// # Errors
    /// `Unsupported` outside Linux, naming the option and the platform;
    /// otherwise the OS error (`EOPNOTSUPP` for a socket type without
    /// zero copy, `ENOPROTOOPT` on kernels before 4.14).
    pub fn set_zerocopy(&self, on: bool) -> io::Result<()> {
        set_switch(self, sys::ZEROCOPY, "SO_ZEROCOPY", c_int::from(on))
    }

    /// Whether `SO_ZEROCOPY` is on; see [`set_zerocopy`](Self::set_zerocopy).
    pub fn zerocopy(&self) -> io::Result<bool> {
        get_switch(self, sys::ZEROCOPY, "SO_ZEROCOPY").map(|v| v != 0)
    }

    /// Sends `bufs` with `MSG_ZEROCOPY`, to `addr` or the connected peer:
    /// [`send_msg`](Self::send_msg) with that flag, for code that must
    /// compile everywhere. The bytes must stay alive and unchanged until
    /// the completion for this send (the next number, counted from 0 per
    /// socket) arrives on the error queue; see
    /// [`set_zerocopy`](Self::set_zerocopy).
    ///
    /// # Errors
    /// `Unsupported` outside Linux, naming the flag and the platform;
    /// otherwise as [`send_msg`](Self::send_msg) (`ENOBUFS` when the
    /// socket's locked-memory budget, `optmem_max`, is used up by sends
    /// not yet completed: read the error queue and retry).
    pub fn send_zerocopy(
        &self,
        addr: Option<&SockAddr>,
        bufs: &[IoSlice<'_>],
    ) -> io::Result<usize> {
        let flag = sys::MSG_ZEROCOPY_FLAG.ok_or_else(|| {
            with_kind(
                io::ErrorKind::Unsupported,
                "send flag",
                "MSG_ZEROCOPY",
                &format!("does not exist on {}", std::env::consts::OS),
            )
        })?;
        self.send_msg(addr, bufs, &[], flag)
    }

    /// Sets which timestamps the kernel takes and reports for this socket
    /// (`SO_TIMESTAMPING`, Linux): received ones arrive with
    /// [`recv_msg`](Self::recv_msg) as
    /// [`ReceivedControl::Timestamping`](crate::ReceivedControl::Timestamping);
    /// transmit ones on the error queue
    /// ([`ErrorQueueEntry::Timestamp`]). [`Timestamping::empty`] turns it
    /// off.
    ///
    /// Setting [`Timestamping::OPT_ID`] (re)starts the send numbering at
    /// 0.
    ///
    /// Linux turns receive stamping on for the whole system lazily, from
    /// a work queue, when the first socket asks for it: the first packets
    /// received after that may come without a stamp.
    ///
    /// Corresponds to `setsockopt(2)` with `SOL_SOCKET`,
    /// `SO_TIMESTAMPING`; see the kernel's `timestamping.rst`.
    ///
    /// # Errors
    /// `Unsupported` outside Linux, naming the option and the platform;
    /// otherwise the OS error (`EINVAL` for bits the kernel does not
    /// know, or `OPT_STATS` without `OPT_TSONLY` on some kernels).
    ///
    /// # Examples
    /// ```
    /// # #[cfg(target_os = "linux")]
    /// # fn run() -> std::io::Result<()> {
    /// use nativesockets::*;
    /// let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// let flags = Timestamping::TX_SOFTWARE | Timestamping::SOFTWARE | Timestamping::OPT_ID;
    /// s.set_timestamping(flags)?;
    /// assert_eq!(s.timestamping()?, flags);
    /// # Ok(())
    /// # }
    /// # #[cfg(target_os = "linux")]
    /// # match run() {
    /// #     // qemu-user (CI's s390x and aarch64 runs) refuses the option.
    /// #     Err(e) if e.raw_os_error() == Some(92) => {}
    /// #     r => r.unwrap(),
    /// # }
    /// ```
    pub fn set_timestamping(&self, flags: Timestamping) -> io::Result<()> {
        set_switch(
            self,
            sys::TIMESTAMPING,
            "SO_TIMESTAMPING",
            flags.bits() as c_int,
        )
    }

    /// The `SO_TIMESTAMPING` flags in force; see
    /// [`set_timestamping`](Self::set_timestamping).
    pub fn timestamping(&self) -> io::Result<Timestamping> {
        get_switch(self, sys::TIMESTAMPING, "SO_TIMESTAMPING")
            .map(|v| Timestamping::from_bits(v as u32))
    }
}
