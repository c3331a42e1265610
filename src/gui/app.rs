//! The eframe app: builds the window from its dependencies, restores and saves [`AppState`],
//! and lays out the panels each frame.

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui::{self, Key, Modifiers};

use super::fonts;
use super::state::{AccountState, AppState, CheckStatus, DemoAccount, ThemeChoice};
use super::views::{self, Action};
use super::worker::{AccountStatus, Worker, WorkerRuntime};
use crate::i18n::Lang;
use crate::secrets::TokenStore;
use crate::server::Server;

/// The widest the content column grows, in points.
const CONTENT_WIDTH: f32 = 640.0;

/// What the window needs from outside. `run` builds these from the command line; tests build
/// their own (a sandbox URL, a [`crate::secrets::MemoryStore`], their runtime's handle).
pub struct AppDeps {
    /// The server to use for this run instead of the saved setting (command line, sandbox).
    pub server: Option<Server>,
    /// The CA certificate file to trust for this run instead of the saved setting (command line).
    pub ca_file: Option<PathBuf>,
    /// Where sessions keep their tokens.
    pub store: Arc<dyn TokenStore>,
    /// The tokio runtime background work runs on.
    pub runtime: WorkerRuntime,
    /// Sandbox mode: show the badge and keep the server fixed.
    pub sandbox: bool,
    /// The sandbox's demo account, offered in the sign-in dialog (sandbox mode only).
    pub demo: Option<DemoAccount>,
    /// Whatever must live as long as the window (the in-process sandbox).
    pub keep_alive: Option<Box<dyn Any + Send>>,
    /// Saved state to start from (`None`: what eframe's storage holds, else defaults).
    pub saved: Option<AppState>,
    /// What to do when the window opens: a meeting to check, the clipboard to check.
    pub startup: super::Startup,
    /// Handoffs from later launches (the first window's socket), if this is the first window.
    #[cfg(unix)]
    pub instance: Option<super::instance::Listener>,
    /// Set to the window's context once it exists, so that a handoff can wake it.
    pub wake: Arc<std::sync::OnceLock<egui::Context>>,
    /// The D-Bus address of the notification service for reminders (`None`: the session
    /// bus; tests give a private one).
    pub notifications_bus: Option<String>,
    /// How the waiting room checks again (tests shorten the waits).
    pub wait_policy: crate::waiting::WaitPolicy,
    /// Whether meetjoin can clear the clipboard later here (detected: see
    /// [`super::worker::clipboard_clears_here`]; tests say so themselves).
    pub clipboard_clears_later: bool,
    /// When set, the first frame prints `first_frame_ms=<ms since then>` to stderr.
    #[cfg(feature = "bench")]
    pub first_frame_since: Option<std::time::Instant>,
}

impl AppDeps {
    /// Dependencies for a window on `server` with `store`, spawning on `runtime`; no sandbox mode.
    pub fn new(
        server: Server,
        store: Arc<dyn TokenStore>,
        runtime: impl Into<WorkerRuntime>,
    ) -> AppDeps {
        AppDeps {
            server: Some(server),
            ca_file: None,
            store,
            runtime: runtime.into(),
            sandbox: false,
            demo: None,
            keep_alive: None,
            saved: None,
            startup: super::Startup::default(),
            #[cfg(unix)]
            instance: None,
            wake: Arc::default(),
            notifications_bus: None,
            wait_policy: crate::waiting::WaitPolicy::default(),
            clipboard_clears_later: super::worker::clipboard_clears_here(),
            #[cfg(feature = "bench")]
            first_frame_since: None,
        }
    }
}

/// The meetjoin window.
pub struct MeetjoinApp {
    /// Saved settings and history, and this run's UI state.
    pub(crate) state: AppState,
    /// Owns the session and runs the library's calls in the background.
    pub(crate) worker: Worker,
    /// The server given on the command line, until the user picks another.
    pub(crate) command_line_server: Option<Server>,
    /// The CA certificate file given on the command line, until the user sets or clears one.
    pub(crate) command_line_ca_file: Option<PathBuf>,
    /// Sandbox mode.
    pub(crate) sandbox: bool,
    /// The sandbox's demo account, if any.
    pub(crate) demo: Option<DemoAccount>,
    /// The language of the environment, for the "system" setting.
    pub(crate) system_lang: Lang,
    /// The egui context (for copying and repaints from logic).
    pub(crate) ctx: egui::Context,
    applied_theme: Option<ThemeChoice>,
    applied_title: Option<Lang>,
    #[cfg(feature = "bench")]
    first_frame_since: Option<std::time::Instant>,
    /// The meeting ID the connection was last warmed for (see `warm.rs`).
    pub(crate) warmed_for: Option<crate::meeting_id::MeetingId>,
    /// Focus events the last [`eframe::App::raw_input_hook`] saw in a pass that drew nothing
    /// (the window covered or minimised): eframe hands that input over again with the next
    /// pass, so that many leading focus events are repeats.
    focus_events_repeated: usize,
    /// The widget that had the keyboard focus on the last frame (to scroll a newly focused
    /// one into view).
    focused_last_frame: Option<egui::Id>,
    /// Where reminders go (`None`: the session bus).
    pub(crate) notifications_bus: Option<String>,
    /// How the waiting room checks again.
    pub(crate) wait_policy: crate::waiting::WaitPolicy,
    /// Whether meetjoin can clear the clipboard later here.
    pub(crate) clipboard_clears_later: bool,
    _keep_alive: Option<Box<dyn Any + Send>>,
    /// The first window's socket: handoffs from later launches.
    #[cfg(unix)]
    pub(crate) instance: Option<super::instance::Listener>,
}

impl MeetjoinApp {
    /// Builds the app inside eframe: restores the saved state from `cc.storage`.
    pub fn new(cc: &eframe::CreationContext<'_>, mut deps: AppDeps) -> MeetjoinApp {
        if deps.saved.is_none() {
            deps.saved = cc
                .storage
                .and_then(|storage| eframe::get_value::<AppState>(storage, AppState::STORAGE_KEY));
        }
        MeetjoinApp::with_deps(&cc.egui_ctx, deps)
    }

    /// Builds the app on any egui context (tests use this, with no window).
    pub fn with_deps(ctx: &egui::Context, deps: AppDeps) -> MeetjoinApp {
        fonts::install(ctx);
        super::theme::setup_style(ctx);
        let state = deps.saved.unwrap_or_default();
        let server = deps
            .server
            .clone()
            .unwrap_or_else(|| state.settings.server());
        // The sandbox never uses the saved CA file: it belongs to the saved (real) server.
        let ca_file = match (&deps.ca_file, deps.sandbox) {
            (Some(path), _) => Some(path.clone()),
            (None, true) => None,
            (None, false) => state.settings.ca_file.clone(),
        };
        let worker = Worker::with_ca_file(
            ctx,
            deps.runtime,
            server.clone(),
            deps.store,
            ca_file.clone(),
        );
        let mut app = MeetjoinApp {
            state,
            worker,
            command_line_server: deps.server,
            command_line_ca_file: deps.ca_file,
            sandbox: deps.sandbox,
            demo: deps.demo.filter(|_| deps.sandbox),
            system_lang: Lang::from_system(),
            ctx: ctx.clone(),
            applied_theme: None,
            applied_title: None,
            #[cfg(feature = "bench")]
            first_frame_since: deps.first_frame_since,
            warmed_for: None,
            focus_events_repeated: 0,
            focused_last_frame: None,
            notifications_bus: deps.notifications_bus,
            wait_policy: deps.wait_policy,
            clipboard_clears_later: deps.clipboard_clears_later,
            _keep_alive: deps.keep_alive,
            #[cfg(unix)]
            instance: deps.instance,
        };
        app.state.form.focus_input = true;
        let _ = deps.wake.set(ctx.clone());
        app.start_with(deps.startup);
        app
    }

    /// The saved settings and history, and this run's UI state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Mutable access to the state (tests set up history or settings this way).
    pub fn state_mut(&mut self) -> &mut AppState {
        &mut self.state
    }

    /// The language the window speaks now.
    pub fn lang(&self) -> Lang {
        self.state.settings.lang(self.system_lang)
    }

    /// The server in use, as the worker publishes it (the one record of it).
    pub fn server(&self) -> Server {
        self.worker.server()
    }

    /// The CA certificate file in use besides the system's, if any (the worker's record).
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.worker.status().ca_file
    }

    /// Who is signed in on which server, as the worker last published it.
    pub fn account(&self) -> AccountStatus {
        self.worker.status()
    }

    /// True while a check is running in the background.
    pub fn check_pending(&self) -> bool {
        self.worker.check.is_pending()
    }

    /// True when `text` is the window's own last copy (never offered back as a meeting).
    pub fn is_own_copy(&self, text: &str) -> bool {
        self.worker
            .is_own_copy(&secrecy::SecretString::from(text.to_owned()))
    }

    /// True while a copied auth random waits to be cleared from the clipboard.
    pub fn clipboard_clear_armed(&self) -> bool {
        self.worker.clipboard_clear_armed()
    }

    /// True while a sign-in is running in the background.
    pub fn sign_in_pending(&self) -> bool {
        self.worker.sign_in.is_pending()
    }

    /// Applies the theme and the window title when their setting changed.
    fn apply_settings(&mut self, ctx: &egui::Context) {
        let theme = self.state.settings.theme;
        if self.applied_theme != Some(theme) {
            ctx.set_theme(theme.preference());
            self.applied_theme = Some(theme);
        }
        let lang = self.lang();
        if self.applied_title != Some(lang) {
            let title = self.window_title(lang);
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
            self.applied_title = Some(lang);
        }
    }

    /// Window-wide keys: Esc cancels a check, Ctrl+Shift+C copies the auth random.
    fn shortcuts(&self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if self.state.sign_in.is_some() || self.state.settings_dialog.is_some() {
            return;
        }
        if self.worker.check.is_pending()
            && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape))
        {
            actions.push(Action::CancelCheck);
        }
        // An old random is not copied by the shortcut either: the card offers a new one.
        let fresh = matches!(&self.state.check, CheckStatus::Done(facts)
            if !facts.reply.is_stale_at(std::time::Instant::now()));
        if fresh && ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::C))
        {
            actions.push(Action::CopyRandom);
        }
    }

    /// The main column: the form, the outcome, recent meetings.
    fn main_column_ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        now: i64,
        status: &AccountStatus,
        actions: &mut Vec<Action>,
    ) {
        let running = self.worker.check.is_pending();
        let retrying = self.worker.check.progress().filter(|_| running);
        let lockout = self.lockout_left();
        if let Some(left) = lockout.filter(|left| !left.is_zero()) {
            // The countdown moves once a second, and Check comes back when it ends.
            let fraction = left.subsec_nanos();
            let next = if fraction == 0 {
                std::time::Duration::from_secs(1)
            } else {
                std::time::Duration::from_nanos(u64::from(fraction))
            };
            ui.ctx().request_repaint_after(next);
        }
        // The error card says the lockout when it is shown; else the form says it.
        let card_says_lockout = matches!(
            &self.state.check,
            CheckStatus::Failed(error) if error.kind == crate::api::ErrorKind::Locked
        );
        let signed_out =
            status.signed_in.is_none() && !status.restoring && status.session_error.is_none();
        let form = ui.scope(|ui| {
            views::check_form::check_form_ui(
                ui,
                &mut self.state.form,
                views::check_form::CheckFormModel {
                    lang,
                    guest_waiting: &mut self.state.settings.guest_waiting,
                    running,
                    retrying: retrying.as_ref(),
                    locked_for: lockout,
                    say_lockout: !card_says_lockout,
                    sign_in_first: signed_out,
                },
            )
        });
        if std::mem::take(&mut self.state.reveal_form) {
            ui.scroll_to_rect(form.response.rect, Some(egui::Align::TOP));
        }
        actions.extend(form.inner);
        ui.add_space(14.0);
        actions.extend(self.site_offer_ui(ui, lang));

        if let Some(error) = &status.session_error {
            actions.extend(views::error_card::error_card_ui(
                ui,
                lang,
                error,
                &views::error_card::ErrorPlace {
                    id_salt: "session",
                    offer_sign_in: false,
                },
            ));
            ui.add_space(14.0);
        }
        let outcome = ui.scope(|ui| match &self.state.check {
            CheckStatus::Done(facts) => {
                let copied = self
                    .state
                    .copied_until
                    .is_some_and(|until| ui.input(|i| i.time) < until);
                let time = ui.input(|i| i.time);
                let copy_note = self.state.copy_note.as_ref().filter(|n| n.until > time);
                if let Some(note) = copy_note {
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_secs_f64(
                            note.until - time,
                        ));
                }
                // The random's age moves on: once a minute, and when it turns stale.
                let age = facts.reply.age_at(std::time::Instant::now());
                let stale = facts.reply.is_stale_at(std::time::Instant::now());
                let next_minute = 60 - age.as_secs() % 60;
                let until_stale = crate::api::RANDOM_FRESH_FOR.saturating_sub(age).as_secs();
                let next = if stale {
                    next_minute
                } else {
                    next_minute.min(until_stale.max(1))
                };
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs(next));
                let model = views::result_card::ResultModel {
                    copied,
                    copy_note: copy_note.map(|n| n.text.as_str()),
                    joining: self.worker.join.is_pending(),
                    join_failure: self.state.join_failure.as_ref(),
                    download_page: crate::join::download_page(&status.server),
                    age_secs: i64::try_from(age.as_secs()).unwrap_or(i64::MAX),
                    stale,
                };
                let card = views::result_card::result_card_ui(ui, lang, facts, &model);
                actions.extend(card.action);
                // Join's failure stands under the card: in a short window, below the fold.
                if let Some(rect) = card.join_failure
                    && std::mem::take(&mut self.state.reveal_join_failure)
                {
                    ui.scroll_to_rect(rect.expand(12.0), None);
                }
            }
            // Waiting for the host: the waiting room stands where the answer stood.
            CheckStatus::Failed(_) if self.state.waiting.is_some() => {
                if let Some(room) = &self.state.waiting {
                    actions.extend(views::waiting::waiting_ui(ui, lang, room));
                }
            }
            // A check refused for want of a session says what the session card above says.
            CheckStatus::Failed(error) if status.session_error.as_ref() != Some(error) => {
                actions.extend(views::error_card::error_card_with(
                    ui,
                    lang,
                    error,
                    &views::error_card::ErrorPlace {
                        id_salt: "check",
                        offer_sign_in: true,
                    },
                    views::error_card::CheckExtras {
                        wait: lockout,
                        offer_waiting_page: !self.state.settings.guest_waiting,
                        offer_wait_here: crate::waiting::is_waiting_for_host(error.kind),
                    },
                ));
                actions.extend(self.link_join_ui(ui, lang));
            }
            CheckStatus::Idle | CheckStatus::Failed(_) => {}
        });
        if outcome.response.rect.height() > 0.0 {
            if std::mem::take(&mut self.state.reveal_outcome) {
                ui.scroll_to_rect(outcome.response.rect, None);
            }
            ui.add_space(14.0);
        }
        // Today's meetings, when signed in (and wanted).
        if self.state.settings.show_today && self.state.today.account.is_some() {
            actions.extend(views::today::today_ui(ui, lang, &self.state.today));
            ui.add_space(14.0);
        }
        actions.extend(views::history::history_ui(
            ui,
            lang,
            &self.state.history,
            self.state.settings.keep_history,
            now,
        ));
        ui.add_space(8.0);
    }

    /// Prints the startup benchmark line once, when asked for (feature `bench` only).
    #[cfg(feature = "bench")]
    fn report_first_frame(&mut self) {
        if let Some(since) = self.first_frame_since.take() {
            eprintln!("first_frame_ms={}", since.elapsed().as_millis());
        }
    }
}

impl eframe::App for MeetjoinApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll_worker();
    }

    /// Sees the window gain and lose the focus whether or not a frame is drawn: eframe runs no
    /// `ui()` while the window is covered, so an invitation copied in the window that covers
    /// this one is caught when the user comes back.
    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        let focus_events: Vec<bool> = raw_input
            .events
            .iter()
            .filter_map(|event| match event {
                egui::Event::WindowFocused(focused) => Some(*focused),
                _ => None,
            })
            .collect();
        // Input from a pass that drew nothing comes again first: its events were seen.
        let repeated = std::mem::take(&mut self.focus_events_repeated).min(focus_events.len());
        for focused in &focus_events[repeated..] {
            self.follow_focus(*focused);
        }
        // Until `ui()` consumes this input, it will come again.
        self.focus_events_repeated = focus_events.len();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        // This pass consumes its input: none of it comes again.
        self.focus_events_repeated = 0;
        // The form's text as it is now (set by a launch, a test, a recalled meeting...).
        self.follow_input();
        let ctx = ui.ctx().clone();
        self.apply_settings(&ctx);
        self.name_window(&ctx);
        let lang = self.lang();
        // The server's own messages follow the window's language (an atomic store).
        self.worker.set_language(lang);
        let now = crate::api::auth::now_unix();
        let mut actions = Vec::new();
        self.shortcuts(&ctx, &mut actions);
        let status = self.worker.status();
        let account = AccountState {
            restoring: status.restoring,
            signing_out: self.worker.sign_out.is_pending(),
            signed_in: status.signed_in.clone(),
        };

        let header_frame = egui::Frame::side_top_panel(ui.style())
            .fill(ui.visuals().window_fill)
            .inner_margin(egui::Margin::symmetric(20, 12));
        // Behind a dialog, the window is off: nothing there takes the keyboard focus, and
        // screen readers read it as unavailable (egui's modal only blocks the mouse).
        let dialog_open = self.state.sign_in.is_some()
            || self.state.settings_dialog.is_some()
            || self.state.confirm_sign_out;
        let header = egui::Panel::top("meetjoin.header")
            .frame(header_frame)
            .show(ui, |ui| {
                if dialog_open {
                    ui.disable();
                }
                let model = views::header::HeaderModel {
                    lang,
                    server: &status.server,
                    sandbox: self.sandbox,
                    account: &account,
                    now,
                };
                actions.extend(views::header::header_ui(ui, &model));
            });
        views::header::remember_rect(&ctx, header.response.rect);
        self.status_bar_ui(ui, lang, &mut actions);

        let body_frame = egui::Frame::central_panel(ui.style())
            .fill(ui.visuals().panel_fill)
            .inner_margin(egui::Margin::symmetric(0, 0));
        // A stable id for everything in the body: the status bar coming and going must not
        // shift the ids of the widgets below it (a button whose id changed between two frames
        // misses the click that lands on it).
        let body = egui::UiBuilder::new().scope_id(egui::Id::unique("meetjoin.body"));
        ui.scope_builder(body, |ui| {
            if dialog_open {
                ui.disable();
            }
            egui::CentralPanel::default()
                .frame(body_frame)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink(false)
                        .show(ui, |ui| {
                            let full = ui.available_rect_before_wrap();
                            let width = (full.width() - 40.0).clamp(200.0, CONTENT_WIDTH);
                            let column = egui::Rect::from_min_size(
                                egui::pos2(full.center().x - width / 2.0, full.top() + 18.0),
                                egui::vec2(width, full.height()),
                            );
                            ui.scope_builder(
                                egui::UiBuilder::new()
                                    .max_rect(column)
                                    .layout(egui::Layout::top_down(egui::Align::Min)),
                                |ui| {
                                    if let Some(error) = status.store_error.as_ref().filter(|e| {
                                        self.state.dismissed_store_error.as_ref() != Some(e)
                                    }) {
                                        actions.extend(views::banner::store_banner_ui(
                                            ui, lang, error,
                                        ));
                                        ui.add_space(14.0);
                                    }
                                    if let Some(offer) = &self.state.clipboard_offer {
                                        actions.extend(views::banner::clipboard_offer_ui(
                                            ui, lang, offer,
                                        ));
                                        ui.add_space(14.0);
                                    }
                                    self.main_column_ui(ui, lang, now, &status, &mut actions);
                                },
                            );
                            self.keep_focus_in_view(ui);
                        });
                });
        });

        if let Some(form) = &mut self.state.sign_in {
            let model = views::sign_in::SignInModel {
                lang,
                server: &status.server,
                demo: self.demo.as_ref(),
                busy: self.worker.sign_in.is_pending(),
            };
            actions.extend(views::sign_in::sign_in_ui(ui, form, &model));
        }
        if let Some(draft) = &mut self.state.settings_dialog {
            let model = views::settings::SettingsModel {
                lang,
                settings: &self.state.settings,
                server: &status.server,
                sandbox: self.sandbox,
                command_line_server: self.command_line_server.as_ref(),
                ca_file: status.ca_file.as_deref(),
                command_line_ca_file: self.command_line_ca_file.as_deref(),
                ca_error: status
                    .session_error
                    .as_ref()
                    .filter(|e| e.kind == crate::api::ErrorKind::CaCertificate),
                reminder_error: self.worker.reminders.error().map(|e| e.message(lang)),
            };
            actions.extend(views::settings::settings_ui(ui, draft, &model));
        }
        if self.state.confirm_sign_out {
            match &status.signed_in {
                Some(signed_in) => {
                    let name = signed_in.user_name.as_deref().unwrap_or(&signed_in.account);
                    actions.extend(views::confirm::sign_out_ui(ui, lang, &status.server, name));
                }
                // Signed out meanwhile (elsewhere, or the token expired): nothing to ask.
                None => self.state.confirm_sign_out = false,
            }
        }
        super::theme::focus_ring_ui(&ctx);

        // The random selected and copied with Ctrl+C (not Copy's own copy, already followed).
        let copied_by_action = actions.contains(&Action::CopyRandom);
        if !copied_by_action {
            self.follow_random_copy(&ctx);
        }
        if !actions.is_empty() {
            for action in actions {
                self.apply(action);
            }
            ctx.request_repaint();
        }
        // A pasted invitation's password fills the password field.
        self.follow_input();
        // Switched to the invitation's site: check there once that server's session is known.
        self.follow_site_switch();
        // What was typed this frame may have made the shown result belong to something else.
        if self.forget_stale_outcome() {
            ctx.request_repaint();
        }
        self.warm_up_when_a_meeting_appears();
        #[cfg(feature = "bench")]
        self.report_first_frame();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, AppState::STORAGE_KEY, &self.state);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Leave nothing secret behind: a copied random still waiting for its timer goes now.
        self.worker.clear_clipboard_now();
    }
}

impl MeetjoinApp {
    /// The window's title in `lang`.
    fn window_title(&self, lang: Lang) -> String {
        if self.sandbox {
            lang.tr("gui.window_title_sandbox")
        } else {
            lang.tr("gui.window_title")
        }
    }

    /// Gives the window's accessibility node its title as name (screen readers announce it).
    fn name_window(&self, ctx: &egui::Context) {
        let title = self.window_title(self.lang());
        ctx.accesskit_node_builder(egui::accesskit_root_id(), |node| node.set_label(title));
    }

    /// The status bar at the bottom while a message stands; asks for one repaint when it
    /// should go away.
    fn status_bar_ui(&mut self, ui: &mut egui::Ui, lang: Lang, actions: &mut Vec<Action>) {
        let time = ui.input(|i| i.time);
        match &self.state.toast {
            Some(toast) if toast.until > time => {
                let frame = views::toast::status_bar_frame(ui);
                let bar = egui::Panel::bottom("meetjoin.status")
                    .frame(frame)
                    .show(ui, |ui| views::toast::status_bar_ui(ui, lang, toast));
                actions.extend(bar.inner);
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(toast.until - time));
            }
            Some(_) => self.state.toast = None,
            None => {}
        }
    }

    /// A copy of the shown auth random, or of part of it, made by selecting it: cleared from
    /// the clipboard like Copy's, and never offered back as a meeting.
    fn follow_random_copy(&mut self, ctx: &egui::Context) {
        let CheckStatus::Done(facts) = &self.state.check else {
            return;
        };
        let random = secrecy::ExposeSecret::expose_secret(facts.random());
        let copied = ctx.output(|output| {
            output.commands.iter().find_map(|command| match command {
                egui::OutputCommand::CopyText(text)
                    if !text.trim().is_empty() && random.contains(text.trim()) =>
                {
                    Some(text.trim().to_owned())
                }
                _ => None,
            })
        });
        if let Some(text) = copied {
            self.random_copied(secrecy::SecretString::from(text));
            ctx.request_repaint();
        }
    }

    /// Scrolls a widget that just took the keyboard focus (Tab, or a focus moved for the user)
    /// into view when the scroll area hides part of it. Called inside the main scroll area,
    /// after its content: widgets of the header and the status bar are never clipped by it.
    fn keep_focus_in_view(&mut self, ui: &mut egui::Ui) {
        let focused = ui.ctx().memory(|m| m.focused());
        let moved = focused != self.focused_last_frame;
        self.focused_last_frame = focused;
        let Some(id) = focused.filter(|_| moved) else {
            return;
        };
        let Some(response) = ui.ctx().read_response(id) else {
            return;
        };
        // Clipped: a widget of this scroll area, partly or wholly scrolled out of sight (the
        // header's and the status bar's widgets are never clipped by it).
        let clipped = response.interact_rect != response.rect;
        if clipped && response.layer_id == ui.layer_id() {
            ui.scroll_to_rect(response.rect.expand(12.0), None);
        }
    }
}
