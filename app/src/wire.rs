//! How server functions' answers travel to the browser.
//!
//! Arguments go as a form (`PostUrl`), so every form still posts without
//! scripts. Answers go as postcard to our own client, which asks for it,
//! and as JSON to everyone else (curl, the tests, a form's post). Why not
//! JSON everywhere: serde_json's decoder is instantiated for every answer
//! type and weighed about a third of each page's WASM for reading data;
//! postcard's is a fraction of that (BENCHMARKS.md, session 58). Data a
//! page was rendered with reaches the browser the same way: `resource`
//! serializes it with postcard (base64 in the HTML).
use http::Method;
use leptos::prelude::{untrack, Resource, Track, With, WithUntracked};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::AppError;
use leptos::server_fn::{
    client::Client,
    codec::{FromReq, IntoReq, JsonEncoding, PostUrl},
    error::{FromServerFnError, IntoAppError, ServerFnErrorErr},
    redirect::call_redirect_hook,
    request::Req,
    response::{ClientRes, TryRes},
    server::Server,
    Bytes, ContentType, Encodes, Protocol,
};
use std::future::Future;
use serde::{de::DeserializeOwned, Serialize};

/// The content type our client asks for.
pub const COMPACT: &str = "application/x-postcard";

/// The protocol of every server function: `#[server(protocol = Wire)]`.
pub struct Wire;

impl<Input, Output, C, S, E> Protocol<Input, Output, C, S, E> for Wire
where
    Input: IntoReq<PostUrl, C::Request, E> + FromReq<PostUrl, S::Request, E> + Send,
    Output: Serialize + DeserializeOwned + Send,
    E: FromServerFnError,
    C: Client<E>,
    S: Server<E>,
{
    const METHOD: Method = Method::POST;

    async fn run_server<F, Fut>(request: S::Request, server_fn: F) -> Result<S::Response, E>
    where
        F: Fn(Input) -> Fut + Send,
        Fut: Future<Output = Result<Output, E>> + Send,
    {
        let compact = request.accepts().is_some_and(|accepts| accepts.contains(COMPACT));
        let input = Input::from_req(request).await?;
        let output = server_fn(input).await?;
        #[cfg(debug_assertions)]
        survives_postcard(&output).map_err(|e| ServerFnErrorErr::Serialization(e).into_app_error())?;
        let (content_type, body) = if compact {
            (COMPACT, postcard::to_allocvec(&output).map_err(|e| e.to_string()))
        } else {
            (JsonEncoding::CONTENT_TYPE, JsonEncoding::encode(&output).map(Vec::from).map_err(|e| e.to_string()))
        };
        let body = body.map_err(|e| ServerFnErrorErr::Serialization(e).into_app_error())?;
        S::Response::try_from_bytes(content_type, Bytes::from(body))
    }

    async fn run_client(path: &str, input: Input) -> Result<Output, E> {
        let request = input.into_req(path, COMPACT)?;
        let response = C::send(request).await?;
        let status = response.status();
        let location = response.location();
        let redirected = response.has_redirect();
        let body = response.try_into_bytes().await?;
        if (400..=599).contains(&status) {
            return Err(E::de(body));
        }
        let output = postcard::from_bytes(&body).map_err(|e| ServerFnErrorErr::Deserialization(e.to_string()).into_app_error())?;
        if (300..=399).contains(&status) || redirected {
            call_redirect_hook(&location);
        }
        Ok(output)
    }
}

/// Debug builds (tests, `cargo leptos watch`) check that every answer
/// reads back from postcard as it was sent: a type that needs a
/// self-describing format would otherwise fail only in the browser, while
/// the integration tests, which read JSON, pass.
#[cfg(debug_assertions)]
fn survives_postcard<T: Serialize + DeserializeOwned>(output: &T) -> Result<(), String> {
    let bytes = postcard::to_allocvec(output).map_err(|e| format!("postcard refused the answer: {e}"))?;
    let back: T = postcard::from_bytes(&bytes).map_err(|e| format!("postcard could not read the answer back: {e}"))?;
    match (JsonEncoding::encode(output), JsonEncoding::encode(&back)) {
        (Ok(sent), Ok(read)) if sent == read => Ok(()),
        _ => Err("the answer changed on its way through postcard".into()),
    }
}

/// The codec of rendered data (`Resource`, `SharedValue`): postcard, like
/// the answers.
pub type Compact = codee::binary::PostcardCodec;

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

/// What every `Fetched` holds: the answer in postcard, or the error.
type Answer = Result<Vec<u8>, AppError>;
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

fn read<T: DeserializeOwned>(answer: &Answer) -> Result<T, AppError> {
    let bytes = answer.as_ref().map_err(Clone::clone)?;
    postcard::from_bytes(bytes).map_err(|e| AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(e.to_string())))
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

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct Sparse {
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        count: u8,
    }

    #[test]
    fn an_answer_postcard_cannot_carry_is_caught() {
        assert!(super::survives_postcard(&Sparse { note: Some("kept".into()), count: 1 }).is_ok());
        assert!(super::survives_postcard(&Sparse { note: None, count: 1 }).is_err());
    }
}
