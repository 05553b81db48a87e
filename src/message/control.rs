//! Control messages as types: [`ControlMessage`] (to send) and
//! [`ReceivedControl`] (received, with [`Fds`] and [`Credentials`]), the
//! encoder that lays the ones to send out in the platform's `CMSG_*`
//! format, and the space they take ([`cmsg_space`], [`control_space`]).

#[cfg(unix)]
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::raw::c_int;
use std::time::Duration;

#[cfg(unix)]
use std::os::fd::{BorrowedFd, RawFd};

use crate::error::{invalid_input, with_kind};
use crate::sys;
use crate::sys::cmsg::CmsgKind;

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

/// A control message to send with [`SocketHandle::send_msg`](crate::SocketHandle::send_msg).
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
    pub(super) fn check(&self) -> io::Result<(c_int, c_int)> {
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

/// [`CMSG_SPACE(data_len)`][cmsg]: the bytes one control message with
/// `data_len` payload bytes takes in a control area, header and
/// alignment padding included (on Windows, `WSA_CMSG_SPACE`).
///
/// [cmsg]: https://man7.org/linux/man-pages/man3/cmsg.3.html
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

pub(super) fn align(len: usize) -> usize {
    let unit = sys::cmsg_align_unit();
    (len + unit - 1) & !(unit - 1)
}

/// The bytes a control area needs to hold `msgs`: the sum of their
/// [`cmsg_space`]s. Use it to size the buffer for
/// [`recv_msg`](crate::SocketHandle::recv_msg) from the messages expected (the
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
pub(super) fn encode(msgs: &[ControlMessage<'_>], out: &mut [u8]) -> io::Result<usize> {
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
pub(super) fn with_encoded<R>(
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

/// A control message as received, from [`RecvMsg::control`](super::RecvMsg::control) or
/// [`ControlMessages`](super::parse::ControlMessages).
///
/// Known kinds arrive typed; anything else, and any known kind whose
/// payload is too short for its type (a truncated or malformed message),
/// arrives as [`Raw`](ReceivedControl::Raw).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceivedControl<'a> {
    /// `SCM_RIGHTS`: the descriptor numbers. [`recv_msg`](crate::SocketHandle::recv_msg)
    /// has already taken ownership of them (see [`RecvMsg::take_fds`](super::RecvMsg::take_fds));
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
    /// `SCM_TIMESTAMPING` (Linux, with
    /// [`set_timestamping`](crate::SocketHandle::set_timestamping)'s
    /// reporting flags): the three timestamps of a received datagram, or
    /// of a sent one on the error queue.
    Timestamping(Timestamps),
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
    pub(super) data: &'a [u8],
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

/// The three timestamps of a `SCM_TIMESTAMPING` message (Linux's `struct
/// scm_timestamping`), each as time since the Unix epoch on its clock, or
/// `None` where the kernel took none (it writes zeros).
///
/// Which are filled follows the flags given to
/// [`set_timestamping`](crate::SocketHandle::set_timestamping): `software`
/// with `SOFTWARE` reporting (the system clock, `CLOCK_REALTIME`),
/// `hardware` with `RAW_HARDWARE` (the network card's clock); `legacy` is
/// the slot Linux no longer fills (once the hardware time converted to
/// the system clock).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timestamps {
    /// `ts[0]`: the software timestamp.
    pub software: Option<Duration>,
    /// `ts[1]`: deprecated, zero on current kernels.
    pub legacy: Option<Duration>,
    /// `ts[2]`: the raw hardware timestamp.
    pub hardware: Option<Duration>,
}
