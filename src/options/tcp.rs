//! TCP options (`IPPROTO_TCP`).

use std::io;

use crate::sys;
use crate::SocketHandle;

impl SocketHandle {
    /// `TCP_NODELAY`: whether small segments go out at once.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_TCP, sys::TCP_NODELAY)
    }

    /// Sets `TCP_NODELAY`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_TCP, sys::TCP_NODELAY, nodelay)
    }
}
