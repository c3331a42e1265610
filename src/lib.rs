//! meetjoin: check a HUAWEI CLOUD Meeting before joining.
//!
//! The library knows nothing of the window: it parses meeting IDs ([`meeting_id`]) and whole
//! invitations ([`invitation`]), talks to the service ([`api`]), keeps tokens in the OS keyring
//! ([`secrets`], [`session`]) and runs the offline sandbox ([`sandbox`], feature `sandbox`). The
//! command line ([`cli`]) and the window ([`gui`], feature `gui`) are two thin faces over these
//! calls; both features are on by default, and `--no-default-features` builds the library and
//! the `check`, `login` and `logout` commands alone.

rust_i18n::i18n!("assets/locales", fallback = "en");

pub mod api;
pub mod cli;
#[cfg(feature = "gui")]
pub mod gui;
pub mod i18n;
pub mod invitation;
pub mod join;
pub mod logging;
pub mod meeting_id;
pub mod notify;
pub mod redact;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod secrets;
pub mod server;
pub mod session;
pub mod waiting;

pub use i18n::Lang;
pub use invitation::{Invitation, OtherService, Site};
pub use meeting_id::{MeetingId, MeetingIdError};
pub use server::Server;
