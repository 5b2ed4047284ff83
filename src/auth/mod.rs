//! Authentication — the course's last chapter in one room: passwords,
//! sessions, CSRF tokens and login throttling. Nothing here knows HTTP
//! routing or renders a page: the login gate that uses it is a filter in
//! `routes`.

pub mod csrf;
pub mod password;
pub mod session;
pub mod throttle;
pub mod two_factor;
