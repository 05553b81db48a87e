//! The ring's buffer pool: one allocation cut into equal buffers, which
//! pooled receives fill ([`Ring::recv_pooled`](super::Ring::recv_pooled))
//! and completions lend to the caller as [`PoolBuf`]s. A dropped
//! `PoolBuf` puts its buffer on a return list, which the ring hands back to
//! the kernel (or to its own free list) at its next wait.

use std::alloc::{self, Layout};
use std::fmt;
use std::io;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

/// The pool's memory and its return list.
pub(crate) struct Pool {
    base: NonNull<u8>,
    layout: Layout,
    size: usize,
    count: u16,
    /// Buffers the caller is done with; its capacity is `count`, so a push
    /// never allocates.
    returned: Mutex<Vec<u16>>,
}

// SAFETY: the pool's memory is plain bytes. Each buffer is written only by
// the kernel (or the emulation's receive) while the ring owns it, and read
// only through the one `PoolBuf` that owns it afterwards: a buffer id is in
// exactly one of those hands at a time, so sharing the pool between threads
// (a `PoolBuf` sent elsewhere) never lets two of them touch the same bytes.
unsafe impl Send for Pool {}
// SAFETY: as for `Send`; the return list is behind a mutex.
unsafe impl Sync for Pool {}

impl Pool {
    /// `count` buffers of `size` bytes (neither zero).
    ///
    /// # Errors
    /// `InvalidInput` when `count * size` does not fit an allocation,
    /// `OutOfMemory` when the allocator refuses it; both naming the sizes.
    pub(crate) fn new(count: u16, size: usize) -> io::Result<Arc<Pool>> {
        let too_big = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("Ring buffer pool: {count} buffers of {size} bytes do not fit in memory"),
            )
        };
        let total = usize::from(count).checked_mul(size).ok_or_else(too_big)?;
        let layout = Layout::from_size_align(total.max(1), 64).map_err(|_| too_big())?;
        // SAFETY: the layout's size is at least 1.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(raw) else {
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                format!("Ring buffer pool: cannot allocate {count} buffers of {size} bytes"),
            ));
        };
        Ok(Arc::new(Pool {
            base,
            layout,
            size,
            count,
            returned: Mutex::new(Vec::with_capacity(usize::from(count))),
        }))
    }

    pub(crate) fn count(&self) -> u16 {
        self.count
    }

    #[cfg(io_uring)]
    pub(crate) fn buffer_size(&self) -> usize {
        self.size
    }

    /// The start of buffer `bid`.
    pub(crate) fn ptr(&self, bid: u16) -> *mut u8 {
        debug_assert!(bid < self.count);
        // SAFETY: `bid < count`, so the offset stays inside the allocation.
        unsafe { self.base.as_ptr().add(usize::from(bid) * self.size) }
    }

    /// Buffer `bid` to receive into.
    ///
    /// # Safety
    /// The ring owns `bid` (no `PoolBuf` holds it, the kernel is not
    /// filling it) for as long as the slice lives.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slice_mut(&self, bid: u16) -> &mut [u8] {
        // SAFETY: in bounds (see `ptr`); the caller owns these bytes.
        unsafe { std::slice::from_raw_parts_mut(self.ptr(bid), self.size) }
    }

    /// Lends buffer `bid`, holding `len` received bytes, to the caller.
    pub(crate) fn lend(self: &Arc<Pool>, bid: u16, len: usize) -> PoolBuf {
        PoolBuf {
            pool: Arc::clone(self),
            bid,
            len: len.min(self.size),
        }
    }

    /// Calls `give` with each buffer returned since the last call.
    pub(crate) fn take_returned(&self, mut give: impl FnMut(u16)) {
        let mut list = self.returned.lock().unwrap_or_else(PoisonError::into_inner);
        for bid in list.drain(..) {
            give(bid);
        }
    }

    fn give_back(&self, bid: u16) {
        self.returned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(bid);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; the last `Arc` is
        // going, so no ring, kernel entry or `PoolBuf` refers to it.
        unsafe { alloc::dealloc(self.base.as_ptr(), self.layout) };
    }
}

/// Bytes a pooled receive got, in one of the ring's buffers
/// ([`Ring::recv_pooled`](super::Ring::recv_pooled)).
///
/// Reads as a `&[u8]` (it derefs to the received bytes). Dropping it gives
/// the buffer back to the ring, which hands it to the kernel again at its
/// next [`wait`](super::Ring::wait); a caller that holds on to many of them
/// runs the ring out of buffers (the receives then end with
/// [`Completion::is_out_of_buffers`](super::Completion::is_out_of_buffers)).
/// It can be sent to another thread, and outlive the ring.
pub struct PoolBuf {
    pool: Arc<Pool>,
    bid: u16,
    len: usize,
}

impl PoolBuf {
    /// The buffer's number in the ring's pool (its io_uring buffer id).
    pub fn id(&self) -> u16 {
        self.bid
    }
}

impl Deref for PoolBuf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: this `PoolBuf` owns buffer `bid` until it drops: the
        // ring hands it to the kernel again only after `Drop` returned it,
        // and the first `len` bytes were written by the receive.
        unsafe { std::slice::from_raw_parts(self.pool.ptr(self.bid), self.len) }
    }
}

impl fmt::Debug for PoolBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuf")
            .field("id", &self.bid)
            .field("len", &self.len)
            .finish()
    }
}

impl Drop for PoolBuf {
    fn drop(&mut self) {
        self.pool.give_back(self.bid);
    }
}
