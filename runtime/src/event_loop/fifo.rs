//! A first-in first-out queue in fixed-size segments, for the loop's ready queue and the run of
//! in-order timers.
//!
//! A `VecDeque` keeps the capacity of its longest moment: after 100,000 tasks were created and
//! queued at once, it holds room for 131,072 entries while the timers those tasks set grow beside
//! it, and it grew there by doubling, copying every entry each time. Here a queue is a list of
//! segments of at most [`SEGMENT`] entries: it grows a segment at a time without moving what it
//! holds, and gives each segment back as soon as it has been read through, so two queues that
//! drain into one another (ready tasks setting timers, timers firing into ready tasks) never both
//! hold their peak. One emptied segment is kept for the next, so a queue that hovers around a
//! segment boundary does not allocate at every crossing.

use std::collections::VecDeque;

/// Entries per segment: big enough that the segment list is short and its allocations rare, small
/// enough that a drained segment is given back early. The first segment grows to this size from
/// nothing, as a `VecDeque` does, so a small queue stays small.
const SEGMENT: usize = 512;

pub(super) struct Fifo<T> {
    /// Oldest first. Each segment but the last holds `SEGMENT` entries when it is created; only
    /// the first is read from, only the last written to.
    segments: VecDeque<VecDeque<T>>,
    len: usize,
    /// An emptied segment (its capacity `SEGMENT`), for the next segment to reuse.
    spare: Option<VecDeque<T>>,
}

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo::new()
    }
}

impl<T> Fifo<T> {
    pub(super) const fn new() -> Self {
        Fifo {
            segments: VecDeque::new(),
            len: 0,
            spare: None,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(super) fn front(&self) -> Option<&T> {
        self.segments.front()?.front()
    }

    pub(super) fn back(&self) -> Option<&T> {
        self.segments.back()?.back()
    }

    pub(super) fn push_back(&mut self, value: T) {
        match self.segments.back_mut() {
            Some(last) if last.len() < SEGMENT => last.push_back(value),
            _ => {
                let mut segment = self
                    .spare
                    .take()
                    .unwrap_or_else(|| VecDeque::with_capacity(SEGMENT));
                segment.push_back(value);
                self.segments.push_back(segment);
            }
        }
        self.len += 1;
    }

    pub(super) fn pop_front(&mut self) -> Option<T> {
        let first = self.segments.front_mut()?;
        let value = first.pop_front()?;
        self.len -= 1;
        // The last segment stays while it is being written to (a queue that goes empty and fills
        // again reuses it); an earlier one is done with once read through.
        if first.is_empty() && self.segments.len() > 1 {
            self.recycle_front();
        }
        Some(value)
    }

    fn recycle_front(&mut self) {
        let segment = self.segments.pop_front();
        if self.spare.is_none() {
            self.spare = segment.filter(|segment| segment.capacity() >= SEGMENT);
        }
    }

    /// Keeps the entries for which `keep` is true, in order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        for segment in &mut self.segments {
            segment.retain(&mut keep);
        }
        // Segments left short are fine (a segment is only ever appended to while it is last);
        // empty ones, but the last, go.
        let last = self.segments.len().saturating_sub(1);
        let mut index = 0;
        self.segments.retain(|segment| {
            index += 1;
            index > last || !segment.is_empty()
        });
        self.len = self.segments.iter().map(VecDeque::len).sum();
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
    fn gives_back_segments_as_it_drains() {
        let mut fifo = Fifo::new();
        fifo.extend(0..SEGMENT * 10);
        assert_eq!(fifo.segments.len(), 10);
        for _ in 0..SEGMENT * 5 {
            fifo.pop_front();
        }
        // Five read through: one kept as the spare, four freed.
        assert_eq!(fifo.segments.len(), 5);
        assert!(fifo.spare.is_some());
        // The next segment reuses the spare.
        fifo.extend(0..SEGMENT);
        assert_eq!(fifo.segments.len(), 6);
        assert!(fifo.spare.is_none());
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
        assert_eq!(fifo.segments.len(), 1);
        assert_eq!(fifo.len(), SEGMENT);
        fifo.retain(|_| false);
        assert!(fifo.is_empty() && fifo.front().is_none() && fifo.back().is_none());
        fifo.push_back(1);
        assert_eq!(fifo.pop_front(), Some(1));
    }
}
