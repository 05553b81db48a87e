//! No allocation in a ring's steady state, counted by a global allocator.

use std::io::{Read, Write};

use nativesockets::{Completions, OpKind, Ring};

use super::{pair, ring, PATIENCE};

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn recv_pooled_and_send_allocate_nothing_in_the_steady_state() {
    let mut ring = ring();
    let (server, mut client) = pair();
    ring.recv_pooled(&server, 1).unwrap();
    let mut done = Completions::with_capacity(64);
    let mut out = Vec::with_capacity(64);
    let mut round = |ring: &mut Ring, done: &mut Completions, out: &mut Vec<u8>| {
        client.write_all(&[7; 64]).unwrap();
        let mut sent = false;
        while !sent {
            ring.wait(done, Some(PATIENCE)).unwrap();
            for c in done.iter_mut() {
                if let Some(data) = c.pooled() {
                    let mut v = std::mem::take(out);
                    v.clear();
                    v.extend_from_slice(data);
                    ring.send(&server, v, 2).unwrap();
                } else if c.kind() == OpKind::Send {
                    *out = c.take_buffer().unwrap();
                    sent = true;
                }
            }
        }
        let mut got = [0; 64];
        client.read_exact(&mut got).unwrap();
    };
    for _ in 0..10 {
        round(&mut ring, &mut done, &mut out);
    }
    let before = ALLOCATIONS.with(|c| c.get());
    for _ in 0..200 {
        round(&mut ring, &mut done, &mut out);
    }
    let after = ALLOCATIONS.with(|c| c.get());
    assert_eq!(
        after - before,
        0,
        "allocations in 200 echoes on {:?}",
        ring.backend()
    );
}

/// Counts the allocations of the current thread.
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; the
// thread-local counter is const-initialised, so counting never allocates.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract is passed on.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: as above.
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;
