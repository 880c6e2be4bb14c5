//! Where is my coroutine? Every suspension point of a `#[coroutine]` knows its source location
//! at compile time; a suspended coroutine reports the chain of frames it is waiting through,
//! down to the innermost awaited thing (asyncio's `task.get_stack()`), without any cost until
//! someone asks: the state it already keeps says where it is.

use core::fmt;
use core::ops::DerefMut;
use core::pin::Pin;

/// A place in the source: a suspension point of a `#[coroutine]` fn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file, as `file!()` gives it.
    pub file: &'static str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// What a coroutine in the chain is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameState {
    /// Created, not resumed yet (asyncio: "created").
    Created,
    /// Suspended at this location.
    Suspended(Location),
    /// Being resumed (only seen from inside it).
    Running,
    /// Returned (asyncio: "done").
    Returned,
    /// A resume panicked; it can no longer run.
    Poisoned,
}

/// One level of a coroutine's chain of delegations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frame {
    /// A `#[coroutine]` fn.
    Coroutine {
        /// The function's name.
        function: &'static str,
        /// Where it is.
        state: FrameState,
    },
    /// Something else it waits for (a foreign future, a handwritten generator), by type.
    Foreign {
        /// `core::any::type_name` of its type.
        type_name: &'static str,
    },
}

impl fmt::Display for Frame {
    /// Reads like asyncio's repr: `compute() suspended at examples/print_sum.rs:7:5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Coroutine { function, state } => match state {
                FrameState::Created => write!(f, "{function}() created"),
                FrameState::Suspended(location) => {
                    write!(f, "{function}() suspended at {location}")
                }
                FrameState::Running => write!(f, "{function}() running"),
                FrameState::Returned => write!(f, "{function}() done"),
                FrameState::Poisoned => write!(f, "{function}() poisoned by a panic"),
            },
            Frame::Foreign { type_name } => write!(f, "<{type_name}>"),
        }
    }
}

/// A coroutine that can say where it is: every `#[coroutine]` fn returns one.
///
/// Reading the frames takes the coroutine pinned and by unique reference, as resuming it does:
/// the state it reads lives where the coroutine was pinned, and nothing can resume it while it is
/// being read. A [`Task`](crate::Task) reads its coroutine's frames for you.
///
/// ```
/// use coroutines::{Frame, FrameState, Stack};
/// use std::future::Future;
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
///
/// #[coroutines::coroutine]
/// fn inner() -> u32 {
///     yield_from!(std::future::pending::<()>());
///     1
/// }
///
/// #[coroutines::coroutine]
/// fn outer() -> u32 {
///     yield_from!(inner()) + 1
/// }
///
/// let mut future = pin!(outer());
/// assert!(matches!(
///     future.as_mut().stack()[0],
///     Frame::Coroutine { function: "outer", state: FrameState::Created }
/// ));
/// let _ = future.as_mut().poll(&mut Context::from_waker(Waker::noop()));
/// let stack = future.as_mut().stack();
/// assert_eq!(stack.len(), 3);
/// assert!(stack[0].to_string().starts_with("outer() suspended at "));
/// assert!(stack[1].to_string().starts_with("inner() suspended at "));
/// assert!(stack[2].to_string().contains("Pending"));
/// ```
///
/// Every `#[coroutine]` fn returns an `impl Stack`, so this trait also carries the warning for a
/// coroutine created and dropped without running (asyncio's "coroutine was never awaited").
#[must_use = "coroutine was never awaited: a coroutine runs only when awaited (`yield_from!`), wrapped in a task (`create_task`), run (`run_until_complete`), or resumed"]
pub trait Stack {
    /// Appends this coroutine's frame, then those of what it waits for.
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>);

    /// The chain of frames, outermost first.
    fn stack(self: Pin<&mut Self>) -> Vec<Frame> {
        let mut frames = Vec::new();
        self.push_frames(&mut frames);
        frames
    }

    /// The picture of this coroutine's state machine (`None` for a handwritten `Stack`).
    fn diagram(&self) -> Option<Diagram> {
        None
    }

    /// [`diagram`](Stack::diagram), when the type alone decides it (a `#[coroutine]`'s
    /// machine): a task then names its coroutine without keeping the name itself. Handwritten
    /// implementations keep the default.
    #[doc(hidden)]
    fn type_diagram() -> Option<Diagram>
    where
        Self: Sized,
    {
        None
    }
}

/// A `#[coroutine]`'s state machine, drawn: the states it can rest in between resumes (created,
/// each suspension point with its line, done) and the moves one resume can make between them.
/// The text is built at compile time; a program that never asks for it does not contain it.
///
/// ```
/// use coroutines::Stack;
///
/// #[coroutines::coroutine]
/// fn compute(x: u32, y: u32) -> u32 {
///     yield_from!(coroutines::sleep(1.0));
///     x + y
/// }
///
/// let diagram = compute(1, 2).diagram().unwrap();
/// assert_eq!(diagram.function, "compute");
/// assert!(diagram.mermaid.starts_with("stateDiagram-v2"));
/// assert!(diagram.dot.contains("created -> s"));
/// assert!(diagram.dot.contains("-> done"));
/// // `dot -Tsvg` renders `diagram.dot`; GitHub renders `diagram.mermaid` in a ```mermaid block.
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagram {
    /// The function's name.
    pub function: &'static str,
    /// Graphviz DOT (`digraph`).
    pub dot: &'static str,
    /// A Mermaid `stateDiagram-v2`.
    pub mermaid: &'static str,
}

impl<P> Stack for Pin<P>
where
    P: DerefMut<Target: Stack> + Unpin,
{
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>) {
        self.get_mut().as_mut().push_frames(frames);
    }

    fn diagram(&self) -> Option<Diagram> {
        (**self).diagram()
    }
}

impl<T: Stack + Unpin + ?Sized> Stack for &mut T {
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>) {
        Pin::new(&mut **self.get_mut()).push_frames(frames);
    }

    fn diagram(&self) -> Option<Diagram> {
        (**self).diagram()
    }
}

impl<T: Stack + Unpin + ?Sized> Stack for Box<T> {
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>) {
        Pin::new(&mut **self.get_mut()).push_frames(frames);
    }

    fn diagram(&self) -> Option<Diagram> {
        (**self).diagram()
    }
}
