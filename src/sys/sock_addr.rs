//! The storage of [`SockAddr`]: a `sockaddr_storage` and a length.
//!
//! Both layers use it (the platform functions take and fill it, as
//! socket2's do), so it lives here, at the bottom; its public methods and
//! conversions are in `src/addr.rs`.

use std::mem;
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};

use super::addr_layout::{put_v4, put_v6, sockaddr, sockaddr_storage, socklen_t};

/// An owned socket address of any family: IPv4, IPv6, a Unix-domain path, a
/// Linux abstract name, an unnamed Unix socket, or the raw bytes of any
/// other family the kernel reports.
///
/// It replaces Nim's `ptr SockAddr` + `SockLen` pair: the address and
/// its length travel together, so nothing can pass a length that does not
/// match. It is a `sockaddr_storage` (128 bytes) and a length, with no heap
/// allocation.
///
/// # Examples
/// ```
/// use nativesockets::{Domain, SockAddr};
/// use std::net::SocketAddr;
///
/// let std_addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
/// let addr = SockAddr::from(std_addr);
/// assert_eq!(addr.domain(), Some(Domain::Inet));
/// assert_eq!(addr.as_socket_addr(), Some(std_addr));
/// assert_eq!(addr.to_string(), "127.0.0.1:8080");
///
/// let dir = std::env::temp_dir();
/// let unix = SockAddr::unix(dir.join("demo.sock")).unwrap();
/// assert_eq!(unix.domain(), Some(Domain::Unix));
/// assert_eq!(unix.as_unix_path(), Some(dir.join("demo.sock").as_path()));
/// ```
#[derive(Clone)]
pub struct SockAddr {
    pub(crate) storage: sockaddr_storage,
    /// How many bytes of `storage` are the address; never more than its
    /// size.
    pub(crate) len: socklen_t,
}

impl SockAddr {
    /// An all-zero address of length 0 (family `AF_UNSPEC`), for the OS
    /// to fill.
    #[inline]
    pub(crate) fn empty() -> SockAddr {
        SockAddr {
            // SAFETY: sockaddr_storage is plain data; all zeros is valid.
            storage: unsafe { mem::zeroed() },
            len: 0,
        }
    }

    /// The storage and the length for a call that writes an address
    /// (`accept`, `getsockname`, `recvfrom`): the length starts at the
    /// storage's size and the call sets it.
    #[inline]
    pub(crate) fn out_parts(&mut self) -> (*mut sockaddr_storage, *mut socklen_t) {
        self.len = mem::size_of::<sockaddr_storage>() as socklen_t;
        (&mut self.storage, &mut self.len)
    }

    /// A pointer to the address, for a raw OS call (`bind`, `connect`,
    /// `sendto`), to be passed with [`len`](Self::len).
    #[inline]
    pub fn as_ptr(&self) -> *const sockaddr {
        (&self.storage as *const sockaddr_storage).cast()
    }

    /// The address's length in bytes (the `SockLen` Nim passes beside
    /// the pointer).
    #[allow(clippy::len_without_is_empty)]
    #[inline]
    pub fn len(&self) -> socklen_t {
        self.len
    }
}

impl From<SocketAddrV4> for SockAddr {
    fn from(addr: SocketAddrV4) -> SockAddr {
        let mut out = SockAddr::empty();
        out.len = put_v4(&mut out.storage, &addr);
        out
    }
}

impl From<SocketAddrV6> for SockAddr {
    fn from(addr: SocketAddrV6) -> SockAddr {
        let mut out = SockAddr::empty();
        out.len = put_v6(&mut out.storage, &addr);
        out
    }
}

impl From<SocketAddr> for SockAddr {
    fn from(addr: SocketAddr) -> SockAddr {
        match addr {
            SocketAddr::V4(a) => a.into(),
            SocketAddr::V6(a) => a.into(),
        }
    }
}
