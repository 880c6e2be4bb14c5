//! A first-in first-out queue in fixed-size segments, for the loop's ready queue and the run of
//! in-order timers.
//!
//! A `VecDeque` grows by doubling, copying every entry each time, and its capacity ends up to
//! twice what it held: after 100,000 tasks were created and queued at once, room for 131,072.
//! Here a queue is one ring of at most [`SEGMENT`] entries, read from and, while nothing waits
//! behind it, written to; past that, entries go to further segments of `SEGMENT`, which become
//! the ring in place as it is read through. Nothing is copied, and a queue that stays short is the
//! ring alone: a push or a pop is a `VecDeque`'s and one compare.
//!
//! What a queue does with a segment it has read through is its choice:
//!
//! - [`Fifo::new`] keeps them all for its next entries, as a `VecDeque` keeps its buffer. The
//!   ready queue is one: tasks that wake themselves or each other read it at one end while they
//!   write it at the other, and a queue that gave its segments back would free and allocate one
//!   per `SEGMENT` entries. Freeing blocks that large makes glibc consolidate its fast bins and
//!   trim the heap, and the task blocks freed around them then came back as page faults: for
//!   2,000,000 spawned tasks, 5,200 faults with every segment kept, 26,000 with two (14,900
//!   with the `VecDeque`).
//! - [`Fifo::returning`] keeps two and gives back the rest as it drains. The run of in-order
//!   timers is one: a crowd of timers that came due is read through while the tasks they wake
//!   fill the ready queue, and the run's memory goes back for them.

use std::collections::VecDeque;
use std::mem;

/// Entries per segment: big enough that the segment list is short and its allocations rare, small
/// enough that a drained segment is given back early. The first ring grows to this size from
/// nothing, as a `VecDeque` does, so a small queue stays small. (The crate's own unit tests use
/// short segments, so that the timers' and the loop's tests cross many segment boundaries, and
/// so that Miri gets through them.)
const SEGMENT: usize = if cfg!(test) { 16 } else { 4096 };

pub(super) struct Fifo<T> {
    /// The oldest entries. Empty only if the whole queue is.
    ring: VecDeque<T>,
    /// Entries behind a full ring, oldest first: full segments, then the one being written.
    full: VecDeque<Vec<T>>,
    tail: Vec<T>,
    /// The entries in `full` and `tail`.
    behind: usize,
    /// Emptied segments kept for the next ones, at most `max_spares`.
    spares: Vec<Vec<T>>,
    max_spares: usize,
}

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo::new()
    }
}

impl<T> Fifo<T> {
    /// A queue that keeps the segments it read through.
    pub(super) const fn new() -> Self {
        Fifo::keeping(usize::MAX)
    }

    /// A queue that keeps two of the segments it read through and gives back the others.
    pub(super) const fn returning() -> Self {
        Fifo::keeping(2)
    }

    const fn keeping(max_spares: usize) -> Self {
        Fifo {
            ring: VecDeque::new(),
            full: VecDeque::new(),
            tail: Vec::new(),
            behind: 0,
            spares: Vec::new(),
            max_spares,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.ring.len() + self.behind
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    pub(super) fn front(&self) -> Option<&T> {
        self.ring.front()
    }

    pub(super) fn back(&self) -> Option<&T> {
        self.tail
            .last()
            .or_else(|| self.full.back()?.last())
            .or_else(|| self.ring.back())
    }

    #[inline]
    pub(super) fn push_back(&mut self, value: T) {
        if self.behind == 0 && self.ring.len() < SEGMENT {
            self.ring.push_back(value);
        } else {
            self.push_behind(value);
        }
    }

    /// `push_back` past a full ring, out of line and `#[cold]` so that a short queue's push
    /// inlines small: 47 instructions less per round trip of the ping-pong benchmark (two
    /// pushes), against 23 more per task when 100,000 are spawned at once (callgrind), where
    /// all but the first `SEGMENT` pushes come here.
    #[cold]
    #[inline(never)]
    fn push_behind(&mut self, value: T) {
        if self.tail.len() == self.tail.capacity() {
            self.start_segment();
        }
        self.tail.push(value);
        self.behind += 1;
    }

    /// Sets the full segment being written aside, and starts the next.
    #[cold]
    fn start_segment(&mut self) {
        let next = self
            .spares
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(SEGMENT));
        let written = mem::replace(&mut self.tail, next);
        if !written.is_empty() {
            self.full.push_back(written);
        }
    }

    #[inline]
    pub(super) fn pop_front(&mut self) -> Option<T> {
        let value = self.ring.pop_front()?;
        if self.ring.is_empty() && self.behind > 0 {
            self.advance();
        }
        Some(value)
    }

    /// The ring is read through: the next segment takes its place (a `Vec` becomes a `VecDeque`
    /// in place, and back), and the ring's memory is kept as a spare or goes.
    fn advance(&mut self) {
        while self.behind > 0 {
            let next = self
                .full
                .pop_front()
                .unwrap_or_else(|| mem::take(&mut self.tail));
            self.behind -= next.len();
            if !next.is_empty() {
                let read = Vec::from(mem::replace(&mut self.ring, VecDeque::from(next)));
                self.keep_spare(read);
                return;
            }
            self.keep_spare(next);
        }
    }

    fn keep_spare(&mut self, mut segment: Vec<T>) {
        if self.spares.len() < self.max_spares && segment.capacity() == SEGMENT {
            segment.clear();
            self.spares.push(segment);
        }
    }

    /// Keeps the entries for which `keep` is true, in order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.ring.retain(&mut keep);
        for segment in &mut self.full {
            segment.retain(&mut keep);
        }
        self.full.retain(|segment| !segment.is_empty());
        self.tail.retain(&mut keep);
        self.behind = self.full.iter().map(Vec::len).sum::<usize>() + self.tail.len();
        if self.ring.is_empty() {
            self.advance();
        }
    }
}

impl<T> Extend<T> for Fifo<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        for value in values {
            self.push_back(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_in_first_out_across_segments() {
        let mut fifo = Fifo::new();
        let mut expected = VecDeque::new();
        let mut next = 0;
        // Interleaved pushes and pops, crossing segment boundaries both ways.
        for round in 0..6 {
            for _ in 0..(SEGMENT * 2 + 7) {
                fifo.push_back(next);
                expected.push_back(next);
                next += 1;
            }
            for _ in 0..(SEGMENT + round * 100) {
                assert_eq!(fifo.pop_front(), expected.pop_front());
            }
            assert_eq!(fifo.len(), expected.len());
            assert_eq!(fifo.front(), expected.front());
            assert_eq!(fifo.back(), expected.back());
        }
        while let Some(value) = expected.pop_front() {
            assert_eq!(fifo.pop_front(), Some(value));
        }
        assert!(fifo.is_empty() && fifo.pop_front().is_none());
    }

    #[test]
    fn keeps_or_gives_back_segments_as_it_drains() {
        let mut kept = Fifo::new();
        kept.extend(0..SEGMENT * 10);
        for _ in 0..SEGMENT * 10 {
            let value = kept.pop_front().unwrap();
            kept.push_back(value);
        }
        // Each segment read through was kept and used again for the entries pushed back.
        assert_eq!(kept.len(), SEGMENT * 10);
        assert!(kept.spares.len() <= 1);
        while kept.pop_front().is_some() {}
        // Drained: every segment but the ring is a spare.
        assert!(
            (9..=10).contains(&kept.spares.len()),
            "{}",
            kept.spares.len()
        );

        let mut fifo = Fifo::returning();
        fifo.extend(0..SEGMENT * 10);
        // The ring, eight full segments and the one being written.
        assert_eq!(fifo.full.len(), 8);
        assert_eq!(fifo.tail.len(), SEGMENT);
        for _ in 0..SEGMENT * 5 {
            fifo.pop_front();
        }
        // Five read through: two kept, three freed.
        assert_eq!(fifo.full.len(), 3);
        assert_eq!(fifo.spares.len(), 2);
        assert_eq!(fifo.len(), SEGMENT * 5);
        // While entries wait behind the ring, new ones go behind them.
        fifo.push_back(usize::MAX);
        assert_eq!(fifo.full.len(), 4);
        assert_eq!(fifo.spares.len(), 1);
        assert_eq!(fifo.back(), Some(&usize::MAX));
    }

    #[test]
    fn retain_keeps_order_and_drops_empty_segments() {
        let mut fifo = Fifo::new();
        fifo.extend(0..SEGMENT * 3);
        fifo.retain(|value| *value >= SEGMENT * 2 || value % 3 == 0);
        let kept: Vec<usize> = std::iter::from_fn(|| fifo.pop_front()).collect();
        let expected: Vec<usize> = (0..SEGMENT * 3)
            .filter(|value| *value >= SEGMENT * 2 || value % 3 == 0)
            .collect();
        assert_eq!(kept, expected);

        fifo.extend(0..SEGMENT * 3);
        fifo.retain(|value| *value >= SEGMENT * 2);
        assert!(fifo.full.is_empty() && fifo.tail.is_empty());
        assert_eq!(fifo.len(), SEGMENT);
        assert_eq!(fifo.front(), Some(&(SEGMENT * 2)));
        fifo.retain(|_| false);
        assert!(fifo.is_empty() && fifo.front().is_none() && fifo.back().is_none());
        fifo.push_back(1);
        assert_eq!(fifo.pop_front(), Some(1));
    }
}
