//! A browser stand-in with a cookie jar the test can read and edit.
use std::collections::BTreeMap;

use reqwest::header::{COOKIE, SET_COOKIE};

#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub user_agent: String,
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    pub set_cookies: Vec<String>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            // Well under the test's own timeout: a request that hangs
            // fails here, and the backtrace names the call.
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .expect("client"),
            cookies: BTreeMap::new(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36".into(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn absorb(&mut self, set_cookies: &[String]) {
        for line in set_cookies {
            let first = line.split(';').next().unwrap_or("");
            if let Some((name, value)) = first.split_once('=') {
                let expired = line.contains("Max-Age=0");
                if value.is_empty() || expired {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let mut req = req.header("user-agent", &self.user_agent);
        if !self.cookies.is_empty() {
            req = req.header(COOKIE, self.cookie_header());
        }
        let resp = req.send().await.expect("request answered");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let set_cookies: Vec<String> = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        self.absorb(&set_cookies);
        let body = resp.text().await.unwrap_or_default();
        Answer { status, headers, body, set_cookies }
    }

    /// A server function call, as the hydrated page makes it.
    pub async fn call(&mut self, name: &str, form: &[(&str, &str)]) -> Answer {
        let req = self
            .client
            .post(format!("{}/api/{name}", self.base))
            .header("accept", "application/json")
            .header("origin", self.base.clone())
            .form(form);
        self.send(req).await
    }

    /// A plain form's POST, as a page without scripts sends it.
    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let req = self.client.post(format!("{}{path}", self.base)).header("origin", self.base.clone()).form(form);
        self.send(req).await
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// The signed-in user as the server sees it, or Null.
    pub async fn viewer(&mut self) -> serde_json::Value {
        let answer = self.call("viewer", &[]).await;
        assert_eq!(answer.status, 200, "viewer: {}", answer.body);
        answer.json()
    }
}
