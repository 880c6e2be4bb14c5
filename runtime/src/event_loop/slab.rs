//! A slab: values in chunks of slots, each named by its slot and a stamp, so that finding one is
//! an index and a compare.
//!
//! The loop keeps two: its tasks, stamped with their ids (see `table.rs`), and the wakers of its
//! `sleep` timers, stamped with a generation (see `timer.rs`). A key whose stamp no longer
//! matches names nothing: a stale wake of a finished task, the key of a timer that fired. A
//! generation must outlive its value (the next value of the slot takes the next one), so the
//! slot keeps it ([`u64`] stamps); a task carries its id in its header, so the table's slots keep
//! nothing but the task ([`Carried`] stamps): 8 bytes a task instead of 16.
//!
//! Freed slots are reused newest first, so a slab stays as long as the most values it ever held
//! at once, and a busy loop keeps touching the same few slots. The slots are in chunks of
//! [`CHUNK`], not one vector grown by doubling: at 100,000 values a doubled vector has room for
//! 131,072, and copied every slot to get there.

/// Slots per chunk. The first chunk grows to this from nothing, as a `Vec` does, so a small slab
/// stays small. (Short in the crate's own unit tests, which then cross chunk boundaries.)
const CHUNK: usize = if cfg!(test) { 16 } else { 4096 };

pub(super) struct Slab<T, S: Stamp<T> = u64> {
    /// Every chunk but the last holds `CHUNK` slots.
    chunks: Vec<Vec<Slot<T, S>>>,
    /// Slots that are neither filled nor handed out by [`vacant`](Slab::vacant), the most
    /// recently freed last.
    free: Vec<u32>,
}

struct Slot<T, S> {
    stamp: S,
    value: Option<T>,
}

/// How a slot tells the stamp of the value it holds.
pub(super) trait Stamp<T>: Copy {
    /// A new slot's.
    const NEW: Self;
    /// What a slot keeps for a value stamped `stamp`.
    fn keep(stamp: u64) -> Self;
    /// The stamp of `value`, in a slot that kept `self`.
    fn of(self, value: &T) -> u64;
}

/// The slot keeps the stamp, also once its value is gone.
impl<T> Stamp<T> for u64 {
    const NEW: Self = 0;

    fn keep(stamp: u64) -> Self {
        stamp
    }

    fn of(self, _: &T) -> u64 {
        self
    }
}

/// Values that know their own stamp.
pub(super) trait Stamped {
    fn stamp(&self) -> u64;
}

/// The value carries its stamp ([`Stamped`]): the slot keeps nothing.
#[derive(Clone, Copy)]
pub(super) struct Carried;

impl<T: Stamped> Stamp<T> for Carried {
    const NEW: Self = Carried;

    fn keep(_: u64) -> Self {
        Carried
    }

    fn of(self, value: &T) -> u64 {
        value.stamp()
    }
}

impl<T, S: Stamp<T>> Default for Slab<T, S> {
    fn default() -> Self {
        Slab::new()
    }
}

impl<T, S: Stamp<T>> Slab<T, S> {
    pub(super) const fn new() -> Self {
        Slab {
            chunks: Vec::new(),
            free: Vec::new(),
        }
    }

    fn slot(&self, slot: u32) -> Option<&Slot<T, S>> {
        let slot = slot as usize;
        self.chunks.get(slot / CHUNK)?.get(slot % CHUNK)
    }

    fn slot_mut(&mut self, slot: u32) -> Option<&mut Slot<T, S>> {
        let slot = slot as usize;
        self.chunks.get_mut(slot / CHUNK)?.get_mut(slot % CHUNK)
    }

    /// A slot for a value about to be made: neither free nor filled until
    /// [`fill`](Slab::fill) fills it. Also what the slot kept of its last value's stamp.
    ///
    /// # Panics
    ///
    /// "more than 2^32 values in a slab" if all 2^32 slots are taken.
    pub(super) fn vacant(&mut self) -> (u32, S) {
        if let Some((slot, entry)) = self.reuse() {
            return (slot, entry.stamp);
        }
        let slot = self.push(Slot {
            stamp: S::NEW,
            value: None,
        });
        (slot, S::NEW)
    }

    /// Takes a free slot, if there is one.
    fn reuse(&mut self) -> Option<(u32, &mut Slot<T, S>)> {
        let slot = self.free.pop()?;
        Some((slot, self.slot_mut(slot).expect("a freed slot exists")))
    }

    /// Appends a new slot.
    fn push(&mut self, new: Slot<T, S>) -> u32 {
        if self.chunks.last().is_none_or(|last| last.len() == CHUNK) {
            self.chunks.push(Vec::new());
        }
        let full = (self.chunks.len() - 1) * CHUNK;
        let last = self.chunks.last_mut().expect("a chunk was just made");
        let slot = u32::try_from(full + last.len()).expect("more than 2^32 values in a slab");
        last.push(new);
        slot
    }

    /// Puts a value into a free slot, or a new one: `make` is given what the slot kept of its
    /// last value's stamp (as [`vacant`](Slab::vacant) gives it) and returns the new value and
    /// its stamp. Returns the slot and the stamp.
    pub(super) fn insert(&mut self, make: impl FnOnce(S) -> (u64, T)) -> (u32, u64) {
        if let Some((slot, entry)) = self.reuse() {
            let (stamp, value) = make(entry.stamp);
            entry.stamp = S::keep(stamp);
            entry.value = Some(value);
            return (slot, stamp);
        }
        let (stamp, value) = make(S::NEW);
        let slot = self.push(Slot {
            stamp: S::keep(stamp),
            value: Some(value),
        });
        (slot, stamp)
    }

    /// Puts `value` with `stamp` into `slot`, which [`vacant`](Slab::vacant) returned.
    pub(super) fn fill(&mut self, slot: u32, stamp: u64, value: T) {
        let slot = self.slot_mut(slot).expect("a vacant slot exists");
        debug_assert!(slot.value.is_none(), "the slot was vacant");
        slot.stamp = S::keep(stamp);
        slot.value = Some(value);
        debug_assert!(slot
            .value
            .as_ref()
            .is_some_and(|value| slot.stamp.of(value) == stamp));
    }

    /// The value in `slot`, if it has `stamp`.
    pub(super) fn get(&self, slot: u32, stamp: u64) -> Option<&T> {
        let slot = self.slot(slot)?;
        slot.value
            .as_ref()
            .filter(|value| slot.stamp.of(value) == stamp)
    }

    /// The value in `slot`, if it has `stamp`.
    pub(super) fn get_mut(&mut self, slot: u32, stamp: u64) -> Option<&mut T> {
        let slot = self.slot_mut(slot)?;
        let kept = slot.stamp;
        slot.value.as_mut().filter(|value| kept.of(value) == stamp)
    }

    /// Takes the value in `slot` out, if it has `stamp`, and frees the slot.
    pub(super) fn remove(&mut self, slot: u32, stamp: u64) -> Option<T> {
        let value = self.take(slot, stamp)?;
        self.free.push(slot);
        Some(value)
    }

    /// Takes the value in `slot` out, if it has `stamp`, and keeps the slot: neither free nor
    /// filled until [`release`](Slab::release) frees it.
    pub(super) fn take(&mut self, slot: u32, stamp: u64) -> Option<T> {
        let entry = self.slot_mut(slot)?;
        let kept = entry.stamp;
        entry.value.take_if(|value| kept.of(value) == stamp)
    }

    /// Frees `slot` (filled, or emptied by [`take`](Slab::take)); returns its value with its
    /// stamp if it had one.
    pub(super) fn release(&mut self, slot: u32) -> Option<(u64, T)> {
        let entry = self.slot_mut(slot)?;
        let value = entry.value.take();
        let stamped = value.map(|value| (entry.stamp.of(&value), value));
        self.free.push(slot);
        stamped
    }

    /// Whether `slot` holds a value.
    pub(super) fn is_filled(&self, slot: u32) -> bool {
        self.slot(slot).is_some_and(|slot| slot.value.is_some())
    }

    /// The values and their stamps, in slot order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.chunks.iter().flatten().filter_map(|slot| {
            let value = slot.value.as_ref()?;
            Some((slot.stamp.of(value), value))
        })
    }

    /// Empties the slab; its values and their stamps, in slot order.
    pub(super) fn into_values(self) -> impl Iterator<Item = (u64, T)> {
        self.chunks.into_iter().flatten().filter_map(|slot| {
            let value = slot.value?;
            Some((slot.stamp.of(&value), value))
        })
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

    #[test]
    fn slots_past_the_first_chunk() {
        let mut slab = Slab::default();
        let count = CHUNK * 2 + 3;
        for n in 0..count as u64 {
            let (slot, _) = slab.vacant();
            assert_eq!(u64::from(slot), n);
            slab.fill(slot, n + 100, n);
        }
        assert_eq!(slab.chunks.len(), 3);
        assert!(slab.chunks.iter().take(2).all(|chunk| chunk.len() == CHUNK));
        let last = count as u32 - 1;
        assert_eq!(
            slab.get(last, u64::from(last) + 100),
            Some(&u64::from(last))
        );
        assert_eq!(
            slab.remove(CHUNK as u32, CHUNK as u64 + 100),
            Some(CHUNK as u64)
        );
        assert_eq!(slab.vacant(), (CHUNK as u32, CHUNK as u64 + 100));
        assert!(slab.get(count as u32, 0).is_none());
        assert_eq!(slab.iter().count(), count - 1);
    }

    #[test]
    fn carried_stamps_are_read_from_the_value() {
        #[derive(Debug, PartialEq)]
        struct Named(u64);
        impl Stamped for Named {
            fn stamp(&self) -> u64 {
                self.0
            }
        }

        let mut slab: Slab<Named, Carried> = Slab::default();
        let (a, _) = slab.vacant();
        slab.fill(a, 5, Named(5));
        assert_eq!(slab.get(a, 5), Some(&Named(5)));
        assert!(slab.get(a, 4).is_none());
        assert_eq!(slab.remove(a, 5), Some(Named(5)));
        // Reused by a value with another stamp: the old key misses.
        let (b, _) = slab.vacant();
        assert_eq!(b, a);
        slab.fill(b, 6, Named(6));
        assert!(slab.get(a, 5).is_none() && slab.remove(a, 5).is_none());
        assert_eq!(slab.iter().collect::<Vec<_>>(), [(6, &Named(6))]);
        assert_eq!(std::mem::size_of::<Slot<Box<u8>, Carried>>(), 8);
        // A sleep's slot: its generation and a one-word waker.
        type SleepSlot = Slot<super::super::task::CompactWaker, u64>;
        assert_eq!(std::mem::size_of::<SleepSlot>(), 16);
    }
}
