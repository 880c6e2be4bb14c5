//! What the loop reports instead of raising: asyncio's exception handler and its context.

use crate::stack::Frame;
use std::any::Any;
use std::fmt;
use std::panic::Location;

/// What went wrong, as passed to the loop's exception handler: asyncio's `context` dict.
///
/// The loop reports, through [`EventLoop::call_exception_handler`](super::EventLoop::call_exception_handler),
/// what it cannot hand to anyone:
///
/// - "Task was destroyed but it is pending!": the loop was closed (or dropped) while a task was
///   still pending; the task's future is dropped right after the report.
/// - "Task exception was never retrieved": a task panicked and every handle to it was dropped
///   without awaiting it or asking for its [`result`](super::Task::result). `panic` holds the
///   payload.
/// - "Exception in callback": a callback (`call_soon`, `call_later`, a done callback...) panicked.
///   `panic` holds the payload.
///
/// ```
/// use coroutines::ExceptionContext;
///
/// let context = ExceptionContext::new("something odd").with_panic(Box::new("details"));
/// assert_eq!(context.message(), "something odd");
/// assert_eq!(context.panic_message(), Some("details"));
/// assert_eq!(context.task_id(), None);
/// ```
pub struct ExceptionContext {
    message: String,
    panic: Option<Box<dyn Any + Send>>,
    task_id: Option<u64>,
    task: Option<String>,
    created_at: Option<&'static Location<'static>>,
    stack: Vec<Frame>,
}

impl ExceptionContext {
    /// A context with just a message.
    pub fn new(message: impl Into<String>) -> Self {
        ExceptionContext {
            message: message.into(),
            panic: None,
            task_id: None,
            task: None,
            created_at: None,
            stack: Vec::new(),
        }
    }

    /// Adds a panic payload (asyncio: the `exception` key).
    #[must_use]
    pub fn with_panic(mut self, payload: Box<dyn Any + Send>) -> Self {
        self.panic = Some(payload);
        self
    }

    /// Adds the [`id`](super::Task::id) of the task concerned (asyncio: the `task` key).
    #[must_use]
    pub fn with_task_id(mut self, id: u64) -> Self {
        self.task_id = Some(id);
        self
    }

    /// Adds the task concerned as its `Debug` shows it (asyncio: the task's repr in the log).
    #[must_use]
    pub fn with_task_repr(mut self, repr: impl Into<String>) -> Self {
        self.task = Some(repr.into());
        self
    }

    /// Adds where the task concerned was created (asyncio's `source_traceback`, kept by
    /// `#[track_caller]`).
    #[must_use]
    pub fn with_created_at(mut self, location: &'static Location<'static>) -> Self {
        self.created_at = Some(location);
        self
    }

    /// Adds frames: the stack of the task concerned, or the suspension site a slow step was
    /// resumed from.
    #[must_use]
    pub fn with_stack(mut self, stack: Vec<Frame>) -> Self {
        self.stack = stack;
        self
    }

    /// What happened, in asyncio's words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The panic payload, if a panic is what happened.
    pub fn panic(&self) -> Option<&(dyn Any + Send)> {
        self.panic.as_deref()
    }

    /// The panic's message, if there is a panic and its payload is a string (as it is for
    /// `panic!("...")`).
    pub fn panic_message(&self) -> Option<&str> {
        self.panic().and_then(panic_message)
    }

    /// The id of the task concerned, if any.
    pub fn task_id(&self) -> Option<u64> {
        self.task_id
    }

    /// The task concerned, as its `Debug` reads (`<Task pending name='worker' coro=<...>>`), if
    /// any.
    pub fn task_repr(&self) -> Option<&str> {
        self.task.as_deref()
    }

    /// Where the task concerned was created, if a task is concerned.
    ///
    /// ```
    /// use coroutines::EventLoop;
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let lines = Rc::new(RefCell::new(Vec::new()));
    /// let sink = lines.clone();
    /// event_loop.set_exception_handler(move |_, context| {
    ///     sink.borrow_mut().push(context.created_at().map(|at| at.line()));
    /// });
    /// let _task = event_loop.create_task(coroutines::sleep(3600)); let line = line!();
    /// event_loop.close(); // destroys the pending task: reported with where it was created
    /// assert_eq!(*lines.borrow(), [Some(line)]);
    /// ```
    pub fn created_at(&self) -> Option<&'static Location<'static>> {
        self.created_at
    }

    /// Frames that say where: the stack of a task destroyed while pending (outermost first), or
    /// the frames a slow step was resumed from. Empty if there are none.
    pub fn stack(&self) -> &[Frame] {
        &self.stack
    }

    /// Takes the panic payload out (to resume it, say).
    pub fn take_panic(&mut self) -> Option<Box<dyn Any + Send>> {
        self.panic.take()
    }
}

impl fmt::Debug for ExceptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExceptionContext")
            .field("message", &self.message)
            .field("panic", &self.panic.as_ref().map(|_| self.panic_message()))
            .field("task_id", &self.task_id)
            .field("task", &self.task)
            .field("created_at", &self.created_at)
            .field("stack", &self.stack)
            .finish()
    }
}

/// What asyncio's default handler logs, as one block of text.
impl fmt::Display for ExceptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (&self.task, self.task_id) {
            (Some(task), _) => write!(f, "\ntask: {task}")?,
            (None, Some(id)) => write!(f, "\ntask: Task #{id}")?,
            (None, None) => {}
        }
        if let Some(location) = self.created_at {
            write!(f, "\ncreated at {location}")?;
        }
        if !self.stack.is_empty() {
            f.write_str("\nstack (most recent call last):")?;
            for frame in &self.stack {
                write!(f, "\n  {frame}")?;
            }
        }
        match (self.panic.is_some(), self.panic_message()) {
            (true, Some(message)) => write!(f, "\npanic: {message}")?,
            (true, None) => f.write_str("\npanic: <non-string payload>")?,
            (false, _) => {}
        }
        Ok(())
    }
}

/// The message of a panic payload: `panic!` with a literal or a format string.
pub(super) fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// The default handler's output: stderr, as asyncio's logger does by default.
pub(super) fn print_default(context: &ExceptionContext) {
    eprintln!("coroutines: {context}");
}
