//! Socket pairs: Windows has no `socketpair`, so a Unix-domain stream
//! pair is built from a listener on a fresh path in the temporary
//! directory, a connect and an accept. (The portable layer builds IP pairs
//! itself, the same way on every platform.)

use std::io;
use std::mem;
use std::os::raw::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use windows_sys::Win32::Networking::WinSock as ws;

use super::{
    accept, bind, close, connect, listen, set_family, sockaddr_storage, sockaddr_un, socket,
    socklen_t, Socket, AF_UNIX, SOCK_STREAM, SUN_PATH_OFFSET,
};
use crate::error::{invalid_input, with_kind};
use crate::sys::SockAddr;

/// The `socketpair(2)` Windows lacks, for `AF_UNIX` streams (Windows 10
/// 1803 and later): a listener bound to a fresh path in the temporary
/// directory, a connect and an accept. The path is removed once the pair
/// is connected, or on any error, and every socket made on the way is
/// closed on every path but the pair's own.
///
/// # Errors
/// `Unsupported`, naming the arguments, for a Unix-domain type other than
/// `SOCK_STREAM` (Windows has no other); `WSAEAFNOSUPPORT` for any other
/// family (IP pairs are the portable layer's); the error of `socket` where
/// the system has no Unix-domain sockets; the OS error of a later step.
pub(crate) fn socketpair(
    domain: c_int,
    ty: c_int,
    protocol: c_int,
) -> io::Result<(Socket, Socket)> {
    let refuse = |why: &str| {
        with_kind(
            io::ErrorKind::Unsupported,
            "socket pair",
            format_args!("(domain {domain}, type {ty}, protocol {protocol})"),
            why,
        )
    };
    if domain != AF_UNIX {
        return Err(io::Error::from_raw_os_error(ws::WSAEAFNOSUPPORT));
    }
    if ty != SOCK_STREAM {
        return Err(refuse(
            "Windows has Unix-domain sockets of type SOCK_STREAM only",
        ));
    }
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "nativesockets-pair-{}-{}.sock",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let addr = path_addr(&path)?;
    let listener = Owned(socket(domain, ty, protocol)?);
    let _ = std::fs::remove_file(&path);
    let result = bind(listener.0, &addr).and_then(|()| {
        listen(listener.0, 1)?;
        let a = Owned(socket(domain, ty, protocol)?);
        connect(a.0, &addr)?;
        let (b, _) = accept(listener.0)?;
        Ok((a.release(), b))
    });
    let _ = std::fs::remove_file(&path);
    result
}

/// A socket closed when dropped, so an error part-way through
/// `socketpair` leaks nothing.
struct Owned(Socket);

impl Owned {
    fn release(self) -> Socket {
        mem::ManuallyDrop::new(self).0
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = close(self.0);
    }
}

/// The Unix-domain address of `path` (UTF-8 in `sun_path`, with room for
/// the terminating NUL, as Winsock reads it).
fn path_addr(path: &Path) -> io::Result<SockAddr> {
    let text = path.to_str().ok_or_else(|| {
        invalid_input(
            "Unix socket path",
            path,
            "is not valid UTF-8, which Windows' sun_path needs",
        )
    })?;
    let bytes = text.as_bytes();
    let room = mem::size_of::<sockaddr_un>() - SUN_PATH_OFFSET - 1;
    if bytes.len() > room {
        return Err(invalid_input(
            "Unix socket path",
            path,
            &format!("is longer than the {room} bytes sun_path holds (TEMP is too deep)"),
        ));
    }
    let mut addr = SockAddr::empty();
    // SAFETY: SOCKADDR_STORAGE is larger than and aligned for SOCKADDR_UN,
    // and both are plain data.
    let un = unsafe { &mut *(&mut addr.storage as *mut sockaddr_storage).cast::<sockaddr_un>() };
    for (dst, &src) in un.sun_path.iter_mut().zip(bytes) {
        *dst = src as _;
    }
    addr.len = (SUN_PATH_OFFSET + bytes.len() + 1) as socklen_t;
    set_family(&mut addr.storage, AF_UNIX, addr.len);
    Ok(addr)
}
