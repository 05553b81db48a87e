//! What `Poller` remembers of each registered descriptor, in one byte per
//! descriptor number, without a lock: the epoll and kqueue backends read it
//! on `modify` (to keep the mode) and, on kqueue, test-and-set it on `add`
//! (kqueue's `EV_ADD` silently updates an existing registration, so the
//! `AlreadyExists` check has to be made here).
//!
//! The table is split into pages of doubling size: page `p` holds the
//! descriptors `2^p - 1 .. 2^(p+1) - 1`, and is allocated the first time a
//! descriptor in it is registered (in `add`, never in `wait`). A small
//! process pays for a few bytes; a descriptor near `i32::MAX` for one
//! large page, as the kernel's own descriptor table does. Only numbers
//! that the kernel has accepted as open descriptors are ever stored, so
//! the pages never outgrow the process's descriptor limit.

use std::os::fd::RawFd;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};

use crate::sys::{Trigger, Want};

/// Pages for every non-negative `RawFd` (`i32`): descriptor `fd` is slot
/// `fd + 1`, whose highest set bit (0 to 31) is its page.
const PAGES: usize = 32;

const REGISTERED: u8 = 1;
const READ: u8 = 2;
const WRITE: u8 = 4;
const EDGE: u8 = 8;
const ONESHOT: u8 = 16;

/// A registration as one byte (0 means none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry(u8);

impl Entry {
    pub(crate) const NONE: Entry = Entry(0);

    pub(crate) fn new(want: Want, trigger: Trigger) -> Entry {
        let mut bits = REGISTERED;
        if want.read {
            bits |= READ;
        }
        if want.write {
            bits |= WRITE;
        }
        bits |= match trigger {
            Trigger::Level => 0,
            Trigger::Edge => EDGE,
            Trigger::Oneshot => ONESHOT,
        };
        Entry(bits)
    }

    pub(crate) fn is_registered(self) -> bool {
        self.0 & REGISTERED != 0
    }

    pub(crate) fn trigger(self) -> Trigger {
        if self.0 & EDGE != 0 {
            Trigger::Edge
        } else if self.0 & ONESHOT != 0 {
            Trigger::Oneshot
        } else {
            Trigger::Level
        }
    }

    #[cfg_attr(not(kqueue), allow(dead_code))]
    pub(crate) fn want(self) -> Want {
        Want {
            read: self.0 & READ != 0,
            write: self.0 & WRITE != 0,
        }
    }
}

pub(crate) struct FdTable {
    pages: [AtomicPtr<AtomicU8>; PAGES],
}

impl std::fmt::Debug for FdTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let allocated = self
            .pages
            .iter()
            .filter(|p| !p.load(Ordering::Relaxed).is_null())
            .count();
        f.debug_struct("FdTable")
            .field("pages", &allocated)
            .finish()
    }
}

/// The page and the offset in it of descriptor `fd` (non-negative).
fn place(fd: RawFd) -> (usize, usize) {
    let slot = fd as usize + 1;
    let page = (usize::BITS - 1 - slot.leading_zeros()) as usize;
    (page, slot - (1 << page))
}

impl FdTable {
    pub(crate) fn new() -> FdTable {
        FdTable {
            pages: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// The byte of `fd`, if its page exists. `fd` must be non-negative.
    fn slot(&self, fd: RawFd) -> Option<&AtomicU8> {
        let (page, at) = place(fd);
        let base = self.pages[page].load(Ordering::Acquire);
        if base.is_null() {
            return None;
        }
        // SAFETY: a non-null page `page` points to `1 << page` bytes that
        // live as long as `self` (freed only in `drop`), and `at` is below
        // that length by construction of `place`.
        Some(unsafe { &*base.add(at) })
    }

    /// The byte of `fd`, allocating its page if needed.
    fn slot_or_insert(&self, fd: RawFd) -> &AtomicU8 {
        if let Some(slot) = self.slot(fd) {
            return slot;
        }
        let (page, _) = place(fd);
        let fresh: Box<[AtomicU8]> = (0..1usize << page).map(|_| AtomicU8::new(0)).collect();
        let fresh = Box::into_raw(fresh) as *mut AtomicU8;
        if let Err(_other) = self.pages[page].compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // Another thread installed the page first: free ours.
            // SAFETY: `fresh` came from `Box::into_raw` of a slice of this
            // length just above and was never shared.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(fresh, 1 << page)) });
        }
        self.slot(fd).expect("the page was just installed")
    }

    pub(crate) fn get(&self, fd: RawFd) -> Entry {
        self.slot(fd)
            .map_or(Entry::NONE, |s| Entry(s.load(Ordering::Acquire)))
    }

    pub(crate) fn set(&self, fd: RawFd, entry: Entry) {
        if entry == Entry::NONE {
            if let Some(slot) = self.slot(fd) {
                slot.store(0, Ordering::Release);
            }
        } else {
            self.slot_or_insert(fd).store(entry.0, Ordering::Release);
        }
    }

    /// Stores `entry` if `fd` has no registration; `false` if it has one.
    #[cfg_attr(not(kqueue), allow(dead_code))]
    pub(crate) fn insert_new(&self, fd: RawFd, entry: Entry) -> bool {
        self.slot_or_insert(fd)
            .compare_exchange(0, entry.0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Clears `fd`'s registration and returns what it was.
    #[cfg_attr(not(kqueue), allow(dead_code))]
    pub(crate) fn take(&self, fd: RawFd) -> Entry {
        self.slot(fd)
            .map_or(Entry::NONE, |s| Entry(s.swap(0, Ordering::AcqRel)))
    }
}

impl Drop for FdTable {
    fn drop(&mut self) {
        for (page, p) in self.pages.iter_mut().enumerate() {
            let base = *p.get_mut();
            if !base.is_null() {
                // SAFETY: every non-null page was made by `Box::into_raw` of
                // a slice of `1 << page` bytes in `slot_or_insert`, and
                // nothing else can reach it once `self` is being dropped.
                drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(base, 1 << page)) });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_descriptor_without_overlap() {
        assert_eq!(place(0), (0, 0));
        assert_eq!(place(1), (1, 0));
        assert_eq!(place(2), (1, 1));
        assert_eq!(place(3), (2, 0));
        assert_eq!(place(1022), (9, 511));
        assert_eq!(place(1023), (10, 0));
        assert_eq!(place(RawFd::MAX - 1), (30, (1 << 30) - 1));
        assert_eq!(place(RawFd::MAX), (31, 0));
    }

    #[test]
    fn entries_round_trip_and_insert_new_refuses_a_second_add() {
        let t = FdTable::new();
        let both = Want {
            read: true,
            write: true,
        };
        let e = Entry::new(both, Trigger::Oneshot);
        assert_eq!(t.get(5000), Entry::NONE);
        assert!(t.insert_new(5000, e));
        assert!(!t.insert_new(5000, Entry::new(both, Trigger::Level)));
        assert_eq!(t.get(5000).trigger(), Trigger::Oneshot);
        assert_eq!(t.get(5000).want(), both);
        assert_eq!(t.take(5000), e);
        assert!(!t.take(5000).is_registered());
        t.set(7, Entry::new(both, Trigger::Edge));
        assert_eq!(t.get(7).trigger(), Trigger::Edge);
    }
}
