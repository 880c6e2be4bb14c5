//! Small blocks kept for reuse on their thread, and [`LocalRc`], the counted handle built on them.
//!
//! A ping-pong between two tasks creates a `LoopFuture` per hop and drops it one hop later: with
//! the system allocator that was a sixth of a round trip's instructions (a `malloc` and a `free`
//! of the same size, each crossing the allocator's bookkeeping). Here a block freed on a thread
//! goes to that thread's list for its size class and the next allocation of the class takes it
//! back: a few loads and stores instead.
//!
//! Blocks of up to [`LARGEST`] bytes with an alignment of at most [`GRANULE`] are rounded up to a
//! multiple of [`GRANULE`] and always allocated with that rounded layout, so any block of a class
//! serves any type of the class. At most [`KEPT`] blocks are kept per class (the rest go back to
//! the system allocator), and a thread's blocks are freed when the thread exits. Larger or more
//! aligned types go straight to the system allocator.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::process;
use std::ptr::{self, NonNull};

/// Class granularity and the alignment of every kept block.
const GRANULE: usize = 16;
/// The largest block kept, in bytes.
const LARGEST: usize = 256;
const CLASSES: usize = LARGEST / GRANULE;
/// Blocks kept per class: bounds what a thread holds on to (at most 16 classes × 32 blocks,
/// 68 KiB if every class were full), while covering the few one-shots a task hands around.
const KEPT: u8 = 32;

/// A kept block: its first word links to the next one of its class.
struct FreeBlock {
    next: Option<NonNull<FreeBlock>>,
}

/// The free lists of one thread.
struct Kept {
    heads: [Cell<Option<NonNull<FreeBlock>>>; CLASSES],
    lens: [Cell<u8>; CLASSES],
}

thread_local! {
    static KEPT_BLOCKS: Kept = const {
        Kept {
            heads: [const { Cell::new(None) }; CLASSES],
            lens: [const { Cell::new(0) }; CLASSES],
        }
    };
}

impl Kept {
    fn take(&self, class: usize) -> Option<NonNull<u8>> {
        let block = self.heads[class].get()?;
        // SAFETY: a block in a list is a live allocation of the class that nothing else uses,
        // its first word written by `keep`.
        self.heads[class].set(unsafe { block.as_ref().next });
        self.lens[class].set(self.lens[class].get() - 1);
        Some(block.cast())
    }

    /// Keeps `block` (of `class`, unused); false if the class has enough already.
    fn keep(&self, class: usize, block: NonNull<u8>) -> bool {
        let len = self.lens[class].get();
        if len == KEPT {
            return false;
        }
        let block = block.cast::<FreeBlock>();
        // SAFETY: the caller gives up `block`, a live allocation of at least `GRANULE` bytes
        // aligned to `GRANULE`: room for the link.
        unsafe {
            block.as_ptr().write(FreeBlock {
                next: self.heads[class].get(),
            })
        };
        self.heads[class].set(Some(block));
        self.lens[class].set(len + 1);
        true
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        for class in 0..CLASSES {
            while let Some(block) = self.take(class) {
                // SAFETY: every kept block was allocated with its class's layout.
                unsafe { alloc::dealloc(block.as_ptr(), class_layout(class)) };
            }
        }
    }
}

/// The class of blocks that hold `layout`, if it is small enough to be kept.
const fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() == 0 || layout.size() > LARGEST || layout.align() > GRANULE {
        return None;
    }
    Some(layout.size().div_ceil(GRANULE) - 1)
}

const fn class_layout(class: usize) -> Layout {
    match Layout::from_size_align((class + 1) * GRANULE, GRANULE) {
        Ok(layout) => layout,
        Err(_) => panic!("class sizes are small multiples of the granule"),
    }
}

/// Where blocks for a `T` come from: its class, if it has one, and the layout every block for
/// it is allocated with (the class's, or `T`'s own). Constants, so that the fast paths of
/// [`allocate`] and [`release`] compute nothing.
struct BlockOf<T>(PhantomData<T>);

impl<T> BlockOf<T> {
    const CLASS: Option<usize> = class_of(Layout::new::<T>());
    const LAYOUT: Layout = match Self::CLASS {
        Some(class) => class_layout(class),
        None => Layout::new::<T>(),
    };
}

/// An uninitialised block for a `T`, kept or fresh. Aborts as `Box::new` does if the system
/// allocator fails.
fn allocate<T>() -> NonNull<T> {
    const { assert!(size_of::<T>() > 0) };
    if let Some(class) = BlockOf::<T>::CLASS {
        if let Ok(Some(block)) = KEPT_BLOCKS.try_with(|kept| kept.take(class)) {
            return block.cast();
        }
    }
    let layout = BlockOf::<T>::LAYOUT;
    // SAFETY: `layout` has a non-zero size (asserted above; a class is never empty).
    match NonNull::new(unsafe { alloc::alloc(layout) }) {
        Some(block) => block.cast(),
        None => alloc::handle_alloc_error(layout),
    }
}

/// Gives back a block from [`allocate::<T>`], whose value is gone.
///
/// # Safety
///
/// `block` came from `allocate::<T>()` and is not used afterwards.
unsafe fn release<T>(block: NonNull<T>) {
    let block = block.cast::<u8>();
    // After the thread's lists are gone (a handle dropped by another thread-local's destructor),
    // or when the class is full, or for a type outside the classes, the block goes back to the
    // system allocator.
    let kept = BlockOf::<T>::CLASS
        .is_some_and(|class| KEPT_BLOCKS.try_with(|kept| kept.keep(class, block)) == Ok(true));
    if !kept {
        // SAFETY: `allocate` used this layout for every block of a `T`.
        unsafe { alloc::dealloc(block.as_ptr(), BlockOf::<T>::LAYOUT) };
    }
}

/// A reference-counted handle, as `Rc` without weak handles, whose block is recycled on the
/// thread that drops the last handle (see the module's comment). `!Send` and `!Sync`, as `Rc`.
pub(super) struct LocalRc<T> {
    block: NonNull<Counted<T>>,
    owns: PhantomData<Counted<T>>,
}

struct Counted<T> {
    handles: Cell<usize>,
    value: T,
}

impl<T> LocalRc<T> {
    pub(super) fn new(value: T) -> Self {
        let block = allocate::<Counted<T>>();
        // SAFETY: `block` is a fresh allocation for a `Counted<T>`.
        unsafe {
            block.as_ptr().write(Counted {
                handles: Cell::new(1),
                value,
            })
        };
        LocalRc {
            block,
            owns: PhantomData,
        }
    }

    fn counted(&self) -> &Counted<T> {
        // SAFETY: the block holds a live `Counted<T>` while a handle exists.
        unsafe { self.block.as_ref() }
    }
}

/// The value never moves while handles exist, and a handle is only a pointer to it: as `Rc`.
impl<T> Unpin for LocalRc<T> {}

impl<T> Deref for LocalRc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.counted().value
    }
}

impl<T> Clone for LocalRc<T> {
    fn clone(&self) -> Self {
        let handles = &self.counted().handles;
        // As `Rc`: a count this high means handles were leaked in a loop; wrapping would free
        // the value under live handles.
        match handles.get().checked_add(1) {
            Some(count) => handles.set(count),
            None => process::abort(),
        }
        LocalRc {
            block: self.block,
            owns: PhantomData,
        }
    }
}

impl<T> Drop for LocalRc<T> {
    fn drop(&mut self) {
        let handles = &self.counted().handles;
        let left = handles.get() - 1;
        handles.set(left);
        if left == 0 {
            // SAFETY: this was the last handle: nothing else reads the value or the block. A
            // panic in the value's drop leaks the block, as `Rc` does.
            unsafe {
                ptr::drop_in_place(ptr::addr_of_mut!((*self.block.as_ptr()).value));
                release(self.block);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn a_freed_block_is_the_next_one_of_its_class() {
        let first = LocalRc::new([1u64; 3]);
        let address = first.block.cast::<u8>();
        drop(first);
        // Same class (32 bytes with the count), another type.
        let second = LocalRc::new((7u32, 8u64, 9u64));
        assert_eq!(second.block.cast::<u8>(), address);
        assert_eq!(*second, (7, 8, 9));
    }

    #[test]
    fn the_value_is_dropped_once_with_the_last_handle() {
        let witness = Rc::new(());
        let handle = LocalRc::new(Rc::clone(&witness));
        let other = handle.clone();
        assert_eq!(handle.block, other.block);
        drop(handle);
        assert_eq!(Rc::strong_count(&witness), 2);
        drop(other);
        assert_eq!(Rc::strong_count(&witness), 1);
    }

    #[test]
    fn classes_keep_a_bounded_number_of_blocks() {
        let handles: Vec<_> = (0..3 * KEPT as u64).map(LocalRc::new).collect();
        drop(handles);
        let class = class_of(Layout::new::<Counted<u64>>()).unwrap();
        assert_eq!(KEPT_BLOCKS.with(|kept| kept.lens[class].get()), KEPT);
        let again: Vec<_> = (0..3 * KEPT as u64).map(LocalRc::new).collect();
        assert!(again.iter().map(|handle| **handle).eq(0..3 * KEPT as u64));
        assert_eq!(KEPT_BLOCKS.with(|kept| kept.lens[class].get()), 0);
    }

    #[test]
    fn large_and_overaligned_values_use_the_system_allocator() {
        #[repr(align(64))]
        struct Aligned(u8);
        assert_eq!(class_of(Layout::new::<Counted<Aligned>>()), None);
        assert_eq!(class_of(Layout::new::<Counted<[u8; 300]>>()), None);
        let aligned = LocalRc::new(Aligned(5));
        assert_eq!(aligned.block.as_ptr() as usize % 64, 0);
        assert_eq!(aligned.0, 5);
        let large = LocalRc::new([3u8; 300]);
        assert!(large.iter().all(|&b| b == 3));
    }
}
