//! The loop's table of tasks: a slab, so that a wake finds its task by index.
//!
//! A task's waker carries the task's [`TaskKey`]: its id (unique within the loop, handed out in
//! creation order) and the slot it occupies. Stepping a woken task is an index into a vector and
//! an id compare, rather than a hash lookup at a random place of a table as large as the number
//! of tasks (that lookup was a cache miss per step, the largest cost of a step). Slots freed by
//! finished tasks are reused newest first, so the table stays as long as the most tasks that were
//! ever pending at once, and a busy loop keeps touching the same few slots.

use super::task::TaskRef;
use super::waker::{TaskId, TaskKey};

/// Every task of a loop that has not finished.
#[derive(Default)]
pub(super) struct TaskTable {
    slots: Vec<Slot>,
    /// Slots neither occupied nor reserved, the most recently freed last.
    free: Vec<u32>,
}

struct Slot {
    /// The id of the task in `task`, or of the last one (a stale wake names that id).
    id: TaskId,
    task: Option<TaskRef>,
}

impl TaskTable {
    /// A slot for a task about to be created: neither free nor occupied until
    /// [`insert`](TaskTable::insert) fills it.
    pub(super) fn reserve(&mut self) -> u32 {
        if let Some(slot) = self.free.pop() {
            return slot;
        }
        let slot = u32::try_from(self.slots.len()).expect("more than 2^32 pending tasks");
        self.slots.push(Slot {
            id: TaskId(u64::MAX),
            task: None,
        });
        slot
    }

    /// Puts `task` into the slot `key.slot`, which [`reserve`](TaskTable::reserve) returned.
    pub(super) fn insert(&mut self, key: TaskKey, task: TaskRef) {
        let slot = &mut self.slots[key.slot as usize];
        debug_assert!(slot.task.is_none(), "the slot was reserved");
        slot.id = key.id;
        slot.task = Some(task);
    }

    /// The task `key` names, if it has not finished.
    pub(super) fn get(&self, key: TaskKey) -> Option<&TaskRef> {
        let slot = self.slots.get(key.slot as usize)?;
        if slot.id != key.id {
            return None;
        }
        slot.task.as_ref()
    }

    /// Takes the task `key` names out of the table.
    pub(super) fn remove(&mut self, key: TaskKey) -> Option<TaskRef> {
        let slot = self.slots.get_mut(key.slot as usize)?;
        if slot.id != key.id {
            return None;
        }
        let task = slot.task.take()?;
        self.free.push(key.slot);
        Some(task)
    }

    /// The tasks, in creation order.
    pub(super) fn sorted(&self) -> Vec<TaskRef> {
        let mut tasks: Vec<(TaskId, &TaskRef)> = self
            .slots
            .iter()
            .filter_map(|slot| Some((slot.id, slot.task.as_ref()?)))
            .collect();
        tasks.sort_unstable_by_key(|(id, _)| *id);
        tasks.into_iter().map(|(_, task)| task.clone()).collect()
    }

    /// Empties the table; returns its tasks in creation order (moved out: no task is dropped
    /// here, while the table may be borrowed).
    pub(super) fn take_sorted(&mut self) -> Vec<TaskRef> {
        let mut tasks: Vec<(TaskId, TaskRef)> = std::mem::take(self)
            .slots
            .into_iter()
            .filter_map(|slot| Some((slot.id, slot.task?)))
            .collect();
        tasks.sort_unstable_by_key(|(id, _)| *id);
        tasks.into_iter().map(|(_, task)| task).collect()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.iter().filter(|slot| slot.task.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_stale_keys_miss() {
        let mut table = TaskTable::default();
        let a = TaskKey {
            id: TaskId(0),
            slot: table.reserve(),
        };
        let b = TaskKey {
            id: TaskId(1),
            slot: table.reserve(),
        };
        assert_ne!(a.slot, b.slot);
        assert!(table.get(a).is_none());
        assert_eq!(table.len(), 0);
        assert!(table.remove(a).is_none());
        // A freed slot comes back first.
        table.free.push(a.slot);
        let c = table.reserve();
        assert_eq!(c, a.slot);
        assert!(table.sorted().is_empty());
    }
}
