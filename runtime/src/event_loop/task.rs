//! Tasks: asyncio's `Task`, a future the loop drives on its own, and the cancellation that
//! travels between them.
//!
//! A task is one allocation, its [`TaskCell`]: a [`Header`] followed by its future, held in
//! place. Its waker is no allocation of its own: a [`Waker`] of a task points to the task's
//! header, whose first part ([`Shared`]) is all a waker touches, from any thread (wakers must be
//! `Send` and `Sync`). The loop keeps every pending task in its table; the [`Task`] handle the
//! user gets is another reference to the same cell, typed by the output.
//!
//! Two reference counts keep the cell alive. The loop's thread holds [`TaskRef`]s (the table's,
//! the handles', a step's), counted in a plain `Cell`, as an `Rc` would; when the last goes, the
//! task's contents (its future or outcome, its name, its done callbacks, its joiner) are dropped
//! there, on the loop's thread, where they belong. The wakers, which may be on any thread, are
//! counted atomically, in a word of the task's own waker (see [`Shared`]), which also holds one
//! count for all the `TaskRef`s together; whoever takes that count to zero frees the block. So a
//! waker may outlive its task (waking it then is a stale wake that the loop's table ignores), and
//! never sees more of it than the `Shared` part.

use super::exception::ExceptionContext;
use super::waker::{Remote, TaskId, TaskKey, TaskWaker};
use super::{report, Inner};
use crate::stack::{Frame, FrameState, Stack};
use std::alloc::{self, Layout};
use std::any::Any;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ops::{Deref, DerefMut};
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::process;
use std::ptr::{self, NonNull};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// How a task or a [`LoopFuture`](super::LoopFuture) reports that it was cancelled: asyncio's
/// `CancelledError`.
///
/// Awaiting a cancelled task or future unwinds with a `CancelledError` payload (through
/// [`std::panic::resume_unwind`], which does not print anything). A task that such an unwind
/// reaches is itself cancelled, not panicked, just as a `CancelledError` propagating out of an
/// asyncio coroutine cancels its task. [`EventLoop::run_until_complete`](super::EventLoop::run_until_complete)
/// turns a cancelled main task into a panic with the message "Task was cancelled".
///
/// ```
/// use coroutines::{CancelledError, TaskError};
///
/// assert_eq!(CancelledError.to_string(), "Task was cancelled");
/// assert!(TaskError::Cancelled.is_cancelled());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CancelledError;

impl fmt::Display for CancelledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Task was cancelled")
    }
}

impl Error for CancelledError {}

/// Why a task has no value: it was cancelled, or it panicked.
///
/// What [`Task::result`] and [`Task::join`] return instead of unwinding, like tokio's
/// `JoinError`. Awaiting the [`Task`] itself unwinds instead, as `yield from task` raises in
/// asyncio.
///
/// ```
/// use coroutines::{EventLoop, TaskError};
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.ensure_future(async { panic!("boom") });
/// let outcome: Result<(), TaskError> = event_loop.run_until_complete(task.join());
/// let error = outcome.unwrap_err();
/// assert!(error.is_panic());
/// assert_eq!(error.panic_message(), Some("boom"));
/// ```
pub enum TaskError {
    /// The task was [cancelled](Task::cancel), or was destroyed by [closing](super::EventLoop::close)
    /// its loop.
    Cancelled,
    /// The task panicked; this is the payload.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl TaskError {
    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }

    /// The panic's message, if the task panicked with a string message.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskError::Panicked(payload) => super::exception::panic_message(&**payload),
            TaskError::Cancelled => None,
        }
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self {
            TaskError::Panicked(payload) => payload,
            TaskError::Cancelled => panic!("the task was cancelled, it did not panic"),
        }
    }

    /// Unwinds as awaiting the task would have: with the task's own panic payload, or with
    /// [`CancelledError`].
    pub fn resume(self) -> ! {
        match self {
            TaskError::Panicked(payload) => panic::resume_unwind(payload),
            TaskError::Cancelled => panic::resume_unwind(Box::new(CancelledError)),
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("Cancelled"),
            TaskError::Panicked(_) => f
                .debug_tuple("Panicked")
                .field(&self.panic_message().unwrap_or("<non-string payload>"))
                .finish(),
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => fmt::Display::fmt(&CancelledError, f),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(message) => write!(f, "task panicked: {message}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl Error for TaskError {}

thread_local! {
    /// How many cancellations are dropping futures on this thread right now.
    static CANCELLING: Cell<usize> = const { Cell::new(0) };
    /// Where `new_task` reads a new task's outermost frame.
    static SCRATCH: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Marks the drops that a cancellation performs.
///
/// asyncio cancels a task by cancelling the future it waits on (`Task._fut_waiter`); `wait_for`'s
/// timeout cancels its inner future the same way. Here cancelling drops the state machine at its
/// suspension point, and the [`Task`]s and [`LoopFuture`](super::LoopFuture)s it was awaiting are
/// dropped with it. Inside this scope, such a handle that is being awaited cancels what it awaits
/// when dropped; outside (a task finishing or panicking normally, a handle the user drops), it
/// just lets go, as dropping a reference does in asyncio.
pub(super) struct CancelScope(());

impl CancelScope {
    pub(super) fn enter() -> Self {
        CANCELLING.with(|depth| depth.set(depth.get() + 1));
        CancelScope(())
    }
}

impl Drop for CancelScope {
    fn drop(&mut self) {
        // `try_with`: the scope may end during thread teardown.
        let _ = CANCELLING.try_with(|depth| depth.set(depth.get() - 1));
    }
}

/// Whether the drop in progress is part of a cancellation.
pub(super) fn cancelling() -> bool {
    CANCELLING.try_with(Cell::get).unwrap_or(0) > 0
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TaskState {
    /// Waiting to be polled (scheduled or not).
    Pending,
    /// Being polled, or its future is being dropped: the future is borrowed.
    Busy,
    /// Finished with a value or a panic.
    Done,
    Cancelled,
}

/// A callback registered with `add_done_callback`.
pub(super) type DoneCallback = Box<dyn FnOnce(&TaskHandle)>;

/// The untyped part of a task, what the loop and [`TaskHandle`] use.
///
/// Every task has one, at the start of the same allocation as its future, so it is kept small:
/// what most tasks never use (a name, done callbacks, the top frame of a handwritten [`Stack`])
/// is in [`Extra`], allocated on first use.
///
/// Its fields other than `shared` are the loop thread's: they are dropped (see [`release`]) when
/// the last [`TaskRef`] goes, `shared` only when the block is freed (see [`dealloc`]). A field
/// with drop glue added here must be dropped in `release`.
pub(super) struct Header {
    shared: Shared,
    /// How many [`TaskRef`]s there are.
    local_refs: Cell<u32>,
    state: Cell<TaskState>,
    /// Facts that only the loop's thread reads and writes, kept in one byte of padding.
    flags: Flags,
    /// How the cell's stage is borrowed (see [`StageCell`]); in this byte of padding rather than
    /// beside the stage, where a `RefCell`'s flag would take a word.
    stage_borrow: Cell<u8>,
    /// The waker of whoever awaits the task's [`Task`] handle.
    joiner: Joiner,
    /// Where `create_task`/`ensure_future` was called, and the extras once there are any.
    extra: SiteOrExtra,
}

/// Yes-or-no facts about a task, one bit each of one byte (the header has room for one more
/// byte, not for three). Only the loop's thread reads and writes them.
struct Flags(Cell<u8>);

impl Flags {
    /// The task is in the ready queue, put there on the loop's thread (by its creation, or a wake
    /// there): later wakes before its step are redundant. Wakes from other threads have their
    /// own flag, an atomic one (see [`TaskWaker`]).
    const SCHEDULED: u8 = 1;
    /// `cancel()` was called while the task was busy; honoured when the poll returns.
    const CANCEL_REQUESTED: u8 = 1 << 1;
    /// The task's [`Task`] handle (there is one) was polled and is pending: someone awaits it,
    /// so a cancellation that drops it cancels the task. Kept here rather than in the handle,
    /// which it would make a word longer.
    const HANDLE_AWAITED: u8 = 1 << 2;

    const fn new(flags: u8) -> Self {
        Flags(Cell::new(flags))
    }

    fn get(&self, flag: u8) -> bool {
        self.0.get() & flag != 0
    }

    fn set(&self, flag: u8, on: bool) {
        let flags = self.0.get();
        self.0.set(if on { flags | flag } else { flags & !flag });
    }

    /// Sets `flag`; true if it was clear.
    fn raise(&self, flag: u8) -> bool {
        let flags = self.0.get();
        self.0.set(flags | flag);
        flags & flag == 0
    }
}

/// The part of a task that its wakers use, from any thread: nothing in it changes after the task
/// is created but atomics.
pub(super) struct Shared {
    /// The task's key, its flag for wakes from other threads and the block's count (one per
    /// waker, plus one for all the [`TaskRef`]s together while there is any), and the loop's
    /// mailbox.
    waker: TaskWaker,
    /// What the task's type knows.
    vtable: &'static TaskVTable,
}

// Wakers reach `Shared` from any thread: it must be `Sync` (and is, field by field).
const _: fn() = || {
    fn assert_sync<T: Sync>() {}
    assert_sync::<Shared>();
};

/// The functions of one task type (`TaskCell<F, K>`), for code that holds only a pointer to its
/// header.
struct TaskVTable {
    /// The task as the loop sees it.
    task: fn(NonNull<Header>) -> NonNull<dyn AnyTask>,
    /// The last [`TaskRef`] is gone: drops the contents, gives up the `TaskRef`s' count.
    release: unsafe fn(NonNull<Header>),
    /// The block's count reached zero: drops `shared` and frees the block.
    dealloc: unsafe fn(NonNull<Header>),
    /// The outermost frame as the task was created (see [`Top`]).
    top: fn(&Header) -> Top,
    /// [`TaskCell::take_outcome`], into `out`, which must point to an
    /// `Option<Result<F::Output, TaskError>>` of the task's own output type.
    take_outcome: unsafe fn(NonNull<Header>, out: NonNull<()>),
    /// [`TaskCell::with_output`], `f` given a pointer to an `F::Output`.
    with_output: unsafe fn(NonNull<Header>, f: &mut OutputWriter<'_>) -> fmt::Result,
}

/// What writes a task's output, given it untyped (see [`TaskVTable::with_output`]).
type OutputWriter<'a> = dyn FnMut(NonNull<()>) -> fmt::Result + 'a;

/// The outermost frame as the task was created: the coroutine's function, or the foreign
/// future's type. What the task reports while it is being polled and after it finished, when
/// its future cannot or can no longer be read. Known from the type for a `#[coroutine]` and
/// for a foreign future; read from the frames when the task is created otherwise (a
/// handwritten [`Stack`]), and then kept in [`Extra`]; the future's type name if it has none.
#[derive(Clone, Copy)]
pub(super) struct Top {
    name: &'static str,
    coroutine: bool,
}

impl Top {
    /// `frame` without its state.
    fn of(frame: &Frame) -> Top {
        match *frame {
            Frame::Coroutine { function, .. } => Top {
                name: function,
                coroutine: true,
            },
            Frame::Foreign { type_name } => Top {
                name: type_name,
                coroutine: false,
            },
        }
    }

    /// The frame in `state` (for a coroutine; a foreign future has no state).
    fn frame(self, state: FrameState) -> Frame {
        if self.coroutine {
            Frame::Coroutine {
                function: self.name,
                state,
            }
        } else {
            Frame::Foreign {
                type_name: self.name,
            }
        }
    }
}

/// The waker of every task: its data pointer is the task's header.
static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

/// The `Shared` part of the task whose header `data` points to.
///
/// # Safety
///
/// `data` points to the header of a task whose block is not freed for `'a` (the caller holds a
/// count of the block).
unsafe fn shared<'a>(data: *const ()) -> &'a Shared {
    // SAFETY: the caller guarantees the block is live. Only the `shared` field is referenced:
    // the rest of the header belongs to the loop's thread, and may be mutated or dropped there
    // meanwhile; `shared` is only read (its atomics aside) until the block is freed.
    unsafe { &*ptr::addr_of!((*data.cast::<Header>()).shared) }
}

/// The `TaskWaker` in the header of the task `waker` wakes, if it is a task's waker.
pub(super) fn waker_of(waker: &Waker) -> Option<&TaskWaker> {
    // SAFETY: a waker of this vtable has a task's header for data, and holds a count of its block
    // (or is lent by a step, which holds the task) while the borrow lasts.
    ptr::eq(waker.vtable(), &WAKER_VTABLE).then(|| &unsafe { shared(waker.data()) }.waker)
}

/// # Safety
///
/// As for every `RawWakerVTable` function: `data` comes from a waker of this vtable, which holds
/// a count of the block.
unsafe fn waker_clone(data: *const ()) -> RawWaker {
    // SAFETY: our waker holds a count, so the block is live.
    unsafe { shared(data) }.waker.acquire();
    RawWaker::new(data, &WAKER_VTABLE)
}

/// # Safety
///
/// As for [`waker_clone`]; consumes the waker's count.
unsafe fn waker_wake(data: *const ()) {
    // SAFETY: as our caller's.
    unsafe {
        waker_wake_by_ref(data);
        waker_drop(data);
    }
}

/// # Safety
///
/// As for [`waker_clone`].
unsafe fn waker_wake_by_ref(data: *const ()) {
    // SAFETY: our waker holds a count, so the block is live.
    unsafe { shared(data) }.waker.wake();
}

/// # Safety
///
/// As for [`waker_clone`]; consumes the waker's count.
unsafe fn waker_drop(data: *const ()) {
    // SAFETY: our waker's count keeps the block live until we give it up below, and the pointer
    // comes from the task's allocation (see `new_task`).
    unsafe { drop_shared_count(NonNull::new_unchecked(data.cast_mut().cast::<Header>())) }
}

/// Gives up one count of the block; frees the block if it was the last.
///
/// # Safety
///
/// The caller holds a count of the block for `header` and does not use `header` after this.
unsafe fn drop_shared_count(header: NonNull<Header>) {
    // SAFETY: the caller's count keeps the block live until the `fetch_sub`.
    let shared = unsafe { shared(header.as_ptr().cast_const().cast()) };
    let dealloc = shared.vtable.dealloc;
    if shared.waker.release() {
        // SAFETY: that was the last count: nobody else can reach the block any more.
        unsafe { dealloc(header) };
    }
}

/// A counted reference to a task, on its loop's thread (not `Send`): what an `Rc` of the task
/// would be, in one word.
pub(super) struct TaskRef {
    /// Points to the header at the start of the task's `TaskCell`, with the provenance of the
    /// whole allocation (it comes from `Box::leak`).
    header: NonNull<Header>,
}

impl TaskRef {
    /// The task's header (as `header()` through `Deref` would give, without the virtual call).
    pub(super) fn header(&self) -> &Header {
        // SAFETY: our count keeps the block and its contents alive while `self` is borrowed;
        // the header is only read through shared references (mutated through `Cell`s).
        unsafe { self.header.as_ref() }
    }

    /// Whether the two refer to the same task.
    pub(super) fn ptr_eq(&self, other: &TaskRef) -> bool {
        self.header == other.header
    }
}

impl Deref for TaskRef {
    type Target = dyn AnyTask;

    fn deref(&self) -> &(dyn AnyTask + 'static) {
        // SAFETY: our count keeps the block and its contents alive (a `TaskRef` is a local
        // reference: `release` has not run), for as long as `self` is borrowed. The header is
        // read through a shared reference only; the loop thread mutates it through `Cell`s.
        let vtable = unsafe { self.header.as_ref() }.shared.vtable;
        // SAFETY: as above; `task` casts the pointer back to the task's own type.
        unsafe { (vtable.task)(self.header).as_ref() }
    }
}

impl Clone for TaskRef {
    fn clone(&self) -> Self {
        let header = self.header();
        // As `Rc`: an overflow means leaked references, and wrapping would free a live task.
        let refs = header
            .local_refs
            .get()
            .checked_add(1)
            .unwrap_or_else(|| process::abort());
        header.local_refs.set(refs);
        TaskRef {
            header: self.header,
        }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        let header = self.header();
        let refs = header.local_refs.get() - 1;
        header.local_refs.set(refs);
        if refs == 0 {
            let release = header.shared.vtable.release;
            // SAFETY: that was the last `TaskRef`: nothing on this thread uses the contents any
            // more, and no other thread ever does. `header` is not used after this.
            unsafe { release(self.header) };
        }
    }
}

/// The parts of a task that few tasks use.
struct Extra {
    /// Where the task was created (see [`SiteOrExtra`]).
    created_at: &'static Location<'static>,
    /// Set by [`Task::set_name`]; otherwise the name comes from the top frame.
    name: Option<Box<str>>,
    done_callbacks: Vec<DoneCallback>,
    /// The top frame, when the task's type does not decide it.
    top: Option<Top>,
}

/// A word holding either a plain address, its low bit clear, or a box the word owns, marked by
/// its low bit: how [`Joiner`] and [`SiteOrExtra`] fit one of two things in a word. Every
/// address either holds is aligned to more than 1 (checked where they are made), so that bit is
/// free.
enum Marked<T> {
    Plain(NonNull<()>),
    Boxed(NonNull<T>),
}

impl<T> Marked<T> {
    const BOXED: usize = 1;

    /// The word for the address of a `P`.
    fn plain<P>(address: NonNull<P>) -> NonNull<()> {
        const { assert!(mem::align_of::<P>() > Marked::<T>::BOXED) };
        address.cast()
    }

    /// The word for `boxed`, which the word owns from now on.
    fn boxed(boxed: Box<T>) -> NonNull<()> {
        const { assert!(mem::align_of::<T>() > Marked::<T>::BOXED) };
        let marked = Box::into_raw(boxed).map_addr(|addr| addr | Self::BOXED);
        // SAFETY: a box's address, with a bit set: not null.
        unsafe { NonNull::new_unchecked(marked.cast()) }
    }

    /// What `word` (made by `plain` or `boxed`) holds.
    fn read(word: NonNull<()>) -> Self {
        let address = word.as_ptr();
        if address.addr() & Self::BOXED == 0 {
            Marked::Plain(word)
        } else {
            let unmarked = address.map_addr(|addr| addr & !Self::BOXED).cast::<T>();
            // SAFETY: the address of a box, not null.
            Marked::Boxed(unsafe { NonNull::new_unchecked(unmarked) })
        }
    }
}

/// A [`Waker`] in one word ([`Marked`]). Nearly always it is one of our task wakers, whose data
/// is the address of its task's header: the word is that address (and holds the waker's count).
/// Any other waker (a combinator's, another executor's) is boxed. Where a waker is kept for
/// every task or every timer (the one awaiting a task's handle, the one a `sleep` wakes), a
/// `Waker` would take two words.
pub(super) struct CompactWaker(NonNull<()>);

impl CompactWaker {
    pub(super) fn new(waker: Waker) -> Self {
        CompactWaker(if ptr::eq(waker.vtable(), &WAKER_VTABLE) {
            // Keeps the waker's count, which `into_waker` or `drop` gives back.
            let data = ManuallyDrop::new(waker).data().cast_mut();
            // SAFETY: our wakers' data is the address of a task's header.
            Marked::<Waker>::plain(unsafe { NonNull::new_unchecked(data.cast::<Header>()) })
        } else {
            Marked::boxed(Box::new(waker))
        })
    }

    /// Whether `waker` wakes the same task as this one (`Waker::will_wake`).
    pub(super) fn will_wake(&self, waker: &Waker) -> bool {
        match Marked::<Waker>::read(self.0) {
            Marked::Plain(data) => {
                ptr::eq(waker.vtable(), &WAKER_VTABLE) && ptr::eq(waker.data(), data.as_ptr())
            }
            // SAFETY: a boxed waker from `new`, which we own.
            Marked::Boxed(kept) => unsafe { kept.as_ref() }.will_wake(waker),
        }
    }

    pub(super) fn into_waker(self) -> Waker {
        let word = ManuallyDrop::new(self).0;
        match Marked::<Waker>::read(word) {
            // SAFETY: the data of one of our task wakers, whose count we kept (see `new`): this
            // gives it back to a waker.
            Marked::Plain(data) => unsafe {
                Waker::from_raw(RawWaker::new(data.as_ptr().cast_const(), &WAKER_VTABLE))
            },
            // SAFETY: a boxed waker from `new`, which we own.
            Marked::Boxed(waker) => *unsafe { Box::from_raw(waker.as_ptr()) },
        }
    }
}

impl Drop for CompactWaker {
    fn drop(&mut self) {
        drop(CompactWaker(self.0).into_waker());
    }
}

/// The waker of whoever awaits a task's [`Task`] handle.
struct Joiner(Cell<Option<CompactWaker>>);

impl Joiner {
    const fn new() -> Self {
        Joiner(Cell::new(None))
    }

    fn take(&self) -> Option<Waker> {
        self.0.take().map(CompactWaker::into_waker)
    }

    /// Makes `waker` the joiner, unless the one kept already wakes the same task (`will_wake`).
    fn register(&self, waker: &Waker) {
        let kept = self.0.take();
        if kept.as_ref().is_some_and(|kept| kept.will_wake(waker)) {
            self.0.set(kept);
            return;
        }
        // Dropped before the new one is made: a waker's drop and clone are foreign code, and
        // find the joiner empty meanwhile.
        drop(kept);
        self.0.set(Some(CompactWaker::new(waker.clone())));
    }
}

/// Where `create_task`/`ensure_future` was called (`#[track_caller]`, reported when the task is
/// destroyed pending or its panic is never retrieved), and the task's [`Extra`] once it has
/// one, in one word ([`Marked`]): the site's address until then, the box after, the site moved
/// into the box. Every task has one of these, few an `Extra`; a word less in each task's block
/// brings a small task under the allocator's size for its fast bins, which a task's block and
/// the next one's allocation then share without going back to the kernel.
///
/// Taken out while the extras are read or changed, as a `Cell` would be (no foreign code runs
/// meanwhile).
struct SiteOrExtra(Cell<NonNull<()>>);

impl SiteOrExtra {
    fn new(site: &'static Location<'static>) -> Self {
        SiteOrExtra(Cell::new(Marked::<Extra>::plain(NonNull::from(site))))
    }

    fn created_at(&self) -> &'static Location<'static> {
        match Marked::<Extra>::read(self.0.get()) {
            // SAFETY: the site's address (see `new` and `take`).
            Marked::Plain(site) => unsafe { site.cast::<Location<'static>>().as_ref() },
            // SAFETY: the box we own, which nothing else borrows: whoever changes the extras
            // takes them out first.
            Marked::Boxed(extra) => unsafe { extra.as_ref() }.created_at,
        }
    }

    /// The extras, if any; the word holds the site meanwhile.
    fn take(&self) -> Option<Box<Extra>> {
        let Marked::Boxed(extra) = Marked::<Extra>::read(self.0.get()) else {
            return None;
        };
        // SAFETY: the box from `set`, which we own: nothing else holds it.
        let extra = unsafe { Box::from_raw(extra.as_ptr()) };
        self.0
            .set(Marked::<Extra>::plain(NonNull::from(extra.created_at)));
        Some(extra)
    }

    /// The extras taken out with `take`, or new ones (`None`: none yet, and keep none).
    fn set(&self, extra: Option<Box<Extra>>) {
        if let Some(extra) = extra {
            self.0.set(Marked::boxed(extra));
        }
    }

    /// The extras taken out, or new ones holding the site.
    fn take_or_new(&self) -> Box<Extra> {
        self.take().unwrap_or_else(|| {
            Box::new(Extra {
                created_at: self.created_at(),
                name: None,
                done_callbacks: Vec::new(),
                top: None,
            })
        })
    }
}

impl Drop for SiteOrExtra {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl Header {
    /// Notes that a wake on the loop's thread queues the task; false if it is queued already.
    pub(super) fn mark_scheduled_here(&self) -> bool {
        self.flags.raise(Flags::SCHEDULED)
    }

    /// The task's loop, unless it is gone (or being dropped).
    pub(super) fn event_loop(&self) -> Option<Rc<Inner>> {
        // SAFETY: a `Header` is only ever borrowed on its loop's thread: through a `TaskRef`,
        // which is not `Send`; wakers, which may be elsewhere, reach only `Shared`.
        unsafe { self.shared.waker.remote().event_loop() }
    }

    pub(super) fn id(&self) -> TaskId {
        self.shared.waker.key().id
    }

    pub(super) fn done(&self) -> bool {
        matches!(self.state.get(), TaskState::Done | TaskState::Cancelled)
    }

    /// The task's key in its loop's task table.
    pub(super) fn key(&self) -> TaskKey {
        self.shared.waker.key()
    }

    /// The outermost frame as the task was created.
    pub(super) fn top(&self) -> Frame {
        self.top_as(FrameState::Created)
    }

    fn set_name(&self, name: String) {
        let mut extra = self.extra.take_or_new();
        extra.name = Some(name.into_boxed_str());
        self.extra.set(Some(extra));
    }

    pub(super) fn created_at(&self) -> &'static Location<'static> {
        self.extra.created_at()
    }

    /// asyncio's `task.get_name()`: the name given, else the coroutine's function, else `Task-N`.
    pub(super) fn name(&self) -> String {
        let extra = self.extra.take();
        let name = extra
            .as_ref()
            .and_then(|extra| extra.name.as_deref())
            .map(str::to_owned);
        self.extra.set(extra);
        if let Some(name) = name {
            return name;
        }
        let top = (self.shared.vtable.top)(self);
        if top.coroutine {
            top.name.to_owned()
        } else {
            format!("Task-{}", self.id().0)
        }
    }

    /// The outermost frame in `state` (for a coroutine; a foreign future has no state).
    fn top_as(&self, state: FrameState) -> Frame {
        (self.shared.vtable.top)(self).frame(state)
    }

    /// The top frame kept in the extras, if any.
    fn extra_top(&self) -> Option<Top> {
        let extra = self.extra.take();
        let top = extra.as_ref().and_then(|extra| extra.top);
        self.extra.set(extra);
        top
    }
}

/// A task's cell as the loop sees it.
pub(super) trait AnyTask {
    fn header(&self) -> &Header;
    /// Polls the future. `Ready(cancelled)`: it finished, the outcome is stored and the future
    /// dropped.
    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<bool>;
    /// Drops the future where it stands, if it is still there; the outcome is "cancelled".
    fn drop_future(&self);
    /// Appends the frames of the future, if it is still there and not being polled (then
    /// returns false and appends nothing). Polls nothing.
    fn push_frames(&self, frames: &mut Vec<Frame>) -> bool;
    /// How the task ended, in asyncio's repr words (`result=..`, `exception=..`), if it did and
    /// the outcome is still there. `None` when the output type cannot be shown.
    fn fmt_outcome(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// How a task reads its future's frames, decided by the constructor, which knows whether the
/// future is a [`Stack`] ([`create_task`](super::EventLoop::create_task)) or not
/// ([`ensure_future`](super::EventLoop::ensure_future)). Stable Rust cannot ask a generic type.
pub(super) trait FrameSource<F> {
    /// Whether the future is a coroutine (made by `create_task`).
    const COROUTINE: bool;
    fn push_frames(future: Pin<&mut F>, frames: &mut Vec<Frame>);
    /// The outermost frame, when the type says it without reading the frames: a
    /// `#[coroutine]`'s function (its diagram names it), a foreign future's type.
    fn type_top() -> Option<Top>;
}

/// The future is a coroutine: it says where it is.
pub(super) enum FromStack {}

/// Any other future: one [`Frame::Foreign`] with its type name.
pub(super) enum FromTypeName {}

impl<F: Stack> FrameSource<F> for FromStack {
    const COROUTINE: bool = true;
    fn push_frames(future: Pin<&mut F>, frames: &mut Vec<Frame>) {
        future.push_frames(frames);
    }
    fn type_top() -> Option<Top> {
        F::type_diagram().map(|diagram| Top {
            name: diagram.function,
            coroutine: true,
        })
    }
}

impl<F> FrameSource<F> for FromTypeName {
    const COROUTINE: bool = false;
    fn push_frames(_: Pin<&mut F>, frames: &mut Vec<Frame>) {
        frames.push(Frame::Foreign {
            type_name: std::any::type_name::<F>(),
        });
    }
    fn type_top() -> Option<Top> {
        Some(Top {
            name: std::any::type_name::<F>(),
            coroutine: false,
        })
    }
}

/// A task's cell as its typed [`Task`] handle sees it.
enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, TaskError>),
    /// The outcome was handed out.
    Taken,
}

/// A task's allocation. `repr(C)`, header first: a pointer to the header is a pointer to the
/// cell.
#[repr(C)]
struct TaskCell<F: Future, K> {
    header: Header,
    /// Borrowed as a `RefCell` would be, through [`TaskCell::stage`] and
    /// [`TaskCell::stage_mut`], with the flag in the header.
    stage: UnsafeCell<Stage<F>>,
    frames: PhantomData<fn() -> K>,
}

/// `Header::stage_borrow` when the stage is borrowed mutably; below it, the number of shared
/// borrows.
const STAGE_MUT: u8 = u8::MAX;

/// A borrow of a task's stage, shared (`MUTABLE` false) or not; gives the flag back when dropped.
struct StageCell<'a, F: Future, const MUTABLE: bool> {
    stage: &'a UnsafeCell<Stage<F>>,
    flag: &'a Cell<u8>,
}

impl<F: Future, const MUTABLE: bool> Deref for StageCell<'_, F, MUTABLE> {
    type Target = Stage<F>;

    fn deref(&self) -> &Stage<F> {
        // SAFETY: the flag records this borrow: no mutable one exists meanwhile.
        unsafe { &*self.stage.get() }
    }
}

impl<F: Future> DerefMut for StageCell<'_, F, true> {
    fn deref_mut(&mut self) -> &mut Stage<F> {
        // SAFETY: the flag records this borrow as the only one.
        unsafe { &mut *self.stage.get() }
    }
}

impl<F: Future, const MUTABLE: bool> Drop for StageCell<'_, F, MUTABLE> {
    fn drop(&mut self) {
        self.flag.set(if MUTABLE { 0 } else { self.flag.get() - 1 });
    }
}

impl<F: Future, K: FrameSource<F>> TaskCell<F, K> {
    /// The stage, once the task is done, unless it is borrowed mutably (`RefCell::try_borrow`).
    /// Never while it holds the future: a shared reference to a pinned future would invalidate
    /// the borrows the future holds of itself (an `async` block's locals), as Miri checks.
    fn stage(&self) -> Option<StageCell<'_, F, false>> {
        if !self.header.done() {
            return None;
        }
        let flag = &self.header.stage_borrow;
        // Shared borrows saturate below `STAGE_MUT`: one more is refused, not counted.
        if flag.get() >= STAGE_MUT - 1 {
            return None;
        }
        flag.set(flag.get() + 1);
        Some(StageCell {
            stage: &self.stage,
            flag,
        })
    }

    /// The stage, unless it is borrowed at all (`RefCell::try_borrow_mut`).
    fn stage_mut(&self) -> Option<StageCell<'_, F, true>> {
        let flag = &self.header.stage_borrow;
        if flag.get() != 0 {
            return None;
        }
        flag.set(STAGE_MUT);
        Some(StageCell {
            stage: &self.stage,
            flag,
        })
    }

    /// The stage, which nothing else may be borrowing (`RefCell::borrow_mut`).
    fn stage_mut_now(&self) -> StageCell<'_, F, true> {
        self.stage_mut()
            .expect("a task's stage is borrowed only within one of its own calls")
    }

    /// The future, pinned, if it is still there and not borrowed (being polled or dropped).
    fn with_future<R>(&self, f: impl FnOnce(Pin<&mut F>) -> R) -> Option<R> {
        let mut stage = self.stage_mut()?;
        let Stage::Running(future) = &mut *stage else {
            return None;
        };
        // SAFETY: as in `poll_future`: the future is pinned inside the task's allocation.
        Some(f(unsafe { Pin::new_unchecked(future) }))
    }
}

impl<F: Future, K: FrameSource<F>> AnyTask for TaskCell<F, K> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<bool> {
        let mut stage = self.stage_mut_now();
        let Stage::Running(future) = &mut *stage else {
            return Poll::Ready(matches!(*stage, Stage::Finished(Err(TaskError::Cancelled))));
        };
        // SAFETY: the future lives inside the allocation of this cell, which never moves,
        // and it is never moved out of it: it leaves `Stage::Running` only by being dropped in
        // place, when the stage is overwritten (here and in `drop_future`), or with the cell.
        let future = unsafe { Pin::new_unchecked(future) };
        // A panic is the task's outcome, like an exception stored in an asyncio `Task`. The
        // future is dropped right after, never polled again, so its state after the unwind is
        // not observed.
        let outcome = match panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            // Cancelled while it ran its last step: asyncio 3.7's `_step` too lets the
            // cancellation win over the result.
            Ok(Poll::Ready(_)) if self.header.flags.get(Flags::CANCEL_REQUESTED) => {
                Err(TaskError::Cancelled)
            }
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) if payload.is::<CancelledError>() => Err(TaskError::Cancelled),
            Err(payload) => Err(TaskError::Panicked(payload)),
        };
        let cancelled = matches!(outcome, Err(TaskError::Cancelled));
        *stage = Stage::Finished(outcome);
        Poll::Ready(cancelled)
    }

    fn drop_future(&self) {
        let mut stage = self.stage_mut_now();
        if let Stage::Running(_) = *stage {
            *stage = Stage::Finished(Err(TaskError::Cancelled));
        }
    }

    fn push_frames(&self, frames: &mut Vec<Frame>) -> bool {
        self.with_future(|future| K::push_frames(future, frames))
            .is_some()
    }

    fn fmt_outcome(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stage().as_deref() {
            Some(Stage::Finished(Err(TaskError::Panicked(payload)))) => {
                match super::exception::panic_message(&**payload) {
                    Some(message) => write!(f, " exception=panic({message:?})"),
                    None => f.write_str(" exception=panic(<non-string payload>)"),
                }
            }
            _ => Ok(()),
        }
    }
}

impl<F: Future + 'static, K: FrameSource<F> + 'static> TaskCell<F, K> {
    /// `None` while the task is pending. Takes a value or a panic out; a cancellation stays.
    fn take_outcome(&self) -> Option<Result<F::Output, TaskError>> {
        let Some(mut stage) = self.stage_mut() else {
            panic!("a task cannot await its own Task");
        };
        // By `&mut`, as a poll borrows it: a shared reference to the future, pinned and
        // perhaps borrowing from itself, would invalidate those borrows (see `stage`).
        match &mut *stage {
            Stage::Running(_) => None,
            Stage::Finished(Err(TaskError::Cancelled)) => Some(Err(TaskError::Cancelled)),
            Stage::Finished(_) => match mem::replace(&mut *stage, Stage::Taken) {
                Stage::Finished(outcome) => Some(outcome),
                _ => unreachable!(),
            },
            Stage::Taken => panic!("Task result was already retrieved"),
        }
    }

    /// Calls `f` with the task's output if it finished with one that was not taken yet.
    fn with_output(&self, f: &mut dyn FnMut(&F::Output) -> fmt::Result) -> fmt::Result {
        match self.stage().as_deref() {
            Some(Stage::Finished(Ok(output))) => f(output),
            _ => Ok(()),
        }
    }

    /// # Safety
    ///
    /// `header` is the header of a live `TaskCell<F, K>`, and `out` points to an
    /// `Option<Result<F::Output, TaskError>>`.
    unsafe fn take_outcome_into(header: NonNull<Header>, out: NonNull<()>) {
        // SAFETY: as the caller promised.
        let (cell, out) = unsafe {
            (
                header.cast::<Self>().as_ref(),
                out.cast::<Option<Result<F::Output, TaskError>>>().as_mut(),
            )
        };
        *out = cell.take_outcome();
    }

    /// # Safety
    ///
    /// `header` is the header of a live `TaskCell<F, K>`.
    unsafe fn with_output_erased(header: NonNull<Header>, f: &mut OutputWriter<'_>) -> fmt::Result {
        // SAFETY: as the caller promised.
        let cell = unsafe { header.cast::<Self>().as_ref() };
        cell.with_output(&mut |output| f(NonNull::from(output).cast()))
    }
}

impl<F: Future + 'static, K: FrameSource<F> + 'static> TaskCell<F, K> {
    const VTABLE: TaskVTable = TaskVTable {
        task: Self::task,
        release: release::<F, K>,
        dealloc: dealloc::<F, K>,
        top: Self::top,
        take_outcome: Self::take_outcome_into,
        with_output: Self::with_output_erased,
    };

    fn top(header: &Header) -> Top {
        K::type_top().or_else(|| header.extra_top()).unwrap_or(Top {
            name: std::any::type_name::<F>(),
            coroutine: false,
        })
    }

    fn task(header: NonNull<Header>) -> NonNull<dyn AnyTask> {
        header.cast::<Self>()
    }

    /// The last reference is gone: if nobody looked at the panic, nobody ever will. asyncio
    /// reports this from `Future.__del__`.
    fn report_unretrieved_panic(&self) {
        let mut stage = self.stage_mut_now();
        if let Stage::Finished(Err(TaskError::Panicked(_))) = &*stage {
            let Stage::Finished(Err(TaskError::Panicked(payload))) =
                mem::replace(&mut *stage, Stage::Taken)
            else {
                unreachable!()
            };
            // Not borrowed while the handler runs (it cannot reach this task, but may be slow).
            drop(stage);
            report(
                self.header.event_loop(),
                ExceptionContext::new("Task exception was never retrieved")
                    .with_panic(payload)
                    .with_task_id(self.header.id().0)
                    .with_task_repr(format!(
                        "<Task finished name='{}' coro={}>",
                        self.header.name(),
                        ReprFrame(self.header.top_as(FrameState::Returned))
                    ))
                    .with_created_at(self.header.created_at()),
            );
        }
    }
}

/// The last [`TaskRef`] of a `TaskCell<F, K>` is gone: drops what the loop's thread owns (all but
/// `shared`), then gives up the local share of the block's count.
///
/// # Safety
///
/// `header` is the header of a `TaskCell<F, K>`, with the allocation's provenance, whose last
/// `TaskRef` was just dropped, on the task's loop thread; `header` is not used after this.
unsafe fn release<F: Future + 'static, K: FrameSource<F> + 'static>(header: NonNull<Header>) {
    let cell = header.cast::<TaskCell<F, K>>();
    // SAFETY: the contents are still there (this is their one release), and no `TaskRef` is
    // left to use them meanwhile.
    unsafe { cell.as_ref() }.report_unretrieved_panic();
    let cell = cell.as_ptr();
    // SAFETY: each field is dropped once, here, on the loop's thread, and nothing reads them
    // again: no `TaskRef` is left, and wakers (on any thread) read only `shared`, a distinct
    // field, which stays until `dealloc`. The fields not dropped here have no drop glue but
    // `shared`.
    unsafe {
        // Nearly always the outcome was taken (by whoever awaited the task): nothing to drop, and
        // no call to the stage's drop glue.
        if !matches!(*(*cell).stage.get(), Stage::Taken) {
            ptr::drop_in_place(ptr::addr_of_mut!((*cell).stage));
        }
        ptr::drop_in_place(ptr::addr_of_mut!((*cell).header.joiner));
        ptr::drop_in_place(ptr::addr_of_mut!((*cell).header.extra));
    }
    // SAFETY: the `TaskRef`s together held one count, which is given up now; `header` is not
    // used after.
    unsafe { drop_shared_count(header) };
}

/// The last count of a `TaskCell<F, K>` is gone: drops `shared` and frees the block.
///
/// # Safety
///
/// `header` is the header of a `TaskCell<F, K>`, with the allocation's provenance, whose count
/// just reached zero (so `release` has run: its contents are dropped); any thread.
unsafe fn dealloc<F: Future + 'static, K: FrameSource<F> + 'static>(header: NonNull<Header>) {
    let cell = header.cast::<TaskCell<F, K>>().as_ptr();
    // SAFETY: nobody holds a count any more, so nobody can reach the block: `shared` is dropped
    // once, and the block was allocated by `Box::new` in `new_task`, with this layout (the
    // global allocator, `Layout::new::<TaskCell<F, K>>()`).
    unsafe {
        ptr::drop_in_place(ptr::addr_of_mut!((*cell).header.shared));
        alloc::dealloc(cell.cast::<u8>(), Layout::new::<TaskCell<F, K>>());
    }
}

/// Creates a task on `event_loop`; the caller puts the returned [`TaskRef`] in the loop's table
/// and schedules it. `K` says how to read the future's frames.
pub(super) fn new_task<F, K>(
    key: TaskKey,
    remote: Arc<Remote>,
    future: F,
    created_at: &'static Location<'static>,
) -> (Task<F::Output>, TaskRef)
where
    F: Future + 'static,
    F::Output: 'static,
    K: FrameSource<F> + 'static,
{
    let cell = Box::new(TaskCell::<F, K> {
        header: Header {
            shared: Shared {
                // The two `TaskRef`s returned share one count.
                waker: TaskWaker::new(key, remote, 1),
                vtable: &TaskCell::<F, K>::VTABLE,
            },
            local_refs: Cell::new(2),
            state: Cell::new(TaskState::Pending),
            // Queued by `spawn` as soon as it is in the table.
            flags: Flags::new(Flags::SCHEDULED),
            stage_borrow: Cell::new(0),
            joiner: Joiner::new(),
            extra: SiteOrExtra::new(created_at),
        },
        stage: UnsafeCell::new(Stage::Running(future)),
        frames: PhantomData,
    });
    // Freed by `dealloc`, once every `TaskRef` and every waker is gone.
    let header = NonNull::from(Box::leak(cell)).cast::<Header>();
    // SAFETY: just made; only shared references are made from now on.
    let cell = unsafe { header.cast::<TaskCell<F, K>>().as_ref() };
    // Unless the type says it (see `Top`), the outermost frame, read once now that the future is
    // pinned where it stays. A scratch buffer per thread: no allocation for the reading.
    if K::type_top().is_none() {
        let top = SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            scratch.clear();
            cell.with_future(|future| K::push_frames(future, &mut scratch));
            let top = scratch.first().map(Top::of);
            scratch.clear();
            top
        });
        if let Some(top) = top {
            let mut extra = cell.header.extra.take_or_new();
            extra.top = Some(top);
            cell.header.extra.set(Some(extra));
        }
    }
    (
        Task {
            task: TaskRef { header },
            output: PhantomData,
        },
        TaskRef { header },
    )
}

/// Runs one step of `task` (asyncio: `Task._step`). Returns true if the task is finished.
pub(super) fn step(task: &TaskRef) -> bool {
    let header = task.header();
    if header.state.get() != TaskState::Pending {
        // A wake that came in after the task finished.
        return header.done();
    }
    header.shared.waker.begin_poll();
    header.flags.set(Flags::SCHEDULED, false);
    header.state.set(TaskState::Busy);
    // SAFETY: the data pointer is the task's header, with the allocation's provenance, as the
    // vtable's functions require. The waker takes no count of its own: it is never dropped
    // (`ManuallyDrop`), so it never gives back the count it did not take, and the block outlives
    // it, since `task`, which this function borrows throughout, holds the local count. The
    // `Waker` is only lent out (`&Waker` in the `Context`); whoever keeps it clones it, which
    // takes a count of its own (`futures::task::waker_ref` lends its wakers the same way).
    let waker = ManuallyDrop::new(unsafe {
        Waker::from_raw(RawWaker::new(
            task.header.as_ptr().cast_const().cast::<()>(),
            &WAKER_VTABLE,
        ))
    });
    let poll = task.poll_future(&mut Context::from_waker(&waker));
    header.state.set(TaskState::Pending);
    match poll {
        Poll::Ready(cancelled) => complete(task, cancelled),
        Poll::Pending if header.flags.get(Flags::CANCEL_REQUESTED) => cancel_now(task),
        Poll::Pending => return false,
    }
    true
}

/// asyncio's `Task.cancel()`. See [`Task::cancel`].
fn cancel(task: &TaskRef) -> bool {
    let header = task.header();
    match header.state.get() {
        TaskState::Done | TaskState::Cancelled => false,
        // Its future is borrowed (the task cancels itself, or is being dropped): the step that
        // borrows it finishes the job.
        TaskState::Busy => {
            header.flags.set(Flags::CANCEL_REQUESTED, true);
            true
        }
        TaskState::Pending => {
            cancel_now(task);
            true
        }
    }
}

fn cancel_now(task: &TaskRef) {
    task.header().state.set(TaskState::Busy);
    {
        let _cancelling = CancelScope::enter();
        task.drop_future();
    }
    complete(task, true);
}

/// Drops a task that is still pending when its loop closes, reporting it as asyncio does when it
/// garbage-collects a pending task.
pub(super) fn destroy(task: &TaskRef, report: impl FnOnce(ExceptionContext)) {
    let header = task.header();
    if header.state.get() != TaskState::Pending {
        return;
    }
    report(
        ExceptionContext::new("Task was destroyed but it is pending!")
            .with_task_id(header.id().0)
            .with_task_repr(repr(&**task))
            .with_created_at(header.created_at())
            .with_stack(stack_of(&**task)),
    );
    header.state.set(TaskState::Busy);
    // Not a cancellation: the tasks it awaits are being destroyed too, each reported on its own.
    task.drop_future();
    complete(task, true);
}

/// The task has its outcome: wake its awaiter, schedule its done callbacks, leave the loop.
fn complete(task: &TaskRef, cancelled: bool) {
    let header = task.header();
    header.state.set(if cancelled {
        TaskState::Cancelled
    } else {
        TaskState::Done
    });
    if let Some(joiner) = header.joiner.take() {
        joiner.wake();
    }
    let mut extra = header.extra.take();
    let callbacks = match &mut extra {
        Some(extra) => mem::take(&mut extra.done_callbacks),
        None => Vec::new(),
    };
    header.extra.set(extra);
    if let Some(inner) = header.event_loop() {
        // Nearly always none: checked first, as an empty vector's by-value iterator still costs
        // a call to its destructor.
        if !callbacks.is_empty() {
            for callback in callbacks {
                inner.schedule_done_callback(task, callback);
            }
        }
        // Dropped after the table's borrow ends: it may be the last reference, whose drop may
        // report an unretrieved panic through user code.
        let removed = inner.tasks.borrow_mut().remove(header.key());
        drop(removed);
    }
}

fn add_done_callback(task: &TaskRef, callback: DoneCallback) {
    let header = task.header();
    if header.done() {
        // asyncio: a callback added to a done future is scheduled at once.
        if let Some(inner) = header.event_loop() {
            inner.schedule_done_callback(task, callback);
        }
    } else {
        let mut extra = header.extra.take_or_new();
        extra.done_callbacks.push(callback);
        header.extra.set(Some(extra));
    }
}

/// The task's frames, outermost first, without polling anything: asyncio's `get_stack()`.
/// Empty once the task is done; only the outermost frame, `Running`, while it is being polled.
pub(super) fn stack_of(task: &dyn AnyTask) -> Vec<Frame> {
    let header = task.header();
    let mut frames = Vec::new();
    match header.state.get() {
        TaskState::Done | TaskState::Cancelled => {}
        TaskState::Busy => frames.push(header.top_as(FrameState::Running)),
        TaskState::Pending => {
            if !task.push_frames(&mut frames) {
                frames.push(header.top_as(FrameState::Running));
            }
        }
    }
    frames
}

/// A frame as asyncio's repr shows a coroutine: `<compute() suspended at file.rs:7:5>`.
pub(super) struct ReprFrame(pub(super) Frame);

impl fmt::Display for ReprFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // A foreign frame's `Display` is already `<type>`.
            Frame::Foreign { .. } => write!(f, "{}", self.0),
            Frame::Coroutine { .. } => write!(f, "<{}>", self.0),
        }
    }
}

/// asyncio's `repr(task)`; `outcome` adds the typed `result=..` of a finished task.
fn fmt_repr(
    task: &dyn AnyTask,
    f: &mut fmt::Formatter<'_>,
    outcome: &mut dyn FnMut(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    let header = task.header();
    let name = header.name();
    match header.state.get() {
        TaskState::Done => {
            let coro = ReprFrame(header.top_as(FrameState::Returned));
            write!(f, "<Task finished name='{name}' coro={coro}")?;
            outcome(f)?;
            task.fmt_outcome(f)?;
        }
        TaskState::Cancelled => {
            let coro = ReprFrame(header.top_as(FrameState::Returned));
            write!(f, "<Task cancelled name='{name}' coro={coro}")?;
        }
        TaskState::Pending | TaskState::Busy => {
            let stack = stack_of(task);
            write!(f, "<Task pending name='{name}'")?;
            if let Some(&coro) = stack.first() {
                write!(f, " coro={}", ReprFrame(coro))?;
            }
            if let Some(&awaited) = stack.get(1) {
                write!(f, " wait_for={}", ReprFrame(awaited))?;
            }
        }
    }
    if header.event_loop().is_some_and(|inner| inner.debug.get()) {
        write!(f, " created at {}", header.created_at())?;
    }
    f.write_str(">")
}

/// [`fmt_repr`] as a string, for reports.
pub(super) fn repr(task: &dyn AnyTask) -> String {
    struct Repr<'a>(&'a dyn AnyTask);
    impl fmt::Display for Repr<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt_repr(self.0, f, &mut |_| Ok(()))
        }
    }
    Repr(task).to_string()
}

/// asyncio's `task.print_stack(file=out)`.
fn write_stack(task: &dyn AnyTask, out: &mut dyn io::Write) -> io::Result<()> {
    let stack = stack_of(task);
    writeln!(out, "Stack for {} (most recent call last):", repr(task))?;
    if stack.is_empty() {
        writeln!(out, "  No stack for {}", task.header().name())?;
    }
    for frame in stack {
        writeln!(out, "  {frame}")?;
    }
    Ok(())
}

/// A task as something else awaits it: its frames while pending, its outermost frame once done.
fn push_awaited_frames(task: &dyn AnyTask, frames: &mut Vec<Frame>) {
    let header = task.header();
    if header.done() {
        frames.push(header.top_as(FrameState::Returned));
    } else {
        frames.extend(stack_of(task));
    }
}

/// A coroutine scheduled to run on its own: asyncio's `Task`, from
/// [`EventLoop::create_task`](super::EventLoop::create_task) or [`create_task`](super::create_task).
///
/// The loop owns the task: it runs whether or not anyone awaits it, and dropping the `Task`
/// handle detaches it (it runs on, as in asyncio and tokio) — except during a cancellation, see
/// below. The handle can:
///
/// - be awaited (`yield_from!(task)`, or `yield_from!(&mut task)` to keep the handle), from any
///   coroutine of the loop, including the main one: that gives the task's output. If the task
///   panicked, awaiting it resumes that panic in the awaiter (asyncio re-raises the task's
///   exception); if it was cancelled, awaiting it unwinds with [`CancelledError`], which cancels
///   the awaiting task in turn. [`join`](Task::join) gives a `Result` instead of unwinding.
/// - [`cancel`](Task::cancel) the task: its state machine is dropped at its current suspension
///   point (its live locals are dropped, newest first), and whatever it was awaiting is cancelled
///   in turn.
/// - tell whether it is [`done`](Task::done) or [`cancelled`](Task::cancelled), and hand out its
///   [`result`](Task::result) once done.
/// - give a [`TaskHandle`], a clonable, untyped handle that can cancel the task from anywhere on
///   the loop's thread (a callback, another task).
///
/// A panic in a task is caught at the task boundary: the loop and the other tasks carry on. If
/// nobody retrieves it (by awaiting the task or asking for its result) before the last handle is
/// dropped, the loop's exception handler gets "Task exception was never retrieved".
///
/// ```
/// use coroutines::{sleep, EventLoop};
///
/// #[coroutines::coroutine]
/// fn double_later(x: u32) -> u32 {
///     yield_from!(sleep(0.01));
///     2 * x
/// }
///
/// #[coroutines::coroutine]
/// fn main_task() -> u32 {
///     let event_loop = coroutines::get_event_loop();
///     let task = event_loop.create_task(double_later(21));
///     let forever = event_loop.create_task(sleep(3600));
///     assert!(!task.done());
///     assert!(forever.cancel());
///     let result = yield_from!(task);
///     assert!(forever.done() && forever.cancelled());
///     result
/// }
///
/// assert_eq!(EventLoop::new().run_until_complete(main_task()), 42);
/// ```
///
/// When a task is cancelled, or a [`wait_for`](super::wait_for) times out, a `Task` handle that
/// the dropped code was awaiting cancels its task too: cancellation travels down a chain of
/// awaits, as in asyncio.
///
/// ```
/// use coroutines::{sleep, wait_for, EventLoop};
///
/// let event_loop = EventLoop::new();
/// let slow = event_loop.create_task(sleep(3600));
/// let handle = slow.handle();
/// assert!(event_loop.run_until_complete(wait_for(slow, 0.01)).is_err());
/// assert!(handle.cancelled());
/// ```
#[must_use = "a dropped `Task` runs on, detached; bind it (`let _task = ...`) to say so"]
pub struct Task<T> {
    /// The task's cell, untyped: one word, so a `Vec` of handles to a crowd of tasks is 8
    /// bytes a task. The typed access goes through the vtable in the header (`take_outcome`).
    task: TaskRef,
    /// The output type. Invariant, as the `dyn` of a typed vtable would make it.
    output: PhantomData<fn(T) -> T>,
}

impl<T> Task<T> {
    /// `None` while the task is pending. Takes a value or a panic out; a cancellation stays.
    fn take_outcome(&self) -> Option<Result<T, TaskError>> {
        let mut outcome = None;
        let take = self.task.header().shared.vtable.take_outcome;
        // SAFETY: a `Task<T>` is only made (by `new_task`) for a `TaskCell` whose output is
        // `T`, and our `TaskRef` keeps it alive.
        unsafe { take(self.task.header, NonNull::from(&mut outcome).cast()) };
        outcome
    }

    /// Calls `f` with the task's output if it finished with one that was not taken yet.
    fn with_output(&self, f: &mut dyn FnMut(&T) -> fmt::Result) -> fmt::Result {
        let with_output = self.task.header().shared.vtable.with_output;
        let mut typed = |output: NonNull<()>| {
            // SAFETY: the task's output is a `T` (see `take_outcome`), alive while `f` runs.
            f(unsafe { output.cast::<T>().as_ref() })
        };
        // SAFETY: our `TaskRef` keeps the task, whose vtable this is, alive.
        unsafe { with_output(self.task.header, &mut typed) }
    }

    /// The task's id, unique within its loop (what [`ExceptionContext::task_id`] reports).
    pub fn id(&self) -> u64 {
        self.task.header().id().0
    }

    /// The task's name: asyncio's `task.get_name()`. The name given with
    /// [`set_name`](Task::set_name) or [`with_name`](Task::with_name); by default the name of
    /// the coroutine's function (`print_sum` for `create_task(print_sum(1, 2))`), or `Task-N`
    /// (`N` its [`id`](Task::id)) for a future from [`ensure_future`](super::ensure_future).
    ///
    /// ```
    /// use coroutines::EventLoop;
    ///
    /// #[coroutines::coroutine]
    /// fn worker() {}
    ///
    /// let event_loop = EventLoop::new();
    /// assert_eq!(event_loop.create_task(worker()).get_name(), "worker");
    /// let other = event_loop.ensure_future(async {});
    /// assert_eq!(other.get_name(), format!("Task-{}", other.id()));
    /// ```
    pub fn get_name(&self) -> String {
        self.task.header().name()
    }

    /// Names the task: asyncio's `task.set_name(name)`. The name shows in its `Debug` output, in
    /// [`EventLoop::dump_tasks`](super::EventLoop::dump_tasks) and in reports.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(1));
    /// task.set_name("timer");
    /// assert_eq!(task.get_name(), "timer");
    /// # task.cancel();
    /// ```
    pub fn set_name(&self, name: impl Into<String>) {
        self.task.header().set_name(name.into());
    }

    /// The task's frames, outermost first, read without polling anything: asyncio's
    /// `task.get_stack()`.
    ///
    /// For a task made by [`create_task`](super::EventLoop::create_task), the chain of
    /// coroutines down to what the innermost one awaits (see [`Stack`]); for one made by
    /// [`ensure_future`](super::EventLoop::ensure_future), one [`Frame::Foreign`] with the
    /// future's type. Asked from inside the task while it runs, the outermost frame,
    /// [`FrameState::Running`]. Empty once the task is done, as in asyncio.
    ///
    /// ```
    /// use coroutines::{EventLoop, Frame, FrameState};
    ///
    /// #[coroutines::coroutine]
    /// fn nap() {
    ///     yield_from!(coroutines::sleep(3600));
    /// }
    ///
    /// let event_loop = EventLoop::new();
    /// let task = event_loop.create_task(nap());
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// let stack = task.get_stack();
    /// assert!(stack[0].to_string().starts_with("nap() suspended at "), "{stack:?}");
    /// assert!(matches!(stack[1], Frame::Foreign { type_name } if type_name.ends_with("Sleep")));
    /// task.cancel();
    /// assert!(task.get_stack().is_empty());
    /// ```
    pub fn get_stack(&self) -> Vec<Frame> {
        stack_of(&*self.task)
    }

    /// Prints the task's [stack](Task::get_stack) to stderr: asyncio's `task.print_stack()`.
    ///
    /// ```text
    /// Stack for <Task pending name='nap' coro=<nap() suspended at src/main.rs:3:5> wait_for=<coroutine_runtime::event_loop::sleep::Sleep>> (most recent call last):
    ///   nap() suspended at src/main.rs:3:5
    ///   <coroutine_runtime::event_loop::sleep::Sleep>
    /// ```
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(3600));
    /// task.print_stack();
    /// # task.cancel();
    /// ```
    pub fn print_stack(&self) {
        let _ = write_stack(&*self.task, &mut io::stderr().lock());
    }

    /// Writes what [`print_stack`](Task::print_stack) prints into `out`: asyncio's
    /// `task.print_stack(file=out)`.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(3600));
    /// let mut out = Vec::new();
    /// task.write_stack(&mut out).unwrap();
    /// let out = String::from_utf8(out).unwrap();
    /// assert!(out.starts_with("Stack for <Task pending name='Task-"), "{out}");
    /// assert!(out.ends_with("(most recent call last):\n  <coroutine_runtime::event_loop::sleep::Sleep>\n"), "{out}");
    /// # task.cancel();
    /// ```
    pub fn write_stack(&self, out: &mut impl io::Write) -> io::Result<()> {
        write_stack(&*self.task, out)
    }

    /// Where the task was created: the caller of [`create_task`](super::EventLoop::create_task)
    /// or [`ensure_future`](super::EventLoop::ensure_future) (asyncio records it in debug mode;
    /// here it is free, so it is always kept). Reports of a task destroyed while pending or of a
    /// panic never retrieved name it.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(0)); let line = line!();
    /// assert_eq!(task.created_at().line(), line);
    /// # task.cancel();
    /// ```
    pub fn created_at(&self) -> &'static Location<'static> {
        self.task.header().created_at()
    }

    /// Names the task and gives it back, for `let task = create_task(work()).with_name("w1");`.
    /// See [`set_name`](Task::set_name).
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(0)).with_name("tick");
    /// assert_eq!(task.get_name(), "tick");
    /// # task.cancel();
    /// ```
    pub fn with_name(self, name: impl Into<String>) -> Self {
        self.set_name(name);
        self
    }

    /// Whether the task has finished: returned, panicked, or was cancelled.
    pub fn done(&self) -> bool {
        self.task.header().done()
    }

    /// Whether the task was cancelled (or destroyed by closing its loop).
    pub fn cancelled(&self) -> bool {
        self.task.header().state.get() == TaskState::Cancelled
    }

    /// Cancels the task: asyncio's `task.cancel()`. Returns false if the task was already done.
    ///
    /// Unlike asyncio, which throws `CancelledError` into the coroutine at its next step, the
    /// task's state machine is dropped right away, at its current suspension point, so the task
    /// is [`cancelled`](Task::cancelled) when this returns. (A Rust future cannot catch a
    /// cancellation: cleanup goes in `Drop` impls, which run now.) The exception is a task that
    /// cancels itself while it runs: it is dropped as soon as its current step returns.
    ///
    /// Whatever the task was awaiting is cancelled too: a [`Task`] or
    /// [`LoopFuture`](super::LoopFuture) it awaited, a [`wait_for`](super::wait_for) it was in.
    ///
    /// ```
    /// use coroutines::{sleep, EventLoop};
    ///
    /// let event_loop = EventLoop::new();
    /// let task = event_loop.create_task(sleep(3600));
    /// assert!(task.cancel());
    /// assert!(task.cancelled());
    /// assert!(!task.cancel());
    /// ```
    pub fn cancel(&self) -> bool {
        cancel(&self.task)
    }

    /// An untyped handle to this task, to cancel it or check on it from elsewhere.
    pub fn handle(&self) -> TaskHandle {
        TaskHandle::from_task(&self.task)
    }

    /// The task's outcome, once it is done: asyncio's `task.result()`, with the exception
    /// returned rather than raised.
    ///
    /// ```
    /// use coroutines::EventLoop;
    ///
    /// let event_loop = EventLoop::new();
    /// let mut task = event_loop.ensure_future(async { 7 });
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// assert_eq!(task.result().unwrap(), 7);
    /// ```
    ///
    /// # Panics
    ///
    /// "Result is not ready." if the task is not done (asyncio's `InvalidStateError`), and "Task
    /// result was already retrieved" if its value or panic was handed out already (by this, or by
    /// awaiting the task).
    #[track_caller]
    pub fn result(&mut self) -> Result<T, TaskError> {
        match self.take_outcome() {
            Some(outcome) => outcome,
            None => panic!("Result is not ready."),
        }
    }

    /// A future of the task's outcome as a `Result`, never unwinding: what awaiting the task
    /// gives, with panics and cancellation as [`TaskError`]s. [`gather`](super::gather()) over
    /// joins is asyncio's `gather(..., return_exceptions=True)`.
    pub fn join(self) -> Join<T> {
        Join { task: self }
    }

    /// Schedules `callback` to run (with a handle to this task) once the task is done, or soon if
    /// it is done already: asyncio's `add_done_callback`. Callbacks run in the order added.
    pub fn add_done_callback(&self, callback: impl FnOnce(&TaskHandle) + 'static) {
        add_done_callback(&self.task, Box::new(callback));
    }

    fn poll_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>> {
        match self.take_outcome() {
            Some(outcome) => {
                self.task.header().flags.set(Flags::HANDLE_AWAITED, false);
                Poll::Ready(outcome)
            }
            None => {
                let header = self.task.header();
                header.joiner.register(cx.waker());
                header.flags.set(Flags::HANDLE_AWAITED, true);
                Poll::Pending
            }
        }
    }
}

/// Awaiting a task gives its output; see [`Task`] for panics and cancellation.
impl<T> Future for Task<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut().poll_outcome(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(output)) => Poll::Ready(output),
            Poll::Ready(Err(error)) => error.resume(),
        }
    }
}

/// Awaiting a task shows through it: the awaiter's stack goes on with the task's frames (or its
/// outermost frame, `done`, once it finished).
///
/// ```
/// use coroutines::{EventLoop, Stack};
///
/// #[coroutines::coroutine]
/// fn child() {
///     yield_from!(coroutines::sleep(3600));
/// }
///
/// #[coroutines::coroutine]
/// fn parent() {
///     let task = coroutines::create_task(child());
///     yield_from!(task);
/// }
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.create_task(parent());
/// event_loop.run_until_complete(coroutines::sleep(0.01));
/// let names: Vec<String> = task.get_stack().iter().map(|frame| frame.to_string()).collect();
/// assert!(names[0].starts_with("parent() suspended at"), "{names:?}");
/// assert!(names[1].starts_with("child() suspended at"), "{names:?}");
/// task.cancel();
/// ```
impl<T> Stack for Task<T> {
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>) {
        push_awaited_frames(&*self.task, frames);
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if self.task.header().flags.get(Flags::HANDLE_AWAITED) && cancelling() {
            cancel(&self.task);
        }
    }
}

/// Reads like asyncio's `repr(task)`, from the task's frames (nothing is polled):
///
/// - `<Task pending name='print_sum' coro=<print_sum() suspended at examples/print_sum.rs:32:18> wait_for=<compute() suspended at examples/print_sum.rs:25:5>>`
///   (`wait_for` is the next frame of [`get_stack`](Task::get_stack), what the coroutine awaits);
/// - `<Task finished name='compute' coro=<compute() done> result=3>` (the result while it has not
///   been taken out; a panic shows as `exception=panic("message")`);
/// - `<Task cancelled name='compute' coro=<compute() done>>`.
///
/// In [debug mode](super::EventLoop::set_debug) it ends with `created at file.rs:line:column`,
/// as asyncio's does. A [`TaskHandle`] does not know the output type: it never shows `result=`.
///
/// ```
/// use coroutines::EventLoop;
///
/// #[coroutines::coroutine]
/// fn answer() -> u32 {
///     yield_from!(coroutines::sleep(0));
///     42
/// }
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.create_task(answer());
/// let pending = format!("{task:?}");
/// assert!(pending.starts_with("<Task pending name='answer' coro=<answer() created>"), "{pending}");
/// event_loop.run_until_complete(coroutines::sleep(0.05));
/// assert_eq!(format!("{task:?}"), "<Task finished name='answer' coro=<answer() done> result=42>");
/// ```
impl<T: fmt::Debug> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_repr(&*self.task, f, &mut |f| {
            self.with_output(&mut |output| write!(f, " result={output:?}"))
        })
    }
}

/// The future returned by [`Task::join`]: the task's outcome as a `Result`.
///
/// Dropping it during a cancellation while it is awaited cancels the task, as dropping the
/// [`Task`] would.
///
/// ```
/// use coroutines::{EventLoop, TaskError};
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.create_task(coroutines::sleep(3600));
/// task.cancel();
/// let outcome = event_loop.run_until_complete(task.join());
/// assert!(matches!(outcome, Err(TaskError::Cancelled)));
/// ```
#[must_use = "futures do nothing unless awaited or polled"]
#[derive(Debug)]
pub struct Join<T> {
    task: Task<T>,
}

impl<T> Future for Join<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().task.poll_outcome(cx)
    }
}

/// As for [`Task`]: the awaited task's frames.
impl<T> Stack for Join<T> {
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>) {
        push_awaited_frames(&*self.task.task, frames);
    }
}

/// A clonable, untyped handle to a task: cancel it and check on it, but not its output.
///
/// ```
/// use coroutines::{sleep, EventLoop};
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.create_task(sleep(3600));
/// let handle = task.handle();
/// event_loop.call_later(0.01, move || {
///     handle.cancel();
/// });
/// let outcome = event_loop.run_until_complete(task.join());
/// assert!(outcome.unwrap_err().is_cancelled());
/// ```
#[derive(Clone)]
pub struct TaskHandle {
    task: TaskRef,
}

impl TaskHandle {
    /// The task's id, unique within its loop.
    pub fn id(&self) -> u64 {
        self.task.header().id().0
    }

    /// The task's name: asyncio's `task.get_name()`. The name given with
    /// [`set_name`](TaskHandle::set_name) or [`with_name`](Task::with_name); by default the name of
    /// the coroutine's function (`print_sum` for `create_task(print_sum(1, 2))`), or `Task-N`
    /// (`N` its [`id`](TaskHandle::id)) for a future from [`ensure_future`](super::ensure_future).
    ///
    /// ```
    /// use coroutines::EventLoop;
    ///
    /// #[coroutines::coroutine]
    /// fn worker() {}
    ///
    /// let event_loop = EventLoop::new();
    /// assert_eq!(event_loop.create_task(worker()).handle().get_name(), "worker");
    /// let other = event_loop.ensure_future(async {}).handle();
    /// assert_eq!(other.get_name(), format!("Task-{}", other.id()));
    /// ```
    pub fn get_name(&self) -> String {
        self.task.header().name()
    }

    /// Names the task: asyncio's `task.set_name(name)`. The name shows in its `Debug` output, in
    /// [`EventLoop::dump_tasks`](super::EventLoop::dump_tasks) and in reports.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(1)).handle();
    /// task.set_name("timer");
    /// assert_eq!(task.get_name(), "timer");
    /// # task.cancel();
    /// ```
    pub fn set_name(&self, name: impl Into<String>) {
        self.task.header().set_name(name.into());
    }

    /// The task's frames, outermost first, read without polling anything: asyncio's
    /// `task.get_stack()`.
    ///
    /// For a task made by [`create_task`](super::EventLoop::create_task), the chain of
    /// coroutines down to what the innermost one awaits (see [`Stack`]); for one made by
    /// [`ensure_future`](super::EventLoop::ensure_future), one [`Frame::Foreign`] with the
    /// future's type. Asked from inside the task while it runs, the outermost frame,
    /// [`FrameState::Running`]. Empty once the task is done, as in asyncio.
    ///
    /// ```
    /// use coroutines::{EventLoop, Frame, FrameState};
    ///
    /// #[coroutines::coroutine]
    /// fn nap() {
    ///     yield_from!(coroutines::sleep(3600));
    /// }
    ///
    /// let event_loop = EventLoop::new();
    /// let task = event_loop.create_task(nap()).handle();
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// let stack = task.get_stack();
    /// assert!(stack[0].to_string().starts_with("nap() suspended at "), "{stack:?}");
    /// assert!(matches!(stack[1], Frame::Foreign { type_name } if type_name.ends_with("Sleep")));
    /// task.cancel();
    /// assert!(task.get_stack().is_empty());
    /// ```
    pub fn get_stack(&self) -> Vec<Frame> {
        stack_of(&*self.task)
    }

    /// Prints the task's [stack](TaskHandle::get_stack) to stderr: asyncio's `task.print_stack()`.
    ///
    /// ```text
    /// Stack for <Task pending name='nap' coro=<nap() suspended at src/main.rs:3:5> wait_for=<coroutine_runtime::event_loop::sleep::Sleep>> (most recent call last):
    ///   nap() suspended at src/main.rs:3:5
    ///   <coroutine_runtime::event_loop::sleep::Sleep>
    /// ```
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(3600)).handle();
    /// task.print_stack();
    /// # task.cancel();
    /// ```
    pub fn print_stack(&self) {
        let _ = write_stack(&*self.task, &mut io::stderr().lock());
    }

    /// Writes what [`print_stack`](TaskHandle::print_stack) prints into `out`: asyncio's
    /// `task.print_stack(file=out)`.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(3600)).handle();
    /// let mut out = Vec::new();
    /// task.write_stack(&mut out).unwrap();
    /// let out = String::from_utf8(out).unwrap();
    /// assert!(out.starts_with("Stack for <Task pending name='Task-"), "{out}");
    /// assert!(out.ends_with("(most recent call last):\n  <coroutine_runtime::event_loop::sleep::Sleep>\n"), "{out}");
    /// # task.cancel();
    /// ```
    pub fn write_stack(&self, out: &mut impl io::Write) -> io::Result<()> {
        write_stack(&*self.task, out)
    }

    /// Where the task was created: the caller of [`create_task`](super::EventLoop::create_task)
    /// or [`ensure_future`](super::EventLoop::ensure_future) (asyncio records it in debug mode;
    /// here it is free, so it is always kept). Reports of a task destroyed while pending or of a
    /// panic never retrieved name it.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(0)).handle(); let line = line!();
    /// assert_eq!(task.created_at().line(), line);
    /// # task.cancel();
    /// ```
    pub fn created_at(&self) -> &'static Location<'static> {
        self.task.header().created_at()
    }

    /// Whether the task has finished: returned, panicked, or was cancelled.
    pub fn done(&self) -> bool {
        self.task.header().done()
    }

    /// Whether the task was cancelled (or destroyed by closing its loop).
    pub fn cancelled(&self) -> bool {
        self.task.header().state.get() == TaskState::Cancelled
    }

    /// Cancels the task, as [`Task::cancel`] does. Returns false if it was already done.
    pub fn cancel(&self) -> bool {
        cancel(&self.task)
    }

    /// Schedules `callback` to run once the task is done, as [`Task::add_done_callback`] does.
    pub fn add_done_callback(&self, callback: impl FnOnce(&TaskHandle) + 'static) {
        add_done_callback(&self.task, Box::new(callback));
    }

    pub(super) fn from_task(task: &TaskRef) -> Self {
        TaskHandle { task: task.clone() }
    }
}

/// Handles are equal when they refer to the same task.
impl PartialEq for TaskHandle {
    fn eq(&self, other: &Self) -> bool {
        self.task.ptr_eq(&other.task)
    }
}

impl Eq for TaskHandle {}

/// asyncio's `repr(task)`, as for [`Task`], without the result (a handle does not know its type).
impl fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_repr(&*self.task, f, &mut |_| Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every task carries a header, so it is kept small; this guards against growing it by
    /// accident (it was 120 bytes, with a separate `Arc` waker of 48 more; then 104, with the
    /// waker's part 40 of them; 88 since the top frame's name comes from the vtable; 64 since
    /// the loop is reached through `Remote`, the creation site shares a word with the extras,
    /// the joiner is one word and the stage's borrow flag one byte of padding; 56 since the
    /// block's count and the scheduled flag share a 32-bit word).
    #[test]
    fn header_size() {
        assert_eq!(mem::size_of::<Shared>(), 32);
        assert!(
            mem::size_of::<Header>() <= 56,
            "{}",
            mem::size_of::<Header>()
        );
        // The stage adds no word of its own (its borrow flag is in the header): a task whose
        // stage is 64 bytes (the runtime bench's timer, a coroutine awaiting a `sleep` with an
        // `Instant` and an `Rc` kept across it) is a 120-byte block, which glibc's allocator
        // serves from its fast bins (up to 120 requested bytes on 64-bit targets).
        type Fut = std::future::Ready<[u64; 7]>;
        assert_eq!(
            mem::size_of::<TaskCell<Fut, ()>>(),
            mem::size_of::<Header>() + mem::size_of::<Stage<Fut>>()
        );
    }

    /// A program may keep many handles (a vector of tasks to await): a pointer, no more (the
    /// typed view is in the header's vtable, the borrow flag in its padding).
    #[test]
    fn handle_size() {
        assert_eq!(mem::size_of::<Task<u64>>(), 8);
        assert_eq!(mem::size_of::<Option<Task<String>>>(), 8);
    }
}
