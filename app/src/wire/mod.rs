//! How server functions' answers travel to the browser.
//!
//! Arguments go as a form (`PostUrl`), so every form still posts without
//! scripts. Answers go as postcard to our own client, which asks for it,
//! and as JSON to everyone else (curl, the tests, a form's post). Why not
//! JSON everywhere: serde_json's decoder is instantiated for every answer
//! type and weighed about a third of each page's WASM for reading data;
//! postcard's is a fraction of that (BENCHMARKS.md, session 58). Data a
//! page was rendered with reaches the browser the same way: `resource`
//! serializes it with postcard (base64 in the HTML, `compact`).
use http::Method;
use crate::error::AppError;
use leptos::prelude::{Get, GetUntracked};
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

mod compact;
mod fetched;
mod sender;

pub use compact::Compact;

pub use fetched::{own_resource, resource, Fetched};
pub use sender::{call, Answered, Outcome, Sender};
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

/// What a page's data and a form's answer are kept as in the browser:
/// the answer in postcard, or the error. One type for all, so that the
/// reactive machinery holding them is compiled once (see `fetched` and
/// `sender`); each is decoded where it is read.
type Answer = Result<Vec<u8>, AppError>;

/// A copy of the answer `held` keeps (a page's data's resource, a form's
/// last answer; a few KB at most), tracked or not. Copied rather than
/// read through a decoding closure, which compiled the signal's reading
/// code once per answer type; `read` then decodes it. Debug builds pass
/// the caller's place on, so leptos's warnings name the page's line.
#[cfg_attr(debug_assertions, track_caller)]
fn copy_of<S>(held: S, tracked: bool) -> Option<Answer>
where
    S: Get<Value = Option<Answer>> + GetUntracked<Value = Option<Answer>>,
{
    if tracked {
        held.get()
    } else {
        held.get_untracked()
    }
}

fn read<T: DeserializeOwned>(answer: &Answer) -> Result<T, AppError> {
    let bytes = answer.as_ref().map_err(Clone::clone)?;
    postcard::from_bytes(bytes).map_err(undecodable)
}

// Out of `read`, which is compiled for each answer's type.
fn undecodable(e: postcard::Error) -> AppError {
    AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(e.to_string()))
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
