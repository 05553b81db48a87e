//! Messages with control data: [`SocketHandle::send_msg`] and
//! [`SocketHandle::recv_msg`] ([`sendmsg(2)`] / [`recvmsg(2)`], [`WSASendMsg`] /
//! [`WSARecvMsg`]) and what a receive gives ([`RecvMsg`]). The typed control
//! messages both ways, their encoder and the space they need
//! ([`control_space`], [`cmsg_space`]) are in `control.rs`; the
//! bounds-checked parser ([`ControlMessages`]) is in `parse.rs`.
//!
//! [`sendmsg(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
//! [`recvmsg(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
//! [`WSASendMsg`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasendmsg
//! [`WSARecvMsg`]: https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nc-mswsock-lpfn_wsarecvmsg

pub(crate) mod control;
pub(crate) mod parse;

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::raw::c_int;

#[cfg(unix)]
use std::os::fd::{FromRawFd, OwnedFd};

#[cfg(unix)]
use self::control::ReceivedControl;
#[cfg(doc)]
use self::control::{cmsg_space, control_space};
use self::control::{with_encoded, ControlMessage};
use self::parse::ControlMessages;
use crate::error::{call_failed, invalid_input};
use crate::socket::SocketHandle;
use crate::sys::{self, SockAddr};

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
    /// closed by the kernel; those that fitted are in `fds`, on Unix).
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
    /// Corresponds to [`sendmsg(2)`] with `MSG_NOSIGNAL` on Unix and
    /// [`WSASendMsg`] on Windows (datagram and raw sockets only there; a
    /// stream socket with no control messages uses [`WSASend`]).
    ///
    /// # Errors
    /// `Unsupported` or `InvalidInput` for a message as above, before any
    /// call; otherwise the OS error: `WouldBlock` on a full non-blocking
    /// socket, `BrokenPipe` for a stream whose peer is gone, `EINVAL` for
    /// a source address that is not the host's, `EPERM` for credentials
    /// the process may not claim, ... Each is named with the call, the
    /// socket and the destination (`send_msg(socket 7) to [::1]:9: ...`),
    /// its kind kept and the OS error as its `source()`; a send with no
    /// destination on an unconnected socket is `NotConnected`, saying
    /// so. `WouldBlock` and `Interrupted` stay the raw OS error.
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
    ///
    /// [`sendmsg(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
    /// [`WSASendMsg`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasendmsg
    /// [`WSASend`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasend
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
        let sent = if control.is_empty() {
            sys::sendmsg(self.sys(), addr, bufs, &[], flags)
        } else {
            with_encoded(control, |bytes| {
                sys::sendmsg(self.sys(), addr, bufs, bytes, flags)
            })
        };
        sent.map_err(|e| self.msg_failed(e, "send_msg", addr))
    }

    /// The error of `send_msg` or `recv_msg`: the call, the socket (and
    /// the destination), and why; `WouldBlock` and `Interrupted` are left
    /// raw, since a non-blocking caller sees them all the time.
    #[cold]
    #[inline(never)]
    fn msg_failed(&self, err: io::Error, call: &str, dest: Option<&SockAddr>) -> io::Error {
        use io::ErrorKind::{Interrupted, InvalidInput, NotConnected, WouldBlock};
        if matches!(err.kind(), WouldBlock | Interrupted) {
            return err;
        }
        let socket = self.as_raw();
        if call == "send_msg"
            && dest.is_none()
            && (err.raw_os_error().is_some() || err.kind() != InvalidInput)
            && self.peer_addr().is_err_and(|e| e.kind() == NotConnected)
        {
            return call_failed(
                err,
                NotConnected,
                format_args!("{call}(socket {socket})"),
                Some("no destination and the socket is not connected"),
            );
        }
        let kind = err.kind();
        match dest {
            Some(dest) => call_failed(
                err,
                kind,
                format_args!("{call}(socket {socket}) to {dest}"),
                None,
            ),
            None => call_failed(err, kind, format_args!("{call}(socket {socket})"), None),
        }
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
    /// Corresponds to [`recvmsg(2)`] with `MSG_CMSG_CLOEXEC` (Linux,
    /// FreeBSD; macOS sets `FIOCLEX` on each received descriptor) and
    /// [`WSARecvMsg`] on Windows (found with [`WSAIoctl`]
    /// `SIO_GET_EXTENSION_FUNCTION_POINTER`; datagram and raw sockets;
    /// a stream socket with an empty `control` uses [`WSARecvFrom`]).
    ///
    /// # Errors
    /// The OS error: `WouldBlock` on a non-blocking socket with nothing
    /// queued (or after a read timeout), `ConnectionReset`, ...; on
    /// Windows, a control area on a stream socket (`WSARecvMsg` takes
    /// datagram and raw sockets only). Named with the call and the socket
    /// (`recv_msg(socket 7): ...`), the kind kept and the OS error as its
    /// `source()`; `WouldBlock` and `Interrupted` stay the raw OS error.
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
    ///
    /// [`recvmsg(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
    /// [`WSARecvMsg`]: https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nc-mswsock-lpfn_wsarecvmsg
    /// [`WSAIoctl`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsaioctl
    /// [`WSARecvFrom`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvfrom
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
            sys::recvmsg(self.sys(), bufs, area, flags)
                .map_err(|e| self.msg_failed(e, "recv_msg", None))?
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
