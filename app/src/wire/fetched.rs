//! A page's data, loaded by a server function (`resource`).
use leptos::prelude::{untrack, Resource, Track};
#[cfg(feature = "ssr")]
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Serialize};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use super::sender::Posting;
use super::{copy_of, read, Answer, Compact};
use crate::error::AppError;

/// A page's data loaded by a server function: a `Resource` kept as the
/// answer's postcard bytes and read as `T`. Every page's data shares one
/// resource type (one source, one fetcher, one answer type), so the
/// resource machinery (memo, async derived, hydration) is compiled once
/// rather than once per page's data: it was up to 8 KB of WASM for each
/// (BENCHMARKS.md, session 59). Reading decodes the bytes, a few
/// microseconds for a page's data.
pub struct Fetched<T> {
    bytes: Resource<Answer, Compact>,
    read_as: PhantomData<fn() -> T>,
}

type Source = Box<dyn Fn() -> u64 + Send + Sync>;
type Fetcher = Box<dyn Fn(u64) -> Posting + Send + Sync>;

impl<T> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetched<T> {}

impl<T: DeserializeOwned> Fetched<T> {
    /// The data, tracked; `None` while it loads.
    #[cfg_attr(debug_assertions, track_caller)]
    pub fn get(&self) -> Option<Result<T, AppError>> {
        copy_of(self.bytes, true).as_ref().map(read)
    }

    /// The data, not tracked.
    #[cfg_attr(debug_assertions, track_caller)]
    pub fn get_untracked(&self) -> Option<Result<T, AppError>> {
        copy_of(self.bytes, false).as_ref().map(read)
    }

    /// Loads the data again.
    pub fn refetch(&self) {
        self.bytes.refetch();
    }

    /// Subscribes to the data without reading it (inside a `Transition`,
    /// so that it waits for the data).
    pub fn track(&self) {
        self.bytes.track();
    }
}

/// A page's data: server function call `call(source)` is made again
/// whenever `source` changes, as with `Resource::new`.
#[track_caller]
pub fn resource<S, Src>(source: impl Fn() -> Src + Send + Sync + 'static, call: impl Fn(Src) -> S + Send + Sync + 'static) -> Fetched<S::Output>
where
    S: ServerFn<Error = AppError> + Serialize + 'static,
    S::Output: Serialize,
    Src: Hash + Send + Sync + 'static,
{
    load(source, move |from| Ok(call(from)))
}

/// The viewer's own data: when no one is signed in it is not asked for
/// and reads as `Unauthenticated`, the server's answer.
#[track_caller]
pub fn own_resource<S, Src>(signed_in: bool, source: impl Fn() -> Src + Send + Sync + 'static, call: impl Fn(Src) -> S + Send + Sync + 'static) -> Fetched<S::Output>
where
    S: ServerFn<Error = AppError> + Serialize + 'static,
    S::Output: Serialize,
    Src: Hash + Send + Sync + 'static,
{
    load(source, move |from| if signed_in { Ok(call(from)) } else { Err(AppError::Unauthenticated) })
}

#[track_caller]
fn load<S, Src>(source: impl Fn() -> Src + Send + Sync + 'static, call: impl Fn(Src) -> Result<S, AppError> + Send + Sync + 'static) -> Fetched<S::Output>
where
    S: ServerFn<Error = AppError> + Serialize + 'static,
    S::Output: Serialize,
    Src: Hash + Send + Sync + 'static,
{
    let source = Arc::new(source);
    // The resource compares sources to know when to fetch; a hash of the
    // source stands for it, so that the resource's own type stays one.
    let key: Source = Box::new({
        let source = source.clone();
        move || {
            let mut hasher = DefaultHasher::new();
            source().hash(&mut hasher);
            hasher.finish()
        }
    });
    let fetch: Fetcher = Box::new(move |_| match call(untrack(|| source())) {
        Ok(call) => ask(call),
        Err(refused) => Box::pin(std::future::ready(Err(refused))),
    });
    Fetched { bytes: erased(key, fetch), read_as: PhantomData }
}

/// The server renders with the function's answer, kept in postcard as
/// the browser will read it.
#[cfg(feature = "ssr")]
fn ask<S>(call: S) -> Posting
where
    S: ServerFn<Error = AppError> + 'static,
    S::Output: Serialize,
{
    Box::pin(async move {
        let data = call.run_body().await?;
        postcard::to_allocvec(&data).map_err(|e| AppError::from_server_fn_error(ServerFnErrorErr::Serialization(e.to_string())))
    })
}

/// The browser keeps the answer's bytes as they come: decoding them only
/// where they are read keeps one small fetch for every page's data.
#[cfg(not(feature = "ssr"))]
fn ask<S: ServerFn + Serialize>(call: S) -> Posting {
    super::sender::send(&call)
}

/// The one resource type behind every `Fetched`.
#[track_caller]
fn erased(key: Source, fetch: Fetcher) -> Resource<Answer, Compact> {
    Resource::new_with_options(key, fetch, false)
}
