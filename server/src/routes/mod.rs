//! Routes that are not pages.
pub mod health;
