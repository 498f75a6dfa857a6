//! A request's handler future, driven from JavaScript (`glue.js` `drive`):
//! JS polls it, and awaits natively whatever promise it waits on.
//!
//! wasm-bindgen-futures would run the handler as a task on its own queue: a
//! `Promise` built to carry the result, a microtask per wake-up, and two
//! closures plus a `then` per awaited promise. On the request path (the body
//! read and the origin fetch) that plumbing cost more than the gateway's own
//! checks. Here the promises the handler waits on through [`wait`] go to the
//! driver as they are: one `await` in JS, one `poll` call into wasm. Futures
//! that wait another way (`JsFuture`s inside workers-rs, timers) still work:
//! their waker resolves a promise the driver awaits.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use worker::js_sys::{Function, Promise};
use worker::web_sys;

/// What a waited-on promise settled to: `Err` with the rejection reason.
type Outcome = Result<JsValue, JsValue>;
/// Where the driver puts the outcome of the promise it was handed.
type OutcomeCell = Rc<RefCell<Option<Outcome>>>;

thread_local! {
    /// The exchange being polled, if any: where a [`Wait`] hands over its promise.
    static POLLING: RefCell<Option<Rc<Handover>>> = const { RefCell::new(None) };
    /// Wake-ups of the exchanges waiting on something other than a [`Wait`], by id.
    static WAKERS: RefCell<HashMap<u32, WakeState>> = RefCell::new(HashMap::new());
}

/// At most one promise per poll goes to the driver; its outcome comes back in the cell.
#[derive(Default)]
struct Handover(RefCell<Option<(Promise, OutcomeCell)>>);

#[derive(Default)]
struct WakeState {
    /// Woken while being polled: poll again before returning.
    woken: bool,
    /// Resolves the promise the driver awaits after such a poll.
    resolve: Option<Function>,
}

/// The handler of one request, polled by `glue.js`.
#[wasm_bindgen]
pub struct Exchange {
    future: Pin<Box<dyn Future<Output = web_sys::Response>>>,
    handover: Rc<Handover>,
    /// The cell of the promise last handed to the driver.
    handed: Option<OutcomeCell>,
    id: u32,
    waker: Waker,
}

impl Exchange {
    pub fn new(future: impl Future<Output = web_sys::Response> + 'static) -> Self {
        thread_local!(static NEXT_ID: Cell<u32> = const { Cell::new(0) });
        let id = NEXT_ID.with(|next| {
            let id = next.get();
            next.set(id.wrapping_add(1));
            id
        });
        WAKERS.with(|wakers| wakers.borrow_mut().insert(id, WakeState::default()));
        Self {
            future: Box::pin(future),
            handover: Rc::default(),
            handed: None,
            id,
            waker: Waker::from(Arc::new(ExchangeWaker(id))),
        }
    }
}

#[wasm_bindgen]
impl Exchange {
    /// Hands in the outcome of the promise the last poll returned (`ok`:
    /// fulfilled with `value`; else rejected with it), then polls the handler.
    /// Returns its `Response` when it is done, else a promise to await first.
    pub fn poll(&mut self, ok: bool, value: JsValue) -> JsValue {
        if let Some(cell) = self.handed.take() {
            *cell.borrow_mut() = Some(if ok { Ok(value) } else { Err(value) });
        }
        let mut cx = Context::from_waker(&self.waker);
        loop {
            POLLING.with(|polling| *polling.borrow_mut() = Some(Rc::clone(&self.handover)));
            let polled = self.future.as_mut().poll(&mut cx);
            POLLING.with(|polling| polling.borrow_mut().take());
            if let Poll::Ready(response) = polled {
                return response.into();
            }
            if let Some((promise, cell)) = self.handover.0.borrow_mut().take() {
                self.handed = Some(cell);
                return promise.into();
            }
            let woken = WAKERS.with(|wakers| {
                wakers.borrow_mut().get_mut(&self.id).is_some_and(|state| std::mem::take(&mut state.woken))
            });
            if !woken {
                return self.woken_later().into();
            }
        }
    }
}

impl Exchange {
    /// A promise the waker resolves: the handler waits on something the
    /// driver was not handed (a `JsFuture`, a timer).
    fn woken_later(&self) -> Promise {
        let id = self.id;
        Promise::new(&mut |resolve, _reject| {
            WAKERS.with(|wakers| {
                if let Some(state) = wakers.borrow_mut().get_mut(&id) {
                    state.resolve = Some(resolve);
                }
            });
        })
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        WAKERS.with(|wakers| wakers.borrow_mut().remove(&self.id));
    }
}

/// Wakes an exchange by id: a late wake-up of an exchange that is gone does nothing.
struct ExchangeWaker(u32);

impl Wake for ExchangeWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let resolve = WAKERS.with(|wakers| {
            let mut wakers = wakers.borrow_mut();
            let state = wakers.get_mut(&self.0)?;
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

/// Waits on a JS promise: under an [`Exchange`], the driver awaits it;
/// elsewhere (or while another promise is being handed over) as a `JsFuture`.
pub fn wait(promise: Promise) -> Wait {
    Wait(State::New(promise))
}

pub struct Wait(State);

enum State {
    New(Promise),
    Handed(OutcomeCell),
    Polled(JsFuture),
    Done,
}

impl Future for Wait {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        loop {
            match std::mem::replace(&mut self.0, State::Done) {
                State::New(promise) => {
                    let handover = POLLING.with(|polling| polling.borrow().clone());
                    match handover {
                        Some(handover) if handover.0.borrow().is_none() => {
                            let cell = OutcomeCell::default();
                            *handover.0.borrow_mut() = Some((promise, Rc::clone(&cell)));
                            self.0 = State::Handed(cell);
                            return Poll::Pending;
                        }
                        _ => self.0 = State::Polled(JsFuture::from(promise)),
                    }
                }
                State::Handed(cell) => {
                    let outcome = cell.borrow_mut().take();
                    return match outcome {
                        Some(outcome) => Poll::Ready(outcome),
                        None => {
                            self.0 = State::Handed(cell);
                            Poll::Pending
                        }
                    };
                }
                State::Polled(mut future) => {
                    let polled = Pin::new(&mut future).poll(cx);
                    if polled.is_pending() {
                        self.0 = State::Polled(future);
                    }
                    return polled;
                }
                State::Done => return Poll::Pending,
            }
        }
    }
}
