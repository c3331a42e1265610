//! The window as people really use it (issue 15), driven headless with egui_kittest against an
//! in-process sandbox: a password never follows the user to another meeting, a problem with
//! the ID is a hint until the user stops typing, focus goes where the user looks and never to
//! Sign out, messages cover nothing, the sign-in dialog's error belongs to its tab, the random
//! is selected and copied whole, "Clear all" can be undone, Sign out asks first.
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

use std::time::Duration;

use eframe::egui::accesskit::{Role, Toggled};
use eframe::egui::{self, Event, Key, Modifiers, PointerButton};
use egui_kittest::kittest::{NodeT, Queryable};

use meetjoin::MeetingId;
use meetjoin::api::ErrorKind;
use meetjoin::gui::state::{AppState, ClipboardClear, HistoryEntry};
use meetjoin::gui::views::check_form::input_id;
use meetjoin::server::Server;

use window::{
    Window, button, check, confirm_sign_out, copied_texts, has_label, has_label_containing,
    outcome, password_field, paste_meeting, runtime, sign_in, start_sandbox, test_settings,
    type_password, wait_until, wait_until_checked, window, window_sized,
};

/// The window at its minimum size.
const NARROW: egui::Vec2 = egui::vec2(480.0, 640.0);

/// Empties the meeting field and types `text` into it key by key, as a person does.
fn type_meeting(window: &mut Window, text: &str) {
    window.state_mut().state_mut().form.input.clear();
    window
        .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
        .focus();
    window.run();
    for key in text.chars() {
        window
            .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
            .type_text(&key.to_string());
        window.step();
    }
    window.run();
}

/// Presses Enter in the focused field and waits for the check it starts.
fn press_enter_and_wait(window: &mut Window) {
    window.key_press(Key::Enter);
    window.step();
    wait_until_checked(window);
}

/// True when the password field shows its text (Show was pressed).
fn password_shown(window: &Window) -> bool {
    window
        .query_by_role_and_label(Role::PasswordInput, "Meeting password")
        .is_none()
}

#[test]
fn a_password_never_follows_the_user_to_another_meeting() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);

    paste_meeting(&mut window, "900000001");
    type_password(&mut window, "246810");
    assert!(check(&mut window).is_ok(), "the webinar with its password");

    // Typed again key by key, the same ID passes through shorter valid IDs (900 000): nothing
    // is judged while typing, so the password stays and Enter checks with it.
    type_meeting(&mut window, "900000001");
    assert_eq!(password_field(&window), "246810");
    press_enter_and_wait(&mut window);
    assert!(outcome(&window).is_ok(), "checked with its own password");

    // Another meeting typed in, and Enter: the webinar's password is not sent there.
    let calls = sandbox.stats().random_calls;
    type_meeting(&mut window, "987654321");
    assert_eq!(password_field(&window), "246810", "not judged while typing");
    press_enter_and_wait(&mut window);
    assert_eq!(sandbox.stats().random_calls, calls + 1);
    assert_eq!(password_field(&window), "", "the password was emptied");
    let refused = outcome(&window).expect_err("no password sent");
    assert_eq!(
        refused.kind,
        ErrorKind::PasswordRequired,
        "asked for a password, not refused a wrong one (which counts towards a lockout)"
    );
    assert!(has_label_containing(
        &window,
        "it was typed for meeting 900 000 001"
    ));
    // The service said this meeting needs one: the empty field says so.
    let field = window.get_by_role_and_label(Role::PasswordInput, "Meeting password");
    assert_eq!(
        field.accesskit_node().placeholder(),
        Some("This meeting needs a password")
    );

    // A wrong password says that several wrong tries lock the meeting.
    type_password(&mut window, "999999");
    let wrong = check(&mut window).expect_err("a wrong password");
    assert_eq!(wrong.kind, ErrorKind::WrongIdOrPassword);
    assert!(has_label_containing(
        &window,
        "several wrong tries lock the meeting for a while"
    ));

    // Leaving the field judges it too: a password typed for 987 654 321 goes when another
    // meeting is in the field and the user tabs away.
    type_password(&mut window, "123456");
    type_meeting(&mut window, "914047175");
    assert_eq!(password_field(&window), "123456");
    window.key_press(Key::Tab);
    window.run();
    assert_eq!(password_field(&window), "", "emptied on leaving the field");

    // An invitation's password replaces one typed for another meeting...
    type_password(&mut window, "typed1");
    paste_meeting(&mut window, "Meeting ID: 900 000 001\nPasscode: 246810");
    assert_eq!(password_field(&window), "246810");
    // ...and "Show" returns to hidden for every new meeting.
    button(&window, "Show").click();
    window.run();
    assert!(password_shown(&window));
    paste_meeting(&mut window, "987654321");
    assert!(!password_shown(&window), "hidden again for another meeting");
}

#[test]
fn a_problem_with_the_id_is_a_hint_while_typing_and_an_error_once_the_user_stops() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);

    type_meeting(&mut window, "914");
    assert!(
        has_label_containing(&window, "Found 3 digits"),
        "a hint while typing"
    );
    assert!(!has_label_containing(&window, "⚠ Found 3 digits"));
    // Enter: the user stopped; now it is an error.
    window.key_press(Key::Enter);
    window.run();
    assert!(has_label_containing(&window, "⚠ Found 3 digits"));
    // Typing again makes it a hint again; a paste is judged at once.
    window
        .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
        .type_text("0");
    window.run();
    assert!(!has_label_containing(&window, "⚠ Found 4 digits"));
    paste_meeting(&mut window, "12 34");
    assert!(has_label_containing(&window, "⚠ Found 4 digits"));
}

#[test]
fn messages_cover_nothing_and_a_copy_is_confirmed_by_its_button() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut saved = test_settings();
    saved.settings.clipboard_clear = ClipboardClear::Secs30;
    let mut window = window_sized(&runtime, &sandbox, NARROW, saved);
    sign_in(&mut window);

    // "Signed in" stands in the status bar, clear of every control (at 480 px the old toast
    // covered Check).
    let message = window.get_by_label("Signed in").rect();
    for role in [
        Role::Button,
        Role::MultilineTextInput,
        Role::PasswordInput,
        Role::CheckBox,
    ] {
        for control in window.query_all_by_role(role) {
            let rect = control.rect();
            let visible = rect.bottom() <= message.top() || rect.top() >= message.bottom();
            assert!(
                visible || !rect.intersects(message),
                "the message {message:?} covers {:?} at {rect:?}",
                control.accesskit_node().label()
            );
        }
    }
    let check_button = button(&window, "Check").rect();
    assert!(!check_button.intersects(message));

    // Each shortcut under its own button.
    let enter = window.get_by_label("Enter").rect();
    assert!(
        enter.top() >= check_button.bottom() - 1.0 && enter.left() >= check_button.left() - 1.0
    );
    assert!(enter.left() < check_button.right());

    paste_meeting(&mut window, "914047175");
    let random = check(&mut window).expect("a result");
    button(&window, "Copy").click();
    window.step();
    assert_eq!(copied_texts(&window), vec![random]);
    window.run();
    let copy = window
        .query_by_role_and_label(Role::Button, "Copied ✓")
        .or_else(|| window.query_by_role_and_label(Role::Button, "Copy"))
        .expect("the Copy button")
        .rect();
    let shortcut = window.get_by_label("Ctrl+Shift+C").rect();
    assert!(
        shortcut.top() >= copy.bottom() - 1.0 && shortcut.left() >= copy.left() - 1.0,
        "Ctrl+Shift+C {shortcut:?} under Copy {copy:?}"
    );
    let note = window
        .query_all_by_label_contains("the clipboard is cleared in 30 s")
        .next()
        .expect("the copy's confirmation")
        .rect();
    assert!(
        note.top() >= copy.bottom() && note.top() - copy.bottom() < 60.0,
        "the confirmation {note:?} stands by Copy {copy:?}"
    );
    assert!(
        !window
            .query_all_by(|n| n.label().is_some_and(|l| l.starts_with("Copied:")))
            .any(|n| n.rect().intersects(message)),
        "not in the status bar"
    );
}

#[test]
fn the_random_is_selected_and_copied_whole_and_cleared_like_copy() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut saved = test_settings();
    saved.settings.clipboard_clear = ClipboardClear::Secs30;
    let mut window = window(&runtime, &sandbox);
    window.state_mut().state_mut().settings = saved.settings;
    sign_in(&mut window);
    paste_meeting(&mut window, "914047175");
    let random = check(&mut window).expect("a result");
    assert!(!window.state().clipboard_clear_armed());

    // A double-click on the random selects all fifteen digits (the groups are spacing, not
    // spaces), and Ctrl+C copies them.
    let field = window.get_by_role_and_label(Role::TextInput, "Auth random");
    let at = field.rect().center();
    window.event(Event::PointerMoved(at));
    for _ in 0..2 {
        for pressed in [true, false] {
            window.event(Event::PointerButton {
                pos: at,
                button: PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            });
        }
        window.step();
    }
    window.event(Event::Copy);
    window.step();
    assert_eq!(
        copied_texts(&window),
        vec![random.clone()],
        "all the digits"
    );
    window.run();
    assert!(
        window.state().clipboard_clear_armed(),
        "cleared from the clipboard like Copy's copy"
    );
    assert!(has_label_containing(
        &window,
        "the clipboard is cleared in 30 s"
    ));
    assert!(
        window.state().is_own_copy(&random),
        "never offered back as a meeting"
    );
}

#[test]
fn keyboard_focus_stays_in_view_at_the_smallest_size() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut saved = test_settings();
    saved.history = (0..10)
        .map(|i| HistoryEntry {
            meeting_id: MeetingId::parse(&format!("90000000{i}")).expect("an ID"),
            subject: Some(format!("Meeting {i}")),
            checked_at: 0,
        })
        .collect();
    let mut window = window_sized(&runtime, &sandbox, NARROW, saved);
    sign_in(&mut window);
    paste_meeting(&mut window, "914047175");
    check(&mut window).expect("a result");

    // Tab all the way round: every widget that takes the focus is shown whole.
    let header = window.get_by_label("Settings").rect().bottom();
    let mut seen = Vec::new();
    for _ in 0..40 {
        window.key_press(Key::Tab);
        window.run();
        let Some(focused) = window.ctx.memory(|m| m.focused()) else {
            continue;
        };
        let Some(response) = window.ctx.read_response(focused) else {
            continue;
        };
        let rect = response.rect;
        seen.push(rect);
        if rect.bottom() <= header + 1.0 {
            continue; // the header's own buttons
        }
        assert!(
            rect.top() >= header - 1.0 && rect.bottom() <= NARROW.y + 1.0,
            "focused {rect:?} is not in view (header ends at {header})"
        );
    }
    assert!(seen.len() > 10, "Tab went round: {}", seen.len());
}

#[test]
fn after_signing_in_from_the_header_enter_never_signs_out() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    // By keyboard: focus Sign in…, Enter opens the dialog, Enter signs in.
    window.get_by_label("Sign in…").focus();
    window.run();
    window.key_press(Key::Enter);
    window.run();
    assert!(window.state().state().sign_in.is_some(), "the dialog");
    window.key_press(Key::Enter);
    wait_until(&mut window, "sign-in", |w| {
        w.state().account().signed_in.is_some() && w.state().state().sign_in.is_none()
    });
    window.run();
    let focused = window.ctx.memory(|m| m.focused());
    assert_eq!(focused, Some(input_id()), "the meeting field has the focus");
    // A stray Enter does nothing to the sign-in.
    window.key_press(Key::Enter);
    window.run();
    assert!(window.state().account().signed_in.is_some());
    assert!(!window.state().state().confirm_sign_out);

    // Sign out asks first; Enter there keeps the sign-in (Cancel has the focus).
    button(&window, "Sign out").click();
    window.run();
    assert!(has_label(&window, "Sign out?"));
    window.key_press(Key::Enter);
    window.run();
    assert!(!has_label(&window, "Sign out?"), "the question is gone");
    assert!(
        window.state().account().signed_in.is_some(),
        "still signed in"
    );
    assert_eq!(sandbox.stats().sign_outs, 0);
    assert_eq!(
        window.ctx.memory(|m| m.focused()),
        Some(input_id()),
        "back in the meeting field"
    );
    // Closing Settings, or cancelling sign-in, brings the focus back there too.
    button(&window, "Settings").click();
    window.run();
    button(&window, "Close").click();
    window.run();
    assert_eq!(window.ctx.memory(|m| m.focused()), Some(input_id()));
    confirm_sign_out(&mut window);
    wait_until(&mut window, "the sign-out", |w| {
        w.state().account().signed_in.is_none()
    });
}

#[test]
fn clear_all_can_be_undone_for_a_few_seconds() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut saved = test_settings();
    saved.history = vec![
        HistoryEntry {
            meeting_id: MeetingId::parse("914047175").expect("an ID"),
            subject: Some("zhang的会议".to_owned()),
            checked_at: 0,
        },
        HistoryEntry {
            meeting_id: MeetingId::parse("900000001").expect("an ID"),
            subject: Some("Product Launch Webinar".to_owned()),
            checked_at: 0,
        },
    ];
    let mut window = window_sized(&runtime, &sandbox, egui::vec2(640.0, 1500.0), saved);
    window.run();
    button(&window, "Clear all").click();
    window.run();
    assert!(window.state().state().history.is_empty());
    assert!(has_label(&window, "Recent meetings cleared."));
    button(&window, "Undo").click();
    window.run();
    let ids: Vec<&str> = window
        .state()
        .state()
        .history
        .iter()
        .map(|e| e.meeting_id.as_str())
        .collect();
    assert_eq!(ids, ["914047175", "900000001"], "both back, in order");
    assert!(window.query_by_label("Undo").is_none());
}

#[test]
fn the_sign_in_dialog_keeps_its_error_to_its_tab_and_selects_a_refused_password() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    button(&window, "Sign in…").click();
    window.run();
    window
        .state_mut()
        .state_mut()
        .sign_in
        .as_mut()
        .unwrap()
        .password = "wrong-one".to_owned();
    window.run();
    button(&window, "Sign in").click();
    wait_until(&mut window, "the refusal", |w| {
        w.state()
            .state()
            .sign_in
            .as_ref()
            .is_some_and(|f| f.error.is_some())
    });
    window.run();
    let message = ErrorKind::AccountOrPasswordWrong.message(meetjoin::Lang::En);
    assert!(has_label_containing(&window, &message));
    // The password is focused and selected: typing replaces it.
    let password = window.get_by_role_and_label(Role::PasswordInput, "Password");
    assert!(password.is_focused(), "the refused password has the focus");
    let id = window.ctx.memory(|m| m.focused()).expect("a focus");
    let state = egui::text_edit::TextEditState::load(&window.ctx, id).expect("field state");
    let range = state.cursor.char_range().expect("a selection");
    let mut ends = [range.primary.index.0, range.secondary.index.0];
    ends.sort_unstable();
    assert_eq!(ends, [0, "wrong-one".len()], "all of it selected");
    // Show, as for the meeting's password (the dialog's comes after the form's).
    window
        .query_all_by_role_and_label(Role::Button, "Show")
        .last()
        .expect("the dialog's Show")
        .click();
    window.run();
    assert!(
        window
            .query_by_role_and_label(Role::PasswordInput, "Password")
            .is_none(),
        "shown in clear"
    );
    // The error belongs to its tab: another tab has none, and it does not come back.
    window.get_by_label("App ID").click();
    window.run();
    assert!(!has_label_containing(&window, &message));
    window.get_by_label("Account and password").click();
    window.run();
    assert!(!has_label_containing(&window, &message));
}

#[test]
fn text_filled_in_for_the_user_puts_the_cursor_at_its_end() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut saved = test_settings();
    saved.history = vec![HistoryEntry {
        meeting_id: MeetingId::parse("900000004").expect("an ID"),
        subject: Some("张喆与王璐的设计周会".to_owned()),
        checked_at: 0,
    }];
    let mut window = window_sized(&runtime, &sandbox, egui::vec2(640.0, 1500.0), saved);
    window.run();
    window.get_by_label_contains("900 000 004").click();
    window.run();
    let text = window.state().state().form.input.clone();
    assert_eq!(text, "900 000 004");
    let state = egui::text_edit::TextEditState::load(&window.ctx, input_id()).expect("state");
    let range = state.cursor.char_range().expect("a cursor");
    assert_eq!(range.primary.index.0, text.chars().count(), "at the end");
    assert_eq!(range.primary, range.secondary, "nothing selected");
}

#[test]
fn waiting_for_the_host_informs_and_offers_the_next_step() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);
    paste_meeting(&mut window, "900000002");
    let waiting = check(&mut window).expect_err("the host is not there");
    assert_eq!(waiting.kind, ErrorKind::WaitingForHost);
    let message = ErrorKind::WaitingForHost.message(meetjoin::Lang::En);
    assert!(
        has_label(&window, &message),
        "said plainly, not as an error"
    );
    assert!(!has_label_containing(&window, &format!("⚠ {message}")));
    button(&window, "Check again with the waiting page").click();
    window.step();
    wait_until_checked(&mut window);
    assert!(outcome(&window).is_ok());
    // Join comes first on the result: it is the point of the check; Copy next to it.
    let join = button(&window, "Join").rect();
    let copy = button(&window, "Copy").rect();
    assert!(join.left() < copy.left() && (join.top() - copy.top()).abs() < 2.0);
}

#[test]
fn the_header_says_who_is_signed_in_and_keeps_the_token_to_its_details() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);
    assert!(has_label(&window, "Signed in as demo@meetjoin.test"));
    assert!(
        !has_label_containing(&window, "Token expires"),
        "tokens renew by themselves: no countdown in the header"
    );
    window
        .get_by_label("Signed in as demo@meetjoin.test")
        .hover();
    window.run_steps(4);
    assert!(
        has_label_containing(&window, "Token expires in"),
        "on hover"
    );
}

#[test]
fn settings_scroll_visibly_and_show_the_server_in_use() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window_sized(&runtime, &sandbox, NARROW, AppState::default());
    window.state_mut().state_mut().settings = test_settings().settings;
    window.run();
    button(&window, "Settings").click();
    window.run();
    // Solid scroll bars: the cut-off dialog shows that there is more, and its fields keep
    // clear of the bar.
    assert!(!window.ctx.global_style().spacing.scroll.floating);
    let keep = window.get_by_label("Keep a list of recent meetings");
    keep.scroll_to_me();
    window.run();
    let keep = window.get_by_label("Keep a list of recent meetings").rect();
    assert!(keep.bottom() <= NARROW.y, "History is reachable: {keep:?}");
    let name = window
        .get_by_role_and_label(Role::TextInput, "Name in meetings")
        .rect();
    let close = button(&window, "Close").rect();
    let bar = window.ctx.global_style().spacing.scroll.bar_width;
    assert!(
        name.right() + bar <= close.right() + 1.0,
        "the field {name:?} keeps clear of the scroll bar (dialog ends at {})",
        close.right()
    );
    // The sandbox is its own server: the window given a server on the command line selects it.
    let sandbox_server = Server::parse(&sandbox.url()).expect("url");
    assert!(matches!(sandbox_server, Server::Custom(_)));
}

#[test]
fn a_server_given_on_the_command_line_is_the_one_selected() {
    let runtime = runtime();
    let mut saved = test_settings();
    saved.settings.server = meetjoin::gui::state::ServerChoice::Cn;
    let handle = runtime.handle().clone();
    let mut window: Window = egui_kittest::Harness::builder()
        .with_size(egui::vec2(640.0, 1500.0))
        .build_eframe(move |cc| {
            // Not the sandbox: `--server intl`, with an in-memory store (nothing is sent).
            let store = std::sync::Arc::new(meetjoin::secrets::MemoryStore::new());
            let mut deps = meetjoin::gui::AppDeps::new(Server::Intl, store, handle);
            deps.saved = Some(saved);
            meetjoin::gui::MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    // The header's spinner turns while the saved sign-in is looked up: wait for the lookup.
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    window.run();
    button(&window, "Settings").click();
    window.run();
    let radio = |label: &str| {
        window
            .get_by_role_and_label(Role::RadioButton, label)
            .accesskit_node()
            .toggled()
    };
    assert_eq!(radio("International"), Some(Toggled::True), "in use");
    assert_eq!(radio("China"), Some(Toggled::False));
}

#[test]
fn behind_a_dialog_the_window_is_off_for_the_keyboard_and_screen_readers() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    button(&window, "Sign in…").click();
    window.run();
    let disabled = |window: &Window, role: Role, label: &str| {
        window
            .get_by_role_and_label(role, label)
            .accesskit_node()
            .is_disabled()
    };
    assert!(disabled(
        &window,
        Role::MultilineTextInput,
        "Meeting ID or invitation"
    ));
    assert!(disabled(&window, Role::Button, "Settings"));
    // Tab walks the dialog's controls only.
    for _ in 0..12 {
        window.key_press(Key::Tab);
        window.run();
        let focused = window.ctx.memory(|m| m.focused()).expect("a focus");
        let layer = window
            .ctx
            .read_response(focused)
            .expect("the focused widget")
            .layer_id;
        assert_ne!(
            layer.order,
            egui::Order::Background,
            "the focus left the dialog"
        );
    }
    button(&window, "Cancel").click();
    window.run();
    assert!(!disabled(
        &window,
        Role::MultilineTextInput,
        "Meeting ID or invitation"
    ));
}

/// eframe's storage, in memory: the saved window state as a string under its key.
struct SavedState(std::collections::HashMap<String, String>);

impl eframe::Storage for SavedState {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

#[test]
fn a_saved_state_of_an_older_version_still_loads() {
    // History entries saved as plain digits (before they were read as meeting IDs), one that
    // no longer reads as one: it is left out, and nothing else is lost.
    let older = r#"(settings:(language:ZhCn,theme:Dark),history:[(meeting_id:"914047175",subject:Some("zhang的会议"),checked_at:1700000000),(meeting_id:"12",subject:None,checked_at:1700000001),(meeting_id:"987654321",subject:None,checked_at:1700000002)])"#;
    let storage = SavedState(
        [(AppState::STORAGE_KEY.to_owned(), older.to_owned())]
            .into_iter()
            .collect(),
    );
    let state: AppState =
        eframe::get_value(&storage, AppState::STORAGE_KEY).expect("the older state loads");
    assert_eq!(
        state.settings.language,
        meetjoin::gui::state::LanguageChoice::ZhCn
    );
    let ids: Vec<&str> = state
        .history
        .iter()
        .map(|e| e.meeting_id.as_str())
        .collect();
    assert_eq!(ids, ["914047175", "987654321"]);
    // And what is saved now loads back the same.
    let mut again = SavedState(std::collections::HashMap::new());
    eframe::set_value(&mut again, AppState::STORAGE_KEY, &state);
    let back: AppState = eframe::get_value(&again, AppState::STORAGE_KEY).expect("loads");
    assert_eq!(back.history, state.history);
}
