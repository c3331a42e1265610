//! The real window on the desktops people use, each on a private display of its own
//! (tests/common/desktop.rs): on Wayland (weston) with the keyboard only, at a scale factor of
//! 2 with clicks placed from the accessibility tree, and with a screen reader (AT-SPI) from
//! sign-in to an error. What is asserted is what a user meets: accessible names and roles, the
//! window and its pixels, the clipboard.
//!
//! Needs Xvfb, matchbox-window-manager, xdotool, xclip, ImageMagick, weston, at-spi2-core and
//! python3-pyatspi; `scripts/test.sh` checks for them and runs these tests (skipped when a
//! part is missing, except under `CI=true`).
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/desktop.rs"]
mod desktop;

use std::path::Path;
use std::time::{Duration, Instant};

use desktop::{
    A11yNode, Desktop, START_DEADLINE, STEP_DEADLINE, View, find, floating_message, overlaps,
    shown_random, wait_for,
};

/// The meeting the sandbox answers without a password, and its subject.
const MEETING: &str = "914047175";
const SUBJECT: &str = "zhang的会议";
/// The accessible name of the meeting field.
const MEETING_FIELD: &str = "Meeting ID or invitation";
/// What the clipboard holds before a copy, so that a copy that does nothing is seen.
const MARKER: &str = "meetjoin-desktop-test-marker";

/// The meeting field's node, once it reads `text`.
fn field_reads<'a>(nodes: &'a [A11yNode], text: &str) -> Option<&'a A11yNode> {
    find(nodes, "entry", MEETING_FIELD).filter(|n| n.text == text)
}

/// The result of a check as the tree shows it: the subject and the random, once both show.
fn result(nodes: &[A11yNode]) -> Option<String> {
    nodes
        .iter()
        .any(|n| n.name == SUBJECT && n.is("showing"))
        .then(|| shown_random(nodes))
        .flatten()
}

/// No toast shows (for a screenshot that shows the window itself).
fn no_toast(nodes: &[A11yNode]) -> Option<()> {
    floating_message(nodes).is_none().then_some(())
}

/// Signed in: the header names the account.
fn signed_in(nodes: &[A11yNode]) -> Option<()> {
    nodes
        .iter()
        .any(|n| n.is("showing") && n.name.to_lowercase().contains("signed in as"))
        .then_some(())
}

#[test]
#[ignore = "needs Wayland (weston in an Xvfb of its own), AT-SPI, xdotool, ImageMagick: scripts/test.sh"]
fn on_wayland_the_window_signs_in_and_checks_from_the_keyboard() {
    let started = Instant::now();
    let desktop = Desktop::start(1280, 1024)
        .with_accessibility()
        .with_weston(1);
    let mut app = desktop.launch(true, &[("WAYLAND_DEBUG", "client")]);

    // The window opens as a Wayland client of weston, named by its app id, with no X window.
    desktop.wait_for_tree(
        &mut app,
        "the window's meeting field",
        START_DEADLINE,
        |nodes| find(nodes, "entry", MEETING_FIELD).map(|_| ()),
    );
    let protocol = app.stderr();
    let app_id = regex::Regex::new(r#"-> xdg_toplevel@\d+\.set_app_id\("([^"]*)"\)"#).unwrap();
    let ids: Vec<&str> = app_id
        .captures_iter(&protocol)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(ids, ["meetjoin"], "the Wayland app id(s) the window set");
    let pid = app.pid().to_string();
    let x_windows = desktop.tool("xdotool", &["search", "--pid", &pid]);
    assert!(
        x_windows.is_err(),
        "meetjoin has an X window on Wayland: {x_windows:?}"
    );
    // What the README says about the clipboard rests on this: weston offers no data-control
    // protocol, through which a program reads or clears the clipboard without the focus.
    let globals: Vec<&str> = protocol
        .lines()
        .filter_map(|l| l.split("wl_registry@").nth(1))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(globals.contains(&"wl_data_device_manager"), "{globals:?}");
    assert!(
        !globals.iter().any(|g| g.contains("data_control")),
        "weston now has a data-control protocol: {globals:?}"
    );

    // Keys typed into weston's window go to the Wayland window it focused.
    let weston = desktop.weston_window().expect("weston's window");
    desktop.xdotool(&["windowactivate", "--sync", &weston]);
    desktop.xdotool(&["type", "--delay", "40", MEETING]);
    desktop.wait_for_tree(&mut app, "the typed meeting ID", STEP_DEADLINE, |nodes| {
        field_reads(nodes, MEETING).map(|_| ())
    });
    // Enter before sign-in opens the sign-in dialog (the sandbox's demo account filled in);
    // Enter there signs in, and the check asked for runs.
    desktop.xdotool(&["key", "Return"]);
    desktop.wait_for_tree(&mut app, "the sign-in dialog", STEP_DEADLINE, |nodes| {
        find(nodes, "push button", "Sign in").map(|_| ())
    });
    desktop.xdotool(&["key", "Return"]);
    let random = desktop.wait_for_tree(&mut app, "the result", STEP_DEADLINE, result);
    assert!(
        app.log()
            .contains("path=/v2/mms/ncms/conferences/auth/random status=200"),
        "the window's log has no answered check"
    );

    // The screen shows it, once the "Signed in" toast has gone: the window's background and,
    // below Check, the result's primary button (the pixels read as tests/gui_window.rs does).
    desktop.wait_for_tree(&mut app, "no toast", STEP_DEADLINE, no_toast);
    let view = wait_for("the result on the screen", STEP_DEADLINE, |seen| {
        let view = View::of(&desktop.screenshot("root").ok()?);
        *seen = format!("{view:?}");
        (view.panel_visible && view.buttons.len() >= 2).then_some(view)
    })
    .unwrap_or_else(|e| desktop.fail(&e));
    assert!(view.buttons[1].top > view.buttons[0].bottom, "{view:?}");
    desktop.save_screenshot("root", "wayland-weston-result-en-dark.png");

    // The clipboard through the window's seat: Ctrl+Shift+C copies (weston gets a selection
    // from the window), and Ctrl+V in the meeting field pastes it back from weston.
    desktop.xdotool(&["key", "--clearmodifiers", "ctrl+shift+c"]);
    wait_for("the copy's selection", STEP_DEADLINE, |seen| {
        let protocol = app.stderr();
        *seen = protocol
            .lines()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .join(" | ");
        protocol
            .contains("wl_data_device@")
            .then(|| {
                protocol
                    .contains(".set_selection(wl_data_source@")
                    .then_some(())
            })
            .flatten()
    })
    .unwrap_or_else(|e| desktop.fail(&e));
    // The window says it cannot clear the clipboard later here, instead of promising it.
    desktop.wait_for_tree(
        &mut app,
        "the copy's note that the clipboard is not cleared here",
        STEP_DEADLINE,
        |nodes| {
            nodes
                .iter()
                .any(|n| n.name.contains("does not let meetjoin clear the clipboard"))
                .then_some(())
        },
    );
    let focus = desktop.atspi(&["focus", &pid, "entry", MEETING_FIELD], STEP_DEADLINE);
    focus.unwrap_or_else(|e| desktop.fail(&e));
    desktop.xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
    desktop.xdotool(&["key", "--clearmodifiers", "ctrl+v"]);
    desktop.wait_for_tree(
        &mut app,
        "the random pasted back into the meeting field",
        STEP_DEADLINE,
        |nodes| field_reads(nodes, &random).map(|_| ()),
    );

    let elapsed = started.elapsed();
    eprintln!("wayland: ok in {} ms", elapsed.as_millis());
}

#[test]
#[ignore = "needs an Xvfb of its own (a 960x1280 screen at scale 2), AT-SPI, xdotool, xclip, ImageMagick: scripts/test.sh"]
fn at_scale_2_the_window_is_sharp_fits_and_takes_clicks() {
    let started = Instant::now();
    // The same window at scale 1 on a 480x640 screen and at scale 2 on a 960x1280 one; the
    // window manager gives it the whole screen: its minimum size, 480x640 points, both times.
    let one = Desktop::start(480, 640).with_accessibility();
    let two = Desktop::start(960, 1280).with_accessibility();
    let mut small = one.launch(false, &[("WINIT_X11_SCALE_FACTOR", "1")]);
    let mut app = two.launch(false, &[("WINIT_X11_SCALE_FACTOR", "2")]);
    let form = |nodes: &[A11yNode]| find(nodes, "push button", "Check").map(|_| nodes.to_vec());
    let at_1 = one.wait_for_tree(&mut small, "the form at scale 1", START_DEADLINE, form);
    let at_2 = two.wait_for_tree(&mut app, "the form at scale 2", START_DEADLINE, form);
    drop(small);
    drop(one);

    // The window fills 960x1280 pixels, and every node is where it is at scale 1, twice as
    // far and twice as big: the layout of 480x640 points, drawn at 2 pixels a point.
    let frame = at_2.iter().find(|n| n.role == "frame").expect("a frame");
    assert_eq!(
        frame.extents,
        Some([0, 0, 960, 1280]),
        "the window at scale 2"
    );
    let mut compared = 0;
    let mut wrong = Vec::new();
    for node in at_1.iter().filter(|n| n.is("showing") && n.role != "frame") {
        let (Some(a), Some(twin)) = (node.extents, at_2.iter().find(|n| n.path == node.path))
        else {
            continue;
        };
        let Some(b) = twin.extents else { continue };
        if twin.role != node.role || twin.name != node.name || node.name.contains("127.0.0.1") {
            continue;
        }
        // Text is laid out for each scale's pixels: allow a few pixels and 3% of a size.
        let close = |one: i64, two: i64| (2 * one - two).abs() <= 4.max(two * 3 / 100);
        if !(0..4).all(|i| close(a[i], b[i])) {
            wrong.push(format!(
                "{} {:?}: {a:?} at 1, {b:?} at 2",
                node.role, node.name
            ));
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} nodes compared");
    assert!(
        wrong.is_empty(),
        "not twice the scale-1 layout:\n{}",
        wrong.join("\n")
    );

    // Its minimum size, 480x640 points, is 960x1280 pixels at scale 2: the window fills the
    // screen at exactly that size.
    let window = two.window_of(&mut app);
    let hints = two.tool("xprop", &["-id", &window, "WM_NORMAL_HINTS"]);
    let hints =
        String::from_utf8_lossy(&hints.unwrap_or_else(|e| two.fail(&e)).stdout).into_owned();
    assert!(
        hints.contains("minimum size: 960 by 1280"),
        "the window's size hints: {hints}"
    );

    // Sharp: drawn at 960x1280, not scaled up from 480x640 (which doubles every pixel).
    let image = two.screenshot(&window).unwrap_or_else(|e| two.fail(&e));
    assert_eq!(
        (image.width, image.height),
        (960, 1280),
        "the window's pixels"
    );
    let detail = image.detail_at_2x();
    assert!(detail > 0.005, "the window looks scaled up: {detail:.4}");

    // Clicks at the controls' places in the tree: Sign in…, the dialog's Sign in, the field,
    // Check; the demo account signs in and the check runs.
    let click = |app: &mut desktop::Meetjoin, role: &str, name: &str| {
        let node = two.wait_for_tree(
            app,
            &format!("the {role} {name:?}"),
            STEP_DEADLINE,
            |nodes| find(nodes, role, name).filter(|n| n.is("enabled")).cloned(),
        );
        two.click(node.center());
    };
    click(&mut app, "push button", "Sign in…");
    click(&mut app, "push button", "Sign in");
    two.wait_for_tree(&mut app, "the signed-in header", STEP_DEADLINE, signed_in);
    click(&mut app, "entry", MEETING_FIELD);
    two.xdotool(&["type", "--delay", "40", MEETING]);
    two.wait_for_tree(&mut app, "the typed meeting ID", STEP_DEADLINE, |nodes| {
        field_reads(nodes, MEETING).map(|_| ())
    });
    click(&mut app, "push button", "Check");
    let random = two.wait_for_tree(&mut app, "the result", STEP_DEADLINE, result);

    // Nothing overlaps, and nothing is cut off at the sides.
    let nodes = two.tree(app.pid()).unwrap_or_else(|e| two.fail(&e));
    let overlapping = overlaps(&nodes, [0, 0, 960, 1280]);
    assert!(
        overlapping.is_empty(),
        "overlapping at scale 2:\n{}",
        overlapping.join("\n")
    );
    let cut: Vec<String> = nodes
        .iter()
        .filter(|n| n.is("showing") && n.role != "frame")
        .filter(|n| n.extents.is_some_and(|[x, _, w, _]| x < 0 || x + w > 960))
        .map(|n| format!("{} {:?} {:?}", n.role, n.name, n.extents))
        .collect();
    assert!(cut.is_empty(), "cut off at the sides:\n{}", cut.join("\n"));

    // A click on Copy copies the random shown (brought into view first if it is below the fold).
    let pid = app.pid().to_string();
    let in_view = |nodes: &[A11yNode]| {
        find(nodes, "push button", "Copy")
            .filter(|n| {
                n.extents
                    .is_some_and(|[_, y, _, h]| y >= 0 && y + h <= 1280)
            })
            .cloned()
    };
    let copy = match in_view(&nodes) {
        Some(copy) => copy,
        None => {
            let focus = two.atspi(&["focus", &pid, "push button", "Copy"], STEP_DEADLINE);
            focus.unwrap_or_else(|e| two.fail(&e));
            two.wait_for_tree(&mut app, "Copy in view", STEP_DEADLINE, in_view)
        }
    };
    two.hold_clipboard(MARKER);
    two.click(copy.center());
    let copied = wait_for("the copied random", STEP_DEADLINE, |seen| {
        let now = two.clipboard()?;
        *seen = now.clone();
        (now != MARKER).then_some(now)
    })
    .unwrap_or_else(|e| two.fail(&e));
    assert_eq!(copied, random, "the clipboard after clicking Copy");
    two.wait_for_tree(&mut app, "no toast", STEP_DEADLINE, no_toast);
    two.save_screenshot(&window, "result-480x640-scale2-en-dark.png");

    let elapsed = started.elapsed();
    eprintln!(
        "scale 2: ok in {} ms ({compared} nodes compared, detail {detail:.3})",
        elapsed.as_millis()
    );
}

#[test]
#[ignore = "needs AT-SPI (at-spi2-core, python3-pyatspi) and an Xvfb of its own: scripts/test.sh"]
fn a_screen_reader_user_does_the_whole_job() {
    let started = Instant::now();
    let desktop = Desktop::start(1280, 800).with_accessibility();
    let app = desktop.launch(false, &[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/screen_reader.py");
    let pid = app.pid().to_string();
    match desktop.python(&script, &[&pid], Duration::from_secs(180)) {
        Ok(out) => {
            eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        }
        Err(error) => {
            let stderr = app.stderr_tail();
            desktop.fail(&format!("{error}\nmeetjoin's stderr:\n{stderr}"));
        }
    }
    eprintln!("screen reader: ok in {} ms", started.elapsed().as_millis());
}
