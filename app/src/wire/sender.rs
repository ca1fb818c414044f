//! Server functions sent from the browser: forms and buttons (`Sender`).
use leptos::prelude::{use_context, Get, GetUntracked, Memo, RwSignal, Set, Update, With, WithUntracked};
use leptos::server::ServerActionError;
use leptos::server_fn::{
    error::{FromServerFnError, ServerFnErrorErr},
    ServerFn,
};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use super::{copy_of, read, Answer};
use crate::error::AppError;

/// Sends server function `S` from the browser and keeps its answer: what
/// leptos's `ServerAction` does, but every `Sender` shares one call type
/// (`Posted`: a path, a form-encoded body) and one state type (`Calls`,
/// keeping the answer's bytes). `ServerAction` is compiled once for each
/// server function, some 3 KB of WASM each (BENCHMARKS.md, session 59).
pub struct Sender<S> {
    calls: Calls,
    sends: PhantomData<fn(S)>,
}

/// A server function's call as it is posted: where, and its arguments
/// encoded as a form.
#[derive(Clone)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct Posted {
    path: &'static str,
    body: String,
}

impl Posted {
    /// Server function `S` called with `args`, encoded as `PostUrl` does,
    /// which the server function reads.
    fn of<S: ServerFn + Serialize>(args: &S) -> Result<Posted, AppError> {
        Posted::encoded(S::PATH, serde_qs::to_string(args))
    }

    // What `of` needs beyond the encoding, out of it: `of` and its callers
    // are compiled once for each server function.
    fn encoded(path: &'static str, body: Result<String, serde_qs::Error>) -> Result<Posted, AppError> {
        match body {
            Ok(body) => Ok(Posted { path, body }),
            Err(e) => Err(AppError::from_server_fn_error(ServerFnErrorErr::Serialization(e.to_string()))),
        }
    }
}

impl<S> Clone for Sender<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Sender<S> {}

impl<S> Default for Sender<S>
where
    S: ServerFn<Error = AppError> + Serialize,
    S::Output: DeserializeOwned,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Sender<S>
where
    S: ServerFn<Error = AppError> + Serialize,
    S::Output: DeserializeOwned,
{
    // The small methods are `#[inline]`: else each is a function per
    // server function in the WASM (about 1 KB gzip of the admin console).
    #[inline]
    pub fn new() -> Self {
        Sender { calls: Calls::new(S::PATH), sends: PhantomData }
    }

    /// Sends `args`; the answer lands in `value`.
    pub fn dispatch(&self, args: S) {
        dispatch_posted(self.calls, Posted::of(&args));
    }

    /// A `<form>`'s submit handler: sends the form's fields as they are
    /// (`components::form::send_form`).
    #[inline]
    pub fn on_submit(&self) -> crate::reactive::Handler<leptos::ev::SubmitEvent> {
        submit_handler(self.calls, S::PATH)
    }

    /// The last answer; `None` before the first.
    #[inline]
    pub fn value(&self) -> Answered<S::Output> {
        Answered { outcome: Outcome(self.calls.value), read_as: PhantomData }
    }

    /// How many answers came back so far.
    #[inline]
    pub fn version(&self) -> RwSignal<usize> {
        self.calls.version
    }

    /// Whether a call is on its way.
    #[inline]
    pub fn pending(&self) -> Memo<bool> {
        self.calls.pending
    }
}

/// Calls server function `S` from the browser and waits for its answer,
/// through the same `post` as every form and page's data: each server
/// function's own client (`Wire::run_client`) would be compiled once per
/// function.
pub async fn call<S>(args: S) -> Result<S::Output, AppError>
where
    S: ServerFn<Error = AppError> + Serialize,
    S::Output: DeserializeOwned,
{
    read(&send(&args).await)
}

/// Posts server function `S` called with `args`, keeping the answer's
/// bytes: `call` and a page's data in the browser (`Fetched`).
pub(super) fn send<S: ServerFn + Serialize>(args: &S) -> Posting {
    send_posted(Posted::of(args))
}

// The rest of `Sender::dispatch` and `send`, out of them (see `Posted::encoded`).
fn dispatch_posted(calls: Calls, posted: Result<Posted, AppError>) {
    match posted {
        Ok(posted) => calls.dispatch(posted),
        Err(e) => calls.value.set(Some(Err(e))),
    }
}

// `Sender::on_submit`, out of it: one handler type for every form.
fn submit_handler(calls: Calls, path: &'static str) -> crate::reactive::Handler<leptos::ev::SubmitEvent> {
    crate::reactive::handler(move |ev: leptos::ev::SubmitEvent| {
        if let Some(body) = submitted_fields(&ev) {
            dispatch_posted(calls, Ok(Posted { path, body }));
        }
    })
}

/// Stops the form's own post and reads its fields, form-encoded (a field
/// outside the form but naming it with `form=` included, as the browser
/// would send them).
fn submitted_fields(ev: &leptos::ev::SubmitEvent) -> Option<String> {
    ev.prevent_default();
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let form = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())?;
        let fields = leptos::web_sys::FormData::new_with_form(&form).ok()?;
        let encoded = leptos::web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fields).ok()?;
        Some(encoded.to_string().into())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

fn send_posted(posted: Result<Posted, AppError>) -> Posting {
    match posted {
        Ok(posted) => post(&posted),
        Err(e) => Box::pin(std::future::ready(Err(e))),
    }
}

/// A `Sender`'s last answer, read as `T`.
pub struct Answered<T> {
    outcome: Outcome,
    read_as: PhantomData<fn() -> T>,
}

impl<T> Clone for Answered<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Answered<T> {}

impl<T: DeserializeOwned> Answered<T> {
    /// The last answer, tracked.
    pub fn get(&self) -> Option<Result<T, AppError>> {
        copy_of(self.outcome.0, true).as_ref().map(read)
    }

    /// The last answer, not tracked.
    pub fn get_untracked(&self) -> Option<Result<T, AppError>> {
        copy_of(self.outcome.0, false).as_ref().map(read)
    }
}

impl<T> std::ops::Deref for Answered<T> {
    type Target = Outcome;

    fn deref(&self) -> &Outcome {
        &self.outcome
    }
}

impl<T> From<Answered<T>> for Outcome {
    fn from(answered: Answered<T>) -> Outcome {
        answered.outcome
    }
}

/// How a `Sender`'s last call went, whatever its answer's type: what the
/// forms' helpers need, without decoding the answer.
#[derive(Clone, Copy)]
pub struct Outcome(RwSignal<Option<Answer>>);

impl Outcome {
    /// Forgets the answer, as before the first call.
    pub fn clear(&self) {
        self.0.set(None);
    }

    /// The last call's error, tracked.
    pub fn error(&self) -> Option<AppError> {
        self.0.with(|a| a.as_ref().and_then(|a| a.as_ref().err().cloned()))
    }

    /// Whether the last call succeeded, tracked.
    pub fn succeeded(&self) -> bool {
        self.0.with(|a| matches!(a, Some(Ok(_))))
    }

    /// Whether the last call succeeded, not tracked.
    pub fn succeeded_untracked(&self) -> bool {
        self.0.with_untracked(|a| matches!(a, Some(Ok(_))))
    }
}

/// A `Sender`'s calls: the last answer, how many came back, and whether
/// one is on its way. What leptos's `Action` keeps, without what no form
/// here uses (the input, abort handles, and the channels and `select!`
/// behind them): every first visit carried 4 to 5 KB gzip of those
/// (BENCHMARKS.md, session 68). As with `Action`, only the answer to the
/// latest call lands; an earlier one still on its way is dropped.
#[derive(Clone, Copy)]
struct Calls {
    value: RwSignal<Option<Answer>>,
    version: RwSignal<usize>,
    pending: Memo<bool>,
    in_flight: RwSignal<usize>,
    /// Calls made so far, numbering each to tell the latest.
    made: RwSignal<usize>,
}

impl Calls {
    /// Starts with the error a form posted without scripts came back with,
    /// if it was this function's.
    fn new(path: &'static str) -> Calls {
        let posted_error = use_context::<ServerActionError>()
            .filter(|e| e.path() == path)
            .map(|e| Err(super::compact::posted_error(e.err())));
        let in_flight = RwSignal::new(0);
        Calls {
            value: RwSignal::new(posted_error),
            version: RwSignal::new(0),
            pending: Memo::new(move |_| in_flight.get() > 0),
            in_flight,
            made: RwSignal::new(0),
        }
    }

    fn dispatch(self, posted: Posted) {
        // A page already gone (its signals with it) sends nothing.
        let Some(call) = self.made.try_get_untracked().map(|n| n + 1) else { return };
        self.made.set(call);
        self.in_flight.update(|n| *n += 1);
        leptos::task::spawn_local(async move {
            let answer = post(&posted).await;
            // The page may be gone by now: then its signals are too.
            let _ = self.in_flight.try_update(|n| *n = n.saturating_sub(1));
            if self.made.try_get_untracked() == Some(call) {
                let _ = self.version.try_update(|n| *n += 1);
                let _ = self.value.try_set(Some(answer));
            }
        });
    }
}

pub(super) type Posting = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// Posts the call as our `Wire` protocol's client does, keeping the
/// answer's bytes.
fn post(call: &Posted) -> Posting {
    #[cfg(feature = "hydrate")]
    {
        use leptos::server_fn::{
            client::{browser::BrowserClient, Client},
            codec::PostUrl,
            redirect::call_redirect_hook,
            request::ClientReq,
            response::ClientRes,
            ContentType,
        };
        let call = call.clone();
        Box::pin(async move {
            let request = <BrowserClient as Client<AppError>>::Request::try_new_post(call.path, PostUrl::CONTENT_TYPE, super::COMPACT, call.body)?;
            let response = <BrowserClient as Client<AppError>>::send(request).await?;
            let status = ClientRes::<AppError>::status(&response);
            let location = ClientRes::<AppError>::location(&response);
            let redirected = ClientRes::<AppError>::has_redirect(&response);
            let body = ClientRes::<AppError>::try_into_bytes(response).await?;
            if (400..=599).contains(&status) {
                return Err(AppError::de(body));
            }
            if (300..=399).contains(&status) || redirected {
                call_redirect_hook(&location);
            }
            Ok(body.to_vec())
        })
    }
    // Only the browser sends; a server render never dispatches.
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = call;
        Box::pin(std::future::ready(Err(AppError::from_server_fn_error(ServerFnErrorErr::Request("sent only from the browser".into())))))
    }
}

#[cfg(test)]
mod tests {
    use super::{Calls, Posted};
    use leptos::prelude::{GetUntracked, Owner};

    #[tokio::test]
    async fn only_the_latest_call_lands_and_pending_follows_the_calls() {
        let _ = any_spawner::Executor::init_tokio();
        tokio::task::LocalSet::new()
            .run_until(async {
                let owner = Owner::new();
                owner.set();
                let calls = Calls::new("/api/test");
                assert!(!calls.pending.get_untracked());
                calls.dispatch(Posted { path: "/api/test", body: "n=1".into() });
                assert!(calls.pending.get_untracked(), "a call is on its way");
                calls.dispatch(Posted { path: "/api/test", body: "n=2".into() });
                for _ in 0..100 {
                    if calls.in_flight.get_untracked() == 0 {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
                assert!(!calls.pending.get_untracked(), "both answers came back");
                // (Outside the browser every call fails at once, in order.)
                assert_eq!(calls.version.get_untracked(), 1, "the first call's answer was dropped");
                assert!(matches!(calls.value.get_untracked(), Some(Err(_))));
            })
            .await;
    }
}
