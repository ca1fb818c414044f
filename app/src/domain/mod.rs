//! Domain types shared by the server and the WASM client. Each constructor
//! validates; code that holds one of these can trust it.
pub mod email;
pub mod password;
pub mod public_id;
pub mod role;
pub mod username;

pub use email::Email;
pub use password::NewPassword;
pub use public_id::PublicUserId;
pub use role::Role;
pub use username::Username;
