//! A counting global allocator for test binaries, exact per test.
//!
//! Include it with `#[path = "common/meter.rs"] mod meter;` and install it with
//! `#[global_allocator] static ALLOCATOR: meter::Counting = meter::Counting;` (a test binary is its
//! own crate, so this replaces the allocator of that binary only).
//!
//! Every allocation is charged to the *group* of the thread that makes it, and every deallocation
//! is credited back to the group that made the block, whichever thread frees it: each block
//! carries its group in a small header in front of it. A test opens a group with
//! [`Meter::start`]; threads it spawns join the group with [`Meter::spawn`]. The test harness's
//! own threads, and tests running in parallel, allocate in other groups, so a group's live
//! count is exact: a test can check that it is back to its baseline to the byte.
//!
//! The header makes every block a little larger than it was asked to be; the counts are of what
//! was asked (`Layout::size`), which is what a program's data structures cost on any allocator.
//!
//! Under Miri the allocator is plain `System` and every group stays at zero: reading a header in
//! front of the pointer a caller gives back is outside what that pointer may access under Stacked
//! Borrows. Miri checks for leaks on its own, at the end of the run.
#![allow(dead_code)] // each test crate uses its own subset

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How many groups can be open over a test binary's life (group 0 is "not measured").
const GROUPS: usize = 256;

struct Counters {
    bytes: AtomicIsize,
    blocks: AtomicIsize,
}

static COUNTERS: [Counters; GROUPS] = [const {
    Counters {
        bytes: AtomicIsize::new(0),
        blocks: AtomicIsize::new(0),
    }
}; GROUPS];

static NEXT_GROUP: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    /// The group this thread's allocations are charged to. `const` and without a destructor, so
    /// reading it never allocates and works until the thread is gone.
    static GROUP: Cell<usize> = const { Cell::new(0) };
}

/// The header in front of every block: at least 16 bytes (so that the block keeps a 16-byte
/// alignment), or the block's alignment if that is larger.
fn header(layout: Layout) -> usize {
    layout.align().max(16)
}

/// The layout of the block with its header, or `None` if that does not fit in an `isize`.
fn with_header(layout: Layout) -> Option<Layout> {
    let header = header(layout);
    Layout::from_size_align(layout.size().checked_add(header)?, header).ok()
}

fn current_group() -> usize {
    GROUP.with(Cell::get)
}

fn charge(group: usize, bytes: isize, blocks: isize) {
    if group != 0 {
        COUNTERS[group].bytes.fetch_add(bytes, Ordering::Relaxed);
        COUNTERS[group].blocks.fetch_add(blocks, Ordering::Relaxed);
    }
}

/// `System`, with every block tagged with the group of the thread that allocates it.
pub struct Counting;

impl Counting {
    /// Writes the header of a fresh block and returns the pointer the caller gets.
    ///
    /// # Safety
    ///
    /// `base` is null or a block of `with_header(layout)` just returned by `System`.
    unsafe fn tag(base: *mut u8, layout: Layout) -> *mut u8 {
        if base.is_null() {
            return base;
        }
        let group = current_group();
        charge(group, layout.size() as isize, 1);
        // SAFETY: the block is at least `header(layout) >= 16` bytes longer than `layout.size()`
        // and aligned to at least 16, so a `usize` fits (aligned) at its start and the user's
        // part starts `header` bytes in, still inside the block.
        unsafe {
            base.cast::<usize>().write(group);
            base.add(header(layout))
        }
    }

    /// The start of the block behind `ptr`, and the group it was charged to.
    ///
    /// # Safety
    ///
    /// `ptr` was returned by this allocator for `layout`.
    unsafe fn untag(ptr: *mut u8, layout: Layout) -> (*mut u8, usize) {
        // SAFETY: `tag` returned `base + header(layout)` and wrote the group at `base`.
        unsafe {
            let base = ptr.sub(header(layout));
            (base, base.cast::<usize>().read())
        }
    }
}

// SAFETY: every method forwards to `System` with the layout grown by the header, and hands out
// pointers `header` bytes into the block, which keeps the caller's size and alignment: the
// header is a multiple of the alignment (both are powers of two, and it is at least the
// alignment).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if cfg!(miri) {
            // SAFETY: forwarded as is.
            return unsafe { System.alloc(layout) };
        }
        let Some(full) = with_header(layout) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `full` has a non-zero size (it includes the header); `tag` gets what `System`
        // returned for it.
        unsafe { Self::tag(System.alloc(full), layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if cfg!(miri) {
            // SAFETY: forwarded as is.
            return unsafe { System.alloc_zeroed(layout) };
        }
        let Some(full) = with_header(layout) else {
            return std::ptr::null_mut();
        };
        // SAFETY: as in `alloc`.
        unsafe { Self::tag(System.alloc_zeroed(full), layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if cfg!(miri) {
            // SAFETY: forwarded as is (`alloc` did the same).
            return unsafe { System.dealloc(ptr, layout) };
        }
        // SAFETY: the caller passes a block of ours with its layout, which `alloc` could extend.
        unsafe {
            let (base, group) = Self::untag(ptr, layout);
            charge(group, -(layout.size() as isize), -1);
            System.dealloc(base, with_header(layout).unwrap_unchecked());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if cfg!(miri) {
            // SAFETY: forwarded as is (`alloc` did the same).
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        let Some(new_full) = new_size
            .checked_add(header(layout))
            .and_then(|size| Layout::from_size_align(size, header(layout)).ok())
        else {
            return std::ptr::null_mut();
        };
        // SAFETY: the caller passes a block of ours with its layout; `System.realloc` keeps the
        // header (the block's first bytes) and the alignment, so the group stays where `untag`
        // looks for it, and the header's length only depends on the alignment.
        unsafe {
            let (base, group) = Self::untag(ptr, layout);
            let new_base = System.realloc(
                base,
                with_header(layout).unwrap_unchecked(),
                new_full.size(),
            );
            if new_base.is_null() {
                return new_base;
            }
            charge(group, new_size as isize - layout.size() as isize, 0);
            new_base.add(header(layout))
        }
    }
}

/// What a group holds at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Bytes asked for and not freed.
    pub bytes: isize,
    /// Blocks allocated and not freed.
    pub blocks: isize,
}

impl std::ops::Sub for Snapshot {
    type Output = Snapshot;
    fn sub(self, base: Snapshot) -> Snapshot {
        Snapshot {
            bytes: self.bytes - base.bytes,
            blocks: self.blocks - base.blocks,
        }
    }
}

impl Snapshot {
    /// Bytes and blocks per item, for `count` items.
    pub fn per(self, count: usize) -> PerItem {
        PerItem {
            bytes: self.bytes as f64 / count as f64,
            blocks: self.blocks as f64 / count as f64,
        }
    }
}

/// A [`Snapshot`] divided among items.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerItem {
    pub bytes: f64,
    pub blocks: f64,
}

impl fmt::Display for PerItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} bytes in {:.2} blocks", self.bytes, self.blocks)
    }
}

/// An open group, charged with what the current thread (and the threads spawned through it)
/// allocate; with a watchdog that ends the process if the test hangs (a lost wake-up would
/// otherwise hang the whole suite).
pub struct Meter {
    group: usize,
    previous: usize,
    done: Arc<AtomicBool>,
    watchdog: Option<JoinHandle<()>>,
}

impl Meter {
    /// Opens a group for the current thread. `name` and `limit` are for the watchdog.
    pub fn start(name: &'static str, limit: Duration) -> Meter {
        // The watchdog is spawned before the group opens: its allocations are not the test's.
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let watchdog = thread::spawn(move || {
            let start = Instant::now();
            while !flag.load(Ordering::Acquire) {
                let elapsed = start.elapsed();
                if elapsed >= limit {
                    eprintln!("{name}: still running after {limit:?}: a lost wake-up? aborting");
                    std::process::abort();
                }
                thread::park_timeout(limit - elapsed);
            }
        });
        // Also before: the first line a test writes to its captured output allocates the
        // capture buffer, which grows afterwards (by reallocation, charged to the group of the
        // block). Charged to no group, the test's output does not count as the test's memory.
        eprintln!("{name}: allocations counted from here");
        let group = NEXT_GROUP.fetch_add(1, Ordering::Relaxed);
        assert!(
            group < GROUPS,
            "more than {GROUPS} meters in one test binary"
        );
        let previous = GROUP.with(|cell| cell.replace(group));
        Meter {
            group,
            previous,
            done,
            watchdog: Some(watchdog),
        }
    }

    /// What the group holds now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            bytes: COUNTERS[self.group].bytes.load(Ordering::SeqCst),
            blocks: COUNTERS[self.group].blocks.load(Ordering::SeqCst),
        }
    }

    /// Spawns a thread whose allocations are charged to this group.
    pub fn spawn<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> JoinHandle<T> {
        let group = self.group;
        thread::spawn(move || {
            GROUP.with(|cell| cell.set(group));
            f()
        })
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        GROUP.with(|cell| cell.set(self.previous));
        self.done.store(true, Ordering::Release);
        if let Some(watchdog) = self.watchdog.take() {
            watchdog.thread().unpark();
            let _ = watchdog.join();
        }
    }
}
