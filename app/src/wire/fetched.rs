//! A page's data, loaded by a server function (`resource`).
use leptos::prelude::{untrack, Resource, Track, With, WithUntracked};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use super::{read, Answer, Compact};
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
type Fetcher = Box<dyn Fn(u64) -> Pin<Box<dyn Future<Output = Answer> + Send>> + Send + Sync>;

impl<T> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetched<T> {}

impl<T: DeserializeOwned> Fetched<T> {
    /// The data, tracked; `None` while it loads.
    pub fn get(&self) -> Option<Result<T, AppError>> {
        self.bytes.with(|answer| answer.as_ref().map(read))
    }

    /// The data, not tracked.
    pub fn get_untracked(&self) -> Option<Result<T, AppError>> {
        self.bytes.with_untracked(|answer| answer.as_ref().map(read))
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

/// A page's data: `fetcher` runs again whenever `source` changes, as
/// with `Resource::new`.
#[track_caller]
pub fn resource<T, S, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetcher: impl Fn(S) -> Fut + Send + Sync + 'static) -> Fetched<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Hash + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
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
    let fetch: Fetcher = Box::new(move |_| {
        let answer = fetcher(untrack(|| source()));
        Box::pin(async move { answer.await.and_then(|data| postcard::to_allocvec(&data).map_err(|e| AppError::from_server_fn_error(ServerFnErrorErr::Serialization(e.to_string())))) })
    });
    Fetched { bytes: erased(key, fetch), read_as: PhantomData }
}

/// The one resource type behind every `Fetched`.
#[track_caller]
fn erased(key: Source, fetch: Fetcher) -> Resource<Answer, Compact> {
    Resource::new_with_options(key, fetch, false)
}
