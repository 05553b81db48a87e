//! Batches of datagrams: [`SocketHandle::send_batch`] and
//! [`SocketHandle::recv_batch`] ([`sendmmsg(2)`] / [`recvmmsg(2)`] on Linux
//! and FreeBSD, a loop of `sendmsg` / `recvmsg` elsewhere), with UDP
//! segmentation offload (GSO) on send and coalescing (GRO) on receive
//! where the kernel has them, detected at run time, and a per-segment
//! fallback where it does not.
//!
//! Nothing here allocates: the message headers, address pointers and
//! control areas of a call live on the stack, [`sys::BATCH_MAX`] at a
//! time.
//!
//! [`sendmmsg(2)`]: https://man7.org/linux/man-pages/man2/sendmmsg.2.html
//! [`recvmmsg(2)`]: https://man7.org/linux/man-pages/man2/recvmmsg.2.html

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::error::{call_failed, invalid_input};
use crate::message::control::{encode_into, ControlMessage, ReceivedControl};
use crate::message::parse::ControlMessages;
use crate::socket::SocketHandle;
use crate::sys::cmsg::{filled, InMsg, OutMsg};
use crate::sys::{self, SockAddr, BATCH_MAX};

/// The most segments one GSO send may carry (Linux's
/// `UDP_MAX_SEGMENTS`); a longer transmit is sent as several.
const MAX_GSO_SEGMENTS: usize = 64;
/// The most bytes one GSO send may carry: a UDP datagram's largest
/// payload over IPv4 (65,535 less the IP and UDP headers), which the
/// kernel applies to the unsegmented whole.
const MAX_GSO_BYTES: usize = 65_507;

/// Room for the control messages of one datagram of a batch (source
/// address, TOS, segment size; or on receipt destination, TOS, GRO size,
/// with room to spare).
const CONTROL_ROOM: usize = 128;

/// What is known of the kernel's segmentation offload: not yet checked,
/// present, absent (or refused once: the fallback is then used for good).
static GSO_STATE: AtomicU8 = AtomicU8::new(GSO_UNKNOWN);
const GSO_UNKNOWN: u8 = 0;
const GSO_YES: u8 = 1;
const GSO_NO: u8 = 2;
/// Set by [`set_segmentation_offload`]`(false)`.
static GSO_OFF: AtomicBool = AtomicBool::new(false);

/// Turns the use of UDP segmentation offload by
/// [`send_batch`](SocketHandle::send_batch) on (the default: used where
/// the kernel has it) or off for the whole process. Off, a
/// [`Transmit`] with a segment size is sent as one datagram per segment,
/// which is what happens anyway where the kernel lacks GSO or refuses it
/// (the first refusal, for example `EIO` from a device that cannot
/// segment, switches the process to the fallback for good).
///
/// The receiving side sees the same datagrams either way; this is the
/// switch tests use to prove that, and a way out for paths that
/// mis-handle GSO.
pub fn set_segmentation_offload(enabled: bool) {
    GSO_OFF.store(!enabled, Ordering::Relaxed);
}

/// Whether [`send_batch`](SocketHandle::send_batch) segments in the
/// kernel on this socket: the switch is on, the platform has GSO
/// (`UDP_SEGMENT` on Linux 4.18+, `UDP_SEND_MSG_SIZE` on Windows), and it
/// has not refused a send.
pub fn segmentation_offload(socket: &SocketHandle) -> bool {
    gso_usable(socket)
}

fn gso_usable(socket: &SocketHandle) -> bool {
    if GSO_OFF.load(Ordering::Relaxed) {
        return false;
    }
    match GSO_STATE.load(Ordering::Relaxed) {
        GSO_YES => true,
        GSO_NO => false,
        _ => {
            let yes = sys::has_segmentation(socket.sys());
            GSO_STATE.store(if yes { GSO_YES } else { GSO_NO }, Ordering::Relaxed);
            yes
        }
    }
}

/// One datagram (or, with a segment size, a run of datagrams) for
/// [`SocketHandle::send_batch`]; the model is quinn-udp's `Transmit`.
#[derive(Clone, Copy, Debug)]
pub struct Transmit<'a> {
    /// Where to send; `None` on a connected socket.
    pub dest: Option<&'a SockAddr>,
    /// The bytes.
    pub contents: &'a [u8],
    /// Send `contents` as datagrams of this many bytes (the last may be
    /// shorter): in one call with GSO where the kernel has it, else one
    /// datagram per segment. `None`: one datagram.
    pub segment_size: Option<u16>,
    /// The source address to send from (`IP_PKTINFO` / `IPV6_PKTINFO`),
    /// for a socket bound to a wildcard address.
    pub src_ip: Option<IpAddr>,
    /// The TOS / traffic class byte (DSCP and ECN) for these datagrams.
    pub tos: Option<u8>,
}

impl<'a> Transmit<'a> {
    /// One datagram of `contents` to `dest`, with nothing else set.
    pub fn new(dest: Option<&'a SockAddr>, contents: &'a [u8]) -> Transmit<'a> {
        Transmit {
            dest,
            contents,
            segment_size: None,
            src_ip: None,
            tos: None,
        }
    }

    /// The same, to be sent in segments of `size` bytes.
    pub fn with_segment_size(mut self, size: u16) -> Transmit<'a> {
        self.segment_size = Some(size);
        self
    }

    fn check(&self) -> io::Result<()> {
        if self.tos.is_some() || self.src_ip.is_some() {
            // Refused here, before anything of the batch is sent: a TOS
            // or source the platform cannot send.
            let mut scratch = [MaybeUninit::<u8>::uninit(); CONTROL_ROOM];
            self.encode_control(None, &mut scratch)?;
        }
        if let Some(size) = self.segment_size {
            if size == 0 {
                return Err(invalid_input("segment size", 0, "must be more than 0"));
            }
            if usize::from(size) > self.contents.len() {
                return Err(invalid_input(
                    "segment size",
                    size,
                    &format!("is larger than the {}-byte datagram", self.contents.len()),
                ));
            }
        }
        Ok(())
    }

    /// The control messages of a send of this transmit's datagrams.
    /// Encodes into `out`, zeroing only the bytes it uses; returns how
    /// many (all initialised).
    fn encode_control(&self, gso: Option<u16>, out: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        let mut msgs: [ControlMessage<'_>; 3] = [ControlMessage::TosV4(0); 3];
        let mut n = 0;
        let v6 = match self.dest.and_then(|d| d.as_socket_addr()) {
            Some(a) => a.is_ipv6(),
            None => matches!(self.src_ip, Some(IpAddr::V6(_))),
        };
        if let Some(ip) = self.src_ip {
            msgs[n] = match ip {
                IpAddr::V4(addr) => ControlMessage::PktInfoV4 { addr, interface: 0 },
                IpAddr::V6(addr) => ControlMessage::PktInfoV6 { addr, interface: 0 },
            };
            n += 1;
        }
        if let Some(tos) = self.tos {
            msgs[n] = if v6 {
                ControlMessage::TclassV6(tos)
            } else {
                ControlMessage::TosV4(tos)
            };
            n += 1;
        }
        if let Some(size) = gso {
            msgs[n] = ControlMessage::UdpSegment(size);
            n += 1;
        }
        if n == 0 {
            return Ok(0);
        }
        let space = crate::message::control::control_space(&msgs[..n]).min(out.len());
        let slot = &mut out[..space];
        for b in slot.iter_mut() {
            b.write(0);
        }
        // SAFETY: every byte of `slot` was just initialised.
        let slot = unsafe { &mut *(slot as *mut [MaybeUninit<u8>] as *mut [u8]) };
        encode_into(&msgs[..n], slot)
    }
}

/// What [`SocketHandle::recv_batch`] reports about one received buffer;
/// the model is quinn-udp's `RecvMeta`.
#[derive(Clone, Debug)]
pub struct RecvMeta {
    /// Bytes received into the buffer.
    pub len: usize,
    /// The size of each datagram in the buffer: `len` for one datagram,
    /// the GRO segment size when the kernel coalesced several (split the
    /// buffer into `stride`-byte datagrams, the last may be shorter).
    pub stride: usize,
    /// The sender.
    pub addr: SockAddr,
    /// The destination address of the datagram(s), when the socket has
    /// the packet-info switch on (`set_recv_pktinfo_v4` / `_v6`).
    pub dst_ip: Option<IpAddr>,
    /// The interface it arrived on (with the packet-info switch).
    pub interface: Option<u32>,
    /// The TOS / traffic class byte (with `set_recv_tos_v4` /
    /// `set_recv_tclass_v6`).
    pub tos: Option<u8>,
    /// The datagram was longer than the buffer (`MSG_TRUNC`).
    pub truncated: bool,
}

impl Default for RecvMeta {
    fn default() -> RecvMeta {
        RecvMeta {
            len: 0,
            stride: 0,
            addr: SockAddr::empty(),
            dst_ip: None,
            interface: None,
            tos: None,
            truncated: false,
        }
    }
}

impl RecvMeta {
    /// Fills the report of a datagram of `len` bytes with `flags`, whose
    /// control area is `control` (the sender is already in `addr`).
    fn fill(&mut self, len: usize, flags: i32, control: &[u8]) {
        self.len = len;
        self.stride = len;
        self.dst_ip = None;
        self.interface = None;
        self.tos = None;
        self.truncated = flags & sys::MSG_TRUNC != 0;
        for c in ControlMessages::new(control) {
            match c {
                ReceivedControl::PktInfoV4 {
                    addr, interface, ..
                } => {
                    self.dst_ip = Some(addr.into());
                    self.interface = Some(interface).filter(|&i| i != 0);
                }
                ReceivedControl::PktInfoV6 { addr, interface } => {
                    self.dst_ip = Some(addr.into());
                    self.interface = Some(interface).filter(|&i| i != 0);
                }
                ReceivedControl::TosV4(t) | ReceivedControl::TclassV6(t) => self.tos = Some(t),
                ReceivedControl::UdpGroSegment(s) if s > 0 => self.stride = usize::from(s),
                _ => {}
            }
        }
    }
}

/// A chunk of datagrams being built for one `sendmmsg` call: where each
/// one's data and control area are, and which transmit it belongs to.
struct Chunk {
    /// (transmit index, data start, data end, control length, last of
    /// its transmit)
    entries: [(usize, usize, usize, usize, bool); BATCH_MAX],
    control: [[MaybeUninit<u8>; CONTROL_ROOM]; BATCH_MAX],
    gso: [bool; BATCH_MAX],
    n: usize,
}

/// Counts the transmits whose last datagram is among `sent`; when the
/// batch stops there (`cut`), a transmit whose first datagrams went
/// counts too.
fn count_done(sent: &[(usize, usize, usize, usize, bool)], done: &mut usize, cut: bool) {
    *done += sent.iter().filter(|e| e.4).count();
    if cut && sent.last().is_some_and(|e| !e.4) {
        *done += 1;
    }
}

impl SocketHandle {
    /// Sends many datagrams, each with its own destination, in as few
    /// system calls as the platform allows; returns how many transmits
    /// were sent (all of them unless an error or a full non-blocking
    /// buffer stopped the batch; the error itself is returned only when
    /// nothing was sent).
    ///
    /// A transmit with a [`segment_size`](Transmit::segment_size) goes out
    /// as datagrams of that size: in one send with UDP GSO where the
    /// kernel has it (Linux 4.18+: `UDP_SEGMENT`, up to 64 segments a
    /// send), else, or after the kernel refused GSO once, one datagram
    /// per segment in the same batch call (see
    /// [`set_segmentation_offload`]). In that fallback a transmit cut
    /// short by an error counts as sent (its first segments went), as a
    /// lost datagram would.
    ///
    /// Every transmit is checked before anything is sent: a segment size
    /// of 0 or larger than the contents is `InvalidInput` naming the
    /// numbers.
    ///
    /// Corresponds to [`sendmmsg(2)`] on Linux and FreeBSD (up to 32
    /// datagrams a call) and a loop of [`sendmsg(2)`] ([`WSASendMsg`] on
    /// Windows) elsewhere.
    ///
    /// # Errors
    /// A message that names the call, the socket and the transmit (its
    /// index in `transmits`, and its destination), then why:
    /// `send_batch(socket 7): transmits[0] has no destination and the
    /// socket is not connected (os error 89)` (kind `NotConnected`: the OS
    /// says `EDESTADDRREQ`, which has no kind of its own),
    /// `send_batch(socket 7): transmits[2] to 127.0.0.1:9: <the OS's
    /// text>`, `send_batch(socket 7): transmits[1] to 127.0.0.1:9: segment
    /// size 0: must be more than 0` (`InvalidInput`). The kind is otherwise the OS's,
    /// and the OS error is the `source()` (downcast it to `io::Error` for
    /// `raw_os_error()`). `WouldBlock` (a full send buffer on a
    /// non-blocking socket) is returned as the OS gave it, at no cost.
    ///
    /// # Examples
    /// A GSO send: 10 datagrams of 1,200 bytes in one call.
    /// ```
    /// use nativesockets::{new_native_socket, Domain, Protocol, SockAddr, SockType, Transmit};
    /// let rx = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let dest = SockAddr::from(rx.local_addr()?);
    /// let tx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// let payload = vec![7u8; 12_000];
    /// let sent = tx.send_batch(&[Transmit::new(Some(&dest), &payload).with_segment_size(1200)])?;
    /// assert_eq!(sent, 1);
    /// let mut buf = [0u8; 2000];
    /// let n = rx.recv(&mut buf)?;
    /// # // qemu-user (CI's big-endian s390x run) passes UDP_SEGMENT's value
    /// # // through without swapping its bytes, so the kernel sees no 1200.
    /// # let qemu = std::env::vars().any(|(k, v)| k.ends_with("_RUNNER") && v.contains("qemu"));
    /// # if !(qemu && cfg!(target_endian = "big")) {
    /// assert_eq!(n, 1200);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`sendmmsg(2)`]: https://man7.org/linux/man-pages/man2/sendmmsg.2.html
    /// [`sendmsg(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
    /// [`WSASendMsg`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasendmsg
    pub fn send_batch(&self, transmits: &[Transmit<'_>]) -> io::Result<usize> {
        let mut at = 0;
        self.send_transmits(transmits, &mut at)
            .map_err(|e| self.send_failed(e, transmits, at))
    }

    /// `send_batch`'s work; on an error, `at` is the index of the
    /// transmit it concerns.
    fn send_transmits(&self, transmits: &[Transmit<'_>], at: &mut usize) -> io::Result<usize> {
        for (i, t) in transmits.iter().enumerate() {
            *at = i;
            t.check()?;
        }
        if let [t] = transmits {
            *at = 0;
            if let Some(sent) = self.send_one(t)? {
                return Ok(sent);
            }
        }
        let mut done = 0;
        let mut chunk = Chunk {
            entries: [(0, 0, 0, 0, false); BATCH_MAX],
            control: [[MaybeUninit::uninit(); CONTROL_ROOM]; BATCH_MAX],
            gso: [false; BATCH_MAX],
            n: 0,
        };
        let mut i = 0;
        while i < transmits.len() {
            let t = &transmits[i];
            let total = t.contents.len();
            let seg = t.segment_size.map_or(total.max(1), usize::from);
            let segmented = t.segment_size.is_some() && total > seg;
            let gso = segmented && gso_usable(self);
            let step = if !segmented {
                total.max(1)
            } else if gso {
                seg * MAX_GSO_SEGMENTS.min(MAX_GSO_BYTES / seg).max(1)
            } else {
                seg
            };
            let mut start = 0;
            loop {
                let end = (start + step).min(total);
                if chunk.n == BATCH_MAX {
                    match self.flush(transmits, &mut chunk, &mut done, at) {
                        Ok(true) => {}
                        Ok(false) => return Ok(done),
                        Err(e) if done == 0 => return Err(e),
                        Err(_) => return Ok(done),
                    }
                }
                let k = chunk.n;
                *at = i;
                let use_gso = gso && end - start > seg;
                let clen =
                    t.encode_control(use_gso.then_some(seg as u16), &mut chunk.control[k])?;
                chunk.entries[k] = (i, start, end, clen, end >= total);
                chunk.gso[k] = use_gso;
                chunk.n += 1;
                start = end;
                if start >= total {
                    break;
                }
            }
            i += 1;
        }
        if chunk.n > 0 {
            match self.flush(transmits, &mut chunk, &mut done, at) {
                Ok(_) => {}
                Err(e) if done == 0 => return Err(e),
                Err(_) => {}
            }
        }
        Ok(done)
    }

    /// The error of `send_batch`: the socket and the transmit it
    /// concerns, and why; `WouldBlock` and `Interrupted` are left raw
    /// (a non-blocking sender sees the first all the time).
    #[cold]
    #[inline(never)]
    fn send_failed(&self, err: io::Error, transmits: &[Transmit<'_>], at: usize) -> io::Error {
        use io::ErrorKind::{Interrupted, NotConnected, WouldBlock};
        if matches!(err.kind(), WouldBlock | Interrupted) {
            return err;
        }
        let socket = self.as_raw();
        let Some(t) = transmits.get(at) else {
            let kind = err.kind();
            return call_failed(err, kind, format_args!("send_batch(socket {socket})"), None);
        };
        // EDESTADDRREQ has no `ErrorKind` of its own (Windows gives
        // ENOTCONN, or WSAEINVAL for a socket never bound): asked of the
        // socket itself, on this path only, whether it has a peer. Input
        // the crate refused itself (no OS code) is not asked about.
        if t.dest.is_none()
            && (err.raw_os_error().is_some() || err.kind() != io::ErrorKind::InvalidInput)
            && self.peer_addr().is_err_and(|e| e.kind() == NotConnected)
        {
            let why = format!("transmits[{at}] has no destination and the socket is not connected");
            return call_failed(
                err,
                NotConnected,
                format_args!("send_batch(socket {socket})"),
                Some(&why),
            );
        }
        let kind = err.kind();
        match t.dest {
            Some(dest) => call_failed(
                err,
                kind,
                format_args!("send_batch(socket {socket}): transmits[{at}] to {dest}"),
                None,
            ),
            None => call_failed(
                err,
                kind,
                format_args!("send_batch(socket {socket}): transmits[{at}]"),
                None,
            ),
        }
    }

    /// The common case of one transmit that goes in one send (one
    /// datagram, or one GSO send): `sendmsg` with the control area on the
    /// stack, none of the batch arrays. `None` when it needs the batch
    /// path (segments without GSO, or more than one GSO send).
    fn send_one(&self, t: &Transmit<'_>) -> io::Result<Option<usize>> {
        let total = t.contents.len();
        let gso = match t.segment_size.map(usize::from) {
            Some(seg) if total > seg => {
                let max = seg * MAX_GSO_SEGMENTS.min(MAX_GSO_BYTES / seg).max(1);
                if total > max || !gso_usable(self) {
                    return Ok(None);
                }
                Some(seg as u16)
            }
            _ => None,
        };
        let mut control = [MaybeUninit::<u8>::uninit(); CONTROL_ROOM];
        let clen = t.encode_control(gso, &mut control)?;
        // SAFETY: encode_control initialised the first `clen` bytes.
        let control = unsafe { filled(&control, clen) };
        let data = [IoSlice::new(t.contents)];
        loop {
            match sys::sendmsg(self.sys(), t.dest, &data, control, 0) {
                Ok(_) => return Ok(Some(1)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if gso.is_some() && sys::segmentation_refused(&e) => {
                    GSO_STATE.store(GSO_NO, Ordering::Relaxed);
                    self.send_segments(t, 0, total)?;
                    return Ok(Some(1));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends the chunk's datagrams; counts the transmits completed into
    /// `done`; `Ok(false)` when the kernel took only part of the chunk.
    /// A GSO send the kernel refuses turns GSO off for good and is
    /// retried one datagram per segment. On an error, `at` is the index
    /// of the transmit the failed datagram belongs to.
    fn flush(
        &self,
        transmits: &[Transmit<'_>],
        chunk: &mut Chunk,
        done: &mut usize,
        at: &mut usize,
    ) -> io::Result<bool> {
        let n = chunk.n;
        chunk.n = 0;
        let mut msgs = [OutMsg::default(); BATCH_MAX];
        for (k, msg) in msgs.iter_mut().enumerate().take(n) {
            let (ti, start, end, clen, _) = chunk.entries[k];
            *msg = OutMsg {
                addr: transmits[ti].dest,
                data: &transmits[ti].contents[start..end],
                // SAFETY: encode_control initialised the first `clen` bytes.
                control: unsafe { filled(&chunk.control[k], clen) },
            };
        }
        let mut sent_upto = 0;
        while sent_upto < n {
            match sys::sendmmsg(self.sys(), &msgs[sent_upto..n]) {
                Ok(0) => break,
                Ok(m) => sent_upto += m,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if chunk.gso[sent_upto] && sys::segmentation_refused(&e) => {
                    GSO_STATE.store(GSO_NO, Ordering::Relaxed);
                    let (ti, start, end, _, _) = chunk.entries[sent_upto];
                    *at = ti;
                    self.send_segments(&transmits[ti], start, end)?;
                    sent_upto += 1;
                }
                Err(e) => {
                    count_done(&chunk.entries[..sent_upto], done, true);
                    if sent_upto > 0 {
                        return Ok(false);
                    }
                    *at = chunk.entries[0].0;
                    return Err(e);
                }
            }
        }
        count_done(&chunk.entries[..sent_upto], done, sent_upto < n);
        Ok(sent_upto == n)
    }

    /// The fallback for one GSO send the kernel refused: its segments, one
    /// datagram each.
    fn send_segments(&self, t: &Transmit<'_>, start: usize, end: usize) -> io::Result<()> {
        let seg = t.segment_size.map_or(end - start, usize::from).max(1);
        let mut control = [MaybeUninit::<u8>::uninit(); CONTROL_ROOM];
        let clen = t.encode_control(None, &mut control)?;
        // SAFETY: encode_control initialised the first `clen` bytes.
        let control = unsafe { filled(&control, clen) };
        let mut pos = start;
        while pos < end {
            let mut msgs = [OutMsg::default(); BATCH_MAX];
            let mut k = 0;
            let mut p = pos;
            while k < BATCH_MAX && p < end {
                let e = (p + seg).min(end);
                msgs[k] = OutMsg {
                    addr: t.dest,
                    data: &t.contents[p..e],
                    control,
                };
                k += 1;
                p = e;
            }
            let m = loop {
                match sys::sendmmsg(self.sys(), &msgs[..k]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
            if m == 0 {
                break;
            }
            pos = (pos + m * seg).min(end);
        }
        Ok(())
    }

    /// Receives up to `bufs.len()` datagrams, one a buffer, describing
    /// each in the `meta` of the same index; returns how many buffers
    /// were filled. On a blocking socket it waits for the first datagram
    /// only, then takes what is already queued.
    ///
    /// With [`set_udp_gro`](Self::set_udp_gro) on (Linux), one buffer may
    /// hold several datagrams of one flow coalesced by the kernel:
    /// [`RecvMeta::stride`] is then their size. With the packet-info and
    /// TOS switches on, [`RecvMeta::dst_ip`] and [`RecvMeta::tos`] are
    /// filled.
    ///
    /// Allocates nothing: headers and control areas (128 bytes a
    /// datagram) are on the stack.
    ///
    /// Corresponds to [`recvmmsg(2)`] with `MSG_WAITFORONE` on Linux and
    /// FreeBSD (32 datagrams a call, further calls with `MSG_DONTWAIT`
    /// while every buffer of the last one was filled), a loop of
    /// [`recvmsg(2)`] ([`WSARecvMsg`] on Windows) elsewhere.
    ///
    /// # Errors
    /// `InvalidInput` when `meta` is shorter than `bufs`; the OS error
    /// otherwise, in a message that names the call and the socket
    /// (`recv_batch(socket 7): Connection refused (os error 111)`), with
    /// the OS's kind, and the OS error as its `source()` (downcast it to
    /// `io::Error` for `raw_os_error()`). `WouldBlock`, on a non-blocking
    /// socket with nothing queued, is returned as the OS gave it: a
    /// receive loop meets it at every turn, and it costs no allocation.
    /// To receive into buffers kept from call to call, see
    /// [`recv_batch_into`](Self::recv_batch_into) and [`RecvBuffers`].
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{new_native_socket, Domain, Protocol, RecvMeta, SockAddr, SockType};
    /// use std::io::IoSliceMut;
    ///
    /// let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// rx.bind_addr(&"127.0.0.1:0".parse::<SockAddr>()?)?;
    /// let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// for i in 0..3u8 {
    ///     tx.send_to(&[i; 10], rx.local_addr()?.as_socket_addr().unwrap())?;
    /// }
    /// let mut storage = [[0u8; 64]; 8];
    /// let mut bufs: Vec<IoSliceMut> = storage.iter_mut().map(|b| IoSliceMut::new(b)).collect();
    /// let mut meta = vec![RecvMeta::default(); 8];
    /// let mut got = 0;
    /// while got < 3 {
    ///     got += rx.recv_batch(&mut bufs[got..], &mut meta[got..])?;
    /// }
    /// assert_eq!(meta[2].len, 10);
    /// assert_eq!(meta[0].addr.as_socket_addr(), Some(tx.local_addr()?));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`recvmmsg(2)`]: https://man7.org/linux/man-pages/man2/recvmmsg.2.html
    /// [`recvmsg(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
    /// [`WSARecvMsg`]: https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nc-mswsock-lpfn_wsarecvmsg
    pub fn recv_batch(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> io::Result<usize> {
        let count = bufs.len();
        self.recv_datagrams(bufs.iter_mut().map(|b| &mut **b), count, meta)
            .map_err(|e| self.recv_failed(e))
    }

    /// Receives up to [`buffers.count()`](RecvBuffers::count) datagrams
    /// into `buffers`, one a buffer, describing each in the `meta` of the
    /// same index; returns how many buffers were filled. The same as
    /// [`recv_batch`](Self::recv_batch), but on a buffer set that lives
    /// from call to call, as quinn-udp's callers keep theirs: no vector of
    /// `IoSliceMut` to build, and nothing allocated by the call.
    ///
    /// # Errors
    /// `InvalidInput` when `meta` is shorter than the buffer set; the OS
    /// error, as for [`recv_batch`](Self::recv_batch).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{new_native_socket, Domain, Protocol, RecvBuffers, RecvMeta, SockAddr, SockType};
    ///
    /// let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// rx.bind_addr(&"127.0.0.1:0".parse::<SockAddr>()?)?;
    /// let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// for i in 0..3u8 {
    ///     tx.send_to(&[i; 10], rx.local_addr()?.as_socket_addr().unwrap())?;
    /// }
    /// let mut buffers = RecvBuffers::new(8, 1500)?; // once, reused by every call
    /// let mut meta = [(); 8].map(|_| RecvMeta::default());
    /// let mut seen = Vec::new();
    /// while seen.len() < 3 {
    ///     let n = rx.recv_batch_into(&mut buffers, &mut meta)?;
    ///     for (m, datagram) in buffers.received(&meta[..n]) {
    ///         assert_eq!(m.len, 10);
    ///         seen.push(datagram[0]);
    ///     }
    /// }
    /// assert_eq!(seen, [0, 1, 2]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn recv_batch_into(
        &self,
        buffers: &mut RecvBuffers,
        meta: &mut [RecvMeta],
    ) -> io::Result<usize> {
        let count = buffers.count();
        let size = buffers.size;
        self.recv_datagrams(buffers.storage.chunks_exact_mut(size), count, meta)
            .map_err(|e| self.recv_failed(e))
    }

    /// The error of a batch receive, naming the socket; `WouldBlock` and
    /// `Interrupted` are left raw (a non-blocking receiver sees the first
    /// all the time, and it must cost nothing).
    #[cold]
    #[inline(never)]
    fn recv_failed(&self, err: io::Error) -> io::Error {
        use io::ErrorKind::{Interrupted, WouldBlock};
        if matches!(err.kind(), WouldBlock | Interrupted) {
            return err;
        }
        let kind = err.kind();
        let socket = self.as_raw();
        call_failed(err, kind, format_args!("recv_batch(socket {socket})"), None)
    }

    /// The receive of [`recv_batch`](Self::recv_batch) and
    /// [`recv_batch_into`](Self::recv_batch_into): into the `count`
    /// buffers `bufs` yields, [`BATCH_MAX`] a system call.
    fn recv_datagrams<'b>(
        &self,
        mut bufs: impl Iterator<Item = &'b mut [u8]>,
        count: usize,
        meta: &mut [RecvMeta],
    ) -> io::Result<usize> {
        if meta.len() < count {
            return Err(invalid_input(
                "batch receive",
                format_args!("{count} buffers, {} meta", meta.len()),
                "needs a meta for every buffer",
            ));
        }
        let mut total = 0;
        // Not zeroed: the kernel writes what it reports (control_len).
        let mut control = [[MaybeUninit::<u8>::uninit(); CONTROL_ROOM]; BATCH_MAX];
        for meta in meta[..count].chunks_mut(BATCH_MAX) {
            let flags = if total == 0 { 0 } else { sys::MSG_DONTWAIT };
            let mut results = [(0usize, 0i32, 0usize); BATCH_MAX];
            let mut n = 0;
            let got = {
                // SAFETY: an array of MaybeUninit needs no initialisation.
                let mut slots: [MaybeUninit<InMsg<'_>>; BATCH_MAX] =
                    unsafe { MaybeUninit::uninit().assume_init() };
                for ((slot, c), m) in slots
                    .iter_mut()
                    .zip(control.iter_mut())
                    .zip(meta.iter_mut())
                {
                    let Some(buf) = bufs.next() else { break };
                    slot.write(InMsg::new(buf, &mut c[..], &mut m.addr));
                    n += 1;
                }
                if n == 0 {
                    break;
                }
                // SAFETY: the first `n` slots were written just above;
                // InMsg has no drop.
                let msgs = unsafe {
                    &mut *(&mut slots[..n] as *mut [MaybeUninit<InMsg<'_>>] as *mut [InMsg<'_>])
                };
                let got = loop {
                    match sys::recvmmsg(self.sys(), msgs, flags) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted && total == 0 => continue,
                        Err(e) if total == 0 => return Err(e),
                        Err(_) => return Ok(total),
                        Ok(got) => break got,
                    }
                };
                for (r, m) in results.iter_mut().zip(&msgs[..got]) {
                    *r = (m.len, m.flags, m.control_len);
                }
                got
            };
            for ((m, c), &(len, fl, clen)) in meta.iter_mut().zip(&control).zip(&results[..got]) {
                // SAFETY: the kernel wrote the first `clen` bytes.
                m.fill(len, fl, unsafe { filled(c, clen) });
            }
            total += got;
            if got < n {
                break;
            }
        }
        Ok(total)
    }
}

/// A set of equal receive buffers in one allocation, made once and reused
/// by every [`SocketHandle::recv_batch_into`]: the batch receive's
/// counterpart of [`Events`](crate::Events), and what quinn-udp's callers
/// keep (one boxed slice cut into `count` buffers of `size` bytes).
///
/// A buffer's datagram is read back with [`received`](Self::received)
/// (the filled part of each buffer, next to its [`RecvMeta`]) or
/// [`get`](Self::get) (the whole buffer).
pub struct RecvBuffers {
    storage: Box<[u8]>,
    size: usize,
}

impl std::fmt::Debug for RecvBuffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvBuffers")
            .field("count", &self.count())
            .field("size", &self.size)
            .finish()
    }
}

impl RecvBuffers {
    /// `count` buffers of `size` bytes each, zeroed, in one allocation
    /// (the only one: receives into them allocate nothing). With UDP GRO
    /// on, make `size` 65,535 so that a coalesced run fits; otherwise the
    /// largest datagram expected (a longer one is cut, and its
    /// [`RecvMeta::truncated`] set).
    ///
    /// # Errors
    /// `InvalidInput`, naming the numbers, when `count` or `size` is 0 or
    /// their product does not fit in memory (`isize::MAX` bytes).
    pub fn new(count: usize, size: usize) -> io::Result<RecvBuffers> {
        let total = count
            .checked_mul(size)
            .filter(|&t| t <= isize::MAX as usize);
        match total {
            Some(total) if total > 0 => Ok(RecvBuffers {
                storage: vec![0u8; total].into_boxed_slice(),
                size,
            }),
            _ => Err(invalid_input(
                "receive buffers",
                format_args!("{count} x {size} bytes"),
                "need at least one buffer of at least one byte, and at most isize::MAX bytes in all",
            )),
        }
    }

    /// How many buffers there are.
    pub fn count(&self) -> usize {
        self.storage.len() / self.size
    }

    /// The size of each buffer, in bytes.
    pub fn buffer_size(&self) -> usize {
        self.size
    }

    /// The whole of buffer `index` (what a receive wrote and what it did
    /// not); `None` past the last.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        self.storage.chunks_exact(self.size).nth(index)
    }

    /// The received datagrams: for each `meta` (in the order of the
    /// buffers, so pass the first `n` that the receive returned), the meta
    /// and the filled part of its buffer (`meta.len` bytes; split it by
    /// [`RecvMeta::stride`] when GRO coalesced several datagrams).
    pub fn received<'a>(
        &'a self,
        meta: &'a [RecvMeta],
    ) -> impl Iterator<Item = (&'a RecvMeta, &'a [u8])> + 'a {
        meta.iter()
            .zip(self.storage.chunks_exact(self.size))
            .map(|(m, buf)| (m, &buf[..m.len.min(buf.len())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path a GSO send the kernel refused (`EIO`) takes: the same
    /// bytes, one datagram per segment, in order. `EIO` cannot be caused
    /// on loopback, so the path is called directly.
    #[test]
    #[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
    fn a_refused_gso_send_goes_out_one_datagram_per_segment() {
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let dest = SockAddr::from(rx.local_addr().unwrap());
        let payload: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let t = Transmit::new(Some(&dest), &payload).with_segment_size(1200);
        let sock = crate::SocketRef::from(&tx);
        // From an offset, as a refused send in the middle of a transmit.
        sock.send_segments(&t, 2400, payload.len()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        while got.len() < payload.len() - 2400 {
            let n = rx.recv(&mut buf).unwrap();
            assert!(n == 1200 || got.len() + n == payload.len() - 2400, "{n}");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got == payload[2400..], "the bytes differ");
    }
}
