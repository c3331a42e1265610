//! The window's Join on a machine without HUAWEI CLOUD Meeting: it says the client is not
//! installed and offers the download page. The test runs itself again in a child process whose
//! XDG directories (which the opener reads) are empty.
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

use std::sync::Arc;

use eframe::egui::{self, OutputCommand};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use meetjoin::gui::state::CheckStatus;
use meetjoin::gui::worker::JoinFailure;
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::join::{DOWNLOAD_PAGE_CN, OpenError};
use meetjoin::sandbox::{Sandbox, SandboxConfig};
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;

use window::{Window, button, demo_account, has_label_containing, runtime, wait_until};

/// A common laptop window.
const WINDOW: egui::Vec2 = egui::vec2(1280.0, 800.0);

#[test]
#[ignore = "needs xdg-utils (xdg-open, xdg-mime): scripts/test.sh"]
fn join_without_the_client_says_so_and_offers_the_download_page() {
    // The opener reads this process's XDG variables: run the body again in a child process
    // whose XDG directories are empty (no unsafe set_var here).
    if std::env::var_os("MEETJOIN_JOIN_WINDOW_CHILD").is_none() {
        let empty = tempfile::tempdir().expect("temp dir");
        let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "join_without_the_client_says_so_and_offers_the_download_page",
                "--ignored",
                "--nocapture",
            ])
            .env("MEETJOIN_JOIN_WINDOW_CHILD", "1")
            .env("XDG_DATA_HOME", empty.path())
            .env("XDG_CONFIG_HOME", empty.path())
            .env("XDG_DATA_DIRS", empty.path())
            .env("XDG_CONFIG_DIRS", empty.path())
            .status()
            .expect("the child test runs");
        assert!(status.success(), "the child test failed: {status}");
        return;
    }
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .expect("sandbox");
    let server = Server::parse(&sandbox.url()).expect("url");
    let handle = runtime.handle().clone();
    let mut window: Window = Harness::builder()
        .with_max_steps(8)
        .with_size(WINDOW)
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, Arc::new(MemoryStore::new()), handle);
            deps.sandbox = true;
            deps.demo = Some(demo_account());
            deps.saved = Some(window::test_settings());
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    window.state_mut().state_mut().form.input = "914047175".to_owned();
    window.run();
    button(&window, "Check").click();
    window.run();
    button(&window, "Sign in").click();
    wait_until(&mut window, "the check", |w| {
        matches!(w.state().state().check, CheckStatus::Done(_))
    });
    window.run();

    button(&window, "Join").click();
    wait_until(&mut window, "Join's answer", |w| {
        w.state().state().join_failure.is_some()
    });
    window.run();
    assert_eq!(
        window.state().state().join_failure,
        Some(JoinFailure::Open(OpenError::NotInstalled))
    );
    // Where the user looks: the message under the card is scrolled into view (at 1280x800
    // it stood below the bottom edge, and nothing seemed to happen).
    let message = window
        .query_all_by_label_contains("HUAWEI CLOUD Meeting is not installed")
        .next()
        .expect("the message")
        .rect();
    let header = window.get_by_label("Settings").rect().bottom();
    assert!(
        message.top() >= header && message.bottom() <= WINDOW.y,
        "the message {message:?} is in view (header ends at {header})"
    );
    let download = button(&window, "Open the download page").rect();
    assert!(
        download.bottom() <= WINDOW.y,
        "and its button: {download:?}"
    );
    button(&window, "Open the download page").click();
    window.step();
    let opened: Vec<String> = window
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            OutputCommand::OpenUrl(open) => Some(open.url.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(opened, vec![DOWNLOAD_PAGE_CN.to_owned()]);
    assert!(window.query_by_label("Join").is_some());
}

/// The window's Join for an invitation whose link carries the password: the link itself goes
/// to the browser (here a fake one, the default for https in the child's XDG directories).
#[test]
#[ignore = "needs xdg-utils (xdg-open, xdg-mime): scripts/test.sh"]
fn join_through_the_invitation_s_link_opens_that_link() {
    const SUFFIX: &str = "xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mq";
    let link = format!("https://meeting.huaweicloud.com/#/j/987654321/{SUFFIX}");
    if std::env::var_os("MEETJOIN_JOIN_WINDOW_CHILD").is_none() {
        let opened = run_with_fake_opener(
            "join_through_the_invitation_s_link_opens_that_link",
            &["cloudlink", "https"],
        );
        assert_eq!(opened, vec![link]);
        return;
    }
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .expect("sandbox");
    let mut window = window::sandbox_window(&runtime, &sandbox.url());
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    window.state_mut().state_mut().form.input = format!("会议ID：987 654 321\n{link}");
    window.run();
    button(&window, "Check").click();
    window.run();
    button(&window, "Sign in").click();
    wait_until(&mut window, "the check", |w| {
        matches!(w.state().state().check, CheckStatus::Failed(_))
    });
    window.run();
    assert!(has_label_containing(
        &window,
        "The invitation's link carries the password"
    ));
    button(&window, "Join").click();
    window.step();
    wait_until(&mut window, "Join's answer", |w| !w.state().join_pending());
    window.run();
    assert_eq!(window.state().state().join_failure, None);
    assert!(has_label_containing(&window, "Opening the meeting"));
}

/// Runs the test `name` again in a child process whose XDG directories make a fake opener
/// (which records each link it gets) the default for `schemes` only; returns what it got.
fn run_with_fake_opener(name: &str, schemes: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let apps = dir.path().join("applications");
    std::fs::create_dir_all(&apps).expect("applications dir");
    let record = dir.path().join("opened.txt");
    let script = dir.path().join("fake-opener");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            record.display()
        ),
    )
    .expect("opener script");
    let mut permissions = std::fs::metadata(&script).expect("metadata").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).expect("chmod");
    let mime: String = schemes
        .iter()
        .map(|scheme| format!("x-scheme-handler/{scheme};"))
        .collect();
    std::fs::write(
        apps.join("fake-opener.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Fake opener\nExec={} %u\n\
             MimeType={mime}\nNoDisplay=true\n",
            script.display()
        ),
    )
    .expect("desktop file");
    let defaults: String = schemes
        .iter()
        .map(|scheme| format!("x-scheme-handler/{scheme}=fake-opener.desktop\n"))
        .collect();
    std::fs::write(
        dir.path().join("mimeapps.list"),
        format!("[Default Applications]\n{defaults}"),
    )
    .expect("mimeapps.list");
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", name, "--ignored", "--nocapture"])
        .env("MEETJOIN_JOIN_WINDOW_CHILD", "1")
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_DIRS", dir.path())
        .env("XDG_CONFIG_DIRS", dir.path())
        // xdg-open runs scheme handlers in a graphical session only (the fake one needs
        // none): a display no server has, never another session's.
        .env("DISPLAY", ":64999")
        .env_remove("BROWSER")
        .output()
        .expect("the child test runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the child test failed: {said}");
    assert!(said.contains("1 passed"), "the child ran the test: {said}");
    std::fs::read_to_string(&record)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Without the meeting app, Join is not a dead end: "Join in the browser" opens the meeting's
/// web page (the default browser here is a fake one; the sandbox's page is its own origin's
/// `/#/j/<id>`), and "Copy invitation" copies the ID and the link.
#[test]
#[ignore = "needs xdg-utils (xdg-open, xdg-mime): scripts/test.sh"]
fn without_the_app_join_offers_the_browser_and_the_invitation() {
    if std::env::var_os("MEETJOIN_JOIN_WINDOW_CHILD").is_none() {
        let opened = run_with_fake_opener(
            "without_the_app_join_offers_the_browser_and_the_invitation",
            &["http", "https"],
        );
        assert_eq!(opened.len(), 1, "one page opened: {opened:?}");
        let page = regex::Regex::new(r"^http://127\.0\.0\.1:[0-9]+/#/j/914047175$").expect("re");
        assert!(page.is_match(&opened[0]), "{}", opened[0]);
        return;
    }
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .expect("sandbox");
    let mut window = window::sandbox_window(&runtime, &sandbox.url());
    wait_until(&mut window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    window.state_mut().state_mut().form.input = "914047175".to_owned();
    window.run();
    button(&window, "Check").click();
    window.run();
    button(&window, "Sign in").click();
    wait_until(&mut window, "the check", |w| {
        matches!(w.state().state().check, CheckStatus::Done(_))
    });
    window.run();
    button(&window, "Join").click();
    wait_until(&mut window, "Join's answer", |w| {
        w.state().state().join_failure.is_some()
    });
    window.run();
    assert!(has_label_containing(
        &window,
        "you can still join in the browser"
    ));

    button(&window, "Copy invitation").click();
    window.step();
    let copied: Vec<String> = window
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1);
    assert!(
        copied[0].contains("Meeting ID: 914 047 175"),
        "{}",
        copied[0]
    );
    assert!(copied[0].contains("/#/j/914047175"), "{}", copied[0]);
    window.run();

    button(&window, "Join in the browser").click();
    window.step();
    wait_until(&mut window, "the browser's answer", |w| {
        !w.state().join_pending()
    });
    window.run();
    assert_eq!(window.state().state().join_failure, None);
    assert!(has_label_containing(
        &window,
        "Opening the meeting in your browser"
    ));
}
