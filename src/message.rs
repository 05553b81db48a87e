//! Messages with control data: [`SocketHandle::send_msg`] and
//! [`SocketHandle::recv_msg`] (`sendmsg(2)` / `recvmsg(2)`, `WSASendMsg` /
//! `WSARecvMsg`), the typed control messages both ways
//! ([`ControlMessage`], [`ReceivedControl`]), their encoding and
//! bounds-checked parsing ([`ControlMessages`]), the space they need
//! ([`control_space`], [`cmsg_space`]), and the switches that make the
//! kernel deliver them (`set_recv_pktinfo_v4`, `set_recv_tos_v4`, ...).

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::raw::c_int;
use std::time::Duration;

#[cfg(unix)]
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::error::{invalid_input, with_kind};
use crate::socket::SocketHandle;
use crate::sys::cmsg::CmsgKind;
use crate::sys::{self, SockAddr};

/// The credentials of a process, as `SCM_CREDENTIALS` carries them
/// (Linux's `struct ucred`).
#[cfg(unix)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// Process id.
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

#[cfg(unix)]
impl Credentials {
    /// The calling process's own credentials (`getpid`, `getuid`,
    /// `getgid`), which the kernel accepts from any process.
    pub fn current() -> Credentials {
        Credentials {
            pid: std::process::id() as i32,
            uid: sys::current_uid(),
            gid: sys::current_gid(),
        }
    }
}

/// A control message to send with [`SocketHandle::send_msg`].
///
/// Each typed variant is encoded with the platform's level, type and
/// payload layout; one the platform does not have is refused with
/// `Unsupported` naming it, before anything is sent.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum ControlMessage<'a> {
    /// `SCM_RIGHTS`: descriptors to pass over a Unix-domain socket (at
    /// most 253 in one message, Linux's `SCM_MAX_FD`). The receiver gets
    /// new descriptors for the same open files.
    #[cfg(unix)]
    Rights(&'a [BorrowedFd<'a>]),
    /// `SCM_CREDENTIALS` (Linux): the credentials to claim; the kernel
    /// checks them (a process may send its own; root may send others).
    #[cfg(unix)]
    Credentials(Credentials),
    /// The source address (and, where the platform has it, interface) of
    /// an IPv4 datagram: `IP_PKTINFO` on Linux, macOS and Windows,
    /// `IP_SENDSRCADDR` on FreeBSD (which ignores `interface`). The
    /// address must be one of the host's, or unspecified.
    PktInfoV4 {
        /// Source address.
        addr: Ipv4Addr,
        /// Interface index; 0 lets the routing table choose.
        interface: u32,
    },
    /// `IPV6_PKTINFO`: the source address and interface of an IPv6
    /// datagram.
    PktInfoV6 {
        /// Source address.
        addr: Ipv6Addr,
        /// Interface index; 0 lets the routing table choose.
        interface: u32,
    },
    /// `IP_TOS`: the type-of-service byte (DSCP and ECN bits) of this
    /// datagram. Windows sends only the ECN bits (`IP_ECN`): a value with
    /// DSCP bits set is `Unsupported` there.
    TosV4(u8),
    /// `IPV6_TCLASS`: the traffic class byte (DSCP and ECN bits). Windows:
    /// as `TosV4` (`IPV6_ECN`).
    TclassV6(u8),
    /// `IP_TTL` (Linux): the time to live of this datagram.
    TtlV4(u8),
    /// `IPV6_HOPLIMIT`: the hop limit of this datagram.
    HopLimitV6(u8),
    /// `UDP_SEGMENT` (Linux) / `UDP_SEND_MSG_SIZE` (Windows): send the data
    /// as datagrams of this many bytes each (the last may be shorter),
    /// segmented by the kernel or the device (GSO). Must be more than 0
    /// and at most the data's length.
    UdpSegment(u16),
    /// Any other message, as its raw level, type and payload bytes.
    Raw {
        /// `cmsg_level`.
        level: i32,
        /// `cmsg_type`.
        ty: i32,
        /// The payload.
        data: &'a [u8],
    },
}

impl ControlMessage<'_> {
    fn kind(&self) -> CmsgKind {
        match self {
            #[cfg(unix)]
            ControlMessage::Rights(_) => CmsgKind::Rights,
            #[cfg(unix)]
            ControlMessage::Credentials(_) => CmsgKind::Credentials,
            ControlMessage::PktInfoV4 { .. } => sys::SOURCE_V4_KIND,
            ControlMessage::PktInfoV6 { .. } => CmsgKind::PktInfoV6,
            ControlMessage::TosV4(_) => CmsgKind::TosV4,
            ControlMessage::TclassV6(_) => CmsgKind::TclassV6,
            ControlMessage::TtlV4(_) => CmsgKind::TtlV4,
            ControlMessage::HopLimitV6(_) => CmsgKind::HopLimitV6,
            ControlMessage::UdpSegment(_) => CmsgKind::UdpSegment,
            ControlMessage::Raw { .. } => CmsgKind::Other,
        }
    }

    /// The C name, for errors.
    fn name(&self) -> &'static str {
        match self {
            #[cfg(unix)]
            ControlMessage::Rights(_) => "SCM_RIGHTS",
            #[cfg(unix)]
            ControlMessage::Credentials(_) => "SCM_CREDENTIALS",
            ControlMessage::PktInfoV4 { .. } => "IP_PKTINFO",
            ControlMessage::PktInfoV6 { .. } => "IPV6_PKTINFO",
            ControlMessage::TosV4(_) => "IP_TOS",
            ControlMessage::TclassV6(_) => "IPV6_TCLASS",
            ControlMessage::TtlV4(_) => "IP_TTL",
            ControlMessage::HopLimitV6(_) => "IPV6_HOPLIMIT",
            ControlMessage::UdpSegment(_) => "UDP_SEGMENT",
            ControlMessage::Raw { .. } => "raw control message",
        }
    }

    /// The payload's length in bytes.
    fn data_len(&self) -> usize {
        match self {
            #[cfg(unix)]
            ControlMessage::Rights(fds) => fds.len() * sys::FD_SIZE,
            ControlMessage::Raw { data, .. } => data.len(),
            _ => sys::payload_size(self.kind()),
        }
    }

    /// Checks the message against the platform before anything is
    /// encoded: `Unsupported` for what it lacks, `InvalidInput` for
    /// values it cannot carry.
    fn check(&self) -> io::Result<(c_int, c_int)> {
        let code = match *self {
            ControlMessage::Raw { level, ty, data } => {
                if data.len() > u32::MAX as usize / 2 {
                    return Err(invalid_input(
                        "raw control message",
                        format_args!("(level {level}, type {ty})"),
                        &format!("{} payload bytes is too many", data.len()),
                    ));
                }
                return Ok((level, ty));
            }
            _ => sys::cmsg_code(self.kind()),
        };
        let unsupported = || {
            with_kind(
                io::ErrorKind::Unsupported,
                "control message",
                self.name(),
                "cannot be sent on this platform",
            )
        };
        let (level, ty) = code.ok_or_else(unsupported)?;
        match *self {
            #[cfg(unix)]
            ControlMessage::Rights(fds) if fds.len() > sys::MAX_FDS => Err(invalid_input(
                "control message",
                "SCM_RIGHTS",
                &format!(
                    "{} descriptors is more than the {} one message can carry",
                    fds.len(),
                    sys::MAX_FDS
                ),
            )),
            ControlMessage::UdpSegment(0) => Err(invalid_input(
                "control message",
                "UDP_SEGMENT",
                "a segment size of 0 bytes",
            )),
            ControlMessage::TosV4(v) | ControlMessage::TclassV6(v)
                if !sys::SENDS_DSCP && v & !3 != 0 =>
            {
                Err(with_kind(
                    io::ErrorKind::Unsupported,
                    "control message",
                    self.name(),
                    &format!("value {v:#04x}: this platform sends only the ECN bits (0 to 3)"),
                ))
            }
            _ => Ok((level, ty)),
        }
    }

    /// Writes the payload into `out` (exactly `data_len()` bytes).
    fn encode_payload(&self, out: &mut [u8]) {
        match *self {
            #[cfg(unix)]
            ControlMessage::Rights(fds) => {
                use std::os::fd::AsRawFd;
                for (i, fd) in fds.iter().enumerate() {
                    sys::encode_fd(fd.as_raw_fd(), &mut out[i * sys::FD_SIZE..]);
                }
            }
            #[cfg(unix)]
            ControlMessage::Credentials(c) => {
                sys::encode_credentials(c.pid, c.uid, c.gid, out);
            }
            ControlMessage::PktInfoV4 { addr, interface } => {
                sys::encode_pktinfo_v4(self.kind(), addr, interface, out);
            }
            ControlMessage::PktInfoV6 { addr, interface } => {
                sys::encode_pktinfo_v6(addr, interface, out);
            }
            ControlMessage::TosV4(v)
            | ControlMessage::TclassV6(v)
            | ControlMessage::TtlV4(v)
            | ControlMessage::HopLimitV6(v) => {
                sys::encode_int(c_int::from(v), out);
            }
            ControlMessage::UdpSegment(size) => {
                sys::encode_segment(size, out);
            }
            ControlMessage::Raw { data, .. } => out[..data.len()].copy_from_slice(data),
        }
    }
}

/// `CMSG_SPACE(data_len)`: the bytes one control message with
/// `data_len` payload bytes takes in a control area, header and
/// alignment padding included (on Windows, `WSA_CMSG_SPACE`).
///
/// # Examples
/// ```
/// // Room to receive up to 4 descriptors (4-byte ints) in one message.
/// let space = nativesockets::cmsg_space(4 * 4);
/// assert!(space >= 16 + 16);
/// ```
pub fn cmsg_space(data_len: usize) -> usize {
    align(sys::cmsg_data_offset() + data_len)
}

fn align(len: usize) -> usize {
    let unit = sys::cmsg_align_unit();
    (len + unit - 1) & !(unit - 1)
}

/// The bytes a control area needs to hold `msgs`: the sum of their
/// [`cmsg_space`]s. Use it to size the buffer for
/// [`recv_msg`](SocketHandle::recv_msg) from the messages expected (the
/// payload values do not matter, only their kinds and lengths).
///
/// # Examples
/// ```
/// use nativesockets::{control_space, ControlMessage};
/// use std::net::Ipv6Addr;
/// let room = control_space(&[
///     ControlMessage::PktInfoV6 { addr: Ipv6Addr::UNSPECIFIED, interface: 0 },
///     ControlMessage::TclassV6(0),
/// ]);
/// let control = vec![0u8; room];
/// # let _ = control;
/// ```
pub fn control_space(msgs: &[ControlMessage<'_>]) -> usize {
    msgs.iter().map(|m| cmsg_space(m.data_len())).sum()
}

/// Encodes `msgs` into `out`, which holds [`control_space`]`(msgs)`
/// bytes, all checked first; returns the length used.
fn encode(msgs: &[ControlMessage<'_>], out: &mut [u8]) -> io::Result<usize> {
    let offset = sys::cmsg_data_offset();
    let mut pos = 0;
    for m in msgs {
        let (level, ty) = m.check()?;
        let len = m.data_len();
        let space = cmsg_space(len);
        let slot = &mut out[pos..pos + space];
        slot.fill(0);
        sys::write_cmsg_header(slot, level, ty, len);
        m.encode_payload(&mut slot[offset..offset + len]);
        pos += space;
    }
    Ok(pos)
}

/// Runs `f` with `msgs` encoded: in a stack buffer when they fit (every
/// common case), else in one allocation.
fn with_encoded<R>(
    msgs: &[ControlMessage<'_>],
    f: impl FnOnce(&[u8]) -> io::Result<R>,
) -> io::Result<R> {
    let space = control_space(msgs);
    let mut stack = [0u8; 512];
    if space <= stack.len() {
        let n = encode(msgs, &mut stack)?;
        f(&stack[..n])
    } else {
        let mut heap = vec![0u8; space];
        let n = encode(msgs, &mut heap)?;
        f(&heap[..n])
    }
}

/// Encodes `msgs` into a buffer the caller owns (for the batch paths);
/// returns the length used.
pub(crate) fn encode_into(msgs: &[ControlMessage<'_>], out: &mut [u8]) -> io::Result<usize> {
    let space = control_space(msgs);
    if space > out.len() {
        return Err(invalid_input(
            "control messages",
            msgs.len(),
            &format!(
                "need {space} bytes, more than the {} there is room for",
                out.len()
            ),
        ));
    }
    encode(msgs, out)
}

/// A control message as received, from [`RecvMsg::control`] or
/// [`ControlMessages`].
///
/// Known kinds arrive typed; anything else, and any known kind whose
/// payload is too short for its type (a truncated or malformed message),
/// arrives as [`Raw`](ReceivedControl::Raw).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceivedControl<'a> {
    /// `SCM_RIGHTS`: the descriptor numbers. [`recv_msg`](SocketHandle::recv_msg)
    /// has already taken ownership of them (see [`RecvMsg::take_fds`]);
    /// these are the same numbers, for reference only.
    #[cfg(unix)]
    Rights(Fds<'a>),
    /// `SCM_CREDENTIALS` (Linux, with `SO_PASSCRED` on the receiver).
    #[cfg(unix)]
    Credentials(Credentials),
    /// `IP_PKTINFO` / `IP_RECVDSTADDR`: where an IPv4 datagram was sent.
    PktInfoV4 {
        /// The datagram's destination address (its header's).
        addr: Ipv4Addr,
        /// The local address the route would use (Linux's
        /// `ipi_spec_dst`; the same as `addr` elsewhere).
        local: Ipv4Addr,
        /// The interface it arrived on (0 where not reported).
        interface: u32,
    },
    /// `IPV6_PKTINFO`: where an IPv6 datagram was sent.
    PktInfoV6 {
        /// The datagram's destination address.
        addr: Ipv6Addr,
        /// The interface it arrived on.
        interface: u32,
    },
    /// `IP_TOS` / `IP_RECVTOS`: the datagram's TOS byte (ECN in the low
    /// two bits).
    TosV4(u8),
    /// `IPV6_TCLASS`: the datagram's traffic class byte.
    TclassV6(u8),
    /// `IP_TTL` / `IP_RECVTTL`: the datagram's TTL.
    TtlV4(u8),
    /// `IPV6_HOPLIMIT`: the datagram's hop limit.
    HopLimitV6(u8),
    /// `SCM_TIMESTAMPNS` (Linux) / `SCM_TIMESTAMP`: when the datagram
    /// arrived, as time since the Unix epoch (the system clock).
    Timestamp(Duration),
    /// `UDP_GRO` (Linux) / `UDP_COALESCED_INFO` (Windows): the data is
    /// several datagrams of this size, coalesced (the last may be
    /// shorter).
    UdpGroSegment(u16),
    /// `UDP_SEGMENT`, when a kernel reflects it back.
    UdpSegment(u16),
    /// Any other message, or a known one too short for its type.
    Raw {
        /// `cmsg_level`.
        level: i32,
        /// `cmsg_type`.
        ty: i32,
        /// The payload bytes present in the buffer.
        data: &'a [u8],
    },
}

/// The descriptor numbers of a received `SCM_RIGHTS` message.
#[cfg(unix)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fds<'a> {
    data: &'a [u8],
}

#[cfg(unix)]
impl<'a> Fds<'a> {
    /// How many whole descriptors the message holds.
    pub fn len(&self) -> usize {
        self.data.len() / sys::FD_SIZE
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The numbers, in order.
    pub fn iter(&self) -> impl Iterator<Item = RawFd> + 'a {
        let data = self.data;
        (0..data.len() / sys::FD_SIZE).filter_map(move |i| sys::decode_fd(data, i))
    }
}

#[cfg(unix)]
impl fmt::Debug for Fds<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An iterator over the control messages in a control area the kernel
/// filled, parsed with the platform's `CMSG_*` rules and checked against
/// the buffer's length: it never reads past the end, a message whose
/// length runs past the end yields the bytes that are there and ends the
/// walk, and a header too short to be one ends it too. It never panics,
/// whatever the bytes.
///
/// [`RecvMsg::control`] gives one; [`ControlMessages::new`] parses any
/// bytes (for example from a raw `recvmsg` call).
///
/// # Examples
/// ```
/// use nativesockets::{ControlMessages, ReceivedControl};
/// // Too short for a header: nothing.
/// assert_eq!(ControlMessages::new(&[1, 2, 3]).count(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct ControlMessages<'a> {
    rest: &'a [u8],
}

impl<'a> ControlMessages<'a> {
    /// Parses `control`, the filled part of a control area (`msg_control`
    /// up to `msg_controllen`).
    pub fn new(control: &'a [u8]) -> ControlMessages<'a> {
        ControlMessages { rest: control }
    }
}

impl<'a> Iterator for ControlMessages<'a> {
    type Item = ReceivedControl<'a>;

    fn next(&mut self) -> Option<ReceivedControl<'a>> {
        let buf = self.rest;
        let (len, level, ty) = sys::read_cmsg_header(buf)?;
        let offset = sys::cmsg_data_offset();
        if len < offset {
            // A length shorter than its own header: the walk cannot go on.
            self.rest = &[];
            let start = offset.min(buf.len());
            return Some(ReceivedControl::Raw {
                level,
                ty,
                data: &buf[start..start],
            });
        }
        let end = len.min(buf.len());
        let data = &buf[offset.min(end)..end];
        let step = len
            .checked_add(sys::cmsg_align_unit() - 1)
            .map(|l| l & !(sys::cmsg_align_unit() - 1));
        self.rest = match step {
            Some(step) if step < buf.len() => &buf[step..],
            _ => &[],
        };
        Some(decode(level, ty, data))
    }
}

/// A message's typed form, or `Raw` when its payload does not fit its
/// type.
fn decode(level: c_int, ty: c_int, data: &[u8]) -> ReceivedControl<'_> {
    let raw = ReceivedControl::Raw { level, ty, data };
    let byte = |v: Option<i64>| v.and_then(|v| u8::try_from(v).ok());
    let kind = sys::cmsg_kind(level, ty);
    let typed = match kind {
        #[cfg(unix)]
        CmsgKind::Rights => Some(ReceivedControl::Rights(Fds { data })),
        #[cfg(unix)]
        CmsgKind::Credentials => sys::decode_credentials(data)
            .map(|(pid, uid, gid)| ReceivedControl::Credentials(Credentials { pid, uid, gid })),
        CmsgKind::PktInfoV4 | CmsgKind::DstAddrV4 => {
            sys::decode_pktinfo_v4(kind, data).map(|(addr, local, interface)| {
                ReceivedControl::PktInfoV4 {
                    addr,
                    local,
                    interface,
                }
            })
        }
        CmsgKind::PktInfoV6 => sys::decode_pktinfo_v6(data)
            .map(|(addr, interface)| ReceivedControl::PktInfoV6 { addr, interface }),
        CmsgKind::TosV4 => byte(sys::decode_int(data)).map(ReceivedControl::TosV4),
        CmsgKind::TclassV6 => byte(sys::decode_int(data)).map(ReceivedControl::TclassV6),
        CmsgKind::TtlV4 => byte(sys::decode_int(data)).map(ReceivedControl::TtlV4),
        CmsgKind::HopLimitV6 => byte(sys::decode_int(data)).map(ReceivedControl::HopLimitV6),
        CmsgKind::TimestampNs | CmsgKind::TimestampUs => {
            sys::decode_timestamp(kind, data).map(ReceivedControl::Timestamp)
        }
        CmsgKind::UdpGro => sys::decode_int(data)
            .and_then(|v| u16::try_from(v).ok())
            .map(ReceivedControl::UdpGroSegment),
        CmsgKind::UdpSegment => sys::decode_int(data)
            .and_then(|v| u16::try_from(v).ok())
            .map(ReceivedControl::UdpSegment),
        _ => None,
    };
    typed.unwrap_or(raw)
}

/// What [`SocketHandle::recv_msg`] received: the byte count, the sender,
/// the flags, the control messages, and (Unix) the descriptors that
/// arrived, owned.
pub struct RecvMsg<'c> {
    len: usize,
    addr: SockAddr,
    flags: c_int,
    control: &'c [u8],
    #[cfg(unix)]
    fds: Vec<OwnedFd>,
}

impl<'c> RecvMsg<'c> {
    /// The bytes received into the buffers (for a truncated datagram,
    /// what fitted).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes were received (end of stream on a stream socket,
    /// or an empty datagram).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sender (for a connected socket, possibly empty: family
    /// `AF_UNSPEC`, length 0).
    pub fn addr(&self) -> &SockAddr {
        &self.addr
    }

    /// `MSG_TRUNC`: the datagram was longer than the buffers; the rest
    /// is lost.
    pub fn is_truncated(&self) -> bool {
        self.flags & sys::MSG_TRUNC != 0
    }

    /// `MSG_CTRUNC`: the control messages did not all fit in the control
    /// area; some are missing or cut (descriptors that did not fit were
    /// closed by the kernel; those that fitted are in [`fds`](Self::fds)).
    pub fn is_control_truncated(&self) -> bool {
        self.flags & sys::MSG_CTRUNC != 0
    }

    /// The raw `msg_flags` the OS returned.
    pub fn flags(&self) -> c_int {
        self.flags
    }

    /// The control messages received, parsed.
    pub fn control(&self) -> ControlMessages<'c> {
        ControlMessages::new(self.control)
    }

    /// The filled part of the control area, as bytes.
    pub fn control_bytes(&self) -> &'c [u8] {
        self.control
    }

    /// The descriptors received (from every `SCM_RIGHTS` message, in
    /// order), owned by this value and closed when it is dropped, unless
    /// taken with [`take_fds`](Self::take_fds). They are close-on-exec.
    #[cfg(unix)]
    pub fn fds(&self) -> &[OwnedFd] {
        &self.fds
    }

    /// Takes ownership of the received descriptors.
    #[cfg(unix)]
    pub fn take_fds(&mut self) -> Vec<OwnedFd> {
        std::mem::take(&mut self.fds)
    }
}

impl fmt::Debug for RecvMsg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RecvMsg");
        d.field("len", &self.len)
            .field("addr", &self.addr)
            .field("truncated", &self.is_truncated())
            .field("control_truncated", &self.is_control_truncated())
            .field("control", &self.control().collect::<Vec<_>>());
        #[cfg(unix)]
        d.field("fds", &self.fds);
        d.finish()
    }
}

/// Takes ownership of every descriptor in a control area the kernel
/// filled (called at once, so none leaks whatever the caller does next).
#[cfg(unix)]
pub(crate) fn take_received_fds(control: &[u8], fds: &mut Vec<OwnedFd>) {
    for msg in ControlMessages::new(control) {
        if let ReceivedControl::Rights(list) = msg {
            for fd in list.iter().filter(|&fd| fd >= 0) {
                sys::fix_received_fd(fd);
                // SAFETY: the kernel installed this descriptor in our table
                // for this message (SCM_RIGHTS from recvmsg); nothing else
                // owns it.
                fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
    }
}

impl SocketHandle {
    /// Sends the data in `bufs` (gathered, as one datagram or stream
    /// write) with control messages, to `addr` (or to the connected peer
    /// when `None`); returns how many bytes went.
    ///
    /// Every message is checked before anything is sent: a message the
    /// platform lacks is `Unsupported` naming it (for example
    /// `UDP_SEGMENT` outside Linux and Windows); too many descriptors, a
    /// segment size of 0 or larger than the data are `InvalidInput`
    /// naming the numbers. The messages are encoded on the stack (up to
    /// 512 bytes of control area; more, for example hundreds of
    /// descriptors, takes one allocation).
    ///
    /// Corresponds to `sendmsg(2)` with `MSG_NOSIGNAL` on Unix and
    /// `WSASendMsg` on Windows (datagram and raw sockets only there; a
    /// stream socket with no control messages uses `WSASend`).
    ///
    /// # Errors
    /// `Unsupported` or `InvalidInput` for a message as above, before any
    /// call; otherwise the OS error: `WouldBlock` on a full non-blocking
    /// socket, `BrokenPipe` for a stream whose peer is gone, `EINVAL` for
    /// a source address that is not the host's, `EPERM` for credentials
    /// the process may not claim, ...
    ///
    /// # Examples
    /// Passing a descriptor over a socket pair:
    /// ```
    /// # #[cfg(unix)] {
    /// use nativesockets::{pair, ControlMessage, Domain, Protocol, SockType};
    /// use std::io::{IoSlice, IoSliceMut, Read, Seek, Write};
    /// use std::os::fd::AsFd;
    ///
    /// let mut file = tempfile_with(b"hello through a descriptor")?;
    /// let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip)?;
    /// a.send_msg(None, &[IoSlice::new(b"x")], &[ControlMessage::Rights(&[file.as_fd()])], 0)?;
    ///
    /// let mut byte = [0u8; 1];
    /// let mut control = [0u8; 64];
    /// let mut msg = b.recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)?;
    /// let mut received = std::fs::File::from(msg.take_fds().remove(0));
    /// received.rewind()?;
    /// let mut text = String::new();
    /// received.read_to_string(&mut text)?;
    /// assert_eq!(text, "hello through a descriptor");
    /// # fn tempfile_with(bytes: &[u8]) -> std::io::Result<std::fs::File> {
    /// #     let path = std::env::temp_dir().join(format!("ns-doc-rights-{}", std::process::id()));
    /// #     let mut f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?;
    /// #     std::fs::remove_file(&path)?;
    /// #     f.write_all(bytes)?;
    /// #     Ok(f)
    /// # }
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn send_msg(
        &self,
        addr: Option<&SockAddr>,
        bufs: &[IoSlice<'_>],
        control: &[ControlMessage<'_>],
        flags: c_int,
    ) -> io::Result<usize> {
        for m in control {
            if let ControlMessage::UdpSegment(size) = *m {
                let total: usize = bufs.iter().map(|b| b.len()).sum();
                if usize::from(size) > total {
                    return Err(invalid_input(
                        "control message",
                        "UDP_SEGMENT",
                        &format!(
                            "a segment size of {size} bytes is larger than the {total}-byte datagram"
                        ),
                    ));
                }
            }
        }
        if control.is_empty() {
            return sys::sendmsg(self.sys(), addr, bufs, &[], flags);
        }
        with_encoded(control, |bytes| {
            sys::sendmsg(self.sys(), addr, bufs, bytes, flags)
        })
    }

    /// Receives data into `bufs` (scattered) and control messages into
    /// `control`; returns what came, borrowing `control` for its parsed
    /// messages. Allocates nothing, except to hold descriptors that
    /// arrive.
    ///
    /// Size `control` with [`control_space`] (or [`cmsg_space`]); a
    /// control area too small is reported by
    /// [`RecvMsg::is_control_truncated`], a datagram too long for `bufs`
    /// by [`RecvMsg::is_truncated`]. Descriptors that arrive are owned by
    /// the result at once (close-on-exec), including those in a truncated
    /// control area, so none leaks.
    ///
    /// Which messages arrive depends on the socket's switches:
    /// [`set_recv_pktinfo_v4`](Self::set_recv_pktinfo_v4),
    /// [`set_recv_tos_v4`](Self::set_recv_tos_v4),
    /// [`set_recv_timestamp`](Self::set_recv_timestamp), ...
    ///
    /// Corresponds to `recvmsg(2)` with `MSG_CMSG_CLOEXEC` (Linux,
    /// FreeBSD; macOS sets `FIOCLEX` on each received descriptor) and
    /// `WSARecvMsg` on Windows (found with `WSAIoctl`
    /// `SIO_GET_EXTENSION_FUNCTION_POINTER`; datagram and raw sockets;
    /// a stream socket with an empty `control` uses `WSARecvFrom`).
    ///
    /// # Errors
    /// The OS error: `WouldBlock` on a non-blocking socket with nothing
    /// queued (or after a read timeout), `ConnectionReset`, ...; on
    /// Windows, a control area on a stream socket (`WSARecvMsg` takes
    /// datagram and raw sockets only).
    ///
    /// # Examples
    /// A datagram's destination address:
    /// ```
    /// use nativesockets::{new_native_socket, Domain, Protocol, ReceivedControl, SockAddr, SockType};
    /// use std::io::IoSliceMut;
    ///
    /// let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// rx.bind_addr(&SockAddr::from(std::net::SocketAddr::from(([0, 0, 0, 0], 0))))?;
    /// rx.set_recv_pktinfo_v4(true)?;
    /// let port = rx.local_addr()?.port().unwrap().0;
    ///
    /// let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// tx.send_to(b"where to?", ("127.0.0.1", port))?;
    ///
    /// let mut buf = [0u8; 64];
    /// let mut control = [0u8; 64];
    /// let msg = rx.recv_msg(&mut [IoSliceMut::new(&mut buf)], &mut control, 0)?;
    /// let dest = msg.control().find_map(|c| match c {
    ///     ReceivedControl::PktInfoV4 { addr, .. } => Some(addr),
    ///     _ => None,
    /// });
    /// assert_eq!(dest, Some(std::net::Ipv4Addr::LOCALHOST));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn recv_msg<'c>(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        control: &'c mut [u8],
        flags: c_int,
    ) -> io::Result<RecvMsg<'c>> {
        let (len, addr, out_flags, control_len) = {
            // SAFETY: the same bytes seen as possibly uninitialised; the
            // kernel writes only initialised bytes into them.
            let area = unsafe { &mut *(control as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
            sys::recvmsg(self.sys(), bufs, area, flags)?
        };
        let control: &'c [u8] = &control[..control_len.min(control.len())];
        #[cfg(unix)]
        let mut fds = Vec::new();
        #[cfg(unix)]
        take_received_fds(control, &mut fds);
        Ok(RecvMsg {
            len,
            addr,
            flags: out_flags,
            control,
            #[cfg(unix)]
            fds,
        })
    }
}

// ---- receive switches ---------------------------------------------------

/// Sets a receive switch (an `int` option), or `Unsupported` naming it.
fn set_switch(
    s: &SocketHandle,
    code: Option<(c_int, c_int)>,
    name: &str,
    value: c_int,
) -> io::Result<()> {
    let (level, opt) = code.ok_or_else(|| unsupported_switch(name))?;
    sys::setsockopt(s.sys(), level, opt, value)
}

fn get_switch(s: &SocketHandle, code: Option<(c_int, c_int)>, name: &str) -> io::Result<c_int> {
    let (level, opt) = code.ok_or_else(|| unsupported_switch(name))?;
    sys::getsockopt::<c_int>(s.sys(), level, opt)
}

fn unsupported_switch(name: &str) -> io::Error {
    with_kind(
        io::ErrorKind::Unsupported,
        "socket option",
        name,
        "does not exist on this platform",
    )
}

macro_rules! switch {
    ($(#[$doc:meta])* $set:ident, $get:ident, $code:ident, $name:literal) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// `Unsupported`, naming the option, where the platform lacks it;
        /// otherwise the OS error (for example `ENOPROTOOPT` for an option
        /// of the other IP version).
        pub fn $set(&self, on: bool) -> io::Result<()> {
            set_switch(self, sys::$code, $name, c_int::from(on))
        }

        #[doc = concat!("Whether `", $name, "` is on; see [`", stringify!($set), "`](Self::", stringify!($set), ").")]
        pub fn $get(&self) -> io::Result<bool> {
            get_switch(self, sys::$code, $name).map(|v| v != 0)
        }
    };
}

impl SocketHandle {
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv4 datagram's
        /// destination address and interface
        /// ([`ReceivedControl::PktInfoV4`]): `IP_PKTINFO` on Linux, macOS
        /// and Windows, `IP_RECVDSTADDR` on FreeBSD (address only).
        set_recv_pktinfo_v4, recv_pktinfo_v4, RECV_PKTINFO_V4, "IP_PKTINFO"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv6 datagram's
        /// destination and interface ([`ReceivedControl::PktInfoV6`]):
        /// `IPV6_RECVPKTINFO` (Windows: `IPV6_PKTINFO`).
        set_recv_pktinfo_v6, recv_pktinfo_v6, RECV_PKTINFO_V6, "IPV6_RECVPKTINFO"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv4 datagram's
        /// TOS byte, ECN bits included ([`ReceivedControl::TosV4`]):
        /// `IP_RECVTOS`.
        set_recv_tos_v4, recv_tos_v4, RECV_TOS_V4, "IP_RECVTOS"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv6 datagram's
        /// traffic class ([`ReceivedControl::TclassV6`]):
        /// `IPV6_RECVTCLASS`.
        set_recv_tclass_v6, recv_tclass_v6, RECV_TCLASS_V6, "IPV6_RECVTCLASS"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv4 datagram's
        /// TTL ([`ReceivedControl::TtlV4`]): `IP_RECVTTL`.
        set_recv_ttl_v4, recv_ttl_v4, RECV_TTL_V4, "IP_RECVTTL"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv6 datagram's
        /// hop limit ([`ReceivedControl::HopLimitV6`]):
        /// `IPV6_RECVHOPLIMIT` (Windows: `IPV6_HOPLIMIT`).
        set_recv_hoplimit_v6, recv_hoplimit_v6, RECV_HOPLIMIT_V6, "IPV6_RECVHOPLIMIT"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report when each datagram
        /// arrived ([`ReceivedControl::Timestamp`]): `SO_TIMESTAMPNS`
        /// (nanoseconds) on Linux, `SO_TIMESTAMP` (microseconds) on macOS
        /// and FreeBSD; Windows has no such option.
        set_recv_timestamp, recv_timestamp, RECV_TIMESTAMP, "SO_TIMESTAMPNS"
    );
    switch!(
        /// Lets the kernel coalesce received UDP datagrams of one flow
        /// into one buffer, reported with
        /// [`ReceivedControl::UdpGroSegment`] (`UDP_GRO`, Linux 5.0+).
        set_udp_gro, udp_gro, UDP_GRO, "UDP_GRO"
    );
    switch!(
        /// Queues ICMP errors for IPv4 (read with `MSG_ERRQUEUE`):
        /// `IP_RECVERR`, Linux.
        set_recv_err_v4, recv_err_v4, RECV_ERR_V4, "IP_RECVERR"
    );
    switch!(
        /// Queues ICMPv6 errors (read with `MSG_ERRQUEUE`): `IPV6_RECVERR`,
        /// Linux.
        set_recv_err_v6, recv_err_v6, RECV_ERR_V6, "IPV6_RECVERR"
    );
    switch!(
        /// Makes a Unix-domain socket receive the sender's credentials
        /// with every message ([`ReceivedControl::Credentials`]):
        /// `SO_PASSCRED`, Linux.
        set_passcred, passcred, PASSCRED, "SO_PASSCRED"
    );

    /// Sets the GSO segment size for every send on this socket (0 turns
    /// it off): `UDP_SEGMENT` as a socket option, Linux 4.18+.
    /// [`ControlMessage::UdpSegment`] sets it for one send instead.
    ///
    /// # Errors
    /// `Unsupported` outside Linux; the OS error otherwise.
    pub fn set_udp_segment(&self, size: u16) -> io::Result<()> {
        set_switch(self, sys::UDP_SEGMENT, "UDP_SEGMENT", c_int::from(size))
    }

    /// The GSO segment size set with
    /// [`set_udp_segment`](Self::set_udp_segment) (0 when off).
    pub fn udp_segment(&self) -> io::Result<u16> {
        let v = get_switch(self, sys::UDP_SEGMENT, "UDP_SEGMENT")?;
        Ok(u16::try_from(v).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a control area from messages, as a kernel would lay it out.
    fn area(msgs: &[ControlMessage<'_>]) -> Vec<u8> {
        let mut buf = vec![0u8; control_space(msgs)];
        let n = encode(msgs, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn encoded_messages_parse_back() {
        let buf = area(&[
            ControlMessage::PktInfoV6 {
                addr: Ipv6Addr::LOCALHOST,
                interface: 7,
            },
            ControlMessage::HopLimitV6(9),
            ControlMessage::Raw {
                level: 1234,
                ty: 5,
                data: b"abc",
            },
        ]);
        let got: Vec<_> = ControlMessages::new(&buf).collect();
        assert_eq!(
            got,
            vec![
                ReceivedControl::PktInfoV6 {
                    addr: Ipv6Addr::LOCALHOST,
                    interface: 7
                },
                ReceivedControl::HopLimitV6(9),
                ReceivedControl::Raw {
                    level: 1234,
                    ty: 5,
                    data: b"abc"
                },
            ]
        );
    }

    #[test]
    fn parser_stops_at_every_cut_without_reading_past_it() {
        let buf = area(&[
            ControlMessage::TclassV6(2),
            ControlMessage::Raw {
                level: 77,
                ty: 1,
                data: &[9; 40],
            },
        ]);
        for cut in 0..=buf.len() {
            let part = &buf[..cut];
            for m in ControlMessages::new(part) {
                if let ReceivedControl::Raw { data, .. } = m {
                    let start = data.as_ptr() as usize - part.as_ptr() as usize;
                    assert!(start + data.len() <= cut);
                }
            }
        }
    }

    #[test]
    fn short_payloads_arrive_raw_and_bad_lengths_end_the_walk() {
        // A PKTINFO header whose payload is cut short.
        let mut buf = area(&[ControlMessage::PktInfoV6 {
            addr: Ipv6Addr::LOCALHOST,
            interface: 1,
        }]);
        let short = sys::cmsg_data_offset() + 4;
        buf.truncate(short);
        assert!(matches!(
            ControlMessages::new(&buf).next(),
            Some(ReceivedControl::Raw { data, .. }) if data.len() == 4
        ));
        // A length of 0, smaller than the header itself: one raw message
        // with no payload, and the walk ends.
        let zeros = [0u8; 64];
        let got: Vec<_> = ControlMessages::new(&zeros).collect();
        assert_eq!(got.len(), 1);
        assert!(matches!(got[0], ReceivedControl::Raw { data: [], .. }));
        // All-ones bytes: huge lengths, never a panic.
        let ones = vec![0xffu8; 100];
        assert!(ControlMessages::new(&ones).count() <= 1);
    }

    /// Found by the `cmsg_parser` fuzz target: an `SCM_TIMESTAMP` whose
    /// microseconds overflowed when turned into nanoseconds. A timestamp
    /// out of range arrives raw.
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    #[test]
    fn a_timestamp_out_of_range_arrives_raw() {
        let mut usec = [0u8; 64];
        // A 64-bit Linux timeval: two 8-byte fields.
        let timeval_len = 16;
        let len = sys::cmsg_data_offset() + timeval_len;
        sys::write_cmsg_header(
            &mut usec,
            sys::SOL_SOCKET,
            crate::SCM_TIMESTAMP,
            timeval_len,
        );
        let off = sys::cmsg_data_offset();
        // tv_sec 1, tv_usec far past a second (and past i64::MAX / 1000).
        usec[off..off + 8].copy_from_slice(&1i64.to_ne_bytes());
        usec[off + 8..off + 16].copy_from_slice(&(i64::MAX / 7).to_ne_bytes());
        let got: Vec<_> = ControlMessages::new(&usec[..len]).collect();
        assert_eq!(got.len(), 1);
        assert!(matches!(got[0], ReceivedControl::Raw { .. }), "{got:?}");
        // And the fuzzer's own input parses without a panic.
        let found = [
            0x80u8, 0, 0, 2, 0x20, 0, 0, 0, 0, 1, 0, 0, 0, 0x1d, 0, 0, 0, 0x23, 0, 0, 0, 0, 0, 0,
            0, 8, 0, 0, 0, 0, 0xf8, 0x88, 0x2b, 0, 0, 0, 0x3f,
        ];
        let _ = ControlMessages::new(&found[1..]).count();
    }

    #[test]
    fn space_is_header_plus_aligned_payload() {
        assert_eq!(cmsg_space(0), align(sys::cmsg_data_offset()));
        assert!(cmsg_space(1) > sys::cmsg_data_offset());
        assert_eq!(cmsg_space(4) % sys::cmsg_align_unit(), 0);
        assert_eq!(
            control_space(&[ControlMessage::TosV4(1), ControlMessage::TosV4(2)]),
            2 * cmsg_space(4)
        );
    }

    #[cfg(unix)]
    #[test]
    fn too_many_descriptors_is_invalid_input_naming_the_numbers() {
        // SAFETY: the descriptor is only copied into a list that is
        // checked and never encoded or used.
        let fd = unsafe { BorrowedFd::borrow_raw(0) };
        let many = vec![fd; 300];
        let err = ControlMessage::Rights(&many).check().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("300"), "{err}");
        assert!(err.to_string().contains("253"), "{err}");
    }
}
