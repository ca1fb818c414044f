pub mod account;
pub mod home;
pub mod not_found;
pub mod placeholder;
pub mod policies;
pub mod sign_in;
pub mod sign_up;
pub mod verify_email;
