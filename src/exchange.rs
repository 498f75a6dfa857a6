//! Futures of both adapters, driven from JavaScript (`exchange.js` `drive`):
//! JS polls the future, and awaits natively whatever promise it waits on.
//!
//! wasm-bindgen-futures would run each as a task on its own queue: a
//! `Promise` built to carry the result, a microtask per wake-up, and two
//! closures plus a `then` per awaited promise. On the gateway's request path
//! (the body read, the origin fetch) and in a cold `verify` that plumbing
//! cost more than the checks themselves. Here a promise the future waits on
//! through [`wait`] goes to the driver as it is: one `await` in JS, one
//! `poll` call into wasm. A future that is done at once (a cached token)
//! needs no driver at all.
//!
//! The npm package waits on nothing else. In the Worker, futures of
//! workers-rs wait their own way (`JsFuture`s, timers): their waker resolves
//! a promise the driver awaits.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::Promise;
use wasm_bindgen::prelude::*;

/// What a waited-on promise settled to: `Err` with the rejection reason.
type Outcome = Result<JsValue, JsValue>;
/// Where the driver puts the outcome of the promise it was handed.
type OutcomeCell = Rc<RefCell<Option<Outcome>>>;
type Task = Pin<Box<dyn Future<Output = Outcome>>>;

#[wasm_bindgen(module = "/src/exchange.js")]
extern "C" {
    /// Polls `exchange` until it is done, awaiting each promise it returns.
    fn drive(exchange: Exchange) -> Promise;
}

thread_local! {
    /// The exchange being polled, if any: where a [`Wait`] hands over its promise.
    static POLLING: RefCell<Option<Rc<Handover>>> = const { RefCell::new(None) };
}

/// Runs `future` to a promise of its outcome (rejected with the `Err` value):
/// polled once here, and only when that does not finish it, by the driver.
pub(crate) fn run(future: impl Future<Output = Outcome> + 'static) -> Promise {
    let mut exchange = Exchange::new(Box::pin(future));
    match exchange.step() {
        Poll::Ready(Ok(value)) => Promise::resolve(&value),
        Poll::Ready(Err(reason)) => Promise::reject(&reason),
        Poll::Pending => drive(exchange),
    }
}

/// At most one promise per poll goes to the driver; its outcome comes back in the cell.
#[derive(Default)]
struct Handover(RefCell<Option<(Promise, OutcomeCell)>>);

/// A future on its way: `drive` polls it, with the outcome of the promise
/// the last poll handed out. (Only `exchange.js` uses it: kept out of the
/// npm package's types.)
#[wasm_bindgen(skip_typescript)]
pub struct Exchange {
    future: Task,
    handover: Rc<Handover>,
    /// The promise last handed to the driver, and where its outcome goes.
    handed: Option<(Promise, OutcomeCell)>,
    waker: Waker,
    #[cfg(feature = "worker")]
    wakeup: wakeup::Registration,
}

impl Exchange {
    fn new(future: Task) -> Self {
        #[cfg(feature = "worker")]
        let (wakeup, waker) = wakeup::Registration::new();
        #[cfg(not(feature = "worker"))]
        let waker = Waker::noop().clone();
        Self {
            future,
            handover: Rc::default(),
            handed: None,
            waker,
            #[cfg(feature = "worker")]
            wakeup,
        }
    }

    /// Polls until the future is done or waits on a promise.
    fn step(&mut self) -> Poll<Outcome> {
        let mut cx = Context::from_waker(&self.waker);
        loop {
            // Restored, not cleared: JS called from this poll may run another
            // future to its first wait (a `verify` inside a console hook).
            let outer = POLLING.with(|polling| polling.replace(Some(Rc::clone(&self.handover))));
            let polled = self.future.as_mut().poll(&mut cx);
            POLLING.with(|polling| polling.replace(outer));
            if polled.is_ready() {
                return polled;
            }
            if let Some(handed) = self.handover.0.borrow_mut().take() {
                self.handed = Some(handed);
                return Poll::Pending;
            }
            if !self.woken_meanwhile() {
                return self.until_woken();
            }
        }
    }

    #[cfg(feature = "worker")]
    fn woken_meanwhile(&self) -> bool {
        self.wakeup.woken()
    }

    /// The driver awaits the next wake-up.
    #[cfg(feature = "worker")]
    fn until_woken(&mut self) -> Poll<Outcome> {
        self.handed = Some((self.wakeup.later(), OutcomeCell::default()));
        Poll::Pending
    }

    #[cfg(not(feature = "worker"))]
    fn woken_meanwhile(&self) -> bool {
        false
    }

    /// Every wait of the npm package goes through `wait`: nothing else
    /// could wake this future.
    #[cfg(not(feature = "worker"))]
    #[allow(clippy::unused_self)]
    fn until_woken(&mut self) -> Poll<Outcome> {
        Poll::Ready(Err(JsValue::from_str("mcp-edge-guard: a future stalled")))
    }
}

#[wasm_bindgen]
impl Exchange {
    /// The promise to await before the next `poll`, while there is one.
    pub fn pending(&self) -> Option<Promise> {
        self.handed.as_ref().map(|(promise, _)| promise.clone())
    }

    /// Hands in how the pending promise settled (`ok`: fulfilled with
    /// `value`; else rejected with it) and polls again. `undefined` while
    /// there is another promise to await (`pending`), else the outcome:
    /// returned, or thrown for an `Err`.
    pub fn poll(&mut self, ok: bool, value: JsValue) -> Result<JsValue, JsValue> {
        if let Some((_, cell)) = self.handed.take() {
            *cell.borrow_mut() = Some(if ok { Ok(value) } else { Err(value) });
        }
        match self.step() {
            Poll::Ready(outcome) => outcome,
            Poll::Pending => Ok(JsValue::UNDEFINED),
        }
    }
}

/// Waits on a JS promise: under an [`Exchange`], the driver awaits it.
pub(crate) fn wait(promise: Promise) -> Wait {
    Wait(State::New(promise))
}

pub(crate) struct Wait(State);

enum State {
    New(Promise),
    Handed(OutcomeCell),
    #[cfg(feature = "worker")]
    Polled(wasm_bindgen_futures::JsFuture),
    Done,
}

impl Future for Wait {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        match std::mem::replace(&mut self.0, State::Done) {
            State::New(promise) => {
                let handover = POLLING.with(|polling| polling.borrow().clone());
                match handover {
                    Some(handover) if handover.0.borrow().is_none() => {
                        let cell = OutcomeCell::default();
                        *handover.0.borrow_mut() = Some((promise, Rc::clone(&cell)));
                        self.0 = State::Handed(cell);
                        Poll::Pending
                    }
                    // Outside an exchange, or a second promise in one poll.
                    #[cfg(feature = "worker")]
                    _ => {
                        self.0 = State::Polled(wasm_bindgen_futures::JsFuture::from(promise));
                        self.poll(cx)
                    }
                    #[cfg(not(feature = "worker"))]
                    _ => {
                        let _ = cx;
                        Poll::Ready(Err(JsValue::from_str(
                            "mcp-edge-guard: a promise awaited outside its driver",
                        )))
                    }
                }
            }
            State::Handed(cell) => {
                let outcome = cell.borrow_mut().take();
                match outcome {
                    Some(outcome) => Poll::Ready(outcome),
                    None => {
                        self.0 = State::Handed(cell);
                        Poll::Pending
                    }
                }
            }
            #[cfg(feature = "worker")]
            State::Polled(mut future) => {
                let polled = Pin::new(&mut future).poll(cx);
                if polled.is_pending() {
                    self.0 = State::Polled(future);
                }
                polled
            }
            State::Done => Poll::Pending,
        }
    }
}

/// The Worker's futures of workers-rs wake their task: the wake-up resolves
/// a promise the driver awaits. Wakers are `Send + Sync`, so they name their
/// exchange by id, and the promise's resolver stays in a thread-local map.
#[cfg(feature = "worker")]
mod wakeup {
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    use js_sys::{Function, Promise};
    use wasm_bindgen::JsValue;

    thread_local! {
        static STATES: RefCell<HashMap<u32, State>> = RefCell::new(HashMap::new());
        static NEXT_ID: Cell<u32> = const { Cell::new(0) };
    }

    #[derive(Default)]
    struct State {
        /// Woken while being polled: poll again before handing out a promise.
        woken: bool,
        /// Resolves the promise the driver awaits.
        resolve: Option<Function>,
    }

    /// An exchange's entry in the map, removed when the exchange goes.
    pub(super) struct Registration(u32);

    impl Registration {
        pub(super) fn new() -> (Self, Waker) {
            let id = NEXT_ID.with(|next| {
                let id = next.get();
                next.set(id.wrapping_add(1));
                id
            });
            STATES.with(|states| states.borrow_mut().insert(id, State::default()));
            (Self(id), Waker::from(Arc::new(ById(id))))
        }

        /// Whether a wake-up came since the last look.
        pub(super) fn woken(&self) -> bool {
            STATES.with(|states| {
                states.borrow_mut().get_mut(&self.0).is_some_and(|state| std::mem::take(&mut state.woken))
            })
        }

        /// A promise the next wake-up resolves.
        pub(super) fn later(&self) -> Promise {
            let id = self.0;
            Promise::new(&mut |resolve, _reject| {
                STATES.with(|states| {
                    if let Some(state) = states.borrow_mut().get_mut(&id) {
                        state.resolve = Some(resolve);
                    }
                });
            })
        }
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            STATES.with(|states| states.borrow_mut().remove(&self.0));
        }
    }

    /// A late wake-up of an exchange that is gone does nothing.
    struct ById(u32);

    impl Wake for ById {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            let resolve = STATES.with(|states| {
                let mut states = states.borrow_mut();
                let state = states.get_mut(&self.0)?;
                let resolve = state.resolve.take();
                state.woken = resolve.is_none();
                resolve
            });
            if let Some(resolve) = resolve {
                // Resolving a promise cannot throw.
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
    }
}
