//! The real binary in a real X window: `meetjoin gui --sandbox` is signed in with the demo
//! account, checks 914047175, and a real mouse click on Copy (then Ctrl+Shift+C) must put a
//! 15-digit auth random on the X clipboard; a click on Join must hand exactly the expected
//! `cloudlink://` link (with a Chinese display name) to a fake handler registered in the
//! window's own XDG directories.
//!
//! On X11 the window names itself for the desktop: `WM_CLASS` is `"meetjoin", "meetjoin"` and
//! `_NET_WM_ICON` holds the icon in several sizes (read with `xprop`).
//!
//! Needs a display with a window manager, `xdotool`, `xclip`, `xprop` and ImageMagick's `import`;
//! `scripts/test.sh` provides them (Xvfb + matchbox-window-manager) and sets
//! `MEETJOIN_TEST_DISPLAY=1`. Without it the test is skipped, except under `CI=true`.
//!
//! The window is read from screenshots (`import -window <id>`): the app's primary buttons have
//! one exact fill colour, so they show up as solid rectangles of it. Check is the only one in
//! the form; once the result card is shown, Join is the lowest one, Copy right of it. Sign-in
//! and typing use the keyboard, the Copy and Join clicks the mouse.
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/desktop.rs"]
mod desktop;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use desktop::{Image, View};

/// The meeting the sandbox answers without a password.
const MEETING: &str = "914047175";
/// What the clipboard holds before each copy, so that a copy that does nothing is seen.
const MARKER: &str = "meetjoin-gui-window-test-marker";

/// How long the window may take to appear and draw its first frame.
const WINDOW_DEADLINE: Duration = Duration::from_secs(20);
/// How long each later step (a dialog, a sign-in, a check, a copy) may take.
const STEP_DEADLINE: Duration = Duration::from_secs(10);
/// The longest any one helper command (xdotool, import, xclip) may run.
const COMMAND_DEADLINE: Duration = Duration::from_secs(5);
/// How often the window is looked at while waiting.
const POLL: Duration = Duration::from_millis(100);

#[test]
#[ignore = "needs a display with a window manager, xdotool, xclip, xprop, ImageMagick, xdg-utils: scripts/test.sh"]
fn copy_join_and_a_second_launch_in_the_real_window() {
    let display = std::env::var("DISPLAY")
        .ok()
        .filter(|d| !d.is_empty())
        .expect("MEETJOIN_TEST_DISPLAY is set but DISPLAY is not");
    for (tool, package) in [
        ("xdotool", "xdotool"),
        ("xclip", "xclip"),
        ("import", "imagemagick"),
    ] {
        let found = Command::new(tool)
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        assert!(
            found,
            "gui_window: {tool} is missing (apt-get install {package})"
        );
    }
    let started = Instant::now();
    let mut app = App::launch(&display);

    // The window, and its first frame.
    let window = app.wait_for_window();
    app.window = Some(window.clone());

    // Its identity for X11 desktops: WM_CLASS names meetjoin as instance and class (desktops
    // match it to meetjoin.desktop), and _NET_WM_ICON holds the icon, small sizes first (plain
    // xprop reads only about 250 KB: it shows them, not the 256-pixel one after them). The
    // icons are set from a thread, just after the window appears: wait for them.
    let xprop = |args: &[&str]| -> String {
        let out = app.tool("xprop", &[&["-id", &window][..], args].concat());
        String::from_utf8_lossy(&out.expect("xprop (x11-utils) runs").stdout).into_owned()
    };
    assert_eq!(
        xprop(&["WM_CLASS"]).trim(),
        r#"WM_CLASS(STRING) = "meetjoin", "meetjoin""#
    );
    let small = ["Icon (16 x 16)", "Icon (32 x 32)", "Icon (48 x 48)"];
    let deadline = Instant::now() + STEP_DEADLINE;
    let icons = loop {
        let icons = xprop(&["_NET_WM_ICON"]);
        if small.iter().all(|icon| icons.contains(icon)) || Instant::now() > deadline {
            break icons;
        }
        sleep(POLL);
    };
    for icon in small {
        assert!(
            icons.contains(icon),
            "xprop shows no {icon}: {}",
            &icons[..icons.len().min(200)]
        );
    }
    let all_icons = xprop(&["-len", "2000000", "_NET_WM_ICON"]);
    assert!(all_icons.contains("Icon (256 x 256)"), "no 256-pixel icon");
    app.wait_until("the first frame", WINDOW_DEADLINE, |view| {
        view.panel_visible && view.buttons.is_empty()
    });
    sleep(Duration::from_millis(300));
    app.activate();

    // The meeting field has the focus: type the ID (Check turns on). Enter before sign-in opens
    // the sign-in dialog, pre-filled with the demo account; Enter there signs in, and the
    // check asked for runs.
    app.xdotool(&["type", "--delay", "40", MEETING]);
    app.wait_until("Check to be enabled", STEP_DEADLINE, |view| {
        view.panel_visible && view.buttons.len() == 1
    });
    app.xdotool(&["key", "Return"]);
    app.wait_until("the sign-in dialog", STEP_DEADLINE, |view| {
        !view.panel_visible && view.buttons.len() == 1
    });
    sleep(Duration::from_millis(200));
    app.xdotool(&["key", "Return"]);
    let view = app.wait_until("the result card", STEP_DEADLINE, |view| {
        view.panel_visible && view.buttons.len() == 2
    });
    // Join is the result's primary button; Copy stands right of it.
    let (check, join) = (view.buttons[0], view.buttons[1]);
    if join.top <= check.bottom {
        app.fail(&format!(
            "Join ({join:?}) should be below Check ({check:?})"
        ));
    }

    // Click Copy with the mouse (104 points wide, 8 right of Join).
    app.hold_clipboard(MARKER);
    let (_, y) = join.center();
    let x = join.right + 8 + 52;
    app.xdotool(&[
        "mousemove",
        "--window",
        &window,
        &x.to_string(),
        &y.to_string(),
    ]);
    sleep(Duration::from_millis(150));
    app.xdotool(&["mousedown", "1"]);
    sleep(Duration::from_millis(60));
    app.xdotool(&["mouseup", "1"]);
    let clicked = app.wait_for_clipboard("clicking Copy");
    assert_random(&clicked, "after clicking Copy");

    // Ctrl+Shift+C copies the same random.
    app.hold_clipboard(MARKER);
    app.activate();
    app.xdotool(&["key", "--clearmodifiers", "ctrl+shift+c"]);
    let shortcut = app.wait_for_clipboard("Ctrl+Shift+C");
    assert_random(&shortcut, "after Ctrl+Shift+C");
    assert_eq!(
        shortcut, clicked,
        "Ctrl+Shift+C copied another value than Copy"
    );

    // Click Join: the fake cloudlink handler gets exactly the link.
    let (x, y) = join.center();
    app.xdotool(&[
        "mousemove",
        "--window",
        &window,
        &x.to_string(),
        &y.to_string(),
    ]);
    sleep(Duration::from_millis(150));
    app.xdotool(&["mousedown", "1"]);
    sleep(Duration::from_millis(60));
    app.xdotool(&["mouseup", "1"]);
    let links = app.wait_for_links();
    let pattern = regex::Regex::new(
        "^cloudlink://welinksoftclient/h5page\\?page=joinConfByLink&server_url=127\\.0\\.0\\.1\
         &port=[0-9]+&conf_id=914047175&name=%E5%BC%A0%E5%96%86&open_mic=false&open_camera=false$",
    )
    .expect("pattern");
    assert_eq!(links.len(), 1, "one link: {links:?}");
    assert!(pattern.is_match(&links[0]), "the link: {}", links[0]);
    eprintln!("gui_window: Join handed over {}", links[0]);

    // A second launch with a meeting hands it to this window and exits: no second window.
    let (code, stderr) = app.second_launch(&["gui", "--sandbox", "900000004"]);
    assert_eq!(code, Some(0), "the second launch exits at once: {stderr}");
    assert!(stderr.contains("open already"), "{stderr}");
    app.wait_for_log("a second launch handed over to this window");

    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(50),
        "the test took {elapsed:?}"
    );
    eprintln!("gui_window: ok in {} ms", elapsed.as_millis());
}

#[test]
#[ignore = "needs a display with a window manager, xdotool, xclip, xmessage, ImageMagick: scripts/test.sh"]
fn an_invitation_copied_in_a_window_covering_meetjoin_is_offered_on_coming_back() {
    let display = std::env::var("DISPLAY")
        .ok()
        .filter(|d| !d.is_empty())
        .expect("MEETJOIN_TEST_DISPLAY is set but DISPLAY is not");
    let mut app = App::launch(&display);
    let window = app.wait_for_window();
    app.window = Some(window);
    // Nothing to offer yet: the clipboard holds no meeting, Check is off (the field is empty).
    app.hold_clipboard(MARKER);
    app.wait_until("the first frame", WINDOW_DEADLINE, |view| {
        view.panel_visible && view.buttons.is_empty()
    });
    app.activate();
    // A browser or a chat, maximised over meetjoin, takes the focus; the invitation is copied
    // there. eframe draws no frame for the covered window meanwhile.
    app.cover();
    app.hold_clipboard(COVERED_INVITATION);
    // Back in meetjoin: the banner offers the meeting (its primary button, the only one).
    app.activate();
    app.wait_until("the clipboard's offer", STEP_DEADLINE, |view| {
        view.panel_visible && view.buttons.len() == 1
    });
}

/// The invitation copied in the window that covers meetjoin.
const COVERED_INVITATION: &str = "Product launch\nMeeting ID: 900 000 001\nPasscode: 246810";

/// The app's own runtime directory (its single-window socket), made private as a real one.
fn runtime_dir(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let runtime = dir.join("runtime");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    runtime
}

/// Fails unless `text` is exactly 15 ASCII digits.
fn assert_random(text: &str, when: &str) {
    assert!(
        text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit()),
        "{when}: the clipboard holds {text:?}, not a 15-digit auth random"
    );
}

/// The running app, its private home, and the clipboard holders; all ended on drop.
struct App {
    display: String,
    dir: tempfile::TempDir,
    child: Child,
    window: Option<String>,
    holders: Vec<Child>,
    last_shot: Option<PathBuf>,
}

impl App {
    /// Starts `meetjoin gui --sandbox` on `display` with a fresh HOME and XDG directories.
    fn launch(display: &str) -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        for sub in [
            "",
            "data",
            "config",
            "cache",
            "data/applications",
            "data/meetjoin",
        ] {
            std::fs::create_dir_all(home.join(sub)).expect("home dirs");
        }
        // A fake `cloudlink` handler, registered as the scheme's default: it appends each
        // link it gets to links.txt. And a saved display name for Join, in Chinese.
        let script = dir.path().join("fake-cloudlink");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
                dir.path().join("links.txt").display()
            ),
        )
        .expect("handler script");
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        std::fs::write(
            home.join("data/applications/fake-cloudlink.desktop"),
            format!(
                "[Desktop Entry]\nType=Application\nName=Fake cloudlink\nExec={} %u\n\
                 MimeType=x-scheme-handler/cloudlink;\nNoDisplay=true\n",
                script.display()
            ),
        )
        .expect("desktop file");
        std::fs::write(
            home.join("config/mimeapps.list"),
            "[Default Applications]\nx-scheme-handler/cloudlink=fake-cloudlink.desktop\n",
        )
        .expect("mimeapps.list");
        std::fs::write(
            home.join("data/meetjoin/app.ron"),
            "{\n    \"meetjoin.gui\": \"(settings:(join:(display_name:\\\"张喆\\\")))\",\n}\n",
        )
        .expect("saved state");
        let mut command = Command::new(env!("CARGO_BIN_EXE_meetjoin"));
        command.args(["gui", "--sandbox"]).env_clear();
        for var in ["PATH", "XAUTHORITY"] {
            if let Some(value) = std::env::var_os(var) {
                command.env(var, value);
            }
        }
        command
            .env("DISPLAY", display)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", runtime_dir(dir.path()))
            .env("XDG_DATA_DIRS", home.join("data"))
            .env("XDG_CONFIG_DIRS", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null())
            .stdout(file_in(dir.path(), "app.out"))
            .stderr(file_in(dir.path(), "app.err"));
        let child = command.spawn().expect("meetjoin gui starts");
        App {
            display: display.to_owned(),
            dir,
            child,
            window: None,
            holders: Vec::new(),
            last_shot: None,
        }
    }

    /// Runs a second `meetjoin` with the first one's environment; its exit code and stderr.
    fn second_launch(&mut self, args: &[&str]) -> (Option<i32>, String) {
        let home = self.dir.path().join("home");
        let mut command = Command::new(env!("CARGO_BIN_EXE_meetjoin"));
        command.args(args).env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        let mut child = command
            .env("DISPLAY", &self.display)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("runtime"))
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file_in(self.dir.path(), "second.err"))
            .spawn()
            .expect("the second meetjoin starts");
        let deadline = Instant::now() + STEP_DEADLINE;
        let code = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status.code();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.fail("the second launch did not exit: it opened a window of its own?");
            }
            sleep(POLL);
        };
        let stderr =
            std::fs::read_to_string(self.dir.path().join("second.err")).unwrap_or_default();
        (code, stderr)
    }

    /// Waits until the window's log file (under ~/.local/state/meetjoin) has `text`.
    fn wait_for_log(&mut self, text: &str) {
        let dir = self.dir.path().join("home/.local/state/meetjoin");
        let deadline = Instant::now() + STEP_DEADLINE;
        loop {
            let found = std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|entry| {
                    std::fs::read_to_string(entry.path()).is_ok_and(|log| log.contains(text))
                });
            if found {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("the window's log never said {text:?}"));
            }
            sleep(POLL);
        }
    }

    /// Waits until the fake cloudlink handler has received a link; returns all it received.
    fn wait_for_links(&mut self) -> Vec<String> {
        let deadline = Instant::now() + STEP_DEADLINE;
        let file = self.dir.path().join("links.txt");
        loop {
            self.check_alive();
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if !text.is_empty() {
                sleep(Duration::from_millis(300)); // a second link, if any, arrives too
                return std::fs::read_to_string(&file)
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned)
                    .collect();
            }
            if Instant::now() > deadline {
                self.fail("the fake cloudlink handler got no link after clicking Join");
            }
            sleep(POLL);
        }
    }

    /// Waits for the app's visible window and returns its id.
    fn wait_for_window(&mut self) -> String {
        let deadline = Instant::now() + WINDOW_DEADLINE;
        let pid = self.child.id().to_string();
        loop {
            self.check_alive();
            let found = self.tool("xdotool", &["search", "--onlyvisible", "--pid", &pid]);
            if let Some(id) = found.ok().and_then(|out| {
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_owned)
            }) {
                return id;
            }
            if Instant::now() > deadline {
                self.fail("the window did not appear");
            }
            sleep(POLL);
        }
    }

    /// Opens another application's window over the whole screen (matchbox shows one window
    /// at a time) and waits until it has the focus; it is ended with the app.
    fn cover(&mut self) {
        let cover = Command::new("xmessage")
            .args(["-geometry", "1280x800+0+0", "another application"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xmessage runs (apt install x11-utils)");
        self.holders.push(cover);
        let ours = self.window.clone().expect("window");
        let deadline = Instant::now() + STEP_DEADLINE;
        loop {
            let active = self
                .tool("xdotool", &["getactivewindow"])
                .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
            if active.is_ok_and(|id| !id.is_empty() && id != ours) {
                return;
            }
            if Instant::now() > deadline {
                self.fail("the covering window never took the focus");
            }
            sleep(POLL);
        }
    }

    /// Gives the window the keyboard focus.
    fn activate(&mut self) {
        let window = self.window.clone().expect("window");
        if self
            .tool("xdotool", &["windowactivate", "--sync", &window])
            .is_err()
        {
            self.xdotool(&["windowfocus", "--sync", &window]);
        }
    }

    /// Looks at the window until `ready` holds; returns what it saw then.
    fn wait_until(&mut self, what: &str, limit: Duration, ready: impl Fn(&View) -> bool) -> View {
        let deadline = Instant::now() + limit;
        let mut last = None;
        loop {
            self.check_alive();
            if let Some(view) = self.look() {
                if ready(&view) {
                    return view;
                }
                last = Some(view);
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "timed out waiting for {what}; last seen: {last:?}"
                ));
            }
            sleep(POLL);
        }
    }

    /// A screenshot of the window, reduced to what the test needs.
    fn look(&mut self) -> Option<View> {
        let window = self.window.clone()?;
        let path = self.dir.path().join("shot.ppm");
        let shot = path.to_str().expect("utf-8 temp path").to_owned();
        self.tool(
            "import",
            &["-window", &window, "-depth", "8", &format!("ppm:{shot}")],
        )
        .ok()?;
        let bytes = std::fs::read(&path).ok()?;
        self.last_shot = Some(path);
        let image = Image::from_ppm(&bytes)?;
        Some(View::of(&image))
    }

    /// Puts `text` on the clipboard (an `xclip` that keeps serving it) and waits until it reads
    /// back, so that whatever is read later was put there after this.
    fn hold_clipboard(&mut self, text: &str) {
        let mut holder = Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-i"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip runs");
        {
            use std::io::Write;
            let mut stdin = holder.stdin.take().expect("xclip stdin");
            stdin.write_all(text.as_bytes()).expect("xclip input");
        }
        self.holders.push(holder);
        let deadline = Instant::now() + STEP_DEADLINE;
        while self.read_clipboard().as_deref() != Some(text) {
            if Instant::now() > deadline {
                self.fail("the clipboard did not take the marker text");
            }
            sleep(POLL);
        }
    }

    /// Waits until the clipboard holds something other than the marker; returns it.
    fn wait_for_clipboard(&mut self, after: &str) -> String {
        let deadline = Instant::now() + STEP_DEADLINE;
        loop {
            self.check_alive();
            let held = self.read_clipboard();
            match held {
                Some(text) if text != MARKER && !text.is_empty() => return text,
                _ if Instant::now() > deadline => {
                    self.fail(&format!("after {after}, the clipboard holds {held:?}"));
                }
                _ => {}
            }
            sleep(POLL);
        }
    }

    /// The clipboard's text, if any.
    fn read_clipboard(&self) -> Option<String> {
        let out = self
            .tool("xclip", &["-o", "-selection", "clipboard"])
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs xdotool; a failure fails the test.
    fn xdotool(&mut self, args: &[&str]) {
        if let Err(error) = self.tool("xdotool", args) {
            self.fail(&format!("xdotool {}: {error}", args.join(" ")));
        }
    }

    /// Runs a helper on the display, within [`COMMAND_DEADLINE`]; Err when it fails or hangs.
    fn tool(&self, program: &str, args: &[&str]) -> Result<Output, String> {
        let out_path = self.dir.path().join("tool.out");
        let err_path = self.dir.path().join("tool.err");
        let mut child = Command::new(program)
            .args(args)
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .stdout(File::create(&out_path).map_err(|e| e.to_string())?)
            .stderr(File::create(&err_path).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("{program} does not run: {e}"))?;
        let deadline = Instant::now() + COMMAND_DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{program} hung for {COMMAND_DEADLINE:?}"));
            }
            sleep(Duration::from_millis(10));
        };
        let output = Output {
            status,
            stdout: std::fs::read(&out_path).unwrap_or_default(),
            stderr: std::fs::read(&err_path).unwrap_or_default(),
        };
        if status.success() {
            Ok(output)
        } else {
            Err(format!(
                "{program} failed ({status}): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    /// Fails the test when the app has exited.
    fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            self.fail(&format!("meetjoin exited early ({status})"));
        }
    }

    /// Fails the test with `message`, the app's standard error, and where the last screenshot
    /// was kept.
    fn fail(&mut self, message: &str) -> ! {
        let kept = self.last_shot.as_ref().and_then(|shot| {
            let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gui_window-failure.ppm");
            std::fs::copy(shot, &keep).ok().map(|_| keep)
        });
        let _ = self.child.kill();
        let _ = self.child.wait();
        let stderr = std::fs::read_to_string(self.dir.path().join("app.err")).unwrap_or_default();
        panic!(
            "gui_window: {message}\nlast screenshot: {}\nmeetjoin's stderr:\n{stderr}",
            kept.map_or("none".to_owned(), |p| p.display().to_string())
        );
    }
}

impl Drop for App {
    fn drop(&mut self) {
        for child in self
            .holders
            .iter_mut()
            .chain(std::iter::once(&mut self.child))
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A file in `dir` for a child's output.
fn file_in(dir: &Path, name: &str) -> File {
    File::create(dir.join(name)).expect("output file")
}
