//! The loop's table of tasks: a [`Slab`] stamped with task ids, so that a wake finds its task by
//! index.
//!
//! A task's waker carries the task's [`TaskKey`]: its id (unique within the loop, handed out in
//! creation order) and the slot it occupies. Stepping a woken task is an index into a vector and
//! an id compare, rather than a hash lookup at a random place of a table as large as the number
//! of tasks (that lookup was a cache miss per step, the largest cost of a step). A stale wake,
//! of a task that finished and whose slot went to another, finds another id and is dropped.

use super::slab::{Carried, Slab, Stamped};
use super::task::TaskRef;
use super::waker::TaskKey;

/// Every task of a loop that has not finished.
#[derive(Default)]
pub(super) struct TaskTable {
    slab: Slab<TaskRef, Carried>,
}

/// A task's stamp is its id, in its header: the table's slot need not keep it.
impl Stamped for TaskRef {
    fn stamp(&self) -> u64 {
        self.header().id().0
    }
}

impl TaskTable {
    /// A slot for a task about to be created: neither free nor occupied until
    /// [`insert`](TaskTable::insert) fills it.
    pub(super) fn reserve(&mut self) -> u32 {
        self.slab.vacant().0
    }

    /// Puts `task` into the slot `key.slot`, which [`reserve`](TaskTable::reserve) returned.
    pub(super) fn insert(&mut self, key: TaskKey, task: TaskRef) {
        self.slab.fill(key.slot, key.id.0, task);
    }

    /// The task `key` names, if it has not finished.
    pub(super) fn get(&self, key: TaskKey) -> Option<&TaskRef> {
        self.slab.get(key.slot, key.id.0)
    }

    /// Takes the task `key` names out of the table.
    pub(super) fn remove(&mut self, key: TaskKey) -> Option<TaskRef> {
        self.slab.remove(key.slot, key.id.0)
    }

    /// The tasks, in creation order.
    pub(super) fn sorted(&self) -> Vec<TaskRef> {
        let mut tasks: Vec<(u64, &TaskRef)> = self.slab.iter().collect();
        tasks.sort_unstable_by_key(|(id, _)| *id);
        tasks.into_iter().map(|(_, task)| task.clone()).collect()
    }

    /// Empties the table; returns its tasks in creation order (moved out: no task is dropped
    /// here, while the table may be borrowed).
    pub(super) fn take_sorted(&mut self) -> Vec<TaskRef> {
        let mut tasks: Vec<(u64, TaskRef)> = std::mem::take(&mut self.slab).into_values().collect();
        tasks.sort_unstable_by_key(|(id, _)| *id);
        tasks.into_iter().map(|(_, task)| task).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_loop::waker::TaskId;

    #[test]
    fn a_reserved_slot_holds_no_task_until_inserted() {
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
        assert!(table.remove(a).is_none());
        assert!(table.sorted().is_empty());
        assert!(table.take_sorted().is_empty());
    }
}
