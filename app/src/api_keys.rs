//! Reseller API keys as the Account page sees them, and the server
//! functions to create, list and revoke one's own keys.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub callback_url: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

/// A key just created: the only time the key and callback secret are shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub name: String,
    pub key: String,
    pub callback_secret: Option<String>,
}

#[server(endpoint = "api_keys", protocol = crate::wire::Wire)]
pub async fn my_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    use crate::services::{api_keys, request::require_user, services};
    let user = require_user()?;
    api_keys::list(&*services()?, user.user_id).await
}

#[server(endpoint = "create_api_key", protocol = crate::wire::Wire)]
pub async fn create_api_key(name: String, callback_url: Option<String>, password: String) -> Result<NewApiKey, AppError> {
    use crate::services::{api_keys, request::{request_meta, require_user}, services};
    let user = require_user()?;
    api_keys::create(&*services()?, user.user_id, &name, callback_url.as_deref().unwrap_or(""), &password, &request_meta()).await
}

#[server(endpoint = "revoke_api_key", protocol = crate::wire::Wire)]
pub async fn revoke_api_key(key_id: i64) -> Result<(), AppError> {
    use crate::services::{api_keys, request::{request_meta, require_user}, services};
    let user = require_user()?;
    api_keys::revoke(&*services()?, user.user_id, key_id, &request_meta()).await
}
