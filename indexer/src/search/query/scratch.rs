//! Bitsets over a segment's documents, borrowed from a pool kept per thread.
//!
//! A search reads its filters and words into bitsets of a bit per document: 128 KB each for a
//! segment of a million listings, several per search (the radius's cells, the filters and
//! words folded into them, each word of a long question, the listings serving the point's
//! areas), though a radius sets bits in a few stretches of them only. Borrowed here instead of
//! allocated zeroed per search, a bitset comes back all zero, and only the stretch its user may
//! have set (`dirty`) is zeroed again. (Measured at 1M, no gain of its own stood out of a
//! shared machine's noise, in process or over HTTP.)

use std::cell::RefCell;
use std::ops::{Deref, DerefMut, Range};

/// Bitsets kept per thread (a search uses fewer than this at a time for a few words).
const POOLED: usize = 24;

thread_local! {
    static POOL: RefCell<Vec<Vec<u64>>> = const { RefCell::new(Vec::new()) };
}

/// Words of a bitset, all zero when taken ([`ScratchWords::zeroed`]), given back to this
/// thread's pool when dropped.
#[derive(Debug)]
pub struct ScratchWords {
    words: Vec<u64>,
    /// The words that may have a bit set: zeroed again when given back.
    dirty: Range<usize>,
}

impl ScratchWords {
    /// `len` words, all zero: from the pool when it has a bitset of that length.
    pub fn zeroed(len: usize) -> ScratchWords {
        let pooled = POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            let at = pool.iter().position(|words| words.len() == len)?;
            Some(pool.swap_remove(at))
        });
        ScratchWords {
            words: pooled.unwrap_or_else(|| vec![0u64; len]),
            dirty: 0..len,
        }
    }

    /// Says that no word outside `range` has a bit set, nor will: only `range` is zeroed when
    /// the words are given back (checked in debug builds).
    pub fn set_dirty(&mut self, range: Range<usize>) {
        let end = range.end.min(self.words.len());
        self.dirty = range.start.min(end)..end;
    }
}

impl From<Vec<u64>> for ScratchWords {
    fn from(words: Vec<u64>) -> ScratchWords {
        ScratchWords {
            dirty: 0..words.len(),
            words,
        }
    }
}

impl Deref for ScratchWords {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        &self.words
    }
}

impl DerefMut for ScratchWords {
    fn deref_mut(&mut self) -> &mut [u64] {
        &mut self.words
    }
}

impl<'a> IntoIterator for &'a ScratchWords {
    type Item = &'a u64;
    type IntoIter = std::slice::Iter<'a, u64>;

    fn into_iter(self) -> Self::IntoIter {
        self.words.iter()
    }
}

impl Drop for ScratchWords {
    fn drop(&mut self) {
        let mut words = std::mem::take(&mut self.words);
        if words.is_empty() {
            return;
        }
        words[self.dirty.clone()].fill(0);
        debug_assert!(
            words.iter().all(|word| *word == 0),
            "a bitset had bits set outside the words it said"
        );
        // During a thread's teardown the pool may be gone: the words are then freed.
        let _ = POOL.try_with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < POOLED {
                pool.push(words);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bitset given back comes out again all zero, whatever was set in it, and of the length
    /// asked for.
    #[test]
    fn a_bitset_given_back_comes_out_again_all_zero() {
        for round in 0..3 {
            let mut first = ScratchWords::zeroed(1_000);
            let mut second = ScratchWords::zeroed(1_000);
            let other = ScratchWords::zeroed(10);
            assert!(
                first.iter().chain(second.iter()).all(|word| *word == 0),
                "round {round}"
            );
            assert_eq!((first.len(), second.len(), other.len()), (1_000, 1_000, 10));
            first[3..9].fill(u64::MAX);
            first.set_dirty(3..9);
            second[999] = 1;
            second[0] = 7;
        }
    }
}
