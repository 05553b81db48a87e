//! `Ring`'s io_uring backend: the ring itself (set up with the best flags
//! the kernel takes), its probe, the provided-buffer ring, the wake
//! eventfd, and submission entries built from the operations `Ring`
//! describes. The `io-uring` crate maps the rings and builds the entries;
//! the bookkeeping of which operation owns which buffer is `Ring`'s, in
//! the portable layer (`src/ring/`).

use std::alloc::{self, Layout};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use io_uring::types::{BufRingEntry, Fd, SubmitArgs, Timespec};
use io_uring::{cqueue, opcode, squeue, IoUring, Probe};

use crate::sys::SockAddr;

/// The `user_data` of the wake eventfd's multishot poll.
pub(crate) const WAKE_DATA: u64 = u64::MAX;
/// The `user_data` of entries whose completion nobody waits for
/// (cancellations: the cancelled operation's own completion says it).
pub(crate) const IGNORED_DATA: u64 = u64::MAX - 1;

/// `IORING_SEND_ZC_REPORT_USAGE`: the notification says whether the
/// kernel copied after all.
const SEND_ZC_REPORT_USAGE: u16 = 1 << 3;
/// `IORING_NOTIF_USAGE_ZC_COPIED`, in the notification's result.
const NOTIF_USAGE_ZC_COPIED: i32 = 1 << 31;

/// A timeout's completion when the time passed (`ETIME`).
pub(crate) const RING_TIME_PASSED: i32 = libc::ETIME;

/// Whether `Uring::new`'s error means io_uring is missing (`ENOSYS`) or
/// refused (`EPERM` from `kernel.io_uring_disabled` or seccomp, `EACCES`
/// from an LSM), so that `Ring` falls back to its emulation.
pub(crate) fn uring_refused(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENOSYS) | Some(libc::EPERM) | Some(libc::EACCES)
    )
}

/// A timeout's duration as the kernel reads it; it must stay in place
/// until the timeout completes.
pub(crate) type RingTimespec = Timespec;

/// A duration as the kernel's timespec.
pub(crate) fn ring_timespec(d: Duration) -> RingTimespec {
    Timespec::from(d)
}

/// What the kernel offers beyond the plain operations, found once by
/// setup flags and `IORING_REGISTER_PROBE`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UringCaps {
    /// Multishot accept (5.19) and multishot receive into a provided
    /// buffer ring (6.0). The probe cannot see a flag, only an opcode:
    /// `IORING_OP_SEND_ZC` came with 6.0, so its presence says both are
    /// there.
    pub(crate) multishot: bool,
    /// `IORING_OP_SEND_ZC`.
    pub(crate) send_zc: bool,
}

/// A `sendmsg`/`recvmsg` operation's header and its one `iovec`, kept in
/// the operation's slot (in place) while the kernel reads or fills them.
pub(crate) struct RingMsg {
    hdr: libc::msghdr,
    iov: libc::iovec,
}

// SAFETY: the pointers in the header point into memory the same slot owns
// (its buffer, control area and address), set at submission and used by
// the kernel only while the operation is in flight; moving the ring to
// another thread moves their owner with them.
unsafe impl Send for RingMsg {}

impl RingMsg {
    pub(crate) fn new() -> RingMsg {
        RingMsg {
            // SAFETY: msghdr and iovec are plain data (pointers and
            // integers); all zeros is a valid empty value (and musl's
            // padding fields must be zero).
            hdr: unsafe { std::mem::zeroed() },
            // SAFETY: as above.
            iov: unsafe { std::mem::zeroed() },
        }
    }

    /// After a receive: sets `addr`'s length to what the kernel wrote,
    /// and returns the bytes of control data and `msg_flags`.
    // `msg_controllen` is a `usize` in glibc, a `u32` in musl.
    #[allow(clippy::unnecessary_cast)]
    pub(crate) fn received(&self, addr: &mut SockAddr) -> (usize, i32) {
        addr.len = self.hdr.msg_namelen;
        let control = if self.hdr.msg_control.is_null() {
            0
        } else {
            self.hdr.msg_controllen as usize
        };
        (control, self.hdr.msg_flags)
    }

    fn fill(
        &mut self,
        buf: (*mut u8, usize),
        control: (*mut u8, usize),
        name: (*mut libc::c_void, libc::socklen_t),
    ) {
        self.iov.iov_base = buf.0.cast();
        self.iov.iov_len = buf.1;
        // SAFETY: as in `new`.
        self.hdr = unsafe { std::mem::zeroed() };
        self.hdr.msg_iov = &mut self.iov;
        self.hdr.msg_iovlen = 1;
        self.hdr.msg_name = name.0;
        self.hdr.msg_namelen = name.1;
        if control.1 > 0 {
            self.hdr.msg_control = control.0.cast();
            self.hdr.msg_controllen = control.1 as _;
        }
    }
}

/// One operation for the kernel, naming memory the caller keeps in place
/// until the operation's last completion.
pub(crate) enum SqOp<'a> {
    SendMsg {
        fd: RawFd,
        msg: &'a mut RingMsg,
        buf: &'a [u8],
        control: &'a [u8],
        addr: Option<&'a SockAddr>,
    },
    RecvMsg {
        fd: RawFd,
        msg: &'a mut RingMsg,
        buf: &'a mut [u8],
        control: &'a mut [u8],
        addr: &'a mut SockAddr,
    },
    Accept {
        fd: RawFd,
        multishot: bool,
    },
    Connect {
        fd: RawFd,
        addr: &'a SockAddr,
    },
    Recv {
        fd: RawFd,
        buf: &'a mut [u8],
    },
    RecvMulti {
        fd: RawFd,
        group: u16,
    },
    Send {
        fd: RawFd,
        buf: &'a [u8],
    },
    SendZc {
        fd: RawFd,
        buf: &'a [u8],
    },
    Splice {
        from: RawFd,
        to: RawFd,
        len: u32,
    },
    Shutdown {
        fd: RawFd,
        how: i32,
    },
    Close {
        fd: RawFd,
    },
    Timeout {
        ts: &'a RingTimespec,
    },
    Cancel {
        target: u64,
    },
}

/// A completion as the kernel wrote it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cqe {
    pub(crate) data: u64,
    pub(crate) res: i32,
    flags: u32,
}

impl Cqe {
    /// `IORING_CQE_F_MORE`: the operation goes on (multishot), or a
    /// zero-copy send's notification follows.
    pub(crate) fn more(&self) -> bool {
        cqueue::more(self.flags)
    }
    /// `IORING_CQE_F_NOTIF`: a zero-copy send's buffer is free again.
    pub(crate) fn notif(&self) -> bool {
        cqueue::notif(self.flags)
    }
    /// The provided buffer the kernel filled (`IORING_CQE_F_BUFFER`).
    pub(crate) fn buffer(&self) -> Option<u16> {
        cqueue::buffer_select(self.flags)
    }
    /// In a notification: the kernel copied the data after all.
    pub(crate) fn zc_copied(&self) -> bool {
        self.res & NOTIF_USAGE_ZC_COPIED != 0
    }
}

/// The provided-buffer ring (`IORING_REGISTER_PBUF_RING`): page-aligned
/// entries the kernel takes buffers from, the tail ours to move.
struct BufRing {
    entries: NonNull<BufRingEntry>,
    layout: Layout,
    mask: u16,
    tail: u16,
    group: u16,
}

/// The wake eventfd, shared with every `RingWaker`.
#[derive(Debug)]
pub(crate) struct UringWake(OwnedFd);

impl UringWake {
    /// Makes the ring's wait return: one `write(2)` to the eventfd.
    pub(crate) fn wake(&self) -> io::Result<()> {
        let one: u64 = 1;
        let res = syscall!(write(
            self.0.as_raw_fd(),
            (&one as *const u64).cast(),
            std::mem::size_of::<u64>()
        ));
        match res {
            // A full counter already wakes the ring.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }

    fn clear(&self) {
        let mut buf = 0u64;
        // Nothing to do on failure: a counter still set wakes once more.
        let _ = syscall!(read(
            self.0.as_raw_fd(),
            (&mut buf as *mut u64).cast(),
            std::mem::size_of::<u64>()
        ));
    }
}

/// An io_uring instance and what `Ring` keeps beside it.
pub(crate) struct Uring {
    ring: IoUring,
    caps: UringCaps,
    /// Set up with `IORING_SETUP_R_DISABLED` until the first wait, so
    /// that the thread that uses the ring, not the one that made it, is
    /// its single issuer.
    enabled: bool,
    wake: Arc<UringWake>,
    wake_armed: bool,
    enters: u64,
    buf_ring: Option<BufRing>,
}

impl std::fmt::Debug for Uring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uring")
            .field("fd", &self.ring.as_raw_fd())
            .field("caps", &self.caps)
            .field("enters", &self.enters)
            .finish()
    }
}

impl Uring {
    /// Sets up a ring of `entries` submissions and `cq_entries`
    /// completions, trying the fastest flags first: a kernel that does not
    /// know a flag says `EINVAL`, and the next, plainer set is tried.
    /// `ENOSYS` (no io_uring) and `EPERM` (`kernel.io_uring_disabled`, a
    /// seccomp filter) come back as they are, for `Ring` to fall back.
    pub(crate) fn new(entries: u32, cq_entries: u32) -> io::Result<Uring> {
        let mut last = None;
        for level in 0..3 {
            let mut b = IoUring::builder();
            b.setup_cqsize(cq_entries).dontfork();
            if level <= 1 {
                b.setup_submit_all().setup_coop_taskrun();
            }
            if level == 0 {
                b.setup_single_issuer()
                    .setup_defer_taskrun()
                    .setup_r_disabled();
            }
            match b.build(entries) {
                Ok(ring) => return Uring::with(ring, level == 0),
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::from_raw_os_error(libc::EINVAL)))
    }

    fn with(ring: IoUring, defer_taskrun: bool) -> io::Result<Uring> {
        let mut probe = Probe::new();
        let send_zc = match ring.submitter().register_probe(&mut probe) {
            Ok(()) => probe.is_supported(opcode::SendZc::CODE),
            Err(_) => false,
        };
        let fd = syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK))?;
        // SAFETY: `eventfd` just returned this descriptor; nothing else
        // owns it.
        let wake = Arc::new(UringWake(unsafe { OwnedFd::from_raw_fd(fd) }));
        let mut uring = Uring {
            ring,
            caps: UringCaps {
                multishot: send_zc,
                send_zc,
            },
            enabled: !defer_taskrun,
            wake,
            wake_armed: false,
            enters: 0,
            buf_ring: None,
        };
        uring.arm_wake()?;
        Ok(uring)
    }

    pub(crate) fn caps(&self) -> UringCaps {
        self.caps
    }

    /// How many times the ring entered the kernel (`io_uring_enter`).
    pub(crate) fn enters(&self) -> u64 {
        self.enters
    }

    pub(crate) fn waker(&self) -> Arc<UringWake> {
        Arc::clone(&self.wake)
    }

    fn arm_wake(&mut self) -> io::Result<()> {
        let entry = opcode::PollAdd::new(Fd(self.wake.0.as_raw_fd()), libc::POLLIN as u32)
            .multi(true)
            .build()
            .user_data(WAKE_DATA);
        // SAFETY: a poll names no memory of ours.
        unsafe { self.push_entry(&entry) }?;
        self.wake_armed = true;
        Ok(())
    }

    /// Registers a provided-buffer ring of `count` entries (a power of
    /// two, at most 32,768) as buffer group `group`; empty until
    /// [`give`](Self::give) fills it.
    pub(crate) fn register_buf_ring(&mut self, count: u16, group: u16) -> io::Result<()> {
        if !count.is_power_of_two() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let layout = Layout::from_size_align(
            usize::from(count) * std::mem::size_of::<BufRingEntry>(),
            4096,
        )
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: the layout's size is not zero (count >= 1).
        let raw = unsafe { alloc::alloc_zeroed(layout) }.cast::<BufRingEntry>();
        let Some(entries) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout);
        };
        // SAFETY: the entries are page-aligned, `count` long, and stay
        // allocated until `Drop` has unregistered them.
        let res = unsafe {
            self.ring.submitter().register_buf_ring_with_flags(
                entries.as_ptr() as u64,
                count,
                group,
                0,
            )
        };
        if let Err(e) = res {
            // SAFETY: allocated above with this layout; the kernel refused
            // it, so nothing else refers to it.
            unsafe { alloc::dealloc(raw.cast(), layout) };
            return Err(e);
        }
        self.buf_ring = Some(BufRing {
            entries,
            layout,
            mask: count - 1,
            tail: 0,
            group,
        });
        Ok(())
    }

    /// Hands buffer `bid` (`len` bytes at `addr`) to the kernel's buffer
    /// ring; it becomes visible at the next [`publish`](Self::publish).
    ///
    /// # Safety
    /// The `len` bytes at `addr` stay allocated, and nothing reads or
    /// writes them, until a completion gives `bid` back.
    pub(crate) unsafe fn give(&mut self, bid: u16, addr: *mut u8, len: u32) {
        let Some(br) = self.buf_ring.as_mut() else {
            return;
        };
        let index = usize::from(br.tail & br.mask);
        // SAFETY: `index` is within the `mask + 1` entries allocated; the
        // kernel reads only entries before the published tail, and this
        // one is at or after it.
        let entry = unsafe { &mut *br.entries.as_ptr().add(index) };
        entry.set_addr(addr as u64);
        entry.set_len(len);
        entry.set_bid(bid);
        br.tail = br.tail.wrapping_add(1);
    }

    /// Makes the buffers given since the last call visible to the kernel.
    pub(crate) fn publish(&mut self) {
        if let Some(br) = self.buf_ring.as_ref() {
            // SAFETY: the tail lives in the first entry's reserved field,
            // which the kernel reads and never writes; a release store
            // publishes the entries written before it.
            unsafe {
                let tail = BufRingEntry::tail(br.entries.as_ptr()) as *const AtomicU16;
                (*tail).store(br.tail, Ordering::Release);
            }
        }
    }

    /// Queues `op` under `data`, entering the kernel first if the
    /// submission queue is full.
    ///
    /// # Safety
    /// The memory `op` names stays allocated and in place, and nothing
    /// else writes it (nor reads it, for a receive), until the last
    /// completion under `data` has been reaped.
    pub(crate) unsafe fn push(&mut self, op: SqOp<'_>, data: u64) -> io::Result<()> {
        const FLAGS: i32 = libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
        let entry = match op {
            SqOp::Accept {
                fd,
                multishot: true,
            } => opcode::AcceptMulti::new(Fd(fd)).flags(FLAGS).build(),
            SqOp::Accept {
                fd,
                multishot: false,
            } => opcode::Accept::new(Fd(fd), std::ptr::null_mut(), std::ptr::null_mut())
                .flags(FLAGS)
                .build(),
            SqOp::Connect { fd, addr } => {
                opcode::Connect::new(Fd(fd), addr.as_ptr().cast(), addr.len()).build()
            }
            SqOp::Recv { fd, buf } => {
                opcode::Recv::new(Fd(fd), buf.as_mut_ptr(), len32(buf.len())).build()
            }
            SqOp::RecvMulti { fd, group } => opcode::RecvMulti::new(Fd(fd), group).build(),
            SqOp::Send { fd, buf } => opcode::Send::new(Fd(fd), buf.as_ptr(), len32(buf.len()))
                .flags(libc::MSG_NOSIGNAL)
                .build(),
            SqOp::SendZc { fd, buf } => opcode::SendZc::new(Fd(fd), buf.as_ptr(), len32(buf.len()))
                .flags(libc::MSG_NOSIGNAL)
                .zc_flags(SEND_ZC_REPORT_USAGE)
                .build(),
            SqOp::SendMsg {
                fd,
                msg,
                buf,
                control,
                addr,
            } => {
                let name = match addr {
                    Some(a) => (a.as_ptr() as *mut libc::c_void, a.len()),
                    None => (std::ptr::null_mut(), 0),
                };
                msg.fill(
                    (buf.as_ptr() as *mut u8, buf.len()),
                    (control.as_ptr() as *mut u8, control.len()),
                    name,
                );
                opcode::SendMsg::new(Fd(fd), &msg.hdr)
                    .flags(libc::MSG_NOSIGNAL as u32)
                    .build()
            }
            SqOp::RecvMsg {
                fd,
                msg,
                buf,
                control,
                addr,
            } => {
                let (storage, len) = addr.out_parts();
                // SAFETY: `len` points at the address's length, just set.
                let namelen = unsafe { *len };
                msg.fill(
                    (buf.as_mut_ptr(), buf.len()),
                    (control.as_mut_ptr(), control.len()),
                    (storage.cast(), namelen),
                );
                opcode::RecvMsg::new(Fd(fd), &mut msg.hdr)
                    .flags(libc::MSG_CMSG_CLOEXEC as u32)
                    .build()
            }
            SqOp::Splice { from, to, len } => {
                opcode::Splice::new(Fd(from), -1, Fd(to), -1, len).build()
            }
            SqOp::Shutdown { fd, how } => opcode::Shutdown::new(Fd(fd), how).build(),
            SqOp::Close { fd } => opcode::Close::new(Fd(fd)).build(),
            SqOp::Timeout { ts } => opcode::Timeout::new(ts as *const Timespec).build(),
            SqOp::Cancel { target } => opcode::AsyncCancel::new(target).build(),
        };
        // SAFETY: the caller keeps the memory the entry names in place.
        unsafe { self.push_entry(&entry.user_data(data)) }
    }

    /// # Safety
    /// As for [`push`](Self::push).
    unsafe fn push_entry(&mut self, entry: &squeue::Entry) -> io::Result<()> {
        loop {
            // SAFETY: the caller's promise, passed on.
            if unsafe { self.ring.submission().push(entry) }.is_ok() {
                return Ok(());
            }
            self.enter(0, None)?;
        }
    }

    /// Submits what is queued and waits for at least `want` completions,
    /// at most `timeout` (`None`: no limit). One `io_uring_enter`.
    pub(crate) fn enter(&mut self, want: u32, timeout: Option<Duration>) -> io::Result<()> {
        if !self.enabled {
            self.ring.submitter().register_enable_rings()?;
            self.enabled = true;
        }
        self.enters += 1;
        let res = match timeout {
            None => self.ring.submitter().submit_and_wait(want as usize),
            Some(d) => {
                let ts = Timespec::from(d);
                let args = SubmitArgs::new().timespec(&ts);
                // With a zero timeout too, `want` 1 makes the enter run the
                // deferred completions (GETEVENTS) and return at once.
                self.ring
                    .submitter()
                    .submit_with_args(want.max(1) as usize, &args)
            }
        };
        match res {
            Ok(_) => Ok(()),
            Err(e) => match e.raw_os_error() {
                Some(libc::ETIME) | Some(libc::EINTR) | Some(libc::EBUSY) => Ok(()),
                Some(libc::EEXIST) => Err(io::Error::other(
                    "Ring: used from a thread other than the one that first waited on it \
                     (IORING_SETUP_SINGLE_ISSUER): keep a Ring on one thread",
                )),
                _ => Err(e),
            },
        }
    }

    /// Moves the completions the kernel has posted into `out` (the wake
    /// eventfd's are handled here).
    pub(crate) fn reap(&mut self, out: &mut Vec<Cqe>) -> io::Result<()> {
        let mut rearm = false;
        for c in self.ring.completion() {
            let cqe = Cqe {
                data: c.user_data(),
                res: c.result(),
                flags: c.flags(),
            };
            match cqe.data {
                WAKE_DATA => {
                    self.wake.clear();
                    rearm |= !cqe.more();
                }
                IGNORED_DATA => {}
                _ => out.push(cqe),
            }
        }
        if rearm {
            self.wake_armed = false;
            self.arm_wake()?;
        }
        Ok(())
    }
}

impl Drop for Uring {
    fn drop(&mut self) {
        if let Some(br) = self.buf_ring.take() {
            // The ring is going away with every operation done (`Ring`
            // leaks it rather than drop it otherwise); unregistering first
            // means the kernel no longer refers to the entries.
            let _ = self.ring.submitter().unregister_buf_ring(br.group);
            // SAFETY: allocated in `register_buf_ring` with this layout
            // and no longer registered.
            unsafe { alloc::dealloc(br.entries.as_ptr().cast(), br.layout) };
        }
    }
}

/// A buffer length as the 32-bit length of an entry; longer buffers are
/// used in part, as a short read or write.
fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

// SAFETY: the buffer ring's entries are memory this value owns alone (the
// pointer is not shared with anything but the kernel), so moving the ring
// to another thread moves their only owner; the ring itself is `Send`.
unsafe impl Send for Uring {}
