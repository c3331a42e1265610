//! The window's look at any size, driven headless with egui_kittest against an in-process
//! sandbox: at the smallest window (480x640) and a large one (1280x800), in English and
//! Chinese, light and dark, nothing in the header wraps, a long account ends in "…" but is read
//! in full, the toast stays clear of the header, dialogs fit and stand still while their content
//! changes, Tab walks the header left to right, and the window has an accessible name.
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

use std::sync::Arc;

use eframe::egui::accesskit::Role;
use eframe::egui::{self, Color32, Key, Rect, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tokio::runtime::Runtime;

use meetjoin::Lang;
use meetjoin::gui::state::{LanguageChoice, SignInMethodTab, ThemeChoice};
use meetjoin::gui::theme;
use meetjoin::gui::views::header;
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::{DEMO_ACCOUNT, Sandbox, SandboxConfig};
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;

use window::{Window, demo_account, runtime, test_settings, wait_until};

/// The smallest window the app allows, and a roomy one.
const SIZES: [Vec2; 2] = [egui::vec2(480.0, 640.0), egui::vec2(1280.0, 800.0)];
/// A user ID too long for the header of a small window.
const LONG_USER: &str = "someone.with.a.rather.long.name@department.example.test";

/// One way the window can look.
#[derive(Clone, Copy, Debug)]
struct Look {
    size: Vec2,
    lang: Lang,
    theme: ThemeChoice,
}

impl Look {
    /// Every size, language and theme.
    fn all() -> Vec<Look> {
        let mut looks = Vec::new();
        for size in SIZES {
            for lang in [Lang::En, Lang::ZhCn] {
                for theme in [ThemeChoice::Light, ThemeChoice::Dark] {
                    looks.push(Look { size, lang, theme });
                }
            }
        }
        looks
    }
}

/// The window in sandbox mode, with its sandbox and runtime (dropped after it).
struct Open {
    window: Window,
    lang: Lang,
    _sandbox: Sandbox,
    _runtime: Runtime,
}

impl Open {
    /// Opens the window as `look` says, and waits for the saved sign-in lookup.
    fn new(look: Look) -> Open {
        let runtime = runtime();
        let sandbox = runtime
            .block_on(Sandbox::start(SandboxConfig {
                port: 0,
                ..SandboxConfig::default()
            }))
            .expect("sandbox starts");
        let server = Server::parse(&sandbox.url()).expect("sandbox URL");
        let handle = runtime.handle().clone();
        let mut saved = test_settings();
        saved.settings.language = match look.lang {
            Lang::En => LanguageChoice::En,
            Lang::ZhCn => LanguageChoice::ZhCn,
        };
        saved.settings.theme = look.theme;
        let mut window = Harness::builder()
            .with_max_steps(8)
            .with_size(look.size)
            .build_eframe(move |cc| {
                let mut deps = AppDeps::new(server, Arc::new(MemoryStore::new()), handle);
                deps.sandbox = true;
                deps.demo = Some(demo_account());
                deps.saved = Some(saved);
                MeetjoinApp::with_deps(&cc.egui_ctx, deps)
            });
        wait_until(&mut window, "the saved sign-in lookup", |w| {
            !w.state().account().restoring
        });
        window.run();
        Open {
            window,
            lang: look.lang,
            _sandbox: sandbox,
            _runtime: runtime,
        }
    }

    /// `key` in the window's language.
    fn tr(&self, key: &str) -> String {
        self.lang.tr(key)
    }

    /// Clicks the button labelled with `key`'s text.
    fn click(&mut self, key: &str) {
        let label = self.tr(key);
        self.window
            .get_by_role_and_label(Role::Button, &label)
            .click();
        self.window.run();
    }

    /// Opens the sign-in dialog from the header.
    fn open_sign_in(&mut self) {
        self.click("gui.header.sign_in");
        assert!(
            self.window.state().state().sign_in.is_some(),
            "the dialog opens"
        );
    }

    /// Submits the sign-in dialog and waits for the answer.
    fn submit_sign_in(&mut self) {
        let label = self.tr("gui.sign_in.submit");
        self.window
            .get_by_role_and_label(Role::Button, &label)
            .click();
        self.window.step();
        // Both the answer and the account it publishes (they arrive in either order).
        wait_until(&mut self.window, "the sign-in", |w| {
            !w.state().sign_in_pending()
                && (w.state().account().signed_in.is_some()
                    || w.state()
                        .state()
                        .sign_in
                        .as_ref()
                        .is_some_and(|form| form.error.is_some()))
        });
        self.window.run();
    }

    /// Signs in with the demo account the dialog comes filled with.
    fn sign_in(&mut self) {
        self.open_sign_in();
        self.submit_sign_in();
        assert!(
            self.window.state().account().signed_in.is_some(),
            "signed in"
        );
    }

    /// Signs in with the sandbox's App ID, as `user`.
    fn sign_in_as(&mut self, user: &str) {
        self.open_sign_in();
        self.click("gui.sign_in.tab_app_id");
        let field = self.tr("gui.sign_in.user_id");
        self.window
            .get_by_role_and_label(Role::TextInput, &field)
            .focus();
        self.window.run();
        self.window
            .get_by_role_and_label(Role::TextInput, &field)
            .type_text(user);
        self.window.run();
        self.submit_sign_in();
        assert!(
            self.window.state().account().signed_in.is_some(),
            "signed in"
        );
    }

    /// The window's area.
    fn screen(&self) -> Rect {
        self.window.ctx.content_rect()
    }

    /// Where the header panel stands.
    fn header(&self) -> Rect {
        header::last_rect(&self.window.ctx).expect("the header was drawn")
    }

    /// The rect of the node labelled exactly `label`, with `role`.
    fn rect_of(&self, role: Role, label: &str) -> Rect {
        self.window.get_by_role_and_label(role, label).rect()
    }

    /// The texts painted inside `area`, with where they stand.
    fn texts_in(&self, area: Rect) -> Vec<(Rect, Arc<egui::Galley>)> {
        let mut texts = Vec::new();
        for clipped in &self.window.output().shapes {
            collect_texts(&clipped.shape, &mut texts);
        }
        texts.retain(|(rect, _)| area.contains_rect(*rect));
        texts
    }
}

/// Every text shape in `shape`, with its rect.
fn collect_texts(shape: &egui::Shape, out: &mut Vec<(Rect, Arc<egui::Galley>)>) {
    match shape {
        egui::Shape::Text(text) => {
            out.push((
                text.galley.rect.translate(text.pos.to_vec2()),
                text.galley.clone(),
            ));
        }
        egui::Shape::Vec(shapes) => {
            for shape in shapes {
                collect_texts(shape, out);
            }
        }
        _ => {}
    }
}

/// Nothing in the header wraps, and nothing in it overflows the window or overlaps.
fn assert_header_on_one_line_each(open: &Open, what: &str) {
    let header = open.header();
    let screen = open.screen();
    assert!(
        header.left() >= screen.left() && header.right() <= screen.right(),
        "{what}: the header {header:?} fits the window {screen:?}"
    );
    let texts = open.texts_in(header);
    assert!(
        texts.len() >= 4,
        "{what}: the header's texts: {}",
        texts.len()
    );
    for (rect, galley) in &texts {
        assert_eq!(
            galley.rows.len(),
            1,
            "{what}: {:?} wraps into {} rows",
            galley.text(),
            galley.rows.len()
        );
        assert!(
            rect.right() <= header.right() + 0.5,
            "{what}: {:?} ends at {} past the header's right {}",
            galley.text(),
            rect.right(),
            header.right()
        );
    }
    for (i, (a, text_a)) in texts.iter().enumerate() {
        for (b, text_b) in &texts[i + 1..] {
            assert!(
                !a.shrink(0.5).intersects(b.shrink(0.5)),
                "{what}: {:?} {a:?} overlaps {:?} {b:?}",
                text_a.text(),
                text_b.text()
            );
        }
    }
}

#[test]
fn the_header_never_wraps_and_the_toast_stays_below_it() {
    for look in Look::all() {
        let mut open = Open::new(look);
        assert_header_on_one_line_each(&open, &format!("{look:?}, signed out"));

        open.sign_in();
        let what = format!("{look:?}, signed in");
        assert_header_on_one_line_each(&open, &what);
        let signed_in = open
            .window
            .get_by_label_contains(DEMO_ACCOUNT)
            .accesskit_node()
            .value()
            .expect("a label's text is its value");
        assert_eq!(
            signed_in,
            with_name(look.lang, "gui.header.signed_in_as", DEMO_ACCOUNT),
            "{what}: the account is read in full"
        );

        // Signing in shows a toast: under the header, inside the window.
        let toast = open
            .window
            .state()
            .state()
            .toast
            .as_ref()
            .map(|t| t.text.clone())
            .expect("a toast after signing in");
        let toast = open.window.get_by_label(&toast).rect();
        let header = open.header();
        assert!(
            !toast.intersects(header),
            "{what}: the toast {toast:?} covers the header {header:?}"
        );
        assert!(
            toast.top() > header.bottom(),
            "{what}: the toast is under the header"
        );
        assert!(
            open.screen().contains_rect(toast),
            "{what}: the toast {toast:?} is inside the window"
        );
    }
}

#[test]
fn a_long_account_ends_in_an_ellipsis_and_is_read_in_full() {
    for size in SIZES {
        for lang in [Lang::En, Lang::ZhCn] {
            let look = Look {
                size,
                lang,
                theme: ThemeChoice::Light,
            };
            let mut open = Open::new(look);
            open.sign_in_as(LONG_USER);
            assert_header_on_one_line_each(&open, &format!("{look:?}, long account"));

            // Screen readers get the whole text.
            let full = with_name(lang, "gui.header.signed_in_as", LONG_USER);
            let node = open.window.get_by_role_and_label(Role::Label, &full);
            let label = node.rect();

            // What is painted ends in "…" when the window is too narrow for it.
            let header = open.header();
            let painted = open
                .texts_in(header)
                .into_iter()
                .find(|(rect, galley)| rect.intersects(label) && galley.text() == full)
                .map(|(_, galley)| galley)
                .expect("the account's text is painted");
            let shown: String = painted.rows.iter().map(|r| r.text()).collect();
            if size == SIZES[0] {
                assert!(painted.elided, "{look:?}: shortened");
                assert!(shown.ends_with('…'), "{look:?}: {shown:?} ends in …");
            } else {
                assert!(!painted.elided, "{look:?}: room enough, shown whole");
                assert_eq!(shown, full);
            }
            let sign_out = open.rect_of(Role::Button, &open.tr("gui.header.sign_out"));
            assert!(
                label.right() <= sign_out.left(),
                "{look:?}: the account {label:?} stays left of Sign out {sign_out:?}"
            );

            // Hovering it shows the whole text too.
            if size == SIZES[0] {
                open.window
                    .get_by_role_and_label(Role::Label, &full)
                    .hover();
                wait_until(&mut open.window, "the account's tooltip", |w| {
                    w.query_all_by_label(&full).count() >= 2
                });
            }
        }
    }
}

/// `key` with `%{name}` filled in, in `lang`.
fn with_name(lang: Lang, key: &str, name: &str) -> String {
    lang.tr(key).replace("%{name}", name)
}

/// Something done in the sign-in dialog, named.
type Step = (&'static str, fn(&mut Open));

/// Where a dialog's parts stand: its top-left, and the sign-in tabs.
#[derive(Debug, PartialEq)]
struct Placement {
    title: egui::Pos2,
    tabs: Vec<Rect>,
}

fn sign_in_placement(open: &Open) -> Placement {
    let title = open.tr("gui.sign_in.title");
    let tabs = [
        "gui.sign_in.tab_account",
        "gui.sign_in.tab_app_id",
        "gui.sign_in.tab_token",
    ]
    .iter()
    .map(|key| open.rect_of(Role::Button, &open.tr(key)))
    .collect();
    Placement {
        title: open.rect_of(Role::Label, &title).left_top(),
        tabs,
    }
}

/// Where the dialog `id` stands.
fn dialog_rect(open: &Open, id: &str) -> Rect {
    open.window
        .ctx
        .memory(|m| m.area_rect(egui::Id::unique(id)))
        .expect("the dialog's area")
}

/// The dialog `id` stands wholly inside the window.
fn assert_dialog_inside(open: &Open, id: &str, what: &str) {
    let rect = dialog_rect(open, id);
    let screen = open.screen();
    assert!(
        screen.contains_rect(rect),
        "{what}: the dialog {rect:?} is inside the window {screen:?}"
    );
}

#[test]
fn dialogs_fit_the_window_and_stand_still_while_their_content_changes() {
    for look in Look::all() {
        let mut open = Open::new(look);
        open.open_sign_in();
        let what = format!("{look:?}");
        assert_dialog_inside(&open, "meetjoin.sign_in", &what);
        let first = sign_in_placement(&open);

        let steps: [Step; 8] = [
            ("App ID tab", |o: &mut Open| {
                o.click("gui.sign_in.tab_app_id")
            }),
            ("SP application ticked", |o: &mut Open| {
                let label = o.tr("gui.sign_in.multi_tenant");
                o.window
                    .get_by_role_and_label(Role::CheckBox, &label)
                    .click();
                o.window.run();
                let form = o.window.state().state().sign_in.as_ref().unwrap();
                assert!(form.multi_tenant, "ticked");
            }),
            ("a refused SP sign-in", |o: &mut Open| {
                o.submit_sign_in();
                let form = o.window.state().state().sign_in.as_ref().unwrap();
                assert!(form.error.is_some(), "refused: not an SP application");
                // However short the window, the new error is scrolled into view: all of
                // it, down to its Details, above the dialog's buttons.
                let message = o.window.get_by_label_contains("⚠").rect();
                let details = o.tr("gui.error.details");
                let details = o.rect_of(Role::DisclosureTriangle, &details);
                let cancel = o.rect_of(Role::Button, &o.tr("gui.sign_in.cancel"));
                let dialog = dialog_rect(o, "meetjoin.sign_in");
                assert!(
                    dialog.top() < message.top() && details.bottom() <= cancel.top(),
                    "the error {message:?} to {details:?} shows above {cancel:?}"
                );
            }),
            ("token tab", |o: &mut Open| o.click("gui.sign_in.tab_token")),
            ("a refused token", |o: &mut Open| {
                let field = o.tr("gui.sign_in.token");
                o.window
                    .get_by_role_and_label(Role::PasswordInput, &field)
                    .focus();
                o.window.run();
                o.window
                    .get_by_role_and_label(Role::PasswordInput, &field)
                    .type_text("not-a-token");
                o.window.run();
                o.submit_sign_in();
                let form = o.window.state().state().sign_in.as_ref().unwrap();
                assert!(form.error.is_some(), "the token is refused");
            }),
            ("Details open", |o: &mut Open| {
                let details = o.tr("gui.error.details");
                o.window
                    .get_by_role_and_label(Role::DisclosureTriangle, &details)
                    .click();
                o.window.run();
                let copy = o.tr("gui.error.copy_details");
                assert!(
                    o.window.query_by_label(&copy).is_some(),
                    "the details are open"
                );
            }),
            ("App ID tab again", |o: &mut Open| {
                o.click("gui.sign_in.tab_app_id")
            }),
            ("account tab", |o: &mut Open| {
                o.click("gui.sign_in.tab_account")
            }),
        ];
        for (step, act) in steps {
            act(&mut open);
            let what = format!("{look:?}, {step}");
            assert_dialog_inside(&open, "meetjoin.sign_in", &what);
            assert_eq!(sign_in_placement(&open), first, "{what}: the dialog moved");
        }
        let form = open.window.state().state().sign_in.as_ref().unwrap();
        assert_eq!(form.tab, SignInMethodTab::Account);
        open.click("gui.sign_in.cancel");

        open.click("gui.header.settings");
        assert_dialog_inside(&open, "meetjoin.settings", &format!("{what}, settings"));
        let close = open.rect_of(Role::Button, &open.tr("gui.settings.close"));
        assert!(
            open.screen().contains_rect(close),
            "{what}: Close {close:?} is in the window"
        );
    }
}

/// The label of the focused node, if any.
fn focused(window: &Window) -> Option<(String, Rect)> {
    let node = window.query_by(|n| n.is_focused())?;
    let label = node.accesskit_node().label().unwrap_or_default();
    Some((label, node.rect()))
}

/// True when a ring in `accent` is painted around `rect` (the focus ring).
fn has_focus_ring(open: &Open, rect: Rect, accent: egui::Color32) -> bool {
    fn rings(shape: &egui::Shape, out: &mut Vec<Rect>, accent: egui::Color32) {
        match shape {
            egui::Shape::Rect(r) if r.stroke.color == accent && r.fill == Color32::TRANSPARENT => {
                out.push(r.rect);
            }
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| rings(s, out, accent)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for clipped in &open.window.output().shapes {
        rings(&clipped.shape, &mut found, accent);
    }
    found
        .iter()
        .any(|ring| ring.contains_rect(rect) && rect.expand(6.0).contains_rect(*ring))
}

/// Presses Tab from nothing focused until focus leaves the header; returns what it visited,
/// checking that each one shows the focus ring in `accent`.
fn tab_through_header(open: &mut Open, accent: egui::Color32) -> Vec<(String, Rect)> {
    open.window.key_press(Key::Escape);
    open.window.run();
    assert_eq!(focused(&open.window), None, "Escape leaves nothing focused");
    let header = open.header();
    let mut visited = Vec::new();
    for _ in 0..6 {
        open.window.key_press(Key::Tab);
        open.window.run();
        match focused(&open.window) {
            Some((label, rect)) if header.contains_rect(rect) => {
                assert!(has_focus_ring(open, rect, accent), "{label}: a focus ring");
                visited.push((label, rect));
            }
            _ => break,
        }
    }
    visited
}

#[test]
fn tab_walks_the_header_left_to_right_with_a_focus_ring() {
    for look in Look::all() {
        let accent = match look.theme {
            ThemeChoice::Dark => theme::DARK.accent,
            _ => theme::LIGHT.accent,
        };
        let mut open = Open::new(look);
        let visited = tab_through_header(&mut open, accent);
        let labels: Vec<&str> = visited.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                open.tr("gui.header.sign_in"),
                open.tr("gui.header.settings")
            ],
            "{look:?}, signed out"
        );

        open.sign_in();
        let visited = tab_through_header(&mut open, accent);
        let labels: Vec<&str> = visited.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                open.tr("gui.header.sign_out"),
                open.tr("gui.header.settings")
            ],
            "{look:?}, signed in"
        );
        for pair in visited.windows(2) {
            assert!(
                pair[0].1.left() < pair[1].1.left() || pair[0].1.top() < pair[1].1.top(),
                "{look:?}: {:?} comes before {:?} on screen",
                pair[0],
                pair[1]
            );
        }
    }
}

#[test]
fn the_window_has_an_accessible_name_in_its_language() {
    for lang in [Lang::En, Lang::ZhCn] {
        let open = Open::new(Look {
            size: SIZES[0],
            lang,
            theme: ThemeChoice::Dark,
        });
        let root = open.window.root();
        assert_eq!(root.accesskit_node().role(), Role::Window);
        assert_eq!(
            root.accesskit_node().label().as_deref(),
            Some(lang.tr("gui.window_title_sandbox").as_str()),
            "{lang:?}"
        );
    }
}
