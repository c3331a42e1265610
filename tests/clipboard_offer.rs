//! A meeting in the real X clipboard is offered once when the window gains the focus, with
//! the password found in the same text; Check works; a setting turns the offers off; the
//! window's own copied random is never offered. The window runs headless (egui_kittest) but
//! reads the display's clipboard as the real window does; `xclip` plays the application the
//! invitation was copied from. Needs `DISPLAY` and `xclip` (scripts/test.sh starts an Xvfb).
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

use std::fs::File;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use meetjoin::gui::state::CheckStatus;
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::{Sandbox, SandboxConfig};
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;

use window::{Window, button, demo_account, has_label_containing, runtime, wait_until};

const INVITATION: &str = "李四 邀请您参加会议\n会议ID：987 654 321\n会议密码：123456";
/// Another invitation, copied while the window was covered.
const OTHER_INVITATION: &str = "Join the webinar\nMeeting ID: 900 000 001\nPasscode: 246810";

/// Serves `text` as the X clipboard's owner (another application's copy) until dropped; holds
/// the display's clipboard lock, shared with tests/clipboard.rs.
struct Copied {
    xclip: Child,
    _lock: File,
}

impl Copied {
    fn new(text: &str) -> Copied {
        let display = std::env::var("DISPLAY")
            .ok()
            .filter(|d| !d.is_empty())
            .expect("DISPLAY is not set: this test needs an X display (scripts/test.sh)");
        let lock_path = std::env::temp_dir().join(format!(
            "meetjoin-x-clipboard-{}.lock",
            display.replace(['/', ':', '.'], "_")
        ));
        let lock = File::create(&lock_path).expect("clipboard lock file");
        lock.lock().expect("clipboard lock");
        let mut xclip = Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-i"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip runs (apt install xclip)");
        xclip
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("xclip reads the text");
        // xclip owns the clipboard once it has read its input.
        for _ in 0..100 {
            let out = Command::new("xclip")
                .args(["-o", "-selection", "clipboard"])
                .output()
                .expect("xclip -o");
            if String::from_utf8_lossy(&out.stdout) == text {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Copied { xclip, _lock: lock }
    }
}

impl Drop for Copied {
    fn drop(&mut self) {
        let _ = self.xclip.kill();
        let _ = self.xclip.wait();
    }
}

fn window(runtime: &tokio::runtime::Runtime, sandbox: &Sandbox, offers: bool) -> Window {
    let server = Server::parse(&sandbox.url()).expect("url");
    let handle = runtime.handle().clone();
    let mut saved = window::test_settings();
    saved.settings.offer_clipboard = offers;
    Harness::builder()
        .with_max_steps(8)
        .with_size(egui::vec2(640.0, 1500.0))
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, Arc::new(MemoryStore::new()), handle);
            deps.sandbox = true;
            deps.demo = Some(demo_account());
            deps.saved = Some(saved);
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        })
}

/// The window loses or gains the focus as winit tells eframe: through the raw input hook,
/// which eframe calls whether or not it draws a frame, then a frame.
fn focus(window: &mut Window, focused: bool) {
    focus_events(window, &[focused]);
    window.step();
}

/// Hands `events` (focus lost or gained) to the app as eframe does, without drawing a frame: a
/// covered window runs no `ui()`, and eframe hands the same input again with the next pass.
fn focus_events(window: &mut Window, events: &[bool]) {
    let ctx = window.ctx.clone();
    let mut input = egui::RawInput {
        events: events
            .iter()
            .map(|f| egui::Event::WindowFocused(*f))
            .collect(),
        ..egui::RawInput::default()
    };
    eframe::App::raw_input_hook(window.state_mut(), &ctx, &mut input);
}

fn offers(window: &Window) -> usize {
    window
        .query_all_by_label_contains("from the clipboard?")
        .count()
}

#[test]
#[ignore = "needs an X display and xclip (scripts/test.sh runs it)"]
fn a_meeting_in_the_clipboard_is_offered_once_and_checks() {
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .expect("sandbox");
    let copied = Copied::new(INVITATION);
    // The window opens and takes the focus: the clipboard is read once, and the meeting offered.
    let mut window = window(&runtime, &sandbox, true);
    focus(&mut window, true);
    wait_until(&mut window, "the offer", |w| offers(w) == 1);
    assert!(has_label_containing(
        &window,
        "Check meeting 987 654 321 from the clipboard?"
    ));
    // Focus lost and gained again: the same meeting is not offered twice.
    button(&window, "Dismiss").click();
    window.run();
    assert_eq!(offers(&window), 0);
    focus(&mut window, false);
    focus(&mut window, true);
    for _ in 0..20 {
        window.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(offers(&window), 0, "offered once");

    // Covered by another window (a browser, a chat), the window loses the focus and draws
    // nothing: eframe calls only the raw input hook. An invitation is copied there; back in
    // this window, eframe hands over the hidden pass's input again and the new focus: the
    // invitation is offered.
    focus_events(&mut window, &[false]);
    drop(copied);
    let copied = Copied::new(OTHER_INVITATION);
    focus_events(&mut window, &[false, true]);
    wait_until(&mut window, "the offer after coming back", |w| {
        has_label_containing(w, "Check meeting 900 000 001 from the clipboard?")
    });
    button(&window, "Dismiss").click();
    window.run();
    assert_eq!(offers(&window), 0);
    drop(copied);
    let _copied = Copied::new(INVITATION);

    // A new window, signed in: Check takes the invitation and its password, and works.
    let mut window = self::window(&runtime, &sandbox, true);
    focus(&mut window, true);
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    button(&window, "Sign in…").click();
    window.run();
    button(&window, "Sign in").click();
    wait_until(&mut window, "sign-in", |w| {
        // Both the account and the dialog's answer (they arrive in either order).
        w.state().account().signed_in.is_some() && w.state().state().sign_in.is_none()
    });
    wait_until(&mut window, "the offer", |w| offers(w) == 1);
    button(&window, "Check this meeting").click();
    window.step();
    wait_until(&mut window, "the check", |w| {
        matches!(w.state().state().check, CheckStatus::Done(_))
    });
    assert_eq!(window.state().state().form.password, "123456");
    assert_eq!(offers(&window), 0, "the offer is gone");

    // With offers off, nothing is read.
    let mut window = self::window(&runtime, &sandbox, false);
    focus(&mut window, true);
    for _ in 0..20 {
        window.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(offers(&window), 0, "offers off");
}

#[test]
#[ignore = "needs an X display and xclip (scripts/test.sh runs it)"]
fn another_service_s_invitation_in_the_clipboard_is_never_offered() {
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .expect("sandbox");
    let tencent = "张三 邀请您参加腾讯会议\n会议主题：周会\n\
                   https://meeting.tencent.com/dm/8mKJ2aQzX1fE\n#腾讯会议：382-197-699\n会议密码：1234";
    let copied = Copied::new(tencent);
    // The window opens, takes the focus and reads the clipboard once.
    let mut window = window(&runtime, &sandbox, true);
    focus(&mut window, true);
    assert!(window.state().state().had_focus, "the read started");
    wait_until(&mut window, "the clipboard's text", |w| {
        !w.state().clipboard_read_pending()
    });
    window.run();
    assert_eq!(
        offers(&window),
        0,
        "Tencent Meeting's invitation is not offered"
    );
    assert!(window.state().state().clipboard_offered.is_empty());
    assert_eq!(window.state().state().form.password, "");
    drop(copied);

    // A HUAWEI CLOUD Meeting invitation copied next is offered, as ever.
    let _copied = Copied::new(INVITATION);
    focus(&mut window, false);
    focus(&mut window, true);
    wait_until(&mut window, "the offer", |w| offers(w) == 1);
    assert!(has_label_containing(
        &window,
        "Check meeting 987 654 321 from the clipboard?"
    ));
    assert_eq!(sandbox.stats().random_calls, 0);
}
