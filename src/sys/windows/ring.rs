//! `Ring`'s platform side on Windows: an I/O completion port, the
//! overlapped socket calls (`AcceptEx`, `ConnectEx`, `WSARecv`, `WSASend`,
//! `WSASendMsg`, `WSARecvMsg`), tying a socket to the port and untying it
//! (`NtSetInformationFile` with `FileReplaceCompletionInformation`), and
//! the error codes completions carry. The bookkeeping of which operation
//! owns which buffer, and of which sockets are tied, is `Ring`'s, in the
//! portable layer (`src/ring/iocp.rs`).

use std::io;
use std::mem;
use std::os::raw::c_int;
use std::ptr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use windows_sys::Wdk::Storage::FileSystem::{
    FileReplaceCompletionInformation, NtSetInformationFile, FILE_COMPLETION_INFORMATION,
};
use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, ERROR_INVALID_PARAMETER, HANDLE, INVALID_HANDLE_VALUE,
    STATUS_INVALID_INFO_CLASS, STATUS_NOT_IMPLEMENTED, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Networking::WinSock::{
    self as ws, AcceptEx, LPFN_CONNECTEX, SOCKADDR, SOCKADDR_STORAGE, SOCKET_ERROR, WSABUF,
    WSAEMSGSIZE, WSAENOBUFS, WSAESHUTDOWN, WSAMSG, WSA_IO_PENDING, WSA_OPERATION_ABORTED,
};
use windows_sys::Win32::System::Threading::{
    CreateEventW, RegisterWaitForSingleObject, UnregisterWaitEx, WaitForSingleObject, INFINITE,
    WT_EXECUTEONLYONCE,
};
use windows_sys::Win32::System::IO::{
    CancelIoEx, CreateIoCompletionPort, GetQueuedCompletionStatusEx, PostQueuedCompletionStatus,
    IO_STATUS_BLOCK, OVERLAPPED, OVERLAPPED_ENTRY,
};

use super::message::{extension, wsa_recv_msg};
use super::Socket;
use crate::sys::SockAddr;

/// What a cancelled operation's completion carries.
pub(crate) const RING_CANCELED: c_int = WSA_OPERATION_ABORTED as c_int;
/// What a receive into the ring's buffers carries when none is free.
pub(crate) const RING_NO_BUFFERS: c_int = WSAENOBUFS as c_int;

/// The completion key of a wake (operations use 0, or `FOREIGN_KEY`).
const WAKE_KEY: usize = 1;
/// The completion key a foreign call's thread-pool wait posts with.
const FOREIGN_KEY: usize = 2;

/// `AcceptEx`'s room for each of the two addresses it writes.
const ACCEPT_ADDR_LEN: u32 = (mem::size_of::<SOCKADDR_STORAGE>() + 16) as u32;
/// `MSG_TRUNC` as the portable layer reports it (Winsock's own value).
const MSG_TRUNC: i32 = ws::MSG_TRUNC as i32;

/// The thread-pool callback of a foreign call's event: posts the
/// completion to the ring's port, as Windows would have.
unsafe extern "system" fn post_completion(ctx: *mut std::ffi::c_void, _timed_out: bool) {
    let ov = ctx.cast::<RingOverlapped>();
    // SAFETY: `ctx` is the `RingOverlapped` the wait was registered with,
    // in place until the completion posted here is taken; its `port` was
    // written before the registration and not since. Only that field is
    // read.
    let port = unsafe { ptr::addr_of!((*ov).port).read() };
    // SAFETY: the port is open while the ring waits for this completion
    // (a ring that gives up waiting leaks its port); the OVERLAPPED is the
    // first field of `*ov`.
    unsafe { PostQueuedCompletionStatus(port, 0, FOREIGN_KEY, ov.cast::<OVERLAPPED>()) };
}

/// The completion port's handle, closed when the last owner goes.
#[derive(Debug)]
struct Port(HANDLE);

// SAFETY: a completion port handle may be used from any thread (posting
// to it is what wakes the ring from another thread).
unsafe impl Send for Port {}
// SAFETY: as above; the handle is only read.
unsafe impl Sync for Port {}

impl Drop for Port {
    fn drop(&mut self) {
        // SAFETY: the port was opened by `Iocp::new` and is closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// Wakes the ring's wait from any thread.
#[derive(Clone, Debug)]
pub(crate) struct IocpWake(Arc<Port>);

impl IocpWake {
    /// `PostQueuedCompletionStatus` with the wake key.
    pub(crate) fn wake(&self) -> io::Result<()> {
        // SAFETY: a valid port; a null OVERLAPPED is allowed.
        if unsafe { PostQueuedCompletionStatus(self.0 .0, 0, WAKE_KEY, ptr::null()) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// An operation's overlapped state, kept in its slot (in place) while
/// Winsock owns it. The `OVERLAPPED` comes first, so the pointer a
/// completion gives back is this struct's.
#[repr(C)]
pub(crate) struct RingOverlapped {
    ov: OVERLAPPED,
    data: u64,
    flags: u32,
    fromlen: i32,
    buf: WSABUF,
    msg: WSAMSG,
    /// `AcceptEx`'s new socket until the completion hands it out.
    accepted: Socket,
    addrs: [u8; 2 * ACCEPT_ADDR_LEN as usize],
    /// For a socket tied to another port: an auto-reset event the call
    /// signals instead of queueing to that port (made on first use, closed
    /// with the slot), ...
    event: HANDLE,
    /// ... a thread-pool wait on it until the completion is taken, ...
    wait: HANDLE,
    /// ... and the port that wait posts the completion to.
    port: HANDLE,
}

impl Drop for RingOverlapped {
    fn drop(&mut self) {
        if !self.wait.is_null() {
            // SAFETY: a wait registered by `start` and not yet unregistered;
            // INVALID_HANDLE_VALUE waits for a running callback to end.
            unsafe { UnregisterWaitEx(self.wait, INVALID_HANDLE_VALUE) };
        }
        if !self.event.is_null() {
            // SAFETY: the event made by `start`, closed once, here.
            unsafe { CloseHandle(self.event) };
        }
    }
}

// SAFETY: the pointers inside point into memory the same slot owns (its
// buffer, control area and address), set at submission and used by
// Winsock only while the operation is in flight; moving the ring moves
// their owner with them.
unsafe impl Send for RingOverlapped {}

impl RingOverlapped {
    pub(crate) fn new() -> RingOverlapped {
        RingOverlapped {
            // SAFETY: OVERLAPPED, WSABUF and WSAMSG are plain data; all
            // zeros is their empty value.
            ov: unsafe { mem::zeroed() },
            data: 0,
            flags: 0,
            fromlen: 0,
            // SAFETY: as above.
            buf: unsafe { mem::zeroed() },
            // SAFETY: as above.
            msg: unsafe { mem::zeroed() },
            accepted: ws::INVALID_SOCKET,
            addrs: [0; 2 * ACCEPT_ADDR_LEN as usize],
            event: ptr::null_mut(),
            wait: ptr::null_mut(),
            port: ptr::null_mut(),
        }
    }
}

/// One overlapped call, naming memory the caller keeps in place until its
/// completion.
pub(crate) enum IocpOp<'a> {
    Accept {
        listener: Socket,
        family: c_int,
    },
    Connect {
        s: Socket,
        addr: &'a SockAddr,
        v6: bool,
    },
    Recv {
        s: Socket,
        buf: &'a mut [u8],
    },
    /// A receive of zero bytes: completes once data (or the end of the
    /// stream, or an error) is there, and holds no buffer while it waits.
    Poll {
        s: Socket,
    },
    Send {
        s: Socket,
        buf: &'a [u8],
    },
    SendMsg {
        s: Socket,
        buf: &'a [u8],
        control: &'a [u8],
        addr: Option<&'a SockAddr>,
    },
    RecvMsg {
        s: Socket,
        buf: &'a mut [u8],
        control: &'a mut [u8],
        addr: &'a mut SockAddr,
    },
}

/// An I/O completion port and the completions one wait took.
pub(crate) struct Iocp {
    port: Arc<Port>,
    entries: Vec<OVERLAPPED_ENTRY>,
    waits: u64,
    /// `FileReplaceCompletionInformation` works here (until it fails as
    /// unknown).
    can_untie: bool,
}

// SAFETY: the entries are scratch space each wait overwrites; the
// pointers in them are only read in the wait that filled them, on the
// thread that waits. The port handle may be used from any thread.
unsafe impl Send for Iocp {}

impl std::fmt::Debug for Iocp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iocp").field("waits", &self.waits).finish()
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether an overlapped call's return says "started" (or done at once,
/// which posts a completion too).
fn started(res: i32) -> io::Result<()> {
    if res == SOCKET_ERROR {
        let e = super::last_error();
        if e.raw_os_error() != Some(WSA_IO_PENDING) {
            return Err(e);
        }
    }
    Ok(())
}

/// `ConnectEx`, looked up once.
fn connect_ex(s: Socket) -> io::Result<LPFN_CONNECTEX> {
    static F: OnceLock<usize> = OnceLock::new();
    if let Some(&f) = F.get() {
        // SAFETY: stored below from a non-null LPFN_CONNECTEX.
        return Ok(unsafe { mem::transmute::<usize, LPFN_CONNECTEX>(f) });
    }
    let f: LPFN_CONNECTEX = extension(s, &ws::WSAID_CONNECTEX)?;
    let Some(raw) = f else {
        return Err(io::Error::from(io::ErrorKind::Unsupported));
    };
    let _ = F.set(raw as usize);
    Ok(f)
}

impl Iocp {
    /// `CreateIoCompletionPort` for a new port, with room for `events`
    /// completions a wait.
    pub(crate) fn new(events: usize) -> io::Result<Iocp> {
        super::init();
        // SAFETY: INVALID_HANDLE_VALUE and a null port make a new port.
        let port = unsafe { CreateIoCompletionPort(INVALID_HANDLE_VALUE, ptr::null_mut(), 0, 1) };
        if port.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(Iocp {
            port: Arc::new(Port(port)),
            // SAFETY: plain data; all zeros is valid.
            entries: vec![unsafe { mem::zeroed() }; events.clamp(16, 1024)],
            waits: 0,
            can_untie: true,
        })
    }

    /// Keeps the port open for good: a ring that gave up waiting for its
    /// calls leaves it to them (and to the thread-pool waits that post to
    /// it), rather than let Windows give its handle to something else.
    pub(crate) fn leak(&self) {
        mem::forget(Arc::clone(&self.port));
    }

    pub(crate) fn waker(&self) -> IocpWake {
        IocpWake(Arc::clone(&self.port))
    }

    /// `GetQueuedCompletionStatusEx` calls made.
    pub(crate) fn waits(&self) -> u64 {
        self.waits
    }

    /// Ties `s` to the port (`CreateIoCompletionPort`), so that the
    /// overlapped calls on it complete here.
    ///
    /// `false` when Windows already ties the socket to another port
    /// (`ERROR_INVALID_PARAMETER`: another ring's, in flight there or never
    /// untied): its calls then go through [`start`](Self::start)'s
    /// fallback, as Windows completes a socket's calls to one port at a
    /// time.
    ///
    /// # Errors
    /// Any other error of `CreateIoCompletionPort`.
    pub(crate) fn tie(&self, s: Socket) -> io::Result<bool> {
        // SAFETY: `s` is an open socket handle (the caller holds its
        // owner); the port is open.
        let h = unsafe { CreateIoCompletionPort(s as HANDLE, self.port.0, 0, 0) };
        if !h.is_null() {
            return Ok(true);
        }
        // SAFETY: no preconditions.
        let code = unsafe { GetLastError() };
        if code == ERROR_INVALID_PARAMETER {
            return Ok(false);
        }
        Err(io::Error::from_raw_os_error(code as i32))
    }

    /// Unties `s` from the port (`NtSetInformationFile` with
    /// `FileReplaceCompletionInformation` and no port, Windows 8.1 and
    /// later), once no call of this ring is in flight on it, so that
    /// another ring may tie it. `false` when Windows (or Wine) cannot: the
    /// socket stays tied to this port until it closes.
    pub(crate) fn untie(&mut self, s: Socket) -> bool {
        if !self.can_untie {
            return false;
        }
        let info = FILE_COMPLETION_INFORMATION {
            Port: ptr::null_mut(),
            Key: ptr::null_mut(),
        };
        // SAFETY: plain data; all zeros is its empty value.
        let mut iosb: IO_STATUS_BLOCK = unsafe { mem::zeroed() };
        // SAFETY: `s` is an open socket handle; `info` and `iosb` are
        // valid for the call, which is synchronous.
        let status = unsafe {
            NtSetInformationFile(
                s as HANDLE,
                &mut iosb,
                (&info as *const FILE_COMPLETION_INFORMATION).cast(),
                mem::size_of::<FILE_COMPLETION_INFORMATION>() as u32,
                FileReplaceCompletionInformation,
            )
        };
        if status >= 0 {
            return true;
        }
        if status == STATUS_INVALID_INFO_CLASS || status == STATUS_NOT_IMPLEMENTED {
            // Before Windows 8.1 (and in Wine): never again.
            self.can_untie = false;
        }
        false
    }

    /// Starts `op` on socket `s` with `ov` under `data`. With `foreign`
    /// (a socket [`tie`](Self::tie) found tied to another port), the call
    /// signals an event instead (an `hEvent` with its low bit set is not
    /// queued to any port), and a thread-pool wait on that event posts the
    /// completion to this port.
    ///
    /// # Safety
    /// `ov` and the memory `op` names stay allocated and in place, and
    /// nothing else touches them, until the completion under `data` has
    /// been taken by [`wait`](Self::wait).
    pub(crate) unsafe fn start(
        &self,
        op: IocpOp<'_>,
        s: Socket,
        ov: &mut RingOverlapped,
        data: u64,
        foreign: bool,
    ) -> io::Result<()> {
        // SAFETY: plain data; a fresh OVERLAPPED for each call.
        ov.ov = unsafe { mem::zeroed() };
        ov.data = data;
        ov.flags = 0;
        // SAFETY: plain data; `received` tells a message by its buffers.
        ov.msg = unsafe { mem::zeroed() };
        if foreign {
            if ov.event.is_null() {
                // SAFETY: no attributes, no name: a private auto-reset
                // event, unsignalled.
                let ev = unsafe { CreateEventW(ptr::null(), 0, 0, ptr::null()) };
                if ev.is_null() {
                    return Err(io::Error::last_os_error());
                }
                ov.event = ev;
            }
            ov.ov.hEvent = (ov.event as usize | 1) as HANDLE;
            ov.port = self.port.0;
        }
        // SAFETY: passed on from the caller.
        unsafe { self.call(op, ov) }?;
        if foreign {
            self.watch(s, ov)?;
        }
        Ok(())
    }

    /// Registers the thread-pool wait that posts a foreign call's
    /// completion to this port.
    fn watch(&self, s: Socket, ov: &mut RingOverlapped) -> io::Result<()> {
        let mut wait: HANDLE = ptr::null_mut();
        let ctx: *mut RingOverlapped = ov;
        // SAFETY: the event is open; `ctx` stays in place until the
        // completion the callback posts has been taken (`start`'s
        // contract), and the wait runs the callback once.
        let ok = unsafe {
            RegisterWaitForSingleObject(
                &mut wait,
                ov.event,
                Some(post_completion),
                ctx.cast_const().cast(),
                INFINITE,
                WT_EXECUTEONLYONCE,
            )
        };
        if ok != 0 {
            ov.wait = wait;
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // The call is in flight with nobody to report its completion:
        // cancel it and wait for it here, so that its memory may be used
        // again.
        // SAFETY: the call's socket and OVERLAPPED; the event is open.
        let done = unsafe {
            CancelIoEx(s as HANDLE, &ov.ov);
            WaitForSingleObject(ov.event, 2000)
        };
        if done != WAIT_OBJECT_0 {
            // Windows did not end it: it stays in flight (and its slot
            // busy) rather than be reused under the kernel; dropping the
            // ring leaks it.
            return Ok(());
        }
        Err(e)
    }

    /// Makes the overlapped call `op` names.
    ///
    /// # Safety
    /// As [`start`](Self::start).
    unsafe fn call(&self, op: IocpOp<'_>, ov: &mut RingOverlapped) -> io::Result<()> {
        match op {
            IocpOp::Accept { listener, family } => {
                let a = super::socket(family, ws::SOCK_STREAM, 0)?;
                ov.accepted = a;
                let mut bytes = 0u32;
                // SAFETY: both sockets are open; the address area is the
                // slot's, in place until the completion.
                let ok = unsafe {
                    AcceptEx(
                        listener,
                        a,
                        ov.addrs.as_mut_ptr().cast(),
                        0,
                        ACCEPT_ADDR_LEN,
                        ACCEPT_ADDR_LEN,
                        &mut bytes,
                        &mut ov.ov,
                    )
                };
                if ok == 0 {
                    let e = super::last_error();
                    if e.raw_os_error() != Some(WSA_IO_PENDING) {
                        self.discard_accept(ov);
                        return Err(e);
                    }
                }
                Ok(())
            }
            IocpOp::Connect { s, addr, v6 } => {
                let f =
                    connect_ex(s)?.ok_or_else(|| io::Error::from(io::ErrorKind::Unsupported))?;
                let mut bound = false;
                loop {
                    // SAFETY: the address is the slot's, in place until
                    // the completion; no data is sent with the connect.
                    let ok = unsafe {
                        f(
                            s,
                            addr.as_ptr(),
                            addr.len(),
                            ptr::null(),
                            0,
                            ptr::null_mut(),
                            &mut ov.ov,
                        )
                    };
                    if ok != 0 {
                        return Ok(());
                    }
                    let e = super::last_error();
                    match e.raw_os_error() {
                        Some(WSA_IO_PENDING) => return Ok(()),
                        // ConnectEx wants a bound socket: bind an unbound
                        // one to its family's any-address, as connect
                        // would, and try once more.
                        Some(ws::WSAEINVAL) if !bound => {
                            let any: SockAddr = if v6 {
                                std::net::SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
                                    .into()
                            } else {
                                std::net::SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0))
                                    .into()
                            };
                            super::bind(s, &any)?;
                            bound = true;
                        }
                        _ => return Err(e),
                    }
                }
            }
            IocpOp::Recv { s, buf } => {
                ov.buf = WSABUF {
                    len: len32(buf.len()),
                    buf: buf.as_mut_ptr(),
                };
                // SAFETY: the buffer is the slot's, in place until the
                // completion.
                started(unsafe {
                    ws::WSARecv(
                        s,
                        &ov.buf,
                        1,
                        ptr::null_mut(),
                        &mut ov.flags,
                        &mut ov.ov,
                        None,
                    )
                })
            }
            IocpOp::Poll { s } => {
                // A zero-length buffer, pointing at the slot's own bytes
                // (never written).
                ov.buf = WSABUF {
                    len: 0,
                    buf: ov.addrs.as_mut_ptr(),
                };
                // SAFETY: as for a receive; nothing is written.
                started(unsafe {
                    ws::WSARecv(
                        s,
                        &ov.buf,
                        1,
                        ptr::null_mut(),
                        &mut ov.flags,
                        &mut ov.ov,
                        None,
                    )
                })
            }
            IocpOp::Send { s, buf } => {
                ov.buf = WSABUF {
                    len: len32(buf.len()),
                    buf: buf.as_ptr() as *mut u8,
                };
                // SAFETY: as for a receive; Winsock only reads the buffer.
                started(unsafe { ws::WSASend(s, &ov.buf, 1, ptr::null_mut(), 0, &mut ov.ov, None) })
            }
            IocpOp::SendMsg {
                s,
                buf,
                control,
                addr,
            } => {
                ov.buf = WSABUF {
                    len: len32(buf.len()),
                    buf: buf.as_ptr() as *mut u8,
                };
                let (name, namelen) = match addr {
                    Some(a) => (a.as_ptr() as *mut SOCKADDR, a.len()),
                    None => (ptr::null_mut(), 0),
                };
                ov.msg = WSAMSG {
                    name,
                    namelen,
                    lpBuffers: &mut ov.buf,
                    dwBufferCount: 1,
                    Control: WSABUF {
                        len: len32(control.len()),
                        buf: if control.is_empty() {
                            ptr::null_mut()
                        } else {
                            control.as_ptr() as *mut u8
                        },
                    },
                    dwFlags: 0,
                };
                // SAFETY: the message and what it points at are the
                // slot's, in place until the completion.
                started(unsafe { ws::WSASendMsg(s, &ov.msg, 0, ptr::null_mut(), &mut ov.ov, None) })
            }
            IocpOp::RecvMsg {
                s,
                buf,
                control,
                addr,
            } => {
                ov.buf = WSABUF {
                    len: len32(buf.len()),
                    buf: buf.as_mut_ptr(),
                };
                let (storage, len) = addr.out_parts();
                // SAFETY: `len` points at the address's length, just set.
                ov.fromlen = unsafe { *len };
                if control.is_empty() {
                    // WSARecvMsg takes datagram sockets only; a receive
                    // without control data is WSARecvFrom on any socket.
                    ov.msg = WSAMSG {
                        name: ptr::null_mut(),
                        namelen: 0,
                        lpBuffers: ptr::null_mut(),
                        dwBufferCount: 0,
                        Control: WSABUF {
                            len: 0,
                            buf: ptr::null_mut(),
                        },
                        dwFlags: 0,
                    };
                    // SAFETY: buffer, address storage and its length are
                    // the slot's, in place until the completion.
                    return started(unsafe {
                        ws::WSARecvFrom(
                            s,
                            &ov.buf,
                            1,
                            ptr::null_mut(),
                            &mut ov.flags,
                            storage.cast(),
                            &mut ov.fromlen,
                            &mut ov.ov,
                            None,
                        )
                    });
                }
                ov.msg = WSAMSG {
                    name: storage.cast(),
                    namelen: ov.fromlen,
                    lpBuffers: &mut ov.buf,
                    dwBufferCount: 1,
                    Control: WSABUF {
                        len: len32(control.len()),
                        buf: control.as_mut_ptr(),
                    },
                    dwFlags: 0,
                };
                let f =
                    wsa_recv_msg(s)?.ok_or_else(|| io::Error::from(io::ErrorKind::Unsupported))?;
                // SAFETY: the message and what it points at are the
                // slot's, in place until the completion.
                started(unsafe { f(s, &mut ov.msg, ptr::null_mut(), &mut ov.ov, None) })
            }
        }
    }

    /// Waits for completions, at most `timeout`, and puts the `data` of
    /// each in `out` (wakes are dropped here). One
    /// `GetQueuedCompletionStatusEx`.
    pub(crate) fn wait(&mut self, timeout: Option<Duration>, out: &mut Vec<u64>) -> io::Result<()> {
        let ms = match timeout {
            None => u32::MAX,
            // INFINITE is u32::MAX: a finite wait stays below it.
            Some(d) => u32::try_from(crate::sys::ceil_ms(d)).unwrap_or(u32::MAX - 1),
        };
        let mut removed = 0u32;
        self.waits += 1;
        // SAFETY: the entries are ours to fill, `len` of them.
        let ok = unsafe {
            GetQueuedCompletionStatusEx(
                self.port.0,
                self.entries.as_mut_ptr(),
                len32(self.entries.len()),
                &mut removed,
                ms,
                0,
            )
        };
        if ok == 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(WAIT_TIMEOUT as i32) {
                return Ok(());
            }
            return Err(e);
        }
        for e in &self.entries[..removed as usize] {
            if e.lpCompletionKey == WAKE_KEY || e.lpOverlapped.is_null() {
                continue;
            }
            // SAFETY: every OVERLAPPED this port sees is the first field
            // of a slot's `RingOverlapped`, still in place (its slot frees
            // only once this completion is taken).
            out.push(unsafe { (*e.lpOverlapped.cast::<RingOverlapped>()).data });
        }
        Ok(())
    }

    /// The outcome of the completed call on `s` (`WSAGetOverlappedResult`):
    /// the byte count, or the call's error.
    pub(crate) fn result(&self, s: Socket, ov: &mut RingOverlapped) -> io::Result<usize> {
        if !ov.wait.is_null() {
            // SAFETY: the wait `watch` registered; its callback has run
            // (it posted this completion), so no event is needed to wait
            // for its end.
            unsafe { UnregisterWaitEx(ov.wait, ptr::null_mut()) };
            ov.wait = ptr::null_mut();
        }
        let mut bytes = 0u32;
        let mut flags = 0u32;
        // SAFETY: `ov` is the completed call's; no wait.
        let ok = unsafe { ws::WSAGetOverlappedResult(s, &ov.ov, &mut bytes, 0, &mut flags) };
        if ok == 0 {
            return Err(super::last_error());
        }
        Ok(bytes as usize)
    }

    /// A receive on the (non-blocking) socket `s` into `buf` now, after
    /// a zero-byte receive said data is there: `WouldBlock` when it is
    /// gone again (the caller waits once more); a shut-down reading side
    /// is the end of the stream.
    pub(crate) fn recv_now(s: Socket, buf: &mut [u8]) -> io::Result<usize> {
        Self::recv_result(super::recv(s, buf, 0))
    }

    /// A receive's outcome as on Unix: a reading side shut down
    /// (`WSAESHUTDOWN`) is end of stream.
    pub(crate) fn recv_result(res: io::Result<usize>) -> io::Result<usize> {
        match res {
            Err(e) if e.raw_os_error() == Some(WSAESHUTDOWN) => Ok(0),
            r => r,
        }
    }

    /// After a receive of a message: the sender's length set in `addr`,
    /// the result adjusted as `recvmsg` on Unix reports it (a datagram
    /// larger than the buffer: full buffer and `MSG_TRUNC`; a shut-down
    /// reading side: end of stream), the control length and flags.
    pub(crate) fn received(
        &self,
        res: io::Result<usize>,
        ov: &RingOverlapped,
        addr: &mut SockAddr,
    ) -> (io::Result<usize>, usize, i32) {
        let from_msg = !ov.msg.lpBuffers.is_null();
        addr.len = if from_msg { ov.msg.namelen } else { ov.fromlen };
        let control = if from_msg {
            ov.msg.Control.len as usize
        } else {
            0
        };
        let flags = if from_msg {
            ov.msg.dwFlags as i32
        } else {
            ov.flags as i32
        };
        match res {
            Err(e) if e.raw_os_error() == Some(WSAEMSGSIZE) => {
                (Ok(ov.buf.len as usize), control, flags | MSG_TRUNC)
            }
            Err(e) if e.raw_os_error() == Some(WSAESHUTDOWN) => (Ok(0), 0, flags),
            r => (r, control, flags),
        }
    }

    /// The socket an accept made, ready for use (`SO_UPDATE_ACCEPT_CONTEXT`,
    /// non-blocking like io_uring's).
    pub(crate) fn accepted(&self, listener: Socket, ov: &mut RingOverlapped) -> io::Result<Socket> {
        let a = mem::replace(&mut ov.accepted, ws::INVALID_SOCKET);
        let res = super::setsockopt(a, ws::SOL_SOCKET, ws::SO_UPDATE_ACCEPT_CONTEXT, listener)
            .and_then(|()| super::set_nonblocking(a, true));
        if let Err(e) = res {
            let _ = super::close(a);
            return Err(e);
        }
        Ok(a)
    }

    /// Closes the socket of an accept that failed or was cancelled.
    pub(crate) fn discard_accept(&self, ov: &mut RingOverlapped) {
        let a = mem::replace(&mut ov.accepted, ws::INVALID_SOCKET);
        if a != ws::INVALID_SOCKET {
            let _ = super::close(a);
        }
    }

    /// After `ConnectEx`: makes the socket a normal connected one
    /// (`SO_UPDATE_CONNECT_CONTEXT`).
    pub(crate) fn connected(&self, s: Socket) -> io::Result<()> {
        syscall!(setsockopt(
            s,
            ws::SOL_SOCKET,
            ws::SO_UPDATE_CONNECT_CONTEXT,
            ptr::null(),
            0
        ))
        .map(|_| ())
    }

    /// `CancelIoEx` for the call under `ov` (one already completing is
    /// not found, which is fine: its completion comes).
    pub(crate) fn cancel(&self, s: Socket, ov: &RingOverlapped) {
        // SAFETY: `ov` is the in-flight call's; cancelling a finished
        // one fails harmlessly.
        unsafe { CancelIoEx(s as HANDLE, &ov.ov) };
    }
}
