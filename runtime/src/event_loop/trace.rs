//! Trace mode: a run recorded as a sequence diagram.
//!
//! The loop reads each traced task's frames after every step and compares them with what it read
//! after the previous one: a frame that appeared is a call (`yield_from!`), one that vanished
//! returned. Its own events go in between: timers registered and fired, wakers called, tasks
//! created and finished. Nothing of this runs unless a trace was started: the loop checks one
//! flag.

use super::waker::TaskId;
use crate::stack::{Frame, FrameState};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// A run of an [`EventLoop`](super::EventLoop) recorded as a sequence diagram, from
/// [`EventLoop::start_trace`](super::EventLoop::start_trace) to
/// [`EventLoop::take_trace`](super::EventLoop::take_trace).
///
/// The lifelines are the event loop, each task, and each frame of each task's stack (a
/// coroutine, `sleep()`, a foreign future by its type); the messages are the loop stepping a
/// task, the task resuming its coroutine chain, calls (a frame appears: `yield_from!`) and
/// returns (a frame disappears), the timers that `sleep` registers with the loop and their
/// firing, wakers waking tasks, and tasks finishing. [`mermaid`](Trace::mermaid) renders it as a
/// Mermaid `sequenceDiagram`, and `Display` as plain text, one message a line.
///
/// What a trace cannot show: values (a return is "return", without the value), and what
/// happens within one step without suspending (a sub-coroutine that returns before its first
/// suspension is never seen). The main future of
/// [`run_until_complete`](super::EventLoop::run_until_complete) is not traced (it can be any
/// future): give it a task, `run_until_complete(create_task(main()))`.
///
/// ```
/// use coroutines::EventLoop;
///
/// #[coroutines::coroutine]
/// fn compute(x: i32, y: i32) -> i32 {
///     yield_from!(coroutines::sleep(0.01));
///     x + y
/// }
///
/// #[coroutines::coroutine]
/// fn print_sum(x: i32, y: i32) {
///     let result = yield_from!(compute(x, y));
///     println!("{x} + {y} = {result}");
/// }
///
/// let event_loop = EventLoop::new();
/// event_loop.start_trace();
/// event_loop.run_until_complete(event_loop.create_task(print_sum(1, 2)));
/// let trace = event_loop.take_trace().unwrap();
/// let text = trace.to_string();
/// assert!(text.contains("print_sum() -> compute(): yield_from!(compute())"), "{text}");
/// assert!(text.contains("compute() -> sleep(): yield_from!(sleep())"), "{text}");
/// assert!(text.contains("sleep() -> Event loop: call_later(0.010 s)"), "{text}");
/// assert!(trace.mermaid().starts_with("sequenceDiagram\n"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Trace {
    participants: Vec<String>,
    messages: Vec<Message>,
}

#[derive(Clone, Debug)]
struct Message {
    from: usize,
    to: usize,
    text: String,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Call,
    Reply,
    Note,
}

impl Trace {
    /// The diagram as a Mermaid `sequenceDiagram` (renders on GitHub, in `mdbook`, with
    /// `mmdc`).
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// event_loop.start_trace();
    /// event_loop.run_until_complete(event_loop.create_task(coroutines::sleep(0)));
    /// let diagram = event_loop.take_trace().unwrap().mermaid();
    /// assert!(diagram.starts_with("sequenceDiagram\n    participant p0 as Event loop\n"), "{diagram}");
    /// ```
    pub fn mermaid(&self) -> String {
        let mut out = String::from("sequenceDiagram\n");
        for (index, name) in self.participants.iter().enumerate() {
            out.push_str(&format!(
                "    participant p{index} as {}\n",
                mermaid_text(name)
            ));
        }
        for message in &self.messages {
            let text = mermaid_text(&message.text);
            let line = match message.kind {
                Kind::Call => format!("p{}->>p{}: {text}", message.from, message.to),
                Kind::Reply => format!("p{}-->>p{}: {text}", message.from, message.to),
                Kind::Note => format!("Note over p{}: {text}", message.from),
            };
            out.push_str("    ");
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// How many messages the trace holds.
    ///
    /// ```
    /// assert_eq!(coroutines::Trace::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether the trace holds no message.
    ///
    /// ```
    /// assert!(coroutines::Trace::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

/// Mermaid takes `;` and `#` as syntax, and angle brackets as HTML.
fn mermaid_text(text: &str) -> String {
    text.replace(';', ",")
        .replace('#', "no. ")
        .replace('<', "‹")
        .replace('>', "›")
}

/// Plain text, one message a line: `from -> to: text` for a call, `from --> to: text` for a
/// reply, `note over who: text`.
impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for message in &self.messages {
            let from = &self.participants[message.from];
            let to = &self.participants[message.to];
            match message.kind {
                Kind::Call => writeln!(f, "{from} -> {to}: {}", message.text)?,
                Kind::Reply => writeln!(f, "{from} --> {to}: {}", message.text)?,
                Kind::Note => writeln!(f, "note over {from}: {}", message.text)?,
            }
        }
        Ok(())
    }
}

/// A lifeline, as the recorder tells them apart.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Key {
    Loop,
    Task(TaskId),
    /// A frame of a task: its label (one lifeline per function or type within a task).
    Frame(TaskId, Label),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Label {
    Function(&'static str),
    Type(&'static str),
}

impl Label {
    fn of(frame: &Frame) -> Label {
        match *frame {
            Frame::Coroutine { function, .. } => Label::Function(function),
            Frame::Foreign { type_name } => Label::Type(type_name),
        }
    }

    fn name(self) -> String {
        match self {
            Label::Function(function) => format!("{function}()"),
            Label::Type(type_name) => short_type_name(type_name),
        }
    }
}

/// `coroutine_runtime::event_loop::sleep::Sleep` → `sleep()`; others by their last path
/// segment, without generics.
fn short_type_name(type_name: &str) -> String {
    if type_name == std::any::type_name::<super::Sleep>() {
        return "sleep()".to_owned();
    }
    let base = type_name.split('<').next().unwrap_or(type_name);
    match base.rsplit("::").next() {
        Some("{{closure}}") => "async block".to_owned(),
        Some(last) if !last.is_empty() => last.to_owned(),
        _ => type_name.to_owned(),
    }
}

/// What the loop records while a trace runs.
#[derive(Default)]
pub(super) struct Recorder {
    trace: Trace,
    lifelines: HashMap<Key, usize>,
    /// Each traced task's frames after its last step.
    frames: HashMap<TaskId, Vec<Frame>>,
    names: HashMap<TaskId, String>,
    /// Each traced task's outermost frame, as created.
    tops: HashMap<TaskId, Frame>,
    /// The task being stepped, and the timers it registered during the step (attributed to its
    /// innermost frame once the step is over and the frames are read).
    stepping: Option<TaskId>,
    timers_added: Vec<(usize, Duration)>,
    /// Timers by the address of their entry: who registered them, and the delay.
    timers: HashMap<usize, (Key, Duration)>,
    /// The lifeline of the timer being fired: the waker it calls wakes "from" there.
    firing: Option<Key>,
}

impl Recorder {
    pub(super) fn finish(self) -> Trace {
        self.trace
    }

    fn lifeline(&mut self, key: Key) -> usize {
        if let Some(&index) = self.lifelines.get(&key) {
            return index;
        }
        let name = match key {
            Key::Loop => "Event loop".to_owned(),
            Key::Task(id) => format!("Task {}", self.task_name(id)),
            Key::Frame(id, label) => {
                let name = label.name();
                // One task's compute() is not another's: the second gets its task's name.
                if self.trace.participants.contains(&name) {
                    format!("{name} in {}", self.task_name(id))
                } else {
                    name
                }
            }
        };
        let index = self.trace.participants.len();
        self.trace.participants.push(name);
        self.lifelines.insert(key, index);
        index
    }

    fn task_name(&self, id: TaskId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("Task-{}", id.0))
    }

    fn push(&mut self, from: Key, to: Key, kind: Kind, text: impl Into<String>) {
        let from = self.lifeline(from);
        let to = self.lifeline(to);
        self.trace.messages.push(Message {
            from,
            to,
            text: text.into(),
            kind,
        });
    }

    fn note(&mut self, over: Key, text: impl Into<String>) {
        self.push(over, over, Kind::Note, text);
    }

    /// Who is acting now: the task being stepped, or the loop.
    fn current(&self) -> Key {
        self.stepping.map_or(Key::Loop, Key::Task)
    }

    pub(super) fn task_created(&mut self, id: TaskId, name: String, top: Frame, coroutine: bool) {
        self.names.insert(id, name);
        self.tops.insert(id, top);
        self.frames.insert(id, Vec::new());
        let what = if coroutine {
            format!("create_task({})", Label::of(&top).name())
        } else {
            format!("ensure_future({})", Label::of(&top).name())
        };
        self.push(self.current(), Key::Task(id), Kind::Call, what);
    }

    /// The loop is about to step task `id`; `before` is what its frames were.
    pub(super) fn step_begins(&mut self, id: TaskId) {
        let Some(before) = self.frames.get(&id).cloned() else {
            return;
        };
        self.push(Key::Loop, Key::Task(id), Kind::Call, "step");
        let mut caller = Key::Task(id);
        if before.is_empty() {
            // Not started: the task starts the outermost coroutine (its frame appears after).
            self.stepping = Some(id);
            return;
        }
        for frame in &before {
            let callee = Key::Frame(id, Label::of(frame));
            self.push(caller, callee, Kind::Call, "resume");
            caller = callee;
        }
        self.stepping = Some(id);
    }

    /// The step of task `id` is over: `after` are its frames now (`None`: it finished).
    pub(super) fn step_ends(&mut self, id: TaskId, after: Option<Vec<Frame>>) {
        self.stepping = None;
        let Some(before) = self.frames.get(&id).cloned() else {
            return;
        };
        let after_frames = after.clone().unwrap_or_default();
        // The frames both have, outermost first, suspended where they were: resumed and
        // suspended again at the same place.
        let kept = before
            .iter()
            .zip(&after_frames)
            .take_while(|(old, new)| old == new)
            .count();
        let kept = if after.is_none() { 0 } else { kept };
        // The frames that vanished returned, innermost first.
        for depth in (kept..before.len()).rev() {
            let from = Key::Frame(id, Label::of(&before[depth]));
            let to = match depth {
                0 => Key::Task(id),
                _ => Key::Frame(id, Label::of(&before[depth - 1])),
            };
            self.push(from, to, Kind::Reply, "return");
        }
        // The frames that appeared were called, outermost first.
        for depth in kept..after_frames.len() {
            let callee = Key::Frame(id, Label::of(&after_frames[depth]));
            if depth == 0 {
                self.push(Key::Task(id), callee, Kind::Call, "start");
            } else {
                let caller = Key::Frame(id, Label::of(&after_frames[depth - 1]));
                let text = format!("yield_from!({})", Label::of(&after_frames[depth]).name());
                self.push(caller, callee, Kind::Call, text);
            }
        }
        // What the step did at the loop: timers registered by the innermost frame.
        let innermost = after_frames
            .last()
            .map_or(Key::Task(id), |frame| Key::Frame(id, Label::of(frame)));
        for (timer, delay) in std::mem::take(&mut self.timers_added) {
            self.push(
                innermost,
                Key::Loop,
                Kind::Call,
                format!("call_later({:.3} s)", delay.as_secs_f64()),
            );
            self.timers.insert(timer, (innermost, delay));
        }
        match after {
            Some(frames) => {
                let site = frames.iter().rev().find_map(|frame| match frame {
                    Frame::Coroutine {
                        state: FrameState::Suspended(location),
                        ..
                    } => Some(location),
                    _ => None,
                });
                let text = match site {
                    Some(site) => format!("Pending: suspended at {site}"),
                    None => "Pending".to_owned(),
                };
                self.push(innermost, Key::Task(id), Kind::Reply, text);
                self.push(Key::Task(id), Key::Loop, Kind::Reply, "suspended");
                self.frames.insert(id, frames);
            }
            None => {
                if before.is_empty() {
                    // Started and finished in one step: only its outermost frame is known.
                    if let Some(top) = self.tops.get(&id) {
                        let top = Key::Frame(id, Label::of(top));
                        self.push(Key::Task(id), top, Kind::Call, "start");
                        self.push(top, Key::Task(id), Kind::Reply, "return");
                    }
                }
                self.tops.remove(&id);
                self.push(Key::Task(id), Key::Loop, Kind::Reply, "done");
                self.frames.remove(&id);
            }
        }
    }

    /// A task step registered a timer with the loop (`sleep`).
    pub(super) fn timer_added(&mut self, timer: usize, delay: Duration) {
        if self.stepping.is_some() {
            self.timers_added.push((timer, delay));
        }
    }

    /// The loop fires a timer; wakes until [`timer_fired_end`](Recorder::timer_fired_end) come
    /// from it.
    pub(super) fn timer_fires(&mut self, timer: usize) {
        if let Some((key, delay)) = self.timers.remove(&timer) {
            self.push(
                Key::Loop,
                key,
                Kind::Call,
                format!(
                    "timer fired ({:.3} s later): wake the waker",
                    delay.as_secs_f64()
                ),
            );
            self.firing = Some(key);
        }
    }

    pub(super) fn timer_fired_end(&mut self) {
        self.firing = None;
    }

    /// A waker scheduled task `id`.
    pub(super) fn woken(&mut self, id: TaskId) {
        if !self.frames.contains_key(&id) || self.stepping == Some(id) {
            return;
        }
        let from = self.firing.unwrap_or_else(|| self.current());
        self.push(from, Key::Task(id), Kind::Call, "wake-up");
    }

    /// The loop blocks: nothing is ready.
    pub(super) fn idle(&mut self, until_timer: bool) {
        let text = if until_timer {
            "idle until the next timer is due"
        } else {
            "idle until a waker is called"
        };
        self.note(Key::Loop, text);
    }
}
