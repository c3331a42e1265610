//! One window per user: the first `meetjoin gui` listens on a per-user local socket; a second
//! launch hands its meeting text to it (which fills it in, checks it and comes to the front)
//! and exits instead of opening a second window.
//!
//! The socket lives in `$XDG_RUNTIME_DIR/meetjoin/` (else a `meetjoin-<uid>` directory in the
//! temporary directory), a directory only the user can enter; the sandbox's windows use their
//! own socket. A socket file left by a crashed window is noticed (nothing answers) and replaced.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The longest message a second launch may send, in bytes.
const MAX_MESSAGE: u64 = 64 * 1024;
/// How long either side waits for the other.
const TIMEOUT: Duration = Duration::from_secs(3);

/// What a second launch hands to the first window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// The meeting text given on its command line, if any.
    pub meeting: Option<String>,
    /// It was started with `--check-clipboard`.
    #[serde(default)]
    pub check_clipboard: bool,
}

/// The outcome of [`claim`].
pub enum Claim {
    /// This is the first window: keep the listener for as long as the window lives.
    First(Listener),
    /// Another window took the handoff: exit.
    Handed,
}

/// The first window's end of the socket; removes the socket file when dropped.
pub struct Listener {
    path: PathBuf,
    /// Handoffs from later launches, in order.
    pub handoffs: mpsc::Receiver<Handoff>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The socket's path for this user; `sandbox` windows have their own.
pub fn socket_path(sandbox: bool) -> std::io::Result<PathBuf> {
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("meetjoin"),
        None => std::env::temp_dir().join(format!("meetjoin-{}", current_uid()?)),
    };
    private_dir(&dir)?;
    let name = if sandbox {
        "window-sandbox.sock"
    } else {
        "window.sock"
    };
    Ok(dir.join(name))
}

/// This process's user id (the owner of `/proc/self`).
fn current_uid() -> std::io::Result<u32> {
    Ok(std::fs::metadata("/proc/self")?.uid())
}

/// Creates `dir` for this user only, or checks that an existing one is this user's and
/// closed to others.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = std::fs::symlink_metadata(dir)?;
            if !meta.is_dir() || meta.uid() != current_uid()? {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the socket directory belongs to someone else",
                ));
            }
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Becomes the first window on `path`, or hands `handoff` to the window already there.
/// `wake` runs (on the listener's thread) after each handoff arrives, to wake the window.
pub fn claim(
    path: &Path,
    handoff: &Handoff,
    wake: impl Fn() + Send + 'static,
) -> std::io::Result<Claim> {
    for _ in 0..3 {
        match UnixStream::connect(path) {
            Ok(stream) => {
                if hand_over(stream, handoff).is_ok() {
                    return Ok(Claim::Handed);
                }
                // A window that does not answer is stuck or dying: take its place.
                let _ = std::fs::remove_file(path);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
                ) =>
            {
                // A socket file without a window (a crash) is replaced.
                let _ = std::fs::remove_file(path);
            }
            Err(e) => return Err(e),
        }
        match UnixListener::bind(path) {
            Ok(listener) => return Ok(Claim::First(listen(path, listener, wake)?)),
            // Another launch bound it in between: hand over to it instead.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "could not reach or replace the window's socket",
    ))
}

/// Sends one handoff and waits for the window's "ok".
fn hand_over(mut stream: UnixStream, handoff: &Handoff) -> std::io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut line = serde_json::to_vec(handoff)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    if answer.trim() == "ok" {
        Ok(())
    } else {
        Err(std::io::Error::other("the window did not take the handoff"))
    }
}

/// Accepts handoffs on a thread of its own, for as long as the process lives.
fn listen(
    path: &Path,
    listener: UnixListener,
    wake: impl Fn() + Send + 'static,
) -> std::io::Result<Listener> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    let (sender, handoffs) = mpsc::channel();
    std::thread::Builder::new()
        .name("meetjoin-instance".to_owned())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(handoff) = receive(stream)
                    && sender.send(handoff).is_ok()
                {
                    wake();
                }
            }
        })?;
    Ok(Listener {
        path: path.to_owned(),
        handoffs,
    })
}

/// Reads one handoff (at most [`MAX_MESSAGE`] bytes) and answers "ok"; anything else is
/// dropped without an answer.
fn receive(stream: UnixStream) -> Option<Handoff> {
    stream.set_read_timeout(Some(TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(TIMEOUT)).ok()?;
    let mut line = String::new();
    BufReader::new((&stream).take(MAX_MESSAGE))
        .read_line(&mut line)
        .ok()?;
    let handoff: Handoff = serde_json::from_str(line.trim()).ok()?;
    (&stream).write_all(b"ok\n").ok()?;
    Some(handoff)
}
