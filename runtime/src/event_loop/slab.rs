//! A slab: values in a vector, each named by its slot and a stamp, so that finding one is an
//! index and a compare.
//!
//! The loop keeps two: its tasks, stamped with their ids (see `table.rs`), and the wakers of its
//! `sleep` timers, stamped with a generation (see `timer.rs`). A slot keeps its stamp after its
//! value is removed, so a key whose stamp no longer matches names nothing: a stale wake of a
//! finished task, the key of a timer that fired. Freed slots are reused newest first, so a slab
//! stays as long as the most values it ever held at once, and a busy loop keeps touching the
//! same few slots.

pub(super) struct Slab<T> {
    slots: Vec<Slot<T>>,
    /// Slots that are neither filled nor handed out by [`vacant`](Slab::vacant), the most
    /// recently freed last.
    free: Vec<u32>,
}

struct Slot<T> {
    /// The stamp of the value in the slot, or of the last one.
    stamp: u64,
    value: Option<T>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// A slot for a value about to be made: neither free nor filled until
    /// [`fill`](Slab::fill) fills it. Also the stamp its last value had (0 for a new slot).
    ///
    /// # Panics
    ///
    /// "more than 2^32 values in a slab" if all 2^32 slots are taken.
    pub(super) fn vacant(&mut self) -> (u32, u64) {
        if let Some(slot) = self.free.pop() {
            return (slot, self.slots[slot as usize].stamp);
        }
        let slot = u32::try_from(self.slots.len()).expect("more than 2^32 values in a slab");
        self.slots.push(Slot {
            stamp: 0,
            value: None,
        });
        (slot, 0)
    }

    /// Puts `value` with `stamp` into `slot`, which [`vacant`](Slab::vacant) returned.
    pub(super) fn fill(&mut self, slot: u32, stamp: u64, value: T) {
        let slot = &mut self.slots[slot as usize];
        debug_assert!(slot.value.is_none(), "the slot was vacant");
        slot.stamp = stamp;
        slot.value = Some(value);
    }

    /// The value in `slot`, if it has `stamp`.
    pub(super) fn get(&self, slot: u32, stamp: u64) -> Option<&T> {
        let slot = self.slots.get(slot as usize)?;
        if slot.stamp != stamp {
            return None;
        }
        slot.value.as_ref()
    }

    /// The value in `slot`, if it has `stamp`.
    pub(super) fn get_mut(&mut self, slot: u32, stamp: u64) -> Option<&mut T> {
        let slot = self.slots.get_mut(slot as usize)?;
        if slot.stamp != stamp {
            return None;
        }
        slot.value.as_mut()
    }

    /// Takes the value in `slot` out, if it has `stamp`, and frees the slot.
    pub(super) fn remove(&mut self, slot: u32, stamp: u64) -> Option<T> {
        let entry = self.slots.get_mut(slot as usize)?;
        if entry.stamp != stamp {
            return None;
        }
        let value = entry.value.take()?;
        self.free.push(slot);
        Some(value)
    }

    /// The values and their stamps, in slot order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.slots
            .iter()
            .filter_map(|slot| Some((slot.stamp, slot.value.as_ref()?)))
    }

    /// Empties the slab; its values and their stamps, in slot order.
    pub(super) fn into_values(self) -> impl Iterator<Item = (u64, T)> {
        self.slots
            .into_iter()
            .filter_map(|slot| Some((slot.stamp, slot.value?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_newest_first_and_stale_stamps_miss() {
        let mut slab = Slab::default();
        let (a, stamp) = slab.vacant();
        assert_eq!(stamp, 0);
        let (b, _) = slab.vacant();
        assert_ne!(a, b);
        // Handed out, not filled yet: nothing there.
        assert!(slab.get(a, 0).is_none());
        slab.fill(a, 7, "a");
        slab.fill(b, 8, "b");
        assert_eq!(slab.get(a, 7), Some(&"a"));
        assert!(slab.get(a, 8).is_none());
        assert_eq!(slab.remove(a, 7), Some("a"));
        assert!(slab.remove(a, 7).is_none(), "removed once");
        assert!(slab.get(a, 7).is_none());
        // The freed slot comes back first, with the stamp it had.
        assert_eq!(slab.vacant(), (a, 7));
        slab.fill(a, 9, "c");
        assert_eq!(slab.iter().collect::<Vec<_>>(), [(9, &"c"), (8, &"b")]);
        assert_eq!(slab.into_values().collect::<Vec<_>>(), [(9, "c"), (8, "b")]);
    }
}
