//! A copied auth random is cleared from the real X clipboard: after its delay, or at once when
//! the window closes; and text the user copied in the meantime is left alone.
//!
//! The window's copy is played by this process owning the clipboard through arboard (as eframe
//! does in the window's process); another application's copy by an `xclip` that keeps serving
//! its text; the clipboard is read by `xclip -o`, from outside this process. Needs `DISPLAY`
//! (scripts/test.sh starts its own Xvfb) and `xclip`. The X clipboard is one per display, so
//! these tests take a lock file per display and run one at a time, even across processes.
#![cfg(feature = "gui")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::fs::File;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use secrecy::SecretString;
use tokio::runtime::Runtime;

use meetjoin::gui::worker::Worker;
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;

/// How long to wait for the clipboard to change before failing.
const DEADLINE: Duration = Duration::from_secs(10);

/// A fake auth random: 15 digits, like the service's.
const RANDOM: &str = "493027581164209";

/// What the user copies elsewhere in the meantime.
const USER_TEXT: &str = "the agenda the user copied";

/// The X clipboard of `DISPLAY`, held by this test alone.
struct XClipboard {
    /// This process's clipboard owner (the window's copy): must live while it owns the text.
    app: arboard::Clipboard,
    /// `xclip` processes serving another application's copy; ended on drop.
    others: Vec<Child>,
    _lock: File,
}

impl XClipboard {
    /// Waits for the display's clipboard lock; fails when there is no display or no xclip.
    fn take() -> XClipboard {
        let display = std::env::var("DISPLAY")
            .ok()
            .filter(|d| !d.is_empty())
            .expect("DISPLAY is not set: these tests need an X display (scripts/test.sh)");
        let lock_path = std::env::temp_dir().join(format!(
            "meetjoin-x-clipboard-{}.lock",
            display.replace(['/', ':', '.'], "_")
        ));
        let lock = File::create(&lock_path).expect("clipboard lock file");
        lock.lock().expect("clipboard lock");
        let status = Command::new("xclip")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "xclip is missing (apt install xclip)"
        );
        XClipboard {
            app: arboard::Clipboard::new().expect("the X clipboard opens"),
            others: Vec::new(),
            _lock: lock,
        }
    }

    /// The clipboard's text as another application would paste it, or xclip's word that there
    /// is none (an empty clipboard has no owner to ask). A read that fails otherwise (xclip
    /// could not reach the display, say) is tried again, until [`DEADLINE`].
    fn read(&self) -> Result<String, String> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let output = Command::new("xclip")
                .args(["-o", "-selection", "clipboard"])
                .stdin(Stdio::null())
                .output()
                .expect("xclip runs");
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let error = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            if output.status.success() && !text.is_empty() {
                return Ok(text);
            }
            if output.status.success() || error.contains("not available") {
                return Err(error);
            }
            assert!(
                Instant::now() < deadline,
                "xclip cannot read the clipboard: {error}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Polls until the clipboard holds `expected`; fails after [`DEADLINE`].
    fn wait_for(&self, expected: &str, what: &str) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let held = self.read();
            if held.as_deref() == Ok(expected) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: the clipboard holds {held:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Polls until the clipboard is empty, failing if it holds anything but `meanwhile` first;
    /// returns the moment it was seen empty (after the read, so the clear came before it).
    /// Empty means two reads in a row: one odd read is not taken for a clear.
    fn wait_until_cleared(&self, meanwhile: &str, what: &str) -> Instant {
        let start = Instant::now();
        let deadline = start + DEADLINE;
        // Each change of what the clipboard holds, and when: the story of a failure.
        let mut changes: Vec<String> = Vec::new();
        let mut last = None;
        let mut empty_since = None;
        loop {
            let held = self.read();
            let now = Instant::now();
            if last.as_ref() != Some(&held) {
                changes.push(format!("{:?}: {held:?}", now - start));
                last = Some(held.clone());
            }
            match held {
                Ok(text) => {
                    assert_eq!(
                        text, meanwhile,
                        "waiting for {what}, the clipboard holds something else: {changes:#?}"
                    );
                    empty_since = None;
                }
                Err(_) => match empty_since {
                    Some(at) => return at,
                    None => empty_since = Some(now),
                },
            }
            assert!(now < deadline, "timed out waiting for {what}: {changes:#?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The window copies `text` (this process owns the clipboard).
    fn copy_in_the_window(&mut self, text: &str) {
        self.app.set_text(text).expect("arboard copies");
        self.wait_for(text, "the window's copy");
    }

    /// Another application copies `text` (an `xclip` owns the clipboard).
    fn copy_elsewhere(&mut self, text: &str) {
        let mut xclip = Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-i"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip runs");
        xclip
            .stdin
            .take()
            .expect("xclip's stdin")
            .write_all(text.as_bytes())
            .expect("xclip reads the text");
        self.others.push(xclip);
        self.wait_for(text, "the other application's copy");
    }

    /// True while the other application still owns the clipboard (xclip exits when it loses it).
    fn other_still_owns_it(&mut self) -> bool {
        self.others
            .last_mut()
            .is_some_and(|xclip| matches!(xclip.try_wait(), Ok(None)))
    }
}

impl Drop for XClipboard {
    fn drop(&mut self) {
        for xclip in &mut self.others {
            let _ = xclip.kill();
            let _ = xclip.wait();
        }
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The window's worker, on a server it never needs to reach.
fn new_worker(runtime: &Runtime) -> Worker {
    Worker::new(
        &egui::Context::default(),
        runtime.handle().clone().into(),
        Server::parse("http://127.0.0.1:9").expect("server"),
        Arc::new(MemoryStore::new()),
    )
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

#[test]
#[ignore = "needs an X display (scripts/test.sh runs it)"]
fn a_copied_random_is_cleared_after_its_delay() {
    let mut clipboard = XClipboard::take();
    let runtime = runtime();
    let worker = new_worker(&runtime);
    clipboard.copy_in_the_window(RANDOM);

    let delay = Duration::from_millis(200);
    let armed = Instant::now();
    worker.own_copy(secret(RANDOM), Some(delay));
    let cleared = clipboard.wait_until_cleared(RANDOM, "the random to be cleared");
    // A timer never fires early: an empty clipboard before the delay is a clear that ignored it.
    assert!(
        cleared - armed >= delay,
        "cleared after {:?}, before its delay of {delay:?}",
        cleared - armed
    );
}

#[test]
#[ignore = "needs an X display (scripts/test.sh runs it)"]
fn text_copied_elsewhere_in_the_meantime_is_left_alone() {
    let mut clipboard = XClipboard::take();
    let runtime = runtime();
    let worker = new_worker(&runtime);
    clipboard.copy_in_the_window(RANDOM);
    let first = Duration::from_millis(200);
    let armed = Instant::now();
    worker.own_copy(secret(RANDOM), Some(first));
    clipboard.copy_elsewhere(USER_TEXT);

    // To see that the first timer has fired (and done nothing), arm a later one for the text
    // now on the clipboard: that one clears it. Timers never fire early, so a clipboard emptied
    // before the later deadline was emptied by the first timer, over the user's text.
    let later = Duration::from_millis(700);
    worker.own_copy(secret(USER_TEXT), Some(later));
    let cleared = clipboard.wait_until_cleared(USER_TEXT, "the later timer");
    assert!(
        cleared - armed >= later,
        "the user's text was cleared {:?} after the first timer was armed, before the later \
         timer ({later:?}): the first timer, due after {first:?}, cleared text that was not its \
         random",
        cleared - armed
    );
}

#[test]
#[ignore = "needs an X display (scripts/test.sh runs it)"]
fn closing_the_window_clears_a_waiting_random_at_once_and_nothing_else() {
    let mut clipboard = XClipboard::take();
    let runtime = runtime();
    let hour = Duration::from_secs(3600);

    // A random waiting for its timer goes when the window closes.
    let worker = new_worker(&runtime);
    clipboard.copy_in_the_window(RANDOM);
    worker.own_copy(secret(RANDOM), Some(hour));
    worker.clear_clipboard_now();
    // Within the polling deadline, not after the hour.
    clipboard.wait_until_cleared(RANDOM, "the random to be cleared on exit");
    drop(worker);

    // Text the user copied since is left alone, and its owner keeps it.
    let worker = new_worker(&runtime);
    clipboard.copy_in_the_window(RANDOM);
    worker.own_copy(secret(RANDOM), Some(hour));
    clipboard.copy_elsewhere(USER_TEXT);
    // Blocking: when it returns, the clipboard has been read and left, or cleared.
    worker.clear_clipboard_now();
    assert_eq!(
        clipboard.read().as_deref(),
        Ok(USER_TEXT),
        "the user's text survives the window closing"
    );
    assert!(
        clipboard.other_still_owns_it(),
        "the other application still owns the clipboard"
    );
}
