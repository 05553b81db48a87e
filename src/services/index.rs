//! The name and port indexes' hashing and key comparison: FxHash over
//! word loads, and a service-name key compared without a `memcmp` call.

use std::hash::{BuildHasherDefault, Hasher};

use crate::cstr::word;

/// The FxHash mixing step (rustc's hasher): a few cycles a word, far
/// cheaper than std's SipHash for a short key. The keys come from the
/// system's own services file, so flooding resistance buys nothing.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher {
    hash: u64,
}

pub(super) type FastHash = BuildHasherDefault<FxHasher>;

/// A service name as the name index compares it: by [`short_eq`], without
/// the `memcmp` call that `str`'s equality makes (hashing is `str`'s, so a
/// `Box<str>` key and a `NameKey` of the same text hash alike).
#[repr(transparent)]
#[derive(Debug)]
pub(super) struct NameKey(str);

impl NameKey {
    #[inline]
    pub(super) fn new(name: &str) -> &NameKey {
        // SAFETY: NameKey is a repr(transparent) wrapper of str, so the
        // two have the same layout and pointer metadata (as std does for
        // Path over OsStr).
        unsafe { &*(name as *const str as *const NameKey) }
    }
}

impl PartialEq for NameKey {
    #[inline]
    fn eq(&self, other: &NameKey) -> bool {
        short_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for NameKey {}

impl std::hash::Hash for NameKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl std::borrow::Borrow<NameKey> for Box<str> {
    #[inline]
    fn borrow(&self) -> &NameKey {
        NameKey::new(self)
    }
}

/// Byte-string equality without a `memcmp` call for the short strings
/// service names and protocols are ("tcpmux", "tcp"): the call cost more
/// than the comparison, and a byte loop as much again (BENCHMARKS.md,
/// "What it took to meet the targets"). Up to 16 bytes, two overlapping
/// word loads a side.
#[inline(always)]
pub(super) fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1 => a[0] == b[0],
        2..=3 => word::<2>(a, 0) == word::<2>(b, 0) && word::<2>(a, n - 2) == word::<2>(b, n - 2),
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Fixed-size reads only (a variable-length copy of the tail would
        // be a memcpy call costing more than the whole hash); a tail is
        // read as a word overlapping the one before it.
        let n = bytes.len();
        match n {
            0 => {}
            1..=3 => self.add(
                u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16,
            ),
            4..=7 => {
                let (a, b) = (word::<4>(bytes, 0), word::<4>(bytes, n - 4));
                self.add(u64::from(u32::from_le_bytes(a)) | u64::from(u32::from_le_bytes(b)) << 32);
            }
            _ => {
                let mut at = 0;
                while at + 8 < n {
                    self.add(u64::from_le_bytes(word::<8>(bytes, at)));
                    at += 8;
                }
                self.add(u64::from_le_bytes(word::<8>(bytes, n - 8)));
            }
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_eq_and_the_hash_see_every_byte_of_every_length() {
        let hash = |b: &[u8]| {
            let mut h = FxHasher::default();
            h.write(b);
            h.finish()
        };
        for n in 0..=40 {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i % 26).collect();
            assert!(short_eq(&a, &a.clone()), "length {n}");
            assert_eq!(hash(&a), hash(&a.clone()), "length {n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!short_eq(&a, &b), "length {n}, byte {at}");
                assert_ne!(hash(&a), hash(&b), "length {n}, byte {at}");
            }
            let longer = [&a[..], b"x"].concat();
            assert!(
                !short_eq(&a, &longer) && !short_eq(&longer, &a),
                "length {n}"
            );
        }
    }
}
