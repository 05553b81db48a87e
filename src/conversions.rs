//! Conversions between [`SocketHandle`] and the OS's and std's handle
//! types: std's sockets (`TcpStream`, `TcpListener`, `UdpSocket`, and the
//! Unix-domain ones) both ways, and the `AsFd`/`AsRawFd`/`IntoRawFd`/
//! `FromRawFd`/`OwnedFd` family on Unix, its `Socket` twin on Windows.

use std::net::{TcpListener, TcpStream, UdpSocket};

use crate::socket::SocketHandle;
use crate::sys;
use crate::types::RawSocketHandle;

macro_rules! std_conversions {
    ($($std:ty),* $(,)?) => {$(
        impl From<$std> for SocketHandle {
            fn from(s: $std) -> SocketHandle {
                // SAFETY: `into_raw` takes ownership of the std socket's
                // open handle, which the new SocketHandle now owns.
                unsafe { SocketHandle::from_raw(sys::into_raw(s) as RawSocketHandle) }
            }
        }

        impl From<SocketHandle> for $std {
            fn from(s: SocketHandle) -> $std {
                // SAFETY: `into_raw` gives up ownership of an open socket,
                // which the std type now owns. Like socket2, the socket's
                // type is not checked: a UDP socket made into a TcpStream
                // fails on use, it is not unsound.
                unsafe { sys::from_raw(s.into_raw() as sys::Socket) }
            }
        }
    )*};
}

std_conversions!(TcpStream, TcpListener, UdpSocket);
#[cfg(unix)]
std_conversions!(
    std::os::unix::net::UnixStream,
    std::os::unix::net::UnixListener,
    std::os::unix::net::UnixDatagram,
);

/// The `std::os::fd` traits.
#[cfg(unix)]
mod unix {
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

    use crate::socket::SocketHandle;
    use crate::sockref::SocketRef;

    impl AsFd for SocketHandle {
        #[inline]
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: the handle is open for as long as `self` lives.
            unsafe { BorrowedFd::borrow_raw(self.as_raw()) }
        }
    }

    impl AsFd for SocketRef<'_> {
        #[inline]
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: the owner this view borrows keeps the socket open.
            unsafe { BorrowedFd::borrow_raw(self.as_raw()) }
        }
    }

    impl AsRawFd for SocketHandle {
        fn as_raw_fd(&self) -> RawFd {
            self.as_raw()
        }
    }

    impl AsRawFd for SocketRef<'_> {
        fn as_raw_fd(&self) -> RawFd {
            self.as_raw()
        }
    }

    impl IntoRawFd for SocketHandle {
        fn into_raw_fd(self) -> RawFd {
            self.into_raw()
        }
    }

    impl FromRawFd for SocketHandle {
        /// # Safety
        /// `fd` must be an open socket that nothing else closes.
        unsafe fn from_raw_fd(fd: RawFd) -> SocketHandle {
            // SAFETY: guaranteed by the caller.
            unsafe { SocketHandle::from_raw(fd) }
        }
    }

    impl From<OwnedFd> for SocketHandle {
        fn from(fd: OwnedFd) -> SocketHandle {
            // SAFETY: ownership moves from the OwnedFd.
            unsafe { SocketHandle::from_raw(fd.into_raw_fd()) }
        }
    }

    impl From<SocketHandle> for OwnedFd {
        fn from(s: SocketHandle) -> OwnedFd {
            // SAFETY: ownership moves from the SocketHandle.
            unsafe { OwnedFd::from_raw_fd(s.into_raw()) }
        }
    }
}

/// The `std::os::windows::io` traits.
#[cfg(windows)]
mod windows {
    use std::os::windows::io::{
        AsRawSocket, AsSocket, BorrowedSocket, FromRawSocket, IntoRawSocket, OwnedSocket, RawSocket,
    };

    use crate::socket::SocketHandle;
    use crate::sockref::SocketRef;

    impl AsSocket for SocketHandle {
        fn as_socket(&self) -> BorrowedSocket<'_> {
            // SAFETY: the handle is open (never INVALID_SOCKET) for as long
            // as `self` lives.
            unsafe { BorrowedSocket::borrow_raw(self.as_raw()) }
        }
    }

    impl AsSocket for SocketRef<'_> {
        fn as_socket(&self) -> BorrowedSocket<'_> {
            // SAFETY: the owner this view borrows keeps the socket open.
            unsafe { BorrowedSocket::borrow_raw(self.as_raw()) }
        }
    }

    impl AsRawSocket for SocketHandle {
        fn as_raw_socket(&self) -> RawSocket {
            self.as_raw()
        }
    }

    impl AsRawSocket for SocketRef<'_> {
        fn as_raw_socket(&self) -> RawSocket {
            self.as_raw()
        }
    }

    impl IntoRawSocket for SocketHandle {
        fn into_raw_socket(self) -> RawSocket {
            self.into_raw()
        }
    }

    impl FromRawSocket for SocketHandle {
        /// # Safety
        /// `sock` must be an open socket that nothing else closes.
        unsafe fn from_raw_socket(sock: RawSocket) -> SocketHandle {
            // SAFETY: guaranteed by the caller.
            unsafe { SocketHandle::from_raw(sock) }
        }
    }

    impl From<OwnedSocket> for SocketHandle {
        fn from(sock: OwnedSocket) -> SocketHandle {
            // SAFETY: ownership moves from the OwnedSocket.
            unsafe { SocketHandle::from_raw(sock.into_raw_socket()) }
        }
    }

    impl From<SocketHandle> for OwnedSocket {
        fn from(s: SocketHandle) -> OwnedSocket {
            // SAFETY: ownership moves from the SocketHandle.
            unsafe { OwnedSocket::from_raw_socket(s.into_raw()) }
        }
    }
}
