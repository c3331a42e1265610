//! Today's meetings in the window (issue 18), headless with egui_kittest against the sandbox's
//! seeded meetings: the Today list in local time with where each meeting stands, Join in one
//! click with the password the service gave (never shown, never saved), the week on demand, a
//! failed read with Retry, reminders through a private notification service whose Join comes
//! back, the waiting room that watches for the host, and the random's age.
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

#[path = "common/notify_bus.rs"]
mod notify_bus;

use std::sync::Arc;
use std::time::Duration;

use eframe::egui::{self, accesskit::Role};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use secrecy::ExposeSecret;
use tokio::runtime::Runtime;

use meetjoin::api::ErrorKind;
use meetjoin::gui::state::{AppState, CheckStatus, ReminderLead};
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::Sandbox;
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;
use meetjoin::waiting::WaitPolicy;

use window::{
    Window, button, demo_account, has_label, has_label_containing, paste_meeting, runtime, sign_in,
    start_sandbox, test_settings, wait_until, wait_until_checked,
};

/// The test settings with the Today list shown.
fn today_settings() -> AppState {
    let mut saved = test_settings();
    saved.settings.show_today = true;
    saved
}

/// The window on `sandbox`, with reminders sent to `bus` and the waiting room's waits short.
fn today_window(
    runtime: &Runtime,
    sandbox: &Sandbox,
    saved: AppState,
    bus: Option<String>,
) -> Window {
    let server = Server::parse(&sandbox.url()).expect("sandbox URL");
    let handle = runtime.handle().clone();
    // The list is read as sign-in completes: a few more frames to settle than the default.
    Harness::builder()
        .with_max_steps(8)
        .with_size(egui::vec2(640.0, 2400.0))
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, Arc::new(MemoryStore::new()), handle);
            deps.sandbox = true;
            deps.demo = Some(demo_account());
            deps.saved = Some(saved);
            deps.notifications_bus = bus;
            deps.wait_policy = WaitPolicy {
                first_interval: Duration::from_millis(50),
                backoff: 1.5,
                max_interval: Duration::from_millis(200),
                max_wait: Duration::from_secs(10),
            };
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        })
}

/// Signs in and waits for the Today list's first read.
fn signed_in_with_list(window: &mut Window) {
    sign_in(window);
    wait_until(window, "the Today list", |w| {
        w.state().state().today.updated.is_some()
    });
    window.run();
}

/// The one button whose accessible name is `name` (a row's "Join: <subject>").
fn named_button<'w>(window: &'w Window, name: &'w str) -> egui_kittest::Node<'w> {
    window.get_by_role_and_label(Role::Button, name)
}

#[test]
fn the_today_list_shows_where_each_meeting_stands_and_joins_one_in_a_click() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = today_window(&runtime, &sandbox, today_settings(), None);
    signed_in_with_list(&mut window);

    assert!(has_label(&window, "Today"));
    assert!(has_label_containing(&window, "Updated "));
    for subject in [
        "项目周会 Project weekly",
        "设计评审 Design review",
        "晨会 Morning sync",
    ] {
        assert!(has_label(&window, subject), "{subject} is listed");
    }
    assert!(has_label(&window, "Running now"));
    assert!(has_label(&window, "Starts in 10 min"));
    assert!(has_label(&window, "Ended"));
    // Tomorrow's meeting is not today's.
    assert!(!has_label(&window, "季度规划 Quarterly planning"));
    // Start and end in local time: "HH:MM–HH:MM".
    let times = regex::Regex::new(r"^\d\d:\d\d–\d\d:\d\d$").expect("pattern");
    let labels: Vec<String> = window
        .query_all_by(|_| true)
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .collect();
    assert!(
        labels.iter().any(|l| times.is_match(l)),
        "a local start and end time among {labels:?}"
    );

    // Join: checks with the password the service gave this guest, then opens the meeting.
    let calls = sandbox.stats().random_calls;
    named_button(&window, "Join: 设计评审 Design review").click();
    window.step();
    // Join ran after the check: it opened the meeting or said why not.
    wait_until(&mut window, "the check, then Join", |w| {
        matches!(w.state().state().check, CheckStatus::Done(_))
            && !w.state().check_pending()
            && w.state().state().pending.is_none()
            && !w.state().join_pending()
            && (w.state().state().join_failure.is_some()
                || w.state()
                    .state()
                    .toast
                    .as_ref()
                    .is_some_and(|t| t.text.contains("Opening")))
    });
    assert_eq!(sandbox.stats().random_calls, calls + 1, "one check");
    let state = window.state().state();
    assert_eq!(state.form.input, "900 000 102");
    assert_eq!(state.form.password, "246802", "the guest password");
    assert!(!state.form.show_password, "never shown unless asked");
    window.run();
    assert!(
        window
            .query_by_role_and_label(Role::PasswordInput, "Meeting password")
            .is_some(),
        "the password stays masked"
    );
    // The list and its passwords are never saved.
    let saved = serde_json::to_string(window.state().state()).expect("state serialises");
    for secret in ["246802", "135790", "1:1 with Zhang"] {
        assert!(!saved.contains(secret), "{secret} is not saved");
    }
}

#[test]
fn the_week_is_shown_on_demand_and_a_failed_read_offers_retry() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = today_window(&runtime, &sandbox, today_settings(), None);
    signed_in_with_list(&mut window);
    button(&window, "This week").click();
    window.run();
    assert!(
        has_label(&window, "季度规划 Quarterly planning"),
        "tomorrow's"
    );
    named_button(&window, "Today").click();
    window.run();
    assert!(!has_label(&window, "季度规划 Quarterly planning"));

    // The server goes away: Refresh says the list could not be read, keeps the one it has,
    // and offers Retry.
    runtime.block_on(sandbox.shutdown());
    named_button(&window, "Refresh").click();
    wait_until(&mut window, "the failed read", |w| {
        w.state().state().today.error.is_some()
    });
    window.run();
    assert!(has_label_containing(
        &window,
        "Your meetings could not be read."
    ));
    assert!(
        has_label(&window, "项目周会 Project weekly"),
        "the list stays"
    );
    assert!(window.query_by_label("Retry").is_some());
}

#[test]
fn a_reminder_comes_before_a_meeting_and_its_join_opens_it() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let bus = notify_bus::PrivateBus::start();
    let (service, received) = runtime.block_on(notify_bus::serve(&bus, &["actions", "body"]));
    let mut saved = today_settings();
    saved.settings.reminders = ReminderLead::Min15;
    let mut window = today_window(&runtime, &sandbox, saved, Some(bus.address.clone()));
    signed_in_with_list(&mut window);

    // "Design review" starts in 10 minutes: within 15, so its reminder comes at once.
    let deadline = std::time::Instant::now() + window::DEADLINE;
    let seen = loop {
        window.step();
        let seen = received.lock().unwrap().clone();
        if let Some(reminder) = seen.iter().find(|r| r.summary == "设计评审 Design review") {
            break reminder.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no reminder: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(seen.body.contains("900 000 102"), "{}", seen.body);
    assert!(!seen.body.contains("246802"), "never the password");
    assert_eq!(seen.actions[0], meetjoin::notify::JOIN_ACTION);
    // The meetings that run now or have ended get none.
    assert!(
        !received
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.summary.contains("Project weekly") || r.summary.contains("Morning")),
        "only meetings still to start"
    );

    // The user presses Join in the notification: the window checks the meeting and joins.
    let id = u32::try_from(
        received
            .lock()
            .unwrap()
            .iter()
            .position(|r| r.summary == "设计评审 Design review")
            .expect("shown"),
    )
    .expect("index")
        + 41;
    runtime
        .block_on(service.emit_signal(
            None::<()>,
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            &(id, meetjoin::notify::JOIN_ACTION),
        ))
        .expect("signal");
    wait_until(&mut window, "the reminder's Join", |w| {
        matches!(&w.state().state().check, CheckStatus::Done(facts)
            if facts.meeting_id.as_str() == "900000102")
    });
}

#[test]
fn the_waiting_room_watches_for_the_host_and_joins_when_asked() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = today_window(&runtime, &sandbox, today_settings(), None);
    sign_in(&mut window);

    // The late host's meeting: "not started" for the first few checks.
    paste_meeting(&mut window, "900000107");
    button(&window, "Check").click();
    window.step();
    wait_until_checked(&mut window);
    let CheckStatus::Failed(error) = &window.state().state().check else {
        panic!("expected the meeting not to have started");
    };
    assert_eq!(error.kind, ErrorKind::NotStarted);
    assert!(!has_label_containing(&window, "⚠"), "not an error");
    button(&window, "Wait here").click();
    window.run();
    assert!(has_label_containing(
        &window,
        "Waiting for the host of meeting 900 000 107"
    ));
    window
        .get_by_label("Open the meeting as soon as the host arrives")
        .click();
    window.run();
    wait_until(&mut window, "the host", |w| {
        matches!(w.state().state().check, CheckStatus::Done(_))
    });
    assert!(window.state().state().waiting.is_none());
    // Asked to join on arrival: Join ran (opened, or said why not).
    wait_until(&mut window, "Join", |w| {
        !w.state().join_pending()
            && (w.state().state().join_failure.is_some()
                || w.state()
                    .state()
                    .toast
                    .as_ref()
                    .is_some_and(|t| t.text.contains("Opening")))
    });
    assert!(
        sandbox.stats().random_calls >= 4,
        "checked again until it started"
    );

    // A host that never comes: Stop waiting ends it, and no check is sent after that.
    paste_meeting(&mut window, "900000002");
    button(&window, "Check").click();
    window.step();
    wait_until_checked(&mut window);
    button(&window, "Wait here").click();
    wait_until(&mut window, "a first re-check", |w| {
        w.state()
            .state()
            .waiting
            .as_ref()
            .is_some_and(|room| room.last.is_some())
    });
    button(&window, "Stop waiting").click();
    window.run();
    assert!(window.state().state().waiting.is_none());
    let calls = sandbox.stats().random_calls;
    for _ in 0..20 {
        window.step();
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(sandbox.stats().random_calls, calls, "no check after Stop");
}

#[test]
fn an_old_random_is_refreshed_not_copied() {
    let runtime = runtime();
    let sandbox = start_sandbox(&runtime, Duration::from_secs(60));
    let mut window = today_window(&runtime, &sandbox, today_settings(), None);
    sign_in(&mut window);
    paste_meeting(&mut window, "914047175");
    button(&window, "Check").click();
    window.step();
    wait_until_checked(&mut window);
    assert!(has_label(&window, "Fetched just now."));
    let old = match &mut window.state_mut().state_mut().check {
        CheckStatus::Done(facts) => {
            facts.reply.fetched_at -= Duration::from_secs(6 * 60);
            facts.reply.random.expose_secret().to_owned()
        }
        other => panic!("expected a result, got {other:?}"),
    };
    window.run();
    assert!(has_label_containing(
        &window,
        "get a new one before you use it"
    ));
    assert!(
        window
            .query_by_role_and_label(Role::Button, "Copy")
            .is_none()
    );
    let calls = sandbox.stats().random_calls;
    button(&window, "Get a new random").click();
    window.step();
    wait_until_checked(&mut window);
    assert_eq!(sandbox.stats().random_calls, calls + 1);
    match &window.state().state().check {
        CheckStatus::Done(facts) => assert_ne!(facts.reply.random.expose_secret(), old),
        other => panic!("expected a result, got {other:?}"),
    }
    assert!(
        window
            .query_by_role_and_label(Role::Button, "Copy")
            .is_some()
    );
}
