//! Real desktops for the tests that need one: an Xvfb screen of a test's own with a window
//! manager, a weston compositor inside it, a private D-Bus session with the accessibility bus,
//! the meetjoin binary in a fresh home, its accessible tree through AT-SPI (tests/a11y/atspi.py),
//! and the window's pixels. Included with `#[path]` by tests/desktop.rs and tests/gui_window.rs.
//!
//! Every wait polls for an event (a line on a pipe, a name on the bus, a socket, a node in the
//! tree, a pixel) until a deadline; nothing sleeps a fixed time to let something happen.
#![allow(dead_code, reason = "each test file uses part of it")]

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The fill of primary buttons (Check, Copy, Sign in) in the dark and the light theme.
pub const PRIMARY_FILLS: [[u8; 3]; 2] = [[0x25, 0x63, 0xEB], [0x1D, 0x4E, 0xD8]];
/// The window's background in the dark and the light theme (a modal dialog dims it).
pub const PANEL_FILLS: [[u8; 3]; 2] = [[0x16, 0x18, 0x1C], [0xF1, 0xF4, 0xF8]];

/// How long a server, a compositor or the window may take to start (a loaded CI machine).
pub const START_DEADLINE: Duration = Duration::from_secs(30);
/// How long each later step (a dialog, a sign-in, a check, a copy) may take.
pub const STEP_DEADLINE: Duration = Duration::from_secs(15);
/// The longest any one helper command (xdotool, import, xclip, dbus-send) may run.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(10);
/// How often a condition is looked at while waiting.
pub const POLL: Duration = Duration::from_millis(100);

/// Polls `ready` until it returns a value, or fails after `limit` with `what` and the last
/// thing `ready` reported through `seen`.
pub fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut ready: impl FnMut(&mut String) -> Option<T>,
) -> Result<T, String> {
    let deadline = Instant::now() + limit;
    let mut seen = String::new();
    loop {
        if let Some(value) = ready(&mut seen) {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "timed out after {limit:?} waiting for {what}; last seen: {seen}"
            ));
        }
        sleep(POLL);
    }
}

/// Reads the first line a child writes to its stdout (a display number, a bus address),
/// within `limit`. The rest is read and dropped until the child ends: a child writing to a
/// pipe nobody reads any more would die of SIGPIPE.
fn first_line(stdout: ChildStdout, limit: Duration) -> Option<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = send.send(line);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    receive
        .recv_timeout(limit)
        .ok()
        .map(|line| line.trim().to_owned())
        .filter(|line| !line.is_empty())
}

/// A helper process in a process group of its own, so that the helpers it starts (the
/// accessibility bus's daemons, weston's shell) end with it.
struct Helper {
    name: &'static str,
    child: Child,
}

impl Helper {
    fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // The group's id is the helper's pid (process_group(0)).
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A private desktop: its own Xvfb screen with matchbox-window-manager (which gives the top
/// window the whole screen), optionally a D-Bus session with the accessibility bus, and a
/// weston compositor; everything it started ends when it is dropped.
pub struct Desktop {
    /// Holds the runtime directory, homes, logs and screenshots.
    pub dir: tempfile::TempDir,
    /// The X display, `:N`.
    pub display: String,
    /// The screen's size in pixels.
    pub screen: (u32, u32),
    /// The private session bus's address, once [`Desktop::with_accessibility`] ran.
    pub bus: Option<String>,
    /// weston's socket name (in [`Desktop::runtime_dir`]), once [`Desktop::with_weston`] ran.
    pub wayland: Option<String>,
    helpers: RefCell<Vec<Helper>>,
}

impl Desktop {
    /// Starts an Xvfb screen of `width`x`height` and a window manager on it, and waits until
    /// the window manager has announced itself on the root window. Tries three times: two X
    /// servers that start at the same moment (another test, another suite) can pick the same
    /// display number, and one of them then loses its socket.
    pub fn start(width: u32, height: u32) -> Desktop {
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Desktop::try_start(width, height) {
                Ok(desktop) => return desktop,
                Err(error) => failures.push(error),
            }
        }
        panic!("no private X display:\n{}", failures.join("\n"));
    }

    /// One try of [`Desktop::start`]; Err says why, with the logs.
    fn try_start(width: u32, height: u32) -> Result<Desktop, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let runtime = dir.path().join("runtime");
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .expect("chmod");
        }
        // Xvfb picks a free display number and writes it to the given fd once it accepts
        // clients: fd 1 here, a pipe.
        let mut xvfb = Command::new("Xvfb")
            // -noreset: the server would reset when its last client leaves (the first check
            // below), and a client connecting during the reset is refused.
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-noreset",
                "-screen",
                "0",
            ])
            .arg(format!("{width}x{height}x24"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(file_in(dir.path(), "xvfb.log"))
            .process_group(0)
            .spawn()
            .expect("Xvfb runs (apt-get install xvfb)");
        let number = first_line(xvfb.stdout.take().expect("Xvfb's stdout"), START_DEADLINE);
        let mut desktop = Desktop {
            dir,
            display: String::new(),
            screen: (width, height),
            bus: None,
            wayland: None,
            helpers: RefCell::new(vec![Helper {
                name: "Xvfb",
                child: xvfb,
            }]),
        };
        let Some(number) = number else {
            return Err(format!("Xvfb did not start\n{}", desktop.logs()));
        };
        desktop.display = format!(":{number}");
        let answers = wait_for("the X server to answer", STEP_DEADLINE, |seen| {
            if let Some(exited) = desktop.exited_helper() {
                *seen = exited;
                return Some(Err(()));
            }
            match desktop.tool("xprop", &["-root", "-len", "4", "_NET_SUPPORTING_WM_CHECK"]) {
                Ok(_) => Some(Ok(())),
                Err(error) => {
                    *seen = error;
                    None
                }
            }
        });
        if !matches!(answers, Ok(Ok(()))) {
            return Err(format!(
                "Xvfb on {} does not answer: {answers:?}\n{}",
                desktop.display,
                desktop.logs()
            ));
        }
        let wm = Command::new("matchbox-window-manager")
            .args(["-use_titlebar", "no"])
            .env("DISPLAY", &desktop.display)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file_in(desktop.dir.path(), "wm.log"))
            .process_group(0)
            .spawn()
            .expect("matchbox-window-manager runs");
        desktop.add(Helper {
            name: "matchbox-window-manager",
            child: wm,
        });
        let managed = wait_for("the window manager", START_DEADLINE, |seen| {
            if let Some(exited) = desktop.exited_helper() {
                *seen = exited;
                return Some(Err(()));
            }
            let out = desktop
                .tool("xprop", &["-root", "_NET_SUPPORTING_WM_CHECK"])
                .ok()?;
            *seen = String::from_utf8_lossy(&out.stdout).into_owned();
            seen.contains("window id").then_some(Ok(()))
        });
        match managed {
            Ok(Ok(())) => Ok(desktop),
            _ => Err(format!(
                "no window manager on {}: {}\n{}",
                desktop.display,
                desktop
                    .exited_helper()
                    .unwrap_or_else(|| "it never announced itself".into()),
                desktop.logs()
            )),
        }
    }

    /// Keeps `helper` running until the desktop is dropped.
    fn add(&self, helper: Helper) {
        self.helpers.borrow_mut().push(helper);
    }

    /// A helper (Xvfb, the window manager, a bus, weston) that has exited, if any: its name
    /// and how it ended.
    pub fn exited_helper(&self) -> Option<String> {
        self.helpers
            .borrow_mut()
            .iter_mut()
            .filter(|h| h.name != "xclip")
            .find_map(|h| match h.child.try_wait() {
                Ok(None) => None,
                Ok(Some(status)) => Some(format!("{} exited ({status})", h.name)),
                Err(error) => Some(format!("{}: {error}", h.name)),
            })
    }

    /// The directory `XDG_RUNTIME_DIR` points to for everything on this desktop (0700).
    pub fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("runtime")
    }

    /// Starts a private D-Bus session with the accessibility bus (at-spi-bus-launcher, its
    /// settings in memory) and turns accessibility on with a real method call, as a screen
    /// reader does: AccessKit then serves the window's tree to AT-SPI clients.
    pub fn with_accessibility(mut self) -> Desktop {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(file_in(self.dir.path(), "dbus.log"))
            .process_group(0)
            .spawn()
            .expect("dbus-daemon runs (apt-get install dbus)");
        let address = first_line(daemon.stdout.take().expect("stdout"), START_DEADLINE);
        self.add(Helper {
            name: "dbus-daemon",
            child: daemon,
        });
        let Some(address) = address else {
            self.fail("dbus-daemon did not print its address");
        };
        self.bus = Some(address.clone());
        let launcher = Command::new(atspi_launcher())
            .arg("--launch-immediately")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("DISPLAY", &self.display)
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env("HOME", self.dir.path())
            // Without it the launcher keeps IsEnabled in ~/.config/dconf, for later runs too.
            .env("GSETTINGS_BACKEND", "memory")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file_in(self.dir.path(), "at-spi.log"))
            .process_group(0)
            .spawn()
            .expect("at-spi-bus-launcher runs (apt-get install at-spi2-core)");
        self.add(Helper {
            name: "at-spi-bus-launcher",
            child: launcher,
        });
        let owned = wait_for("org.a11y.Bus on the session bus", START_DEADLINE, |seen| {
            let out = self
                .dbus_call(&[
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.a11y.Bus",
                ])
                .ok()?;
            *seen = out.trim().to_owned();
            out.trim_end().ends_with("true").then_some(())
        });
        if let Err(error) = owned {
            self.fail(&error);
        }
        // A method call: without --print-reply, dbus-send sends a signal named Set instead.
        for property in ["IsEnabled", "ScreenReaderEnabled"] {
            if let Err(error) = self.dbus_call(&[
                "--dest=org.a11y.Bus",
                "/org/a11y/bus",
                "org.freedesktop.DBus.Properties.Set",
                "string:org.a11y.Status",
                &format!("string:{property}"),
                "variant:boolean:true",
            ]) {
                self.fail(&format!("setting org.a11y.Status {property}: {error}"));
            }
        }
        self
    }

    /// A `dbus-send --print-reply` call on the private session bus; its output.
    fn dbus_call(&self, args: &[&str]) -> Result<String, String> {
        let bus = format!(
            "--bus={}",
            self.bus.as_deref().expect("with_accessibility first")
        );
        let all: Vec<&str> = [bus.as_str(), "--print-reply"]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        self.tool("dbus-send", &all)
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Starts weston on this screen (its x11 backend, software rendering, `scale`), with its
    /// socket in [`Desktop::runtime_dir`], and waits until its window shows and its socket is
    /// there. Keys typed into weston's X window go to the Wayland window it focuses.
    pub fn with_weston(mut self, scale: u32) -> Desktop {
        let socket = "meetjoin-test".to_owned();
        let (width, height) = self.screen;
        let weston = Command::new("weston")
            .args([
                "--backend=x11-backend.so",
                "--use-pixman",
                "--idle-time=0",
                &format!("--socket={socket}"),
                &format!("--width={width}"),
                &format!("--height={height}"),
                &format!("--scale={scale}"),
            ])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DISPLAY", &self.display)
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env("HOME", self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file_in(self.dir.path(), "weston.log"))
            .process_group(0)
            .spawn()
            .expect("weston runs (apt-get install weston)");
        self.add(Helper {
            name: "weston",
            child: weston,
        });
        let path = self.runtime_dir().join(&socket);
        let shown = wait_for("weston's window and socket", START_DEADLINE, |seen| {
            if let Some(exited) = self.exited_helper() {
                self.fail(&exited);
            }
            let window = self.weston_window();
            *seen = format!("window {window:?}, socket there: {}", path.exists());
            (window.is_some() && path.exists()).then_some(())
        });
        if let Err(error) = shown {
            self.fail(&error);
        }
        // The pointer rests on weston's panel, where no window goes: a pointer left over the
        // window would hover a control and show its tooltip.
        let x = (width / 2).to_string();
        self.xdotool(&["mousemove", "--sync", &x, "8"]);
        self.wayland = Some(socket);
        self
    }

    /// weston's X window, if it shows.
    pub fn weston_window(&self) -> Option<String> {
        let out = self
            .tool("xdotool", &["search", "--onlyvisible", "--class", "weston"])
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
    }

    /// Starts `meetjoin gui --sandbox` with a fresh home, in English, on this desktop: on X11
    /// (`DISPLAY`), or with `wayland` only on weston (`WAYLAND_DISPLAY`, no `DISPLAY`); on the
    /// private session bus if there is one; plus `env`.
    pub fn launch(&self, wayland: bool, env: &[(&str, &str)]) -> Meetjoin {
        let home = tempfile::Builder::new()
            .prefix("home-")
            .tempdir_in(self.dir.path())
            .expect("home dir")
            .keep();
        for sub in ["data/meetjoin", "config", "cache", "state"] {
            std::fs::create_dir_all(home.join(sub)).expect("home dirs");
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_meetjoin"));
        command
            .args(["gui", "--sandbox"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env("LANG", "en_US.UTF-8");
        if wayland {
            let socket = self.wayland.as_deref().expect("with_weston first");
            command.env("WAYLAND_DISPLAY", socket);
        } else {
            command.env("DISPLAY", &self.display);
        }
        if let Some(bus) = &self.bus {
            command.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let stderr = home.join("meetjoin.err");
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("meetjoin gui starts");
        Meetjoin {
            child,
            home,
            stderr,
        }
    }

    /// The X window of `app`, once it shows (X11 only).
    pub fn window_of(&self, app: &mut Meetjoin) -> String {
        let pid = app.pid().to_string();
        let found = wait_for("meetjoin's X window", START_DEADLINE, |seen| {
            if let Some(status) = app.exited() {
                *seen = format!("meetjoin exited ({status})");
                return None;
            }
            let out = self
                .tool("xdotool", &["search", "--onlyvisible", "--pid", &pid])
                .ok()?;
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_owned)
        });
        found.unwrap_or_else(|error| {
            let stderr = app.stderr_tail();
            self.fail(&format!("{error}\nmeetjoin's stderr:\n{stderr}"))
        })
    }

    /// Runs a helper on this display (and bus), within [`COMMAND_DEADLINE`]; Err when it fails
    /// or hangs.
    pub fn tool(&self, program: &str, args: &[&str]) -> Result<Output, String> {
        let mut command = Command::new(program);
        command.args(args).env("DISPLAY", &self.display);
        if let Some(bus) = &self.bus {
            command.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        run(command, self.dir.path(), COMMAND_DEADLINE)
    }

    /// Runs xdotool; a failure fails the test.
    pub fn xdotool(&self, args: &[&str]) {
        if let Err(error) = self.tool("xdotool", args) {
            self.fail(&format!("xdotool {}: {error}", args.join(" ")));
        }
    }

    /// Clicks the left button at (`x`, `y`) on the screen.
    pub fn click(&self, (x, y): (i64, i64)) {
        self.xdotool(&["mousemove", "--sync", &x.to_string(), &y.to_string()]);
        self.xdotool(&["click", "1"]);
    }

    /// The accessible tree of the application of process `pid`, read fresh through AT-SPI.
    pub fn tree(&self, pid: u32) -> Result<Vec<A11yNode>, String> {
        let out = self.atspi(&["tree", &pid.to_string()], STEP_DEADLINE)?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).map_err(|e| format!("{e}: {line}")))
            .collect()
    }

    /// Polls the tree of `pid` until `ready` finds what it wants in it.
    pub fn wait_for_tree<T>(
        &self,
        app: &mut Meetjoin,
        what: &str,
        limit: Duration,
        ready: impl Fn(&[A11yNode]) -> Option<T>,
    ) -> T {
        let pid = app.pid();
        let found = wait_for(what, limit, |seen| {
            if let Some(status) = app.exited() {
                *seen = format!("meetjoin exited ({status})");
                return None;
            }
            match self.tree(pid) {
                Ok(nodes) => {
                    let found = ready(&nodes);
                    if found.is_none() {
                        *seen = outline(&nodes);
                    }
                    found
                }
                Err(error) => {
                    *seen = error;
                    None
                }
            }
        });
        match found {
            Ok(value) => value,
            Err(error) => {
                let stderr = app.stderr_tail();
                self.fail(&format!("{error}\nmeetjoin's stderr:\n{stderr}"))
            }
        }
    }

    /// Runs tests/a11y/atspi.py (or another script there) with the AT-SPI Python.
    pub fn atspi(&self, args: &[&str], limit: Duration) -> Result<Output, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/atspi.py");
        self.python(&script, args, limit)
    }

    /// Runs `script` with the Python that has pyatspi, on this display and bus.
    pub fn python(&self, script: &Path, args: &[&str], limit: Duration) -> Result<Output, String> {
        let mut command = Command::new(atspi_python());
        command
            .arg(script)
            .args(args)
            .env("DISPLAY", &self.display)
            .env("PYTHONDONTWRITEBYTECODE", "1");
        if let Some(bus) = &self.bus {
            command.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        run(command, self.dir.path(), limit)
    }

    /// A screenshot of `window` (an X window id, or `root` for the whole screen).
    pub fn screenshot(&self, window: &str) -> Result<Image, String> {
        let path = self.dir.path().join("shot.ppm");
        let shot = path.to_str().expect("utf-8 temp path");
        self.tool(
            "import",
            &["-window", window, "-depth", "8", &format!("ppm:{shot}")],
        )?;
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        Image::from_ppm(&bytes).ok_or_else(|| "import wrote no PPM image".to_owned())
    }

    /// Saves a PNG screenshot of `window` as `name` in the test's target directory, and in
    /// `$MEETJOIN_TEST_SCREENSHOTS` when that is set (how the README's pictures are retaken);
    /// returns the first path.
    pub fn save_screenshot(&self, window: &str, name: &str) -> PathBuf {
        let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let out = kept.to_str().expect("utf-8 path");
        if let Err(error) = self.tool("import", &["-window", window, "-strip", out]) {
            self.fail(&format!("screenshot {name}: {error}"));
        }
        if let Some(dir) = std::env::var_os("MEETJOIN_TEST_SCREENSHOTS") {
            let copy = Path::new(&dir).join(name);
            std::fs::copy(&kept, &copy).expect("copying the screenshot");
            eprintln!("desktop: screenshot {}", copy.display());
        }
        kept
    }

    /// Puts `text` on this display's clipboard (an `xclip` that keeps serving it) and waits
    /// until it reads back.
    pub fn hold_clipboard(&self, text: &str) {
        let mut holder = Command::new("xclip")
            .args(["-quiet", "-selection", "clipboard", "-i"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("xclip runs");
        {
            use std::io::Write;
            let mut stdin = holder.stdin.take().expect("xclip stdin");
            stdin.write_all(text.as_bytes()).expect("xclip input");
        }
        self.add(Helper {
            name: "xclip",
            child: holder,
        });
        let held = wait_for("the clipboard to take the text", STEP_DEADLINE, |seen| {
            let now = self.clipboard();
            *seen = format!("{now:?}");
            (now.as_deref() == Some(text)).then_some(())
        });
        if let Err(error) = held {
            self.fail(&error);
        }
    }

    /// This display's clipboard text, if any.
    pub fn clipboard(&self) -> Option<String> {
        let out = self
            .tool("xclip", &["-o", "-selection", "clipboard"])
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The last lines of the helpers' logs.
    pub fn logs(&self) -> String {
        let mut logs = String::new();
        for name in ["xvfb.log", "wm.log", "dbus.log", "at-spi.log", "weston.log"] {
            let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            if !text.trim().is_empty() {
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                logs.push_str(&format!("--- {name} (last lines)\n"));
                for line in tail.into_iter().rev() {
                    logs.push_str(line);
                    logs.push('\n');
                }
            }
        }
        logs
    }

    /// Fails the test with `message`, the logs of the desktop's helpers and where its last
    /// screenshot was kept.
    pub fn fail(&self, message: &str) -> ! {
        let shot = self.dir.path().join("shot.ppm");
        let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("desktop-failure.ppm");
        let kept = match std::fs::copy(&shot, &kept) {
            Ok(_) => format!("last screenshot: {}\n", kept.display()),
            Err(_) => String::new(),
        };
        panic!("{message}\n{kept}{}", self.logs());
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // The last started first: clipboard holders, weston, the buses, the window manager, Xvfb.
        while let Some(mut helper) = self.helpers.get_mut().pop() {
            helper.stop();
        }
    }
}

/// Where at-spi-bus-launcher is: `$MEETJOIN_TEST_ATSPI_LAUNCHER` (scripts/test.sh finds it),
/// else Debian's path.
pub fn atspi_launcher() -> PathBuf {
    std::env::var_os("MEETJOIN_TEST_ATSPI_LAUNCHER")
        .map_or_else(|| "/usr/libexec/at-spi-bus-launcher".into(), PathBuf::from)
}

/// The Python that has pyatspi: `$MEETJOIN_TEST_ATSPI_PYTHON` (scripts/test.sh finds it), else
/// the system's (Debian's python3-pyatspi is for /usr/bin/python3, not for a pyenv or venv).
pub fn atspi_python() -> PathBuf {
    std::env::var_os("MEETJOIN_TEST_ATSPI_PYTHON")
        .map_or_else(|| "/usr/bin/python3".into(), PathBuf::from)
}

/// Runs `command` within `limit`, its output in files under `dir`; Err when it fails or hangs.
fn run(mut command: Command, dir: &Path, limit: Duration) -> Result<Output, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let out = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    let err = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out.reopen().map_err(|e| e.to_string())?)
        .stderr(err.reopen().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("{program} does not run: {e}"))?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{program} hung for {limit:?}"));
        }
        sleep(Duration::from_millis(10));
    };
    let output = Output {
        status,
        stdout: std::fs::read(out.path()).unwrap_or_default(),
        stderr: std::fs::read(err.path()).unwrap_or_default(),
    };
    if status.success() {
        Ok(output)
    } else {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stdout = if stdout.trim().is_empty() {
            String::new()
        } else {
            format!("\n--- its standard output:\n{}", stdout.trim_end())
        };
        Err(format!(
            "{program} failed ({status}): {}{stdout}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// A file in `dir` for a child's output.
pub fn file_in(dir: &Path, name: &str) -> File {
    File::create(dir.join(name)).expect("output file")
}

/// A running `meetjoin gui --sandbox`; killed when dropped.
pub struct Meetjoin {
    child: Child,
    /// Its home directory (its saved state and log file are under it).
    pub home: PathBuf,
    stderr: PathBuf,
}

impl Meetjoin {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How it exited, if it has.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Its standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The last lines of its standard error.
    pub fn stderr_tail(&self) -> String {
        let text = self.stderr();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Its window's log file(s) under `~/.local/state/meetjoin`, concatenated.
    pub fn log(&self) -> String {
        let mut text = String::new();
        for dir in [
            self.home.join("state/meetjoin"),
            self.home.join(".local/state/meetjoin"),
        ] {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        text
    }
}

impl Drop for Meetjoin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One node of an accessible tree, as tests/a11y/atspi.py prints it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct A11yNode {
    /// Where it is in the tree: child indices from the application, `0/1/0/3`.
    pub path: String,
    /// AT-SPI's role name: `push button`, `entry`, `label`, `frame`...
    pub role: String,
    /// Its accessible name (what a screen reader says).
    pub name: String,
    /// Its states: `focusable`, `focused`, `showing`, `enabled`...
    pub states: Vec<String>,
    /// x, y, width, height on the screen, in pixels (window-relative on Wayland).
    pub extents: Option<[i64; 4]>,
    /// The text of an entry.
    pub text: String,
}

impl A11yNode {
    /// Whether it has `state`.
    pub fn is(&self, state: &str) -> bool {
        self.states.iter().any(|s| s == state)
    }

    /// The centre of its extents.
    pub fn center(&self) -> (i64, i64) {
        let [x, y, w, h] = self.extents.unwrap_or_default();
        (x + w / 2, y + h / 2)
    }
}

/// The first showing node with `role` and exactly `name`.
pub fn find<'a>(nodes: &'a [A11yNode], role: &str, name: &str) -> Option<&'a A11yNode> {
    nodes
        .iter()
        .find(|n| n.role == role && n.name == name && n.is("showing"))
}

/// The showing node that holds a 15-digit auth random (the "Auth random" entry's text, or a
/// label in groups of three); the random without spaces.
pub fn shown_random(nodes: &[A11yNode]) -> Option<String> {
    nodes.iter().filter(|n| n.is("showing")).find_map(|n| {
        [&n.text, &n.name].into_iter().find_map(|shown| {
            let digits: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
            (digits.len() == 15 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
        })
    })
}

/// Whether a toast or another floating message shows: egui puts them in areas of their own,
/// which AT-SPI lists straight under the window, beside its panels.
pub fn floating_message(nodes: &[A11yNode]) -> Option<&A11yNode> {
    nodes
        .iter()
        .find(|n| n.is("showing") && n.role == "label" && n.path.matches('/').count() == 2)
}

/// A short outline of a tree (roles and names of showing nodes), for failure messages.
pub fn outline(nodes: &[A11yNode]) -> String {
    nodes
        .iter()
        .filter(|n| n.is("showing") && !n.name.is_empty())
        .map(|n| format!("{} {:?}", n.role, n.name))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Controls whose extents overlap each other (more than a pixel's rounding), among `nodes`
/// that are showing, inside `bounds` and not the frame or a panel; as readable pairs. Only
/// nodes of the same panel are compared: the central panel scrolls under the header, which
/// clips it, and AccessKit keeps the extents of what is scrolled away. Floating messages
/// (toasts, see [`floating_message`]) are left out: where they may appear is the window's
/// behaviour, tested with it.
pub fn overlaps(nodes: &[A11yNode], bounds: [i64; 4]) -> Vec<String> {
    let [bx, by, bw, bh] = bounds;
    let inside: Vec<&A11yNode> = nodes
        .iter()
        .filter(|n| {
            n.is("showing")
                && !matches!(
                    n.role.as_str(),
                    "frame" | "panel" | "application" | "filler" | "scroll pane"
                )
        })
        .filter(|n| {
            n.extents.is_some_and(|[x, y, w, h]| {
                w > 0 && h > 0 && x >= bx && y >= by && x + w <= bx + bw && y + h <= by + bh
            })
        })
        .collect();
    let mut found = Vec::new();
    for (i, a) in inside.iter().enumerate() {
        for b in &inside[i + 1..] {
            // A node and the nodes inside it (a button's label) are not an overlap.
            if b.path.starts_with(&format!("{}/", a.path))
                || a.path.starts_with(&format!("{}/", b.path))
                || panel_of(a) != panel_of(b)
            {
                continue;
            }
            let [ax, ay, aw, ah] = a.extents.unwrap_or_default();
            let [cx, cy, cw, ch] = b.extents.unwrap_or_default();
            let w = (ax + aw).min(cx + cw) - ax.max(cx);
            let h = (ay + ah).min(cy + ch) - ay.max(cy);
            if w > 1 && h > 1 {
                found.push(format!(
                    "{} {:?} {:?} and {} {:?} {:?}",
                    a.role, a.name, a.extents, b.role, b.name, b.extents
                ));
            }
        }
    }
    found
}

/// The top-level panel a node is in: the first three steps of its path (application,
/// window, panel).
fn panel_of(node: &A11yNode) -> &str {
    let end = node
        .path
        .match_indices('/')
        .nth(2)
        .map_or(node.path.len(), |(i, _)| i);
    &node.path[..end]
}

/// An RGB image.
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Image {
    /// Parses a binary PPM (P6, 8 or 16 bits a sample), as `import` writes it.
    pub fn from_ppm(bytes: &[u8]) -> Option<Image> {
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if bytes.get(at) == Some(&b'#') {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            let start = at;
            while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if start == at {
                return None;
            }
            fields.push(std::str::from_utf8(&bytes[start..at]).ok()?.to_owned());
        }
        at += 1; // the single whitespace before the pixels
        if fields[0] != "P6" {
            return None;
        }
        let width: usize = fields[1].parse().ok()?;
        let height: usize = fields[2].parse().ok()?;
        let samples = width * height * 3;
        let rgb = match fields[3].as_str() {
            "255" => bytes.get(at..at + samples)?.to_vec(),
            // 16 bits a sample, big-endian: keep the high byte.
            "65535" => bytes
                .get(at..at + samples * 2)?
                .iter()
                .step_by(2)
                .copied()
                .collect(),
            _ => return None,
        };
        Some(Image { width, height, rgb })
    }

    /// The pixel at (`x`, `y`).
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// The share of aligned 2x2 blocks whose four pixels are not all the same: 0 for an image
    /// scaled up from half the size (each pixel doubled), well above it for one drawn at its
    /// own resolution (text edges, anti-aliasing).
    pub fn detail_at_2x(&self) -> f64 {
        let (mut blocks, mut detailed) = (0usize, 0usize);
        for y in (0..self.height - 1).step_by(2) {
            for x in (0..self.width - 1).step_by(2) {
                let p = self.pixel(x, y);
                blocks += 1;
                if [(x + 1, y), (x, y + 1), (x + 1, y + 1)]
                    .iter()
                    .any(|&(u, v)| self.pixel(u, v) != p)
                {
                    detailed += 1;
                }
            }
        }
        detailed as f64 / blocks.max(1) as f64
    }
}

/// A solid rectangle of the primary fill: a primary button, in image pixels (inclusive).
#[derive(Clone, Copy, Debug)]
pub struct Blob {
    pub left: usize,
    pub top: usize,
    pub right: usize,
    pub bottom: usize,
}

impl Blob {
    /// Its centre.
    pub fn center(&self) -> (usize, usize) {
        ((self.left + self.right) / 2, (self.top + self.bottom) / 2)
    }
}

/// What a screenshot shows: whether the window's background shows undimmed (at least 1% of
/// the pixels; a modal dialog dims all of it), and the enabled primary buttons, top to bottom.
#[derive(Debug)]
pub struct View {
    pub panel_visible: bool,
    pub buttons: Vec<Blob>,
}

impl View {
    /// Reads `image`: primary buttons are big, nearly solid regions of their fill.
    pub fn of(image: &Image) -> View {
        let (w, h) = (image.width, image.height);
        let mut panel = 0usize;
        let mut mask = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                let p = image.pixel(x, y);
                if PANEL_FILLS.contains(&p) {
                    panel += 1;
                }
                mask[y * w + x] = PRIMARY_FILLS.contains(&p);
            }
        }
        // Connected regions of the fill; a button is a big, nearly solid one.
        let mut buttons = Vec::new();
        let mut seen = vec![false; w * h];
        let mut stack = Vec::new();
        for start in 0..w * h {
            if !mask[start] || seen[start] {
                continue;
            }
            seen[start] = true;
            stack.push(start);
            let (mut left, mut top, mut right, mut bottom) = (w, h, 0, 0);
            let mut count = 0usize;
            while let Some(i) = stack.pop() {
                let (x, y) = (i % w, i / w);
                count += 1;
                left = left.min(x);
                right = right.max(x);
                top = top.min(y);
                bottom = bottom.max(y);
                let mut visit = |j: usize| {
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                };
                if x > 0 {
                    visit(i - 1);
                }
                if x + 1 < w {
                    visit(i + 1);
                }
                if y > 0 {
                    visit(i - w);
                }
                if y + 1 < h {
                    visit(i + w);
                }
            }
            let (bw, bh) = (right - left + 1, bottom - top + 1);
            if bw >= 50 && bh >= 20 && count * 2 >= bw * bh {
                buttons.push(Blob {
                    left,
                    top,
                    right,
                    bottom,
                });
            }
        }
        buttons.sort_by_key(|b| (b.top, b.left));
        View {
            panel_visible: panel * 100 >= w * h,
            buttons,
        }
    }
}
