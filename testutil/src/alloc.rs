//! A global allocator that counts the allocations of each thread, so that
//! a test can prove a call allocates nothing in its steady state (other
//! tests' threads are not counted). A test binary installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: nativesockets_testutil::alloc::CountingAlloc =
//!     nativesockets_testutil::alloc::CountingAlloc;
//! ```
//!
//! and reads [`allocations`] before and after the calls it measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting each `alloc` and `realloc` of the
/// calling thread.
pub struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// How many allocations the calling thread has made so far (with
/// [`CountingAlloc`] installed; 0 otherwise).
pub fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards every call to the system allocator unchanged; the
// thread-local counter is const-initialised, so counting never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new) }
    }
}
