//! The eframe app: builds the window from its dependencies, restores and saves [`AppState`],
//! and lays out the panels each frame.

use std::sync::Arc;
use std::time::Instant;

use eframe::egui::{self, Color32, Key, Modifiers, Theme};

use super::fonts;
use super::state::{AppState, CheckStatus, ThemeChoice};
use super::views::{self, Action};
use super::worker::{Worker, WorkerRuntime, WorkerSender};
use crate::api::ApiError;
use crate::i18n::Lang;
use crate::sandbox::Sandbox;
use crate::secrets::TokenStore;
use crate::server::Server;
use crate::session::Session;

/// The widest the content column grows, in points.
const CONTENT_WIDTH: f32 = 640.0;

/// What the window needs from outside. `run` builds these from the command line; tests build
/// their own (a sandbox URL, a [`crate::secrets::MemoryStore`], their runtime's handle).
pub struct AppDeps {
    /// The server to use for this run instead of the saved setting (command line, sandbox).
    pub server: Option<Server>,
    /// Where sessions keep their tokens.
    pub store: Arc<dyn TokenStore>,
    /// The tokio runtime background work runs on.
    pub runtime: WorkerRuntime,
    /// Sandbox mode: show the badge, fill in the demo account, keep the server fixed.
    pub sandbox: bool,
    /// The in-process sandbox, kept running as long as the window.
    pub sandbox_server: Option<Sandbox>,
    /// Saved state to start from (`None`: what eframe's storage holds, else defaults).
    pub saved: Option<AppState>,
    /// When set, the first frame prints `first_frame_ms=<ms since then>` to stderr.
    pub first_frame_since: Option<Instant>,
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
            store,
            runtime: runtime.into(),
            sandbox: false,
            sandbox_server: None,
            saved: None,
            first_frame_since: None,
        }
    }
}

/// The meetjoin window.
pub struct MeetjoinApp {
    /// Saved settings and history, and this run's UI state.
    pub(crate) state: AppState,
    /// Runs the library's calls in the background.
    pub(crate) worker: Worker,
    /// Where sessions keep their tokens.
    pub(crate) store: Arc<dyn TokenStore>,
    /// The server given on the command line, until the user picks another.
    pub(crate) command_line_server: Option<Server>,
    /// The server in use.
    pub(crate) server: Server,
    /// The session on [`Self::server`]; `None` if its client could not be built.
    pub(crate) session: Option<Arc<Session>>,
    /// Why there is no session.
    pub(crate) session_error: Option<ApiError>,
    /// Bumped for each new session: results for an older one are ignored.
    pub(crate) session_generation: u64,
    /// Bumped for each check and cancel: only the latest check's reply is shown.
    pub(crate) check_generation: u64,
    /// Bumped for each sign-in attempt.
    pub(crate) sign_in_generation: u64,
    /// Sandbox mode.
    pub(crate) sandbox: bool,
    /// The language of the environment, for the "system" setting.
    pub(crate) system_lang: Lang,
    /// The egui context (for copying and repaints from logic).
    pub(crate) ctx: egui::Context,
    applied_theme: Option<ThemeChoice>,
    applied_title: Option<Lang>,
    first_frame_since: Option<Instant>,
    _sandbox_server: Option<Sandbox>,
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
        setup_style(ctx);
        let state = deps.saved.unwrap_or_default();
        let server = deps
            .server
            .clone()
            .unwrap_or_else(|| state.settings.server());
        let mut app = MeetjoinApp {
            state,
            worker: Worker::new(ctx, deps.runtime),
            store: deps.store,
            command_line_server: deps.server,
            server,
            session: None,
            session_error: None,
            session_generation: 0,
            check_generation: 0,
            sign_in_generation: 0,
            sandbox: deps.sandbox,
            system_lang: Lang::from_system(),
            ctx: ctx.clone(),
            applied_theme: None,
            applied_title: None,
            first_frame_since: deps.first_frame_since,
            _sandbox_server: deps.sandbox_server,
        };
        app.state.form.focus_input = true;
        app.start_session();
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

    /// The server in use.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The generation of the latest check (a reply for any other is ignored).
    pub fn check_generation(&self) -> u64 {
        self.check_generation
    }

    /// A sender that delivers events exactly as the background tasks do (tests use it to
    /// deliver a stale reply).
    pub fn event_sender(&self) -> WorkerSender {
        self.worker.sender()
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
            let title = if self.sandbox {
                lang.tr("gui.window_title_sandbox")
            } else {
                lang.tr("gui.window_title")
            };
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
            self.applied_title = Some(lang);
        }
    }

    /// Window-wide keys: Esc cancels a check, Ctrl+Shift+C copies the auth random.
    fn shortcuts(&self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if self.state.sign_in.is_some() || self.state.settings_dialog.is_some() {
            return;
        }
        if self.state.check.is_running()
            && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape))
        {
            actions.push(Action::CancelCheck);
        }
        if matches!(self.state.check, CheckStatus::Done(_))
            && ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::C))
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
        actions: &mut Vec<Action>,
    ) {
        let running = self.state.check.is_running();
        let form_action = views::check_form::check_form_ui(
            ui,
            &mut self.state.form,
            views::check_form::CheckFormModel {
                lang,
                guest_waiting: &mut self.state.settings.guest_waiting,
                running,
            },
        );
        actions.extend(form_action);
        ui.add_space(14.0);

        if let Some(error) = &self.session_error {
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
                actions.extend(views::result_card::result_card_ui(ui, lang, facts));
            }
            CheckStatus::Failed { error, .. } => {
                actions.extend(views::error_card::error_card_ui(
                    ui,
                    lang,
                    error,
                    &views::error_card::ErrorPlace {
                        id_salt: "check",
                        offer_sign_in: true,
                    },
                ));
            }
            CheckStatus::Idle | CheckStatus::Running { .. } => {}
        });
        if outcome.response.rect.height() > 0.0 {
            if std::mem::take(&mut self.state.reveal_outcome) {
                ui.scroll_to_rect(outcome.response.rect, None);
            }
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

    /// Prints the startup benchmark line once, when asked for.
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

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.apply_settings(&ctx);
        let lang = self.lang();
        let now = crate::api::auth::now_unix();
        let mut actions = Vec::new();
        self.shortcuts(&ctx, &mut actions);

        let header_frame = egui::Frame::side_top_panel(ui.style())
            .fill(ui.visuals().window_fill)
            .inner_margin(egui::Margin::symmetric(20, 12));
        egui::Panel::top("meetjoin.header")
            .frame(header_frame)
            .show(ui, |ui| {
                let model = views::header::HeaderModel {
                    lang,
                    server: &self.server,
                    sandbox: self.sandbox,
                    account: &self.state.account,
                    now,
                };
                actions.extend(views::header::header_ui(ui, &model));
            });

        let body_frame = egui::Frame::central_panel(ui.style())
            .fill(ui.visuals().panel_fill)
            .inner_margin(egui::Margin::symmetric(0, 0));
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
                                if let Some(error) = &self.state.store_warning {
                                    actions.extend(views::banner::store_banner_ui(ui, lang, error));
                                    ui.add_space(14.0);
                                }
                                self.main_column_ui(ui, lang, now, &mut actions);
                            },
                        );
                    });
            });

        if let Some(form) = &mut self.state.sign_in {
            let model = views::sign_in::SignInModel {
                lang,
                server: &self.server,
                sandbox: self.sandbox,
            };
            actions.extend(views::sign_in::sign_in_ui(ui, form, &model));
        }
        if let Some(draft) = &mut self.state.settings_dialog {
            let model = views::settings::SettingsModel {
                lang,
                settings: &self.state.settings,
                server: &self.server,
                sandbox: self.sandbox,
                command_line_server: self.command_line_server.as_ref(),
            };
            actions.extend(views::settings::settings_ui(ui, draft, &model));
        }
        self.toast_ui(ui);

        if !actions.is_empty() {
            for action in actions {
                self.apply(action);
            }
            ctx.request_repaint();
        }
        self.report_first_frame();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, AppState::STORAGE_KEY, &self.state);
    }
}

impl MeetjoinApp {
    /// Shows the toast while it lasts; asks for one repaint when it should go away.
    fn toast_ui(&mut self, ui: &mut egui::Ui) {
        let time = ui.input(|i| i.time);
        match &self.state.toast {
            Some(toast) if toast.until > time => {
                views::toast::toast_ui(ui, toast);
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(toast.until - time));
            }
            Some(_) => self.state.toast = None,
            None => {}
        }
    }
}

/// Text sizes, spacing and colours shared by both themes; the text cursor does not blink, so
/// an idle window does not repaint.
fn setup_style(ctx: &egui::Context) {
    use egui::{FontFamily, FontId, TextStyle};
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(20.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(14.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(14.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(13.5, FontFamily::Monospace),
            ),
            (
                TextStyle::Small,
                FontId::new(11.5, FontFamily::Proportional),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        style.spacing.interact_size.y = 24.0;
        style.visuals.text_cursor.blink = false;
        style.visuals.widgets.noninteractive.corner_radius = 6.0.into();
        style.visuals.widgets.inactive.corner_radius = 6.0.into();
        style.visuals.widgets.hovered.corner_radius = 6.0.into();
        style.visuals.widgets.active.corner_radius = 6.0.into();
    });
    ctx.style_mut_of(Theme::Light, |style| {
        style.visuals.panel_fill = Color32::from_rgb(0xF1, 0xF4, 0xF8);
        style.visuals.window_fill = Color32::WHITE;
        style.visuals.extreme_bg_color = Color32::from_rgb(0xF8, 0xFA, 0xFC);
        style.visuals.widgets.noninteractive.bg_stroke.color = Color32::from_rgb(0xDD, 0xE3, 0xEA);
        style.visuals.widgets.inactive.bg_stroke =
            egui::Stroke::new(1.0, Color32::from_rgb(0xCB, 0xD5, 0xE1));
        style.visuals.error_fg_color = Color32::from_rgb(0xB9, 0x1C, 0x1C);
    });
    ctx.style_mut_of(Theme::Dark, |style| {
        style.visuals.panel_fill = Color32::from_rgb(0x16, 0x18, 0x1C);
        style.visuals.window_fill = Color32::from_rgb(0x21, 0x24, 0x2A);
        style.visuals.extreme_bg_color = Color32::from_rgb(0x12, 0x14, 0x17);
        style.visuals.widgets.noninteractive.bg_stroke.color = Color32::from_rgb(0x33, 0x38, 0x40);
        style.visuals.error_fg_color = Color32::from_rgb(0xF8, 0x71, 0x71);
    });
}
