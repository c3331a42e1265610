//! The window's flow, driven headless with egui_kittest against an in-process sandbox: a
//! password from an invitation, a wrong password, a lockout counting down, the waiting page,
//! a rejected pasted token, a recent meeting picked, the random grouped and "Copied ✓".
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;
#[path = "common/window.rs"]
mod window;

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::accesskit::Role;
use eframe::egui::{self, Key};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use meetjoin::Lang;
use meetjoin::api::{ApiError, ErrorKind};
use meetjoin::gui::state::{CheckStatus, HistoryEntry, SignInMethodTab};
use meetjoin::gui::views::check_form::password_id;
use meetjoin::gui::views::duration_text;
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;

use common::CountingServer;
use window::{
    Window, button, check, check_enabled, copied_texts, demo_account, has_label,
    has_label_containing, outcome, password_field, paste_meeting, runtime, sign_in, start_sandbox,
    type_password, wait_until, wait_until_checked, window, window_sized,
};

#[test]
fn a_password_in_a_pasted_invitation_fills_the_password_field() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);

    let invitation =
        "李四 邀请您参加会议\n会议主题：季度评审会\n会议ID：987 654 321\n会议密码：123456";
    paste_meeting(&mut window, invitation);
    assert_eq!(password_field(&window), "123456");
    assert!(has_label_containing(
        &window,
        "Password filled in from the invitation"
    ));
    // And it is the right one: the check passes with it.
    assert!(
        check(&mut window).is_ok(),
        "the invitation's password works"
    );

    // Another invitation replaces the password it filled in.
    paste_meeting(&mut window, "Meeting ID: 900 000 001\nPasscode: 246810");
    assert_eq!(password_field(&window), "246810");
    // A bare ID takes away the invitation's password with the invitation.
    paste_meeting(&mut window, "914047175");
    assert_eq!(password_field(&window), "");
    assert!(!has_label_containing(
        &window,
        "filled in from the invitation"
    ));

    // A password typed for another meeting gives way to the invitation's.
    type_password(&mut window, "typed1");
    paste_meeting(&mut window, invitation);
    assert_eq!(password_field(&window), "123456");
    // A password the user typed for this same meeting is kept.
    type_password(&mut window, "typed2");
    paste_meeting(&mut window, invitation);
    assert_eq!(password_field(&window), "typed2");
    assert!(!has_label_containing(
        &window,
        "filled in from the invitation"
    ));
}

#[test]
fn a_wrong_password_keeps_the_focus_selected_and_enter_checks_again() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);

    paste_meeting(&mut window, "987654321");
    type_password(&mut window, "999999");
    let refused = check(&mut window).expect_err("a wrong password");
    assert_eq!(refused.kind, ErrorKind::WrongIdOrPassword);
    window.run();
    let ctx = window.ctx.clone();
    assert_eq!(
        ctx.memory(|m| m.focused()),
        Some(password_id()),
        "the password field has the focus"
    );
    let state = egui::text_edit::TextEditState::load(&ctx, password_id()).expect("field state");
    let range = state
        .cursor
        .char_range()
        .expect("a selection")
        .as_sorted_char_range();
    assert_eq!(
        (range.start.0, range.end.0),
        (0, 6),
        "the wrong password is selected"
    );

    // Typing replaces the selection; Enter checks again.
    window
        .get_by_role_and_label(Role::PasswordInput, "Meeting password")
        .type_text("123456");
    window.run();
    assert_eq!(password_field(&window), "123456", "typing replaced it");
    let calls = sandbox.stats().random_calls;
    window.key_press(Key::Enter);
    window.step();
    wait_until_checked(&mut window);
    assert_eq!(
        sandbox.stats().random_calls,
        calls + 1,
        "Enter checked again"
    );
    assert!(outcome(&window).is_ok(), "the right password works");
}

#[test]
fn a_lockout_counts_down_live_with_check_disabled_and_says_it_once() {
    let runtime = runtime();
    let lockout = Duration::from_secs(4);
    let sandbox = start_sandbox(&runtime, lockout);
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);

    paste_meeting(&mut window, "987654321");
    let mut locked = None;
    for attempt in 0..6 {
        type_password(&mut window, &format!("00000{attempt}"));
        if let Err(error) = check(&mut window)
            && error.kind == ErrorKind::Locked
        {
            locked = Some(error);
            break;
        }
    }
    let locked = locked.expect("the meeting locks after five wrong passwords");
    assert!(locked.retry_after.is_some(), "the server said how long");
    let first = lockout_text(&window);
    assert!(!check_enabled(&window), "Check is disabled while locked");
    assert_eq!(first.matches("again").count(), 1, "said once: {first}");
    let calls = sandbox.stats().random_calls;
    window.key_press(Key::Enter);
    window.run();
    assert_eq!(
        sandbox.stats().random_calls,
        calls,
        "Enter does not check either"
    );

    // The countdown moves on its own: no input, only the repaints the window asks for.
    let started = Instant::now();
    let mut seen = vec![first.clone()];
    while started.elapsed() < lockout + Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(250));
        window.step();
        let text = lockout_text(&window);
        if seen.last() != Some(&text) {
            seen.push(text);
        }
        if check_enabled(&window) {
            break;
        }
    }
    assert!(seen.len() >= 3, "the countdown moved: {seen:#?}");
    assert!(check_enabled(&window), "Check comes back when it ends");
    // Over, the card is no longer an error: it says only that a try can be made again.
    assert_eq!(lockout_text(&window), "You can try again now.");
    assert!(
        !has_label_containing(&window, "Too many wrong attempts"),
        "the lockout is not said any more"
    );
    // The window does not keep repainting once the countdown is over.
    window.run();
    let delay = window
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|v| v.repaint_delay)
        .expect("root viewport output");
    assert!(delay > Duration::from_secs(5), "idle again: {delay:?}");

    type_password(&mut window, "123456");
    assert!(check(&mut window).is_ok(), "the lockout is over");
}

/// The lockout's message on the error card (while it lasts), or what the card says once it
/// is over.
fn lockout_text(window: &Window) -> String {
    window
        .query_all_by_label_contains("Too many wrong attempts")
        .chain(window.query_all_by_label("You can try again now."))
        .next()
        .and_then(|node| {
            let node = node.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .unwrap_or_else(|| {
            let labels: Vec<String> = window
                .query_all_by(|_| true)
                .filter_map(|n| n.accesskit_node().label())
                .collect();
            panic!("no lockout message among {labels:#?}")
        })
}

#[test]
fn waiting_for_the_host_offers_the_waiting_page() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);
    // The checkbox speaks plainly: no parameter name.
    let checkbox = window.get_by_role(Role::CheckBox);
    let label = checkbox.accesskit_node().label().unwrap_or_default();
    assert!(label.contains("waiting page"), "{label}");
    assert!(!label.contains("guest_waiting"), "{label}");

    paste_meeting(&mut window, "900000002");
    let refused = check(&mut window).expect_err("the host is not there");
    assert_eq!(refused.kind, ErrorKind::WaitingForHost);
    assert!(
        has_label_containing(&window, "wait there until the host")
            || has_label_containing(&window, "waiting page until the host arrives")
    );
    button(&window, "Check again with the waiting page").click();
    window.step();
    wait_until_checked(&mut window);
    assert!(outcome(&window).is_ok(), "with the waiting page it works");
    assert!(
        window.state().state().settings.guest_waiting,
        "and the choice is kept"
    );
}

#[test]
fn a_rejected_pasted_token_says_it_was_rejected() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    button(&window, "Sign in…").click();
    window.run();
    window.state_mut().state_mut().sign_in.as_mut().unwrap().tab = SignInMethodTab::AccessToken;
    window.run();
    let field = window.get_by_role_and_label(Role::PasswordInput, "Access token");
    field.focus();
    window.run();
    window
        .get_by_role_and_label(Role::PasswordInput, "Access token")
        .type_text("not-a-token-at-all");
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
    let error = window
        .state()
        .state()
        .sign_in
        .as_ref()
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert_eq!(error.kind, ErrorKind::TokenRejected);
    assert!(has_label_containing(&window, "rejected this access token"));
    assert!(!has_label_containing(
        &window,
        &ErrorKind::NotSignedIn.message(Lang::En)
    ));
}

#[test]
fn a_recent_meeting_fills_the_form_scrolls_to_it_and_says_so() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut saved = window::test_settings();
    let now = meetjoin::api::auth::now_unix();
    saved.history = (0..10)
        .map(|i| HistoryEntry {
            meeting_id: meetjoin::MeetingId::parse(&format!("90000{i:04}")).expect("an ID"),
            subject: Some(format!("Meeting {i}")),
            checked_at: now - 60 * i64::from(i),
        })
        .collect();
    let size = egui::vec2(480.0, 640.0);
    let mut window = window_sized(&runtime, &sandbox, size, saved);
    sign_in(&mut window);
    // A result card pushes the list further down.
    paste_meeting(&mut window, "914047175");
    check(&mut window).expect("a result");
    window.run();
    // At the window's narrowest nothing of the card runs past the window's right edge.
    for label in ["Copy", "Join"] {
        let right = button(&window, label).rect().right();
        assert!(right <= size.x - 20.0, "{label} ends at {right}");
    }

    // The last entry, far below the fold: scroll there as a person would, then click it.
    let last = window.get_by_label_contains("900 000 008");
    last.scroll_to_me();
    window.run();
    let form_before = window
        .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
        .rect();
    assert!(
        form_before.bottom() < 0.0,
        "scrolled past the form: {form_before:?}"
    );
    window.get_by_label_contains("900 000 008").click();
    window.run();
    assert_eq!(window.state().state().form.input, "900 000 008");
    assert!(has_label_containing(
        &window,
        "Filled in meeting 900 000 008"
    ));
    let field = window.get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation");
    let bounds = field.rect();
    assert!(
        bounds.top() >= 0.0 && bounds.bottom() <= size.y,
        "the field is in view: {bounds:?}"
    );
}

#[test]
fn the_random_is_grouped_copied_without_spaces_and_copy_says_copied_for_two_seconds() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);
    paste_meeting(&mut window, "900000004");
    let random = check(&mut window).expect("a result");
    assert!(
        has_label(&window, "张喆与王璐的设计周会"),
        "the subject, intact"
    );
    // The digits alone, grouped in threes by spacing: wider than the same digits set solid by
    // at least four gaps.
    let field = window.get_by_role_and_label(Role::TextInput, "Auth random");
    assert_eq!(
        field.value().as_deref(),
        Some(random.as_str()),
        "digits only"
    );
    let solid = window.ctx.fonts_mut(|fonts| {
        fonts
            .layout_no_wrap(
                random.clone(),
                egui::FontId::monospace(18.0),
                egui::Color32::WHITE,
            )
            .size()
            .x
    });
    assert!(
        field.rect().width() >= solid + 4.0 * 8.0,
        "grouped: {} wide, {solid} set solid",
        field.rect().width()
    );
    // Yes/no facts as badges, still read out as their words.
    assert!(has_label(&window, "No"));

    button(&window, "Copy").click();
    window.step();
    assert_eq!(
        copied_texts(&window),
        vec![random.clone()],
        "copied without spaces"
    );
    let copied_at = window.ctx.input(|i| i.time);
    window.step();
    assert!(has_label(&window, "Copied ✓"));
    let mut back_at = None;
    for _ in 0..40 {
        window.step();
        if window
            .query_by_role_and_label(Role::Button, "Copy")
            .is_some()
        {
            back_at = Some(window.ctx.input(|i| i.time));
            break;
        }
    }
    let back_at = back_at.expect("Copy comes back");
    let shown_for = back_at - copied_at;
    assert!(
        (1.9..=2.6).contains(&shown_for),
        "Copied ✓ for {shown_for} s"
    );
}

#[test]
fn durations_and_details_read_well() {
    let en = |secs| duration_text(Lang::En, secs);
    assert_eq!(en(45), "45 s");
    assert_eq!(en(3599), "59 min");
    assert_eq!(en(3600), "60 min");
    assert_eq!(en(3659), "60 min");
    assert_eq!(en(3900), "1 h 5 min");
    assert_eq!(en(7200), "2 h");
    assert_eq!(duration_text(Lang::ZhCn, 3600), "60 分钟");

    // An error decided here says so in one line, without "none" for what was never there.
    for lang in Lang::ALL {
        let details = ApiError::new(ErrorKind::NotSignedIn).details(lang);
        assert_eq!(details.lines().count(), 1, "{details}");
        assert!(
            !details.contains("none") && !details.contains('无'),
            "{details}"
        );
    }
}

#[test]
fn a_meeting_given_at_launch_is_filled_in_and_checked_after_sign_in() {
    // `meetjoin gui "<invitation>"`, or a second launch's handoff: the same start.
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let server = Server::parse(&sandbox.url()).expect("sandbox URL");
    let handle = runtime.handle().clone();
    let mut window: Window = Harness::builder()
        .with_max_steps(8)
        .with_size(egui::vec2(640.0, 1500.0))
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, Arc::new(MemoryStore::new()), handle);
            deps.sandbox = true;
            deps.demo = Some(demo_account());
            deps.saved = Some(window::test_settings());
            deps.startup = meetjoin::gui::Startup {
                meeting: Some("会议ID：987 654 321\n会议密码：123456".to_owned()),
                check_clipboard: false,
            };
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    // Nobody is signed in: the check opens sign-in, with the meeting and password filled in.
    wait_until(&mut window, "sign-in to open", |w| {
        w.state().state().sign_in.is_some()
    });
    assert_eq!(password_field(&window), "123456");
    assert_eq!(sandbox.stats().random_calls, 0);
    window.run();
    button(&window, "Sign in").click();
    wait_until(&mut window, "the check", |w| {
        matches!(w.state().state().check, CheckStatus::Done(_))
    });
    assert_eq!(sandbox.stats().random_calls, 1);
    assert!(has_label(&window, "季度评审会"));
}

#[test]
fn another_service_s_invitation_is_named_under_the_field_and_never_checked() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);

    let tencent = "张三 邀请您参加腾讯会议\n会议主题：周会\n\
                   https://meeting.tencent.com/dm/8mKJ2aQzX1fE\n#腾讯会议：382-197-699\n会议密码：1234";
    paste_meeting(&mut window, tencent);
    assert!(has_label(
        &window,
        "⚠ This is a Tencent Meeting invitation: open it in Tencent Meeting."
    ));
    assert_eq!(
        password_field(&window),
        "",
        "its password is not this service's"
    );
    assert!(!check_enabled(&window), "nothing to check");
    window.key_press(Key::Enter);
    window.run();

    let zoom = "Join Zoom Meeting\nhttps://us02web.zoom.us/j/88141469208?pwd=abc\n\
                Meeting ID: 881 4146 9208\nPasscode: 123456";
    paste_meeting(&mut window, zoom);
    assert!(has_label(
        &window,
        "⚠ This is a Zoom invitation: open it in Zoom."
    ));
    assert_eq!(password_field(&window), "");
    assert!(!check_enabled(&window));
    window.key_press(Key::Enter);
    window.run();
    assert!(matches!(window.state().state().check, CheckStatus::Idle));
    assert_eq!(sandbox.stats().random_calls, 0, "nothing was ever sent");

    // A HUAWEI CLOUD Meeting link among them decides; the sandbox (a custom server) makes
    // no judgement of sites.
    paste_meeting(
        &mut window,
        &format!("{tencent}\nhttps://intl.meeting.huaweicloud.com/#/j/914047175"),
    );
    assert!(has_label_containing(&window, "914 047 175"));
    assert!(!has_label_containing(&window, "check there?"));
    assert!(check(&mut window).is_ok());
}

#[test]
fn a_link_that_carries_the_password_offers_join_instead_of_asking() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = window(&runtime, &sandbox);
    sign_in(&mut window);
    const SAID: &str = "The invitation's link carries the password";

    // No suffix: the password is asked for, as ever.
    paste_meeting(&mut window, "https://meeting.huaweicloud.com/#/j/987654321");
    let refused = check(&mut window).expect_err("a password is needed");
    assert_eq!(refused.kind, ErrorKind::PasswordRequired);
    assert!(!has_label_containing(&window, SAID));

    // The suffix stands for the password: the check still runs and says so, and offers Join.
    let suffix = "xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mq";
    paste_meeting(
        &mut window,
        &format!("会议ID：987 654 321\nhttps://meeting.huaweicloud.com/#/j/987654321/{suffix}"),
    );
    let refused = check(&mut window).expect_err("a password is needed");
    assert_eq!(refused.kind, ErrorKind::PasswordRequired);
    assert!(has_label_containing(&window, SAID));
    assert!(
        window
            .query_by_role_and_label(Role::Button, "Join")
            .is_some()
    );
    // The suffix is shown nowhere but in the field the user pasted it into.
    let shown: Vec<String> = window
        .query_all_by(|_| true)
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert!(shown.iter().all(|l| !l.contains(suffix)), "{shown:#?}");
    // Typing the password takes the offer away: Check with it, as ever.
    type_password(&mut window, "123456");
    assert!(!has_label_containing(&window, SAID));
    assert!(check(&mut window).is_ok());
}

/// The window on the China server with nothing able to reach the real service: its tests run
/// in a child process whose proxies are a local counting server, which must see nothing.
#[test]
fn an_invitation_for_the_other_site_is_offered_there_never_switched_silently() {
    if std::env::var_os("MEETJOIN_SITE_CHILD").is_none() {
        let counting = CountingServer::start();
        let proxy = counting.url();
        let child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "an_invitation_for_the_other_site_is_offered_there_never_switched_silently",
                "--nocapture",
            ])
            .env("MEETJOIN_SITE_CHILD", "1")
            .env("HTTPS_PROXY", &proxy)
            .env("HTTP_PROXY", &proxy)
            .env("ALL_PROXY", &proxy)
            .env("NO_PROXY", "")
            .env_remove("https_proxy")
            .env_remove("http_proxy")
            .env_remove("all_proxy")
            .env_remove("no_proxy")
            .output()
            .expect("the child test runs");
        let said = String::from_utf8_lossy(&child.stdout);
        assert!(child.status.success(), "the child test failed: {said}");
        assert!(said.contains("1 passed"), "the child ran the test: {said}");
        assert_eq!(counting.connections(), 0, "no request left the window");
        return;
    }
    let runtime = runtime();
    let mut window = window::window_on(&runtime, Server::Cn, |_| {});
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    paste_meeting(
        &mut window,
        "Meeting ID: 931 550 672\nhttps://intl.meeting.huaweicloud.com/#/j/931550672",
    );
    assert!(has_label(
        &window,
        "This invitation is for the international site: check there?"
    ));
    window.run();
    assert_eq!(
        window.state().server(),
        Server::Cn,
        "never switched silently"
    );
    assert!(
        !window.state().warm_up_pending(),
        "nothing opened for it here"
    );

    button(&window, "Check on the international site").click();
    wait_until(&mut window, "sign-in on the international site", |w| {
        w.state().state().sign_in.is_some() && w.state().account().server == Server::Intl
    });
    assert_eq!(window.state().server(), Server::Intl);
    assert!(!has_label_containing(&window, "check there?"));

    // The other way round.
    window.state_mut().state_mut().sign_in = None;
    paste_meeting(
        &mut window,
        "https://bmeeting.huaweicloud.com/#/j/914047175",
    );
    assert!(has_label(
        &window,
        "This invitation is for the Chinese mainland site: check there?"
    ));
    assert_eq!(window.state().server(), Server::Intl);

    // A meeting handed over at launch is not checked on its own on the other site either.
    let mut window = window::window_on(&runtime, Server::Cn, |deps| {
        deps.startup = meetjoin::gui::Startup {
            meeting: Some("https://intl.meeting.huaweicloud.com/#/j/931550672".to_owned()),
            check_clipboard: false,
        };
    });
    wait_until(&mut window, "the launch's meeting to be taken up", |w| {
        w.state().state().pending.is_none()
    });
    window.run();
    assert!(
        window.state().state().sign_in.is_none(),
        "no check asked for"
    );
    assert!(has_label(
        &window,
        "This invitation is for the international site: check there?"
    ));
}
