//! The Winsock driver's poll: handles to `\Device\Afd` associated with a
//! completion port, `IOCTL_AFD_POLL` issued and cancelled on them, the
//! `AFD_POLL_*` bits, and the base provider's socket that the driver
//! polls. The layouts and codes are the ones the ReactOS and wepoll
//! headers give (Windows does not document them); `iocp.rs` builds the
//! `Selector` on them.

use std::ffi::c_void;
use std::io;
use std::mem;
use std::ptr;

use windows_sys::Wdk::Foundation::OBJECT_ATTRIBUTES;
use windows_sys::Wdk::Storage::FileSystem::{NtCancelIoFileEx, NtCreateFile, FILE_OPEN};
use windows_sys::Wdk::System::IO::NtDeviceIoControlFile;
use windows_sys::Win32::Foundation::{
    CloseHandle, RtlNtStatusToDosError, HANDLE, NTSTATUS, STATUS_CANCELLED, STATUS_PENDING,
    UNICODE_STRING,
};
use windows_sys::Win32::Networking::WinSock as ws;
use windows_sys::Win32::Storage::FileSystem::{FILE_SHARE_READ, FILE_SHARE_WRITE, SYNCHRONIZE};
use windows_sys::Win32::System::IO::{CreateIoCompletionPort, IO_STATUS_BLOCK};

use crate::sys::windows::Socket;
use crate::sys::Want;

const IOCTL_AFD_POLL: u32 = 0x0001_2024;

// The AFD_POLL_* bits.
const POLL_RECEIVE: u32 = 0x001;
const POLL_RECEIVE_EXPEDITED: u32 = 0x002;
pub(super) const POLL_SEND: u32 = 0x004;
pub(super) const POLL_DISCONNECT: u32 = 0x008;
pub(super) const POLL_ABORT: u32 = 0x010;
pub(super) const POLL_LOCAL_CLOSE: u32 = 0x020;
const POLL_ACCEPT: u32 = 0x080;
const POLL_CONNECT_FAIL: u32 = 0x100;

pub(super) const READ_BITS: u32 =
    POLL_RECEIVE | POLL_RECEIVE_EXPEDITED | POLL_ACCEPT | POLL_DISCONNECT;
pub(super) const ERROR_BITS: u32 = POLL_ABORT | POLL_CONNECT_FAIL;

/// The events to poll for: `want`'s, and always the errors and the
/// socket's closing.
pub(super) fn mask_of(want: Want) -> u32 {
    let mut m = ERROR_BITS | POLL_LOCAL_CLOSE;
    if want.read {
        m |= READ_BITS;
    }
    if want.write {
        m |= POLL_SEND;
    }
    m
}

#[repr(C)]
#[derive(Clone, Copy)]
struct PollHandleInfo {
    handle: HANDLE,
    events: u32,
    status: NTSTATUS,
}

/// `AFD_POLL_INFO` with room for one socket.
#[repr(C)]
#[derive(Clone, Copy)]
struct PollInfo {
    timeout: i64,
    count: u32,
    exclusive: u32,
    handles: [PollHandleInfo; 1],
}

/// What the kernel writes while a poll is pending: its status block, and
/// the info block that is both the poll's input and its output.
pub(super) struct PollIo {
    iosb: IO_STATUS_BLOCK,
    info: PollInfo,
}

impl PollIo {
    pub(super) fn new() -> PollIo {
        // SAFETY: all-zero is a valid IO_STATUS_BLOCK and PollInfo
        // (integers and a null handle).
        unsafe { mem::zeroed() }
    }

    /// The outcome of the completed poll: the `AFD_POLL_*` bits that
    /// fired (none when it was cancelled), and whether the poll itself
    /// failed.
    pub(super) fn outcome(&self) -> (u32, bool) {
        // SAFETY: every member of the status union is an integer of the
        // same size; the poll's result is an NTSTATUS.
        let status = unsafe { self.iosb.Anonymous.Status };
        if status == STATUS_CANCELLED {
            (0, false)
        } else if status < 0 {
            (0, true)
        } else if self.info.count > 0 {
            (self.info.handles[0].events, false)
        } else {
            (0, false)
        }
    }
}

/// An NTSTATUS as the Win32 error it stands for.
fn nt_error(status: NTSTATUS) -> io::Error {
    // SAFETY: a pure conversion of a status code.
    io::Error::from_raw_os_error(unsafe { RtlNtStatusToDosError(status) } as i32)
}

/// A handle to `\Device\Afd`, associated with the poller's port.
#[derive(Debug)]
pub(super) struct Afd {
    handle: HANDLE,
}

// SAFETY: a kernel handle may be used from any thread.
unsafe impl Send for Afd {}
// SAFETY: as above; the handle is only passed to thread-safe calls.
unsafe impl Sync for Afd {}

impl Drop for Afd {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by `Afd::open` and is closed once.
        unsafe { CloseHandle(self.handle) };
    }
}

impl Afd {
    /// Opens a handle whose polls complete on `port`.
    pub(super) fn open(port: HANDLE) -> io::Result<Afd> {
        let name: Vec<u16> = r"\Device\Afd\Nativesockets".encode_utf16().collect();
        let bytes = (name.len() * 2) as u16;
        let uname = UNICODE_STRING {
            Length: bytes,
            MaximumLength: bytes,
            Buffer: name.as_ptr() as *mut u16,
        };
        let attrs = OBJECT_ATTRIBUTES {
            Length: mem::size_of::<OBJECT_ATTRIBUTES>() as u32,
            RootDirectory: ptr::null_mut(),
            ObjectName: &uname,
            Attributes: 0,
            SecurityDescriptor: ptr::null(),
            SecurityQualityOfService: ptr::null(),
        };
        let mut handle: HANDLE = ptr::null_mut();
        // SAFETY: all-zero is a valid IO_STATUS_BLOCK.
        let mut iosb: IO_STATUS_BLOCK = unsafe { mem::zeroed() };
        // SAFETY: every pointer refers to a live local of the right type;
        // `name` outlives the call.
        let status = unsafe {
            NtCreateFile(
                &mut handle,
                SYNCHRONIZE,
                &attrs,
                &mut iosb,
                ptr::null(),
                0,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                FILE_OPEN,
                0,
                ptr::null(),
                0,
            )
        };
        if status < 0 {
            return Err(nt_error(status));
        }
        let afd = Afd { handle };
        // SAFETY: both handles are open; key 0 (completions are told
        // apart by their OVERLAPPED pointer).
        if unsafe { CreateIoCompletionPort(afd.handle, port, 0, 0) }.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(afd)
    }

    /// Issues an `IOCTL_AFD_POLL` for `mask` on the base socket `base`,
    /// whose completion reaches the port with `context` as its
    /// `OVERLAPPED` pointer. On success a completion is queued, whether
    /// the poll is pending or done at once (skipping it on success is not
    /// enabled); on failure none is.
    ///
    /// # Safety
    /// `io` is valid, and neither read nor written by anything else, from
    /// this call until the completion is dequeued.
    pub(super) unsafe fn poll(
        &self,
        io: *mut PollIo,
        base: HANDLE,
        mask: u32,
        context: *const c_void,
    ) -> io::Result<()> {
        // SAFETY: the caller gives this call `io` alone.
        unsafe {
            (*io).info = PollInfo {
                timeout: i64::MAX,
                count: 1,
                exclusive: 0,
                handles: [PollHandleInfo {
                    handle: base,
                    events: mask,
                    status: 0,
                }],
            };
            (*io).iosb.Anonymous.Status = STATUS_PENDING;
        }
        let size = mem::size_of::<PollInfo>() as u32;
        // SAFETY: `io` stays valid until the completion is dequeued (the
        // caller's promise); the info block is both the input and the
        // output, as AFD expects.
        let status = unsafe {
            NtDeviceIoControlFile(
                self.handle,
                ptr::null_mut(),
                None,
                context,
                ptr::addr_of_mut!((*io).iosb),
                IOCTL_AFD_POLL,
                ptr::addr_of!((*io).info).cast(),
                size,
                ptr::addr_of_mut!((*io).info).cast(),
                size,
            )
        };
        if status < 0 {
            return Err(nt_error(status));
        }
        Ok(())
    }

    /// Asks the kernel to end the poll issued with `io`; its completion
    /// (as cancelled, or with events if it raced) still comes through the
    /// port. A poll that completed meanwhile (`STATUS_NOT_FOUND`) is fine.
    ///
    /// # Safety
    /// `io` points to a live `PollIo` (it need not be free to read).
    pub(super) unsafe fn cancel(&self, io: *const PollIo) {
        // SAFETY: all-zero is a valid IO_STATUS_BLOCK.
        let mut scratch: IO_STATUS_BLOCK = unsafe { mem::zeroed() };
        // SAFETY: `io` is live (the caller's promise); the IO_STATUS_BLOCK
        // pointer only identifies the request (`addr_of!` makes no
        // reference, and the kernel only compares it).
        unsafe { NtCancelIoFileEx(self.handle, ptr::addr_of!((*io).iosb), &mut scratch) };
    }
}

/// The base service provider's handle of `socket`, which AFD polls (a
/// layered provider's socket is not the one the driver knows).
pub(super) fn base_socket(socket: Socket) -> io::Result<HANDLE> {
    let mut first = None;
    for ioctl in [ws::SIO_BASE_HANDLE, ws::SIO_BSP_HANDLE_POLL] {
        let mut base: Socket = ws::INVALID_SOCKET;
        let mut bytes = 0u32;
        match syscall!(WSAIoctl(
            socket,
            ioctl,
            ptr::null(),
            0,
            (&mut base as *mut Socket).cast(),
            mem::size_of::<Socket>() as u32,
            &mut bytes,
            ptr::null_mut(),
            None
        )) {
            Ok(_) if base != ws::INVALID_SOCKET => return Ok(base as HANDLE),
            Ok(_) => {}
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or_else(|| io::Error::from(io::ErrorKind::InvalidInput)))
}
