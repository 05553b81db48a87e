//! `SocketRef`: a borrowed socket that never closes, so every function of
//! the crate works on a std socket without taking it over.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;

use crate::socket::SocketHandle;
use crate::sys;
use crate::types::RawSocketHandle;

/// A borrowed view of a socket owned elsewhere: it derefs to
/// [`SocketHandle`] and never closes.
///
/// Built with `SocketRef::from(&x)` from anything that implements `AsFd`
/// on Unix or `AsSocket` on Windows: std's `TcpStream`, `TcpListener`,
/// `UdpSocket`, the Unix types, tokio's and mio's sockets, and
/// `SocketHandle` itself. The borrow keeps the owner alive and open.
///
/// # Examples
/// ```
/// use nativesockets::{get_local_addr, SocketRef};
/// let sock = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let r = SocketRef::from(&sock);
/// r.set_broadcast(true)?;
/// assert!(sock.broadcast()?);
/// assert_eq!(get_local_addr(&r)?.0, "127.0.0.1");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SocketRef<'a> {
    socket: ManuallyDrop<SocketHandle>,
    borrow: PhantomData<&'a SocketHandle>,
}

impl<'a, T: sys::AsSocket + ?Sized> From<&'a T> for SocketRef<'a> {
    fn from(owner: &'a T) -> SocketRef<'a> {
        let raw = sys::raw_of(owner);
        SocketRef {
            // SAFETY: `owner` keeps the socket open for `'a`, and the
            // ManuallyDrop means this view never closes it.
            socket: ManuallyDrop::new(unsafe { SocketHandle::from_raw(raw as RawSocketHandle) }),
            borrow: PhantomData,
        }
    }
}

impl Deref for SocketRef<'_> {
    type Target = SocketHandle;

    fn deref(&self) -> &SocketHandle {
        &self.socket
    }
}

impl fmt::Debug for SocketRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SocketRef").field(&*self.socket).finish()
    }
}
