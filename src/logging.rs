//! Logs that help support and never leak.
//!
//! Every API call writes one line (target [`crate::api::LOG_TARGET`]): method, path, status,
//! error code, request id and duration. The command line writes to standard error only (its
//! standard output is the scripts' contract): meetjoin's warnings by default, its call lines
//! with `--verbose`, and whatever `RUST_LOG` asks for (tracing's `EnvFilter` syntax) instead.
//! The window also writes meetjoin's lines to a daily log file in [`log_dir`], which its
//! Details point to ([`details_line`]).
//!
//! Nothing secret, whatever `RUST_LOG` says. meetjoin's own lines hold nothing secret, but its
//! dependencies log too, and at debug and trace they print what they handle. Seen with every
//! flow at trace (November 2026): rustls (through `log`) prints whole TLS handshakes, randoms,
//! certificates and the server's session tickets; zbus prints its D-Bus authentication, raw
//! bytes of the first message and the header of every keyring call, and its spans record their
//! arguments (`#[instrument]` spans are INFO by default); hyper-util and reqwest print hosts,
//! ports and pool state (h2, for HTTP/2 servers, logs frames; the sandbox speaks HTTP/1.1).
//! None printed a password or token then, but nothing stops the next version from it. So:
//! - the `log` records of dependencies (reqwest, rustls, eframe) are never bridged in: this
//!   crate does not enable tracing-subscriber's `tracing-log`, and no `log` logger is set;
//! - every target outside `meetjoin` is capped at WARN on standard error, whatever `RUST_LOG`
//!   enables, even by name ([`DEPENDENCY_CAP`]): a crate added later cannot leak at debug;
//! - the log file takes meetjoin's INFO and above only, never dependency output.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rust_i18n::t;
use tracing::Level;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::filter::{FilterExt, dynamic_filter_fn, filter_fn};
use tracing_subscriber::fmt::format::{FormatFields, Writer};
use tracing_subscriber::fmt::writer::OptionalWriter;
use tracing_subscriber::fmt::{self, MakeWriter};
use tracing_subscriber::layer::{Layer, SubscriberExt};

use crate::i18n::Lang;

/// The environment variable holding tracing filter directives (`RUST_LOG=meetjoin=debug`).
pub const ENV_FILTER: &str = "RUST_LOG";
/// The most verbose level a target outside `meetjoin` may log at, whatever `RUST_LOG` says.
pub const DEPENDENCY_CAP: Level = Level::WARN;
/// The name of meetjoin's folder in the state directory.
pub const APP_DIR: &str = "meetjoin";
/// Log files are named `meetjoin.YYYY-MM-DD.log` (one per day, in UTC).
pub const LOG_FILE_PREFIX: &str = "meetjoin";
/// The extension of the log files.
pub const LOG_FILE_SUFFIX: &str = "log";
/// How many daily log files are kept; older ones are deleted.
pub const MAX_LOG_FILES: usize = 5;

/// The log file of this process, once [`open_log_file_in`] opened it.
static LOG_FILE: OnceLock<LogFile> = OnceLock::new();

/// An open rotating log file and its directory.
struct LogFile {
    /// Where the files are.
    dir: PathBuf,
    /// The writer that rotates them.
    appender: RollingFileAppender,
}

/// Why the log file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    /// No state directory is known on this platform (no home directory).
    #[error("no state directory is known (no home directory)")]
    NoStateDir,
    /// The directory could not be created.
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file could not be opened.
    #[error("cannot open a log file in {}: {source}", dir.display())]
    Open {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: tracing_appender::rolling::InitError,
    },
    /// This process already writes its log file elsewhere.
    #[error("the log file is already open in {}", dir.display())]
    AlreadyOpen {
        /// The directory in use.
        dir: PathBuf,
    },
}

/// The directory of the window's log files: `$XDG_STATE_HOME/meetjoin` (else
/// `~/.local/state/meetjoin`) on Linux and the BSDs, the local data directory elsewhere.
pub fn log_dir() -> Option<PathBuf> {
    state_dir().map(|dir| dir.join(APP_DIR))
}

/// The platform's directory for state that outlives a run but is not worth backing up.
#[cfg(all(unix, not(target_vendor = "apple")))]
fn state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| home_dir().map(|home| home.join(".local").join("state")))
}

/// macOS: `~/Library/Application Support`, the local data directory.
#[cfg(target_vendor = "apple")]
fn state_dir() -> Option<PathBuf> {
    home_dir().map(|home| home.join("Library").join("Application Support"))
}

/// Windows: `%LOCALAPPDATA%`, the local (not roaming) data directory.
#[cfg(windows)]
fn state_dir() -> Option<PathBuf> {
    std::env::var_os("LOCALAPPDATA")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
}

/// Any other platform: no state directory, so no log file.
#[cfg(not(any(unix, windows)))]
fn state_dir() -> Option<PathBuf> {
    None
}

/// The user's home directory, if it is known and absolute.
#[cfg(unix)]
fn home_dir() -> Option<PathBuf> {
    std::env::home_dir().filter(|home| home.is_absolute())
}

/// The directory this process writes its log file to, once one is open.
pub fn active_log_dir() -> Option<&'static Path> {
    LOG_FILE.get().map(|file| file.dir.as_path())
}

/// The line the window's error Details end with, `Log files: <dir>`, while a log file is open.
pub fn details_line(lang: Lang) -> Option<String> {
    active_log_dir().map(|dir| {
        t!(
            "logging.details_line",
            locale = lang.code(),
            path = dir.display()
        )
        .into_owned()
    })
}

/// Installs the process's logger, once (later calls do nothing): standard error per
/// `RUST_LOG`, else meetjoin's INFO with `verbose`, else its warnings; and the log file's
/// layer, idle until [`open_log_file_in`].
pub fn init(verbose: bool) {
    let stderr = fmt::layer()
        .fmt_fields(PlainFields)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(true)
        .with_filter(stderr_filter(verbose).and(filter_fn(is_safe_to_show)));
    let file = fmt::layer()
        .fmt_fields(PlainFields)
        .with_writer(FileWriter)
        .with_ansi(false)
        .with_target(true)
        .with_filter(
            dynamic_filter_fn(|meta, _| LOG_FILE.get().is_some() && is_for_the_file(meta))
                .with_max_level_hint(LevelFilter::INFO)
                .with_callsite_filter(|meta| {
                    if is_for_the_file(meta) {
                        Interest::sometimes()
                    } else {
                        Interest::never()
                    }
                }),
        );
    let subscriber = tracing_subscriber::registry().with(stderr).with(file);
    // Already set (a second call, or a test harness's own): keep that one.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The standard-error filter: `RUST_LOG` when set, else meetjoin at INFO (`verbose`) or WARN.
fn stderr_filter(verbose: bool) -> EnvFilter {
    let default = if verbose {
        "meetjoin=info"
    } else {
        "meetjoin=warn"
    };
    let directives = std::env::var(ENV_FILTER)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned());
    EnvFilter::builder()
        .with_default_directive(LevelFilter::OFF.into())
        .parse_lossy(directives)
}

/// True for meetjoin's own targets (`meetjoin`, `meetjoin::…`).
fn is_meetjoin(target: &str) -> bool {
    target == "meetjoin" || target.starts_with("meetjoin::")
}

/// The safety net under `RUST_LOG`: meetjoin's own spans and events at any level, anything
/// else at [`DEPENDENCY_CAP`] or above (more severe).
fn is_safe_to_show(meta: &tracing::Metadata<'_>) -> bool {
    is_meetjoin(meta.target()) || *meta.level() <= DEPENDENCY_CAP
}

/// What the log file takes: meetjoin's events at INFO or above, no spans.
fn is_for_the_file(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_event() && is_meetjoin(meta.target()) && *meta.level() <= Level::INFO
}

/// Formats fields as `name=value`, a plain word (`GET`, `/v2/path`, `-`, a UUID) bare and any
/// other text quoted and escaped, so that a line is one line and greps well.
struct PlainFields;

impl<'writer> FormatFields<'writer> for PlainFields {
    fn format_fields<R: RecordFields>(
        &self,
        writer: Writer<'writer>,
        fields: R,
    ) -> std::fmt::Result {
        let mut visitor = PlainVisitor {
            writer,
            result: Ok(()),
            first: true,
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

/// Writes one event's or span's fields for [`PlainFields`].
struct PlainVisitor<'writer> {
    /// Where the line goes.
    writer: Writer<'writer>,
    /// The first write error, if any.
    result: std::fmt::Result,
    /// No field written yet (no space before the next one).
    first: bool,
}

impl PlainVisitor<'_> {
    /// Writes `name=value` (the message: `value` alone), with control characters escaped.
    fn write(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        let separator = if self.first { "" } else { " " };
        self.first = false;
        let value = escape_controls(value);
        self.result = match field.name() {
            "message" => write!(self.writer, "{separator}{value}"),
            name => write!(self.writer, "{separator}{name}={value}"),
        };
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" || is_plain_word(value) {
            self.write(field, value);
        } else {
            self.write(field, &format!("{value:?}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.write(field, &format!("{value:?}"));
    }
}

/// True for text that needs no quotes: ASCII letters, digits and `-._:/@+`, not empty.
fn is_plain_word(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:/@+".contains(c))
}

/// `text` with control characters (line breaks, ESC) written as escapes: one line, no
/// terminal control sequences.
fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Writes to the open log file, or nowhere before one is open.
struct FileWriter;

impl<'a> MakeWriter<'a> for FileWriter {
    type Writer = OptionalWriter<<RollingFileAppender as MakeWriter<'a>>::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        match LOG_FILE.get() {
            Some(file) => OptionalWriter::some(file.appender.make_writer()),
            None => OptionalWriter::none(),
        }
    }
}

/// Opens the window's rotating log file in [`log_dir`]; returns the directory.
pub fn open_log_file() -> Result<PathBuf, LogFileError> {
    let dir = log_dir().ok_or(LogFileError::NoStateDir)?;
    open_log_file_in(&dir)
}

/// Opens a rotating log file in `dir` (created if missing): daily files, the last
/// [`MAX_LOG_FILES`] kept. meetjoin's lines go there from now on, once [`init`] ran.
pub fn open_log_file_in(dir: &Path) -> Result<PathBuf, LogFileError> {
    if let Some(open) = LOG_FILE.get() {
        return Err(LogFileError::AlreadyOpen {
            dir: open.dir.clone(),
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| LogFileError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix(LOG_FILE_SUFFIX)
        .max_log_files(MAX_LOG_FILES)
        .build(dir)
        .map_err(|source| LogFileError::Open {
            dir: dir.to_owned(),
            source,
        })?;
    let file = LogFile {
        dir: dir.to_owned(),
        appender,
    };
    LOG_FILE
        .set(file)
        .map_err(|file| LogFileError::AlreadyOpen { dir: file.dir })?;
    Ok(dir.to_owned())
}

/// The window's start: opens the log file in [`log_dir`] and says where at INFO; a failure is
/// logged at INFO too (the window runs the same without a file). Returns the directory.
pub fn start_window_log() -> Option<PathBuf> {
    match open_log_file() {
        Ok(dir) => {
            tracing::info!(target: "meetjoin::logging", dir = %dir.display(), "log file");
            Some(dir)
        }
        Err(error) => {
            tracing::info!(target: "meetjoin::logging", %error, "no log file");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare_and_other_text_is_quoted() {
        for word in [
            "GET",
            "/v2/mms/ncms/conferences/auth/random",
            "-",
            "USG.000000004",
        ] {
            assert!(is_plain_word(word), "{word}");
        }
        for text in ["", "two words", "a\"quote", "会议", "a=b", "line\nbreak"] {
            assert!(!is_plain_word(text), "{text:?}");
        }
    }

    #[test]
    fn control_characters_are_escaped_onto_one_line() {
        assert_eq!(escape_controls("plain"), "plain");
        assert_eq!(
            escape_controls("a\nb\r\u{1b}[31mred"),
            "a\\nb\\r\\u{1b}[31mred"
        );
    }

    #[test]
    fn only_meetjoin_targets_are_meetjoin() {
        assert!(is_meetjoin("meetjoin"));
        assert!(is_meetjoin("meetjoin::api"));
        assert!(!is_meetjoin("meetjoin_other"));
        assert!(!is_meetjoin("hyper_util::client"));
    }
}
