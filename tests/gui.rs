//! The window, driven headless with egui_kittest against an in-process sandbox: the real app
//! state, the real worker, the real library calls, a `MemoryStore`.
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use eframe::egui::accesskit::Role;
use eframe::egui::{self, Event, Key, Modifiers, OutputCommand};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use secrecy::SecretString;
use tokio::io::AsyncReadExt;
use tokio::runtime::Runtime;

use meetjoin::Lang;
use meetjoin::api::{ErrorKind, Tokens};
use meetjoin::gui::state::CheckStatus;
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::{DEMO_ACCOUNT, Sandbox, SandboxConfig};
use meetjoin::secrets::{MemoryStore, SignInMethod, StoredSession, TokenStore};
use meetjoin::server::Server;

use window::{
    button, confirm_sign_out, demo_account, has_label, has_label_containing, runtime,
    test_settings, wait_until,
};

const INVITATION: &str =
    "zhang 邀请您参加会议\n会议主题：zhang的会议\n会议ID：914 047 175\n会议时间：2026-11-25 15:00";

fn start_sandbox(runtime: &Runtime) -> Sandbox {
    runtime
        .block_on(Sandbox::start(SandboxConfig {
            port: 0,
            ..SandboxConfig::default()
        }))
        .expect("sandbox starts")
}

/// The app on `server`, in sandbox mode, with `store`, spawning on `runtime`.
fn harness(
    runtime: &Runtime,
    server: Server,
    store: Arc<dyn TokenStore>,
) -> Harness<'static, MeetjoinApp> {
    let handle = runtime.handle().clone();
    Harness::builder()
        .with_max_steps(8)
        .with_size(egui::vec2(640.0, 1500.0))
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, store, handle);
            deps.sandbox = true;
            deps.demo = Some(demo_account());
            deps.saved = Some(test_settings());
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        })
}

fn sandbox_harness(runtime: &Runtime, sandbox: &Sandbox) -> Harness<'static, MeetjoinApp> {
    let server = Server::parse(&sandbox.url()).expect("sandbox URL");
    harness(runtime, server, Arc::new(MemoryStore::new()))
}

/// Signs in with the sandbox's demo account through the dialog (it comes filled in).
fn sign_in(harness: &mut Harness<'static, MeetjoinApp>) {
    wait_until(harness, "the saved sign-in lookup", |h| {
        !h.state().account().restoring
    });
    button(harness, "Sign in…").click();
    harness.run();
    let account = harness.get_by_role_and_label(Role::TextInput, "Account");
    assert_eq!(
        account.value().as_deref(),
        Some(DEMO_ACCOUNT),
        "demo account filled in"
    );
    button(harness, "Sign in").click();
    wait_until(harness, "sign-in", |h| {
        h.state().account().signed_in.is_some()
    });
    harness.run();
    assert!(has_label_containing(
        harness,
        &format!("Signed in as {DEMO_ACCOUNT}")
    ));
    assert!(
        harness.state().state().sign_in.is_none(),
        "the dialog closes"
    );
}

/// Replaces the meeting field's text as a paste would.
fn paste_meeting(harness: &mut Harness<'static, MeetjoinApp>, text: &str) {
    harness.state_mut().state_mut().form.input.clear();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
        .focus();
    harness.run();
    harness.event(Event::Paste(text.to_owned()));
    harness.run();
}

fn type_password(harness: &mut Harness<'static, MeetjoinApp>, password: &str) {
    harness.state_mut().state_mut().form.password.clear();
    harness
        .get_by_role_and_label(Role::PasswordInput, "Meeting password")
        .focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::PasswordInput, "Meeting password")
        .type_text(password);
    harness.run();
}

fn check_and_wait(harness: &mut Harness<'static, MeetjoinApp>) {
    button(harness, "Check").click();
    harness.step();
    wait_until(harness, "the check", |h| !h.state().check_pending());
    harness.run();
}

fn copied_texts(harness: &Harness<'static, MeetjoinApp>) -> Vec<String> {
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn is_random(text: &str) -> bool {
    text.len() == 15 && text.chars().all(|c| c.is_ascii_digit())
}

/// Comes to rest: the window stops asking for immediate repaints once the work it started is
/// over. A late background result (the keyring's save, the account published) may ask for one
/// more frame, so frames are drawn until one asks for none; a window that keeps asking (a busy
/// loop) never gets there and fails at the deadline, which only bounds that.
fn assert_settled(harness: &mut Harness<'static, MeetjoinApp>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut frames = 0;
    loop {
        harness.run();
        harness.step();
        frames += 1;
        let delay = harness
            .output()
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .map(|v| v.repaint_delay)
            .expect("root viewport output");
        if delay > Duration::ZERO {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "an idle window keeps asking for immediate repaints ({frames} frames)"
        );
        std::thread::yield_now();
    }
}

#[test]
fn paste_invitation_check_and_copy_random() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime);
    let mut harness = sandbox_harness(&runtime, &sandbox);
    assert!(has_label(&harness, "Sandbox"), "sandbox badge");
    sign_in(&mut harness);

    paste_meeting(&mut harness, INVITATION);
    assert!(
        has_label_containing(&harness, "Meeting ID 914 047 175"),
        "the parsed ID shows live, grouped"
    );
    check_and_wait(&mut harness);
    assert!(
        has_label(&harness, "zhang的会议"),
        "the Chinese subject, intact"
    );
    assert!(has_label(&harness, "MMR meeting"));
    assert!(has_label(&harness, "Allowed"), "mini-program joining");

    let random = match &harness.state().state().check {
        CheckStatus::Done(facts) => secrecy::ExposeSecret::expose_secret(facts.random()).to_owned(),
        other => panic!("expected a result, got {other:?}"),
    };
    assert!(is_random(&random), "a 15-digit random");

    button(&harness, "Copy").click();
    harness.step();
    assert_eq!(
        copied_texts(&harness),
        vec![random.clone()],
        "Copy puts the random on the clipboard"
    );
    harness.run();
    assert!(
        has_label_containing(&harness, "Copied: the clipboard keeps it"),
        "a copy's confirmation by the Copy button"
    );

    // Ctrl+Shift+C does the same.
    assert_eq!(
        press_copy_shortcut(&mut harness),
        vec![random.clone()],
        "Ctrl+Shift+C copies the random"
    );

    let history = &harness.state().state().history;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].meeting_id.as_str(), "914047175");
    assert_eq!(history[0].subject.as_deref(), Some("zhang的会议"));
    let saved = serde_json::to_string(harness.state().state()).expect("state serialises");
    assert!(!saved.contains(&random), "the random is never saved");
    assert!(saved.contains("914047175"));

    assert_settled(&mut harness);
}

#[test]
fn wrong_password_and_password_required() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime);
    let mut harness = sandbox_harness(&runtime, &sandbox);
    sign_in(&mut harness);

    paste_meeting(&mut harness, "987654321");
    type_password(&mut harness, "000000");
    check_and_wait(&mut harness);
    let wrong = ErrorKind::WrongIdOrPassword.message(Lang::En);
    assert!(
        has_label_containing(&harness, &wrong),
        "wrong password: {wrong}"
    );
    assert!(has_label(&harness, "Details"), "a Details section");

    harness.get_by_label("Details").click();
    harness.run();
    assert!(
        has_label_containing(&harness, "MMC.111072065"),
        "the error code in the details"
    );
    button(&harness, "Copy details").click();
    harness.step();
    let copied = copied_texts(&harness);
    assert!(
        copied
            .iter()
            .any(|t| t.contains("MMC.111072065") && t.contains("Request ID")),
        "Copy details copies code and request id: {copied:?}"
    );
    harness.run();

    // No password typed: the service wants one, and the password field gets the focus.
    harness.state_mut().state_mut().form.password.clear();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
        .focus();
    harness.run();
    check_and_wait(&mut harness);
    let required = ErrorKind::PasswordRequired.message(Lang::En);
    assert!(
        has_label_containing(&harness, &required),
        "password required: {required}"
    );
    assert!(
        harness
            .get_by_role_and_label(Role::PasswordInput, "Meeting password")
            .is_focused(),
        "the password field has the focus"
    );

    // The right password works, with Enter in the password field.
    harness
        .get_by_role_and_label(Role::PasswordInput, "Meeting password")
        .type_text("123456");
    harness.run();
    harness.key_press(Key::Enter);
    harness.step();
    wait_until(&mut harness, "the check", |h| !h.state().check_pending());
    harness.run();
    assert!(has_label(&harness, "季度评审会"));
    assert!(has_label(&harness, "MCU meeting"));
    assert!(
        has_label(&harness, "Not allowed"),
        "no mini-program joining"
    );
    assert_settled(&mut harness);
}

/// A server that accepts connections and never answers; counts the connections closed.
struct SilentServer {
    server: Server,
    closed: Arc<AtomicUsize>,
}

fn silent_server(runtime: &Runtime) -> SilentServer {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let closed = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&closed);
    runtime.spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buffer).await {
                    if n == 0 {
                        break;
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    SilentServer {
        server: Server::parse(&format!("http://{addr}")).expect("server URL"),
        closed,
    }
}

/// A store already holding a session for `server`, so checks go straight to the network.
fn signed_in_store(server: &Server) -> Arc<dyn TokenStore> {
    let store = MemoryStore::new();
    store
        .save(
            server,
            &StoredSession {
                account: "tester".to_owned(),
                method: SignInMethod::AccessToken,
                tokens: Tokens::from_access_token(SecretString::from("test-token".to_owned())),
                app_key: None,
            },
        )
        .expect("memory store");
    Arc::new(store)
}

/// A server that answers every auth-random request with `subject` after `delay` (per meeting
/// ID); counts the requests whose connection closed before the answer was due.
struct ScriptedServer {
    server: Server,
    abandoned: Arc<AtomicUsize>,
}

fn scripted_server(
    runtime: &Runtime,
    script: &'static [(&'static str, u64, &'static str)],
) -> ScriptedServer {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let abandoned = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&abandoned);
    runtime.spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let mut buffer = vec![0u8; 8192];
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buffer[..n]).into_owned();
                let Some(&(_, delay_ms, subject)) =
                    script.iter().find(|(id, _, _)| head.contains(&format!("conf_id={id}")))
                else {
                    return;
                };
                // Answer after the delay, unless the client hangs up first.
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(delay_ms)) => {
                        let body = format!(
                            r#"{{"random":"111222333444555","subject":"{subject}","conf_mode":"RTC"}}"#
                        );
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(reply.as_bytes()).await;
                    }
                    _ = socket.read(&mut buffer) => {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    ScriptedServer {
        server: Server::parse(&format!("http://{addr}")).expect("server URL"),
        abandoned,
    }
}

#[test]
fn cancel_and_stale_replies() {
    let runtime = runtime();
    let silent = silent_server(&runtime);
    let store = signed_in_store(&silent.server);
    let mut harness = harness(&runtime, silent.server.clone(), store);
    wait_until(&mut harness, "the saved sign-in", |h| {
        h.state().account().signed_in.is_some()
    });

    // Esc cancels a check in flight: no spinner, no result, and the UI settles.
    paste_meeting(&mut harness, "914047175");
    button(&harness, "Check").click();
    harness.step();
    harness.step();
    assert!(harness.state().check_pending());
    assert!(has_label(&harness, "Checking…"));
    harness.key_press(Key::Escape);
    harness.run();
    assert!(
        matches!(harness.state().state().check, CheckStatus::Idle),
        "Esc cancels"
    );
    assert!(!has_label(&harness, "Checking…"));
    wait_until(
        &mut harness,
        "the cancelled request's connection to close",
        |_| silent.closed.load(Ordering::SeqCst) >= 1,
    );
    assert_settled(&mut harness);

    assert!(!harness.state().check_pending());
}

#[test]
fn the_latest_check_wins() {
    // The first meeting answers late, the second at once: the late answer must never replace
    // the answer to the check the user asked for last.
    static SCRIPT: &[(&str, u64, &str)] = &[
        ("914047175", 400, "Stale meeting"),
        ("987654321", 0, "Latest meeting"),
    ];
    let runtime = runtime();
    let scripted = scripted_server(&runtime, SCRIPT);
    let store = signed_in_store(&scripted.server);
    let mut harness = harness(&runtime, scripted.server.clone(), store);
    wait_until(&mut harness, "the saved sign-in", |h| {
        h.state().account().signed_in.is_some()
    });

    paste_meeting(&mut harness, "914047175");
    button(&harness, "Check").click();
    harness.step();
    assert!(harness.state().check_pending());
    harness.state_mut().state_mut().form.input = "987654321".to_owned();
    harness.step();
    button(&harness, "Check").click();
    wait_until(&mut harness, "the latest reply", |h| {
        has_label(h, "Latest meeting")
    });
    wait_until(
        &mut harness,
        "the abandoned request's connection to close",
        |_| scripted.abandoned.load(Ordering::SeqCst) >= 1,
    );
    // The client hung up on the first meeting before its answer was due, so that answer can
    // never arrive; the window still shows the latest one.
    harness.run();
    assert!(has_label(&harness, "Latest meeting"));
    assert!(
        !has_label(&harness, "Stale meeting"),
        "a stale reply is never shown"
    );
    assert!(
        has_label(&harness, "Unknown"),
        "facts not sent read as unknown"
    );
    assert_settled(&mut harness);
}

#[test]
fn language_switch_history_and_settle() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime);
    let mut harness = sandbox_harness(&runtime, &sandbox);
    sign_in(&mut harness);
    paste_meeting(&mut harness, "914 047 175");
    harness.key_press(Key::Enter);
    harness.step();
    wait_until(&mut harness, "the check", |h| !h.state().check_pending());
    harness.run();
    assert!(
        has_label(&harness, "zhang的会议"),
        "Enter in the meeting field checks"
    );

    // Switch to Chinese: labels change at once.
    button(&harness, "Settings").click();
    harness.run();
    harness
        .get_by_role_and_label(Role::RadioButton, "简体中文")
        .click();
    harness.run();
    let zh = Lang::ZhCn;
    button(&harness, &zh.tr("gui.settings.close")).click();
    harness.run();
    let check = zh.tr("gui.check.button");
    assert!(!check.is_ascii(), "a Chinese label: {check}");
    assert!(
        has_label(&harness, &check),
        "the Check button reads {check}"
    );
    assert!(has_label(&harness, &zh.tr("gui.header.settings")));
    assert!(has_label(&harness, &zh.tr("gui.history.heading")));
    assert!(
        has_label_containing(&harness, "zhang的会议"),
        "the history lists the meeting"
    );

    // Click a remembered meeting: it comes back into the field.
    harness.state_mut().state_mut().form.input.clear();
    harness.run();
    let entry = harness
        .query_all_by_role(Role::Button)
        .find(|n| {
            n.accesskit_node()
                .label()
                .is_some_and(|l| l.contains("914 047 175"))
        })
        .expect("a history entry");
    entry.click();
    harness.run();
    assert_eq!(harness.state().state().form.input, "914 047 175");

    // Turning history off clears it.
    button(&harness, &zh.tr("gui.header.settings")).click();
    harness.run();
    harness
        .get_by_role_and_label(Role::CheckBox, &zh.tr("gui.settings.keep_history"))
        .click();
    harness.run();
    assert!(harness.state().state().history.is_empty());
    assert!(!harness.state().state().settings.keep_history);
    harness.key_press(Key::Escape);
    harness.run();
    assert!(
        harness.state().state().settings_dialog.is_none(),
        "Esc closes the dialog"
    );
    assert_settled(&mut harness);
}

#[test]
fn sign_out_ends_the_token_on_the_server() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime);
    let mut harness = sandbox_harness(&runtime, &sandbox);
    sign_in(&mut harness);
    confirm_sign_out(&mut harness);
    // Forgotten here at once; the "Signed out" toast comes when the server has answered too.
    wait_until(&mut harness, "the sign-out", |h| {
        h.state().account().signed_in.is_none() && has_label(h, "Signed out")
    });
    harness.run();
    assert!(has_label(&harness, "Not signed in"));
    assert_eq!(sandbox.stats().sign_outs, 1);

    // Signed out, the form says to sign in first; Check opens sign-in, and the check runs
    // as soon as sign-in succeeds.
    assert!(has_label_containing(&harness, "Sign in first"));
    paste_meeting(&mut harness, "914047175");
    button(&harness, "Check").click();
    harness.run();
    assert!(harness.state().state().sign_in.is_some(), "sign-in opened");
    assert!(matches!(harness.state().state().check, CheckStatus::Idle));
    assert_eq!(
        sandbox.stats().random_calls,
        0,
        "nothing asked before sign-in"
    );
    button(&harness, "Sign in").click();
    wait_until(&mut harness, "sign-in, then the check", |h| {
        matches!(h.state().state().check, CheckStatus::Done(_))
    });
    harness.run();
    assert!(harness.state().state().sign_in.is_none(), "dialog closed");
    assert_eq!(sandbox.stats().random_calls, 1);
    assert!(!has_label_containing(&harness, "Sign in first"));
    assert!(!has_label_containing(
        &harness,
        &ErrorKind::NotSignedIn.message(Lang::En)
    ));
    assert_settled(&mut harness);

    // Cancelling that sign-in forgets the check.
    confirm_sign_out(&mut harness);
    wait_until(&mut harness, "the second sign-out", |h| {
        h.state().account().signed_in.is_none() && !h.state().account().restoring
    });
    harness.run();
    button(&harness, "Check").click();
    harness.run();
    button(&harness, "Cancel").click();
    harness.run();
    assert!(harness.state().state().sign_in.is_none());
    sign_in(&mut harness);
    harness.run();
    assert!(
        !harness.state().check_pending(),
        "a cancelled sign-in does not check later"
    );
    assert_eq!(sandbox.stats().random_calls, 1);
}

#[test]
fn sign_in_dialog_reports_errors_and_signs_in_with_an_app_id() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime);
    let mut harness = sandbox_harness(&runtime, &sandbox);
    wait_until(&mut harness, "the saved sign-in lookup", |h| {
        !h.state().account().restoring
    });
    button(&harness, "Sign in…").click();
    harness.run();

    // A wrong password: the dialog stays open and says so.
    if let Some(form) = harness.state_mut().state_mut().sign_in.as_mut() {
        form.password = "wrong-password".to_owned();
    }
    harness
        .get_by_role_and_label(Role::PasswordInput, "Password")
        .focus();
    harness.run();
    harness.key_press(Key::Enter);
    harness.step();
    wait_until(&mut harness, "the refused sign-in", |h| {
        h.state()
            .state()
            .sign_in
            .as_ref()
            .is_some_and(|f| f.error.is_some())
    });
    harness.run();
    let wrong = ErrorKind::AccountOrPasswordWrong.message(Lang::En);
    assert!(has_label_containing(&harness, &wrong), "{wrong}");
    assert!(harness.state().account().signed_in.is_none());

    // The App ID tab comes filled in with the sandbox's App ID and key.
    harness
        .get_by_role_and_label(Role::Button, "App ID")
        .click();
    harness.run();
    assert!(
        harness
            .query_by_role_and_label(Role::TextInput, "App ID")
            .is_some()
    );
    button(&harness, "Sign in").click();
    wait_until(&mut harness, "App ID sign-in", |h| {
        h.state().account().signed_in.is_some()
    });
    harness.run();
    assert!(
        harness.state().state().sign_in.is_none(),
        "the dialog closes"
    );
    assert_eq!(sandbox.stats().app_sign_ins, 1);
    assert_settled(&mut harness);
}

#[test]
fn an_sp_application_signs_in_with_its_corp_id() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime);
    let mut harness = sandbox_harness(&runtime, &sandbox);
    wait_until(&mut harness, "the saved sign-in lookup", |h| {
        !h.state().account().restoring
    });
    button(&harness, "Sign in…").click();
    harness.run();
    harness
        .get_by_role_and_label(Role::Button, "App ID")
        .click();
    harness.run();
    // The corp ID belongs to SP applications only: hidden until the choice is made.
    assert!(
        harness
            .query_by_role_and_label(Role::TextInput, "Corp ID (optional)")
            .is_none()
    );
    harness
        .get_by_role_and_label(Role::CheckBox, "SP application (multi-tenant)")
        .click();
    harness.run();
    assert!(
        harness
            .query_by_role_and_label(Role::TextInput, "Corp ID (optional)")
            .is_some()
    );
    if let Some(form) = harness.state_mut().state_mut().sign_in.as_mut() {
        form.app_id = meetjoin::sandbox::DEMO_SP_APP_ID.to_owned();
        form.app_key = meetjoin::sandbox::DEMO_SP_APP_KEY.to_owned();
        form.user_id = "bob".to_owned();
        form.corp_id = meetjoin::sandbox::DEMO_SP_CORP_ID.to_owned();
    }
    harness.run();
    button(&harness, "Sign in").click();
    wait_until(&mut harness, "SP sign-in", |h| {
        h.state().account().signed_in.is_some()
    });
    harness.run();
    let signed_in = harness
        .state()
        .account()
        .signed_in
        .clone()
        .expect("signed in");
    assert_eq!(signed_in.user_name.as_deref(), Some("bob"));
    assert_eq!(
        signed_in.method,
        SignInMethod::AppId {
            app_id: meetjoin::sandbox::DEMO_SP_APP_ID.to_owned(),
            user_id: Some("bob".to_owned()),
            multi_tenant: true,
            corp_id: Some(meetjoin::sandbox::DEMO_SP_CORP_ID.to_owned()),
        }
    );
    assert_eq!(sandbox.stats().app_sign_ins, 1);
    assert_settled(&mut harness);
}

/// Presses Ctrl+Shift+C and returns what the window copied in that step.
fn press_copy_shortcut(harness: &mut Harness<'static, MeetjoinApp>) -> Vec<String> {
    let mods = Modifiers {
        ctrl: true,
        shift: true,
        command: true,
        ..Modifiers::default()
    };
    harness.event(Event::ModifiersChanged(mods));
    harness.event(Event::Key {
        key: Key::C,
        pressed: true,
        modifiers: mods,
        repeat: false,
        physical_key: None,
    });
    harness.step();
    let copied = copied_texts(harness);
    harness.key_up_modifiers(mods, Key::C);
    harness.run();
    copied
}

#[test]
fn a_result_never_outlives_what_it_was_checked_for() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime);
    let mut harness = sandbox_harness(&runtime, &sandbox);
    sign_in(&mut harness);
    let done =
        |h: &Harness<'static, MeetjoinApp>| matches!(h.state().state().check, CheckStatus::Done(_));

    // Another meeting ID typed: the card goes, and the shortcut copies nothing.
    paste_meeting(&mut harness, "914047175");
    check_and_wait(&mut harness);
    assert!(done(&harness));
    assert!(
        press_copy_shortcut(&mut harness)
            .iter()
            .any(|t| is_random(t))
    );
    paste_meeting(&mut harness, "987654321");
    assert!(
        matches!(harness.state().state().check, CheckStatus::Idle),
        "a new meeting ID clears the result"
    );
    assert!(!has_label(&harness, "zhang的会议"));
    assert_eq!(press_copy_shortcut(&mut harness), Vec::<String>::new());

    // The same meeting written another way still is the same meeting; a password is not.
    paste_meeting(&mut harness, "914047175");
    check_and_wait(&mut harness);
    harness.state_mut().state_mut().form.input = "914 047 175".to_owned();
    harness.run();
    assert!(done(&harness), "the same ID, grouped, keeps the result");
    type_password(&mut harness, "1");
    assert!(
        matches!(harness.state().state().check, CheckStatus::Idle),
        "a changed password clears the result"
    );

    // Signing out clears it too.
    harness.state_mut().state_mut().form.password.clear();
    check_and_wait(&mut harness);
    assert!(done(&harness));
    confirm_sign_out(&mut harness);
    // Forgotten here at once; the "Signed out" toast comes when the server has answered too.
    wait_until(&mut harness, "the sign-out", |h| {
        h.state().account().signed_in.is_none() && has_label(h, "Signed out")
    });
    harness.run();
    assert!(
        matches!(harness.state().state().check, CheckStatus::Idle),
        "signing out clears the result"
    );
    assert_eq!(press_copy_shortcut(&mut harness), Vec::<String>::new());
    assert_settled(&mut harness);
}
