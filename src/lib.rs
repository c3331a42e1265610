//! meetjoin: check a HUAWEI CLOUD Meeting before joining.
//!
//! The library knows nothing of the window: it parses meeting IDs ([`meeting_id`]), talks to
//! the service ([`api`]), keeps tokens in the OS keyring ([`secrets`], [`session`]) and runs the
//! offline sandbox ([`sandbox`]). The command line ([`cli`]) and the window ([`gui`]) are two
//! thin faces over these calls.

rust_i18n::i18n!("assets/locales", fallback = "en");

pub mod api;
pub mod cli;
pub mod gui;
pub mod i18n;
pub mod meeting_id;
pub mod sandbox;
pub mod secrets;
pub mod server;
pub mod session;

pub use i18n::Lang;
pub use meeting_id::{MeetingId, MeetingIdError};
pub use server::Server;
