//! The top bar: app name, sandbox badge, server, who is signed in, sign in / out, settings.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, duration_text, server_name};
use crate::gui::state::AccountState;
use crate::gui::theme;
use crate::i18n::Lang;
use crate::server::Server;

/// What the header shows.
pub struct HeaderModel<'a> {
    /// The language.
    pub lang: Lang,
    /// The server in use.
    pub server: &'a Server,
    /// True in sandbox mode (shows the badge).
    pub sandbox: bool,
    /// Who is signed in.
    pub account: &'a AccountState,
    /// Now, in Unix seconds (for the token's remaining time).
    pub now: i64,
}

/// The gap between the header's blocks (brand, account, buttons), in points.
const BLOCK_GAP: f32 = 16.0;
/// The gap between the header's two rows when it is too narrow for one, in points.
const ROW_GAP: f32 = 8.0;
/// The height of the header's buttons, in points.
const BUTTON_HEIGHT: f32 = 30.0;
/// The inner margin of the sandbox badge, in points.
const BADGE_MARGIN: egui::Margin = egui::Margin::symmetric(8, 3);

/// Draws the header; returns what the user clicked.
///
/// One row when everything fits: brand and server on the left, then who is signed in and the
/// buttons on the right. Otherwise two rows: brand and server, then the account and the buttons.
/// Nothing wraps: a text too long for its place ends in "…" and shows in full on hover (and to
/// screen readers). Blocks are placed at measured positions and added left to right, so that
/// Tab walks the buttons in the order they are seen.
pub fn header_ui(ui: &mut Ui, model: &HeaderModel<'_>) -> Option<Action> {
    let lang = model.lang;
    let mut action = None;
    let brand = Brand::new(ui, model);
    let account = Account::new(ui, model);
    let buttons = header_buttons(ui, model);

    let gap_x = ui.spacing().item_spacing.x;
    let buttons_width =
        buttons.iter().map(|b| b.width).sum::<f32>() + gap_x * (buttons.len() as f32 - 1.0);
    let area = ui.available_rect_before_wrap();
    let width = area.width();
    let one_row = brand.size.x + account.size.x + buttons_width + 2.0 * BLOCK_GAP <= width;

    let (brand_rect, account_rect, buttons_top, row_height, bottom) = if one_row {
        let row_height = brand.size.y.max(account.size.y).max(BUTTON_HEIGHT);
        let centred = |x: f32, size: egui::Vec2| {
            egui::Rect::from_min_size(
                egui::pos2(x, area.top() + (row_height - size.y) / 2.0),
                size,
            )
        };
        let account_left = area.right() - buttons_width - BLOCK_GAP - account.size.x;
        (
            centred(area.left(), brand.size),
            centred(account_left, account.size),
            area.top(),
            row_height,
            area.top() + row_height,
        )
    } else {
        let brand_size = egui::vec2(brand.size.x.min(width), brand.size.y);
        let top = area.top() + brand.size.y + ROW_GAP;
        let row_height = account.size.y.max(BUTTON_HEIGHT);
        let account_width = account
            .size
            .x
            .min(width - buttons_width - BLOCK_GAP)
            .max(0.0);
        (
            egui::Rect::from_min_size(area.left_top(), brand_size),
            egui::Rect::from_min_size(
                egui::pos2(area.left(), top + (row_height - account.size.y) / 2.0),
                egui::vec2(account_width, account.size.y),
            ),
            top,
            row_height,
            top + row_height,
        )
    };

    brand.ui(ui, brand_rect, lang, model.server);
    let align = if one_row {
        egui::Align::Max
    } else {
        egui::Align::Min
    };
    account.ui(ui, account_rect, align);
    let mut x = area.right() - buttons_width;
    for button in buttons {
        let rect = egui::Rect::from_min_size(
            egui::pos2(x, buttons_top + (row_height - BUTTON_HEIGHT) / 2.0),
            egui::vec2(button.width, BUTTON_HEIGHT),
        );
        x += button.width + gap_x;
        // Each button has an id of its own: Sign out never inherits the keyboard focus that
        // Sign in had at the same place (Enter would then sign out at once).
        let builder = egui::UiBuilder::new()
            .max_rect(rect)
            .id_salt(("meetjoin.header.button", button.key));
        let clicked = ui
            .scope_builder(builder, |ui| {
                let widget = egui::Button::new(button.text).min_size(rect.size());
                ui.add_enabled(button.enabled, widget).clicked()
            })
            .inner;
        if clicked {
            action = Some(button.action);
        }
    }
    ui.advance_cursor_after_rect(egui::Rect::from_min_max(
        area.left_top(),
        egui::pos2(area.right(), bottom),
    ));
    action
}

/// Where the header panel was drawn this frame: the toast stays clear of it.
pub fn remember_rect(ctx: &egui::Context, rect: egui::Rect) {
    ctx.data_mut(|d| d.insert_temp(header_rect_id(), rect));
}

/// Where the header panel was drawn last, once it has been.
pub fn last_rect(ctx: &egui::Context) -> Option<egui::Rect> {
    ctx.data(|d| d.get_temp(header_rect_id()))
}

/// Where [`remember_rect`] keeps the header's rect.
fn header_rect_id() -> egui::Id {
    egui::Id::unique("meetjoin.header.rect")
}

/// The size `text` takes on one line.
fn text_size(ui: &Ui, text: impl Into<egui::WidgetText>) -> egui::Vec2 {
    text.into()
        .into_galley(
            ui,
            Some(egui::TextWrapMode::Extend),
            f32::INFINITY,
            egui::TextStyle::Body,
        )
        .size()
}

/// A label that never wraps: too long, it ends in "…" and shows in full on hover.
fn one_line_label(ui: &mut Ui, text: RichText) -> egui::Response {
    ui.add(egui::Label::new(text).truncate())
}

/// The app's name, the sandbox badge and the server line.
struct Brand {
    name: RichText,
    badge: Option<RichText>,
    server: RichText,
    /// The size of the name and badge line.
    name_line: egui::Vec2,
    /// The size of the whole block at its natural width.
    size: egui::Vec2,
}

impl Brand {
    fn new(ui: &Ui, model: &HeaderModel<'_>) -> Brand {
        let lang = model.lang;
        let name = RichText::new(lang.tr("app.name")).size(20.0).strong();
        let badge = model
            .sandbox
            .then(|| RichText::new(lang.tr("gui.sandbox_badge")).strong());
        let server = RichText::new(t!(
            "gui.header.server",
            locale = lang.code(),
            server = server_name(lang, model.server)
        ))
        .small()
        .weak();
        let mut name_line = text_size(ui, name.clone());
        if let Some(badge) = &badge {
            let badge = text_size(ui, badge.clone()) + BADGE_MARGIN.sum();
            name_line.x += ui.spacing().item_spacing.x + badge.x;
            name_line.y = name_line.y.max(badge.y);
        }
        let server_size = text_size(ui, server.clone());
        let size = egui::vec2(
            name_line.x.max(server_size.x),
            name_line.y + ui.spacing().item_spacing.y + server_size.y,
        );
        Brand {
            name,
            badge,
            server,
            name_line,
            size,
        }
    }

    fn ui(self, ui: &mut Ui, rect: egui::Rect, lang: Lang, server: &Server) {
        let layout = egui::Layout::top_down(egui::Align::Min);
        ui.scope_builder(egui::UiBuilder::new().max_rect(rect).layout(layout), |ui| {
            let line = egui::Layout::left_to_right(egui::Align::Center);
            let size = egui::vec2(rect.width(), self.name_line.y);
            ui.allocate_ui_with_layout(size, line, |ui| {
                one_line_label(ui, self.name);
                if let Some(badge) = self.badge {
                    sandbox_badge_ui(ui, lang, badge, server);
                }
            });
            // The server by name; its address on hover.
            one_line_label(ui, self.server).on_hover_text(server.base());
        });
    }
}

/// Who is signed in, or that nobody is.
enum AccountBlock {
    /// "Signed in as …", the token's lifetime on hover (tokens renew by themselves: nothing to
    /// watch), and a line when the sign-in is kept for this run only.
    SignedIn {
        who: RichText,
        details: String,
        detail: Option<RichText>,
    },
    /// Looking for a saved sign-in.
    Restoring(RichText),
    /// Nobody is signed in.
    SignedOut(RichText),
}

/// [`AccountBlock`] with its size at its natural width.
struct Account {
    block: AccountBlock,
    size: egui::Vec2,
}

impl Account {
    fn new(ui: &Ui, model: &HeaderModel<'_>) -> Account {
        let lang = model.lang;
        let account = model.account;
        let spacing = ui.spacing().item_spacing;
        if let Some(signed_in) = &account.signed_in {
            let name = signed_in.user_name.as_deref().unwrap_or(&signed_in.account);
            let who = RichText::new(t!(
                "gui.header.signed_in_as",
                locale = lang.code(),
                name = name
            ))
            .strong();
            let expiry = match signed_in.expires_at {
                Some(at) if at > model.now => t!(
                    "gui.header.expires_in",
                    locale = lang.code(),
                    time = duration_text(lang, at - model.now)
                )
                .into_owned(),
                Some(_) => lang.tr("gui.header.expired"),
                None => lang.tr("gui.header.no_expiry"),
            };
            let details = lang.join_sentences(&expiry, &lang.tr("gui.header.renews"));
            let detail = (signed_in.memory_only && !model.sandbox).then(|| {
                RichText::new(lang.tr("gui.header.memory_only"))
                    .small()
                    .weak()
            });
            let a = text_size(ui, who.clone());
            let size = match &detail {
                Some(detail) => {
                    let b = text_size(ui, detail.clone());
                    egui::vec2(a.x.max(b.x), a.y + spacing.y + b.y)
                }
                None => a,
            };
            Account {
                size,
                block: AccountBlock::SignedIn {
                    who,
                    details,
                    detail,
                },
            }
        } else if account.restoring {
            let text = RichText::new(lang.tr("gui.header.restoring")).weak();
            let size = text_size(ui, text.clone());
            let spinner = ui.spacing().interact_size.y;
            Account {
                size: egui::vec2(spinner + spacing.x + size.x, size.y.max(spinner)),
                block: AccountBlock::Restoring(text),
            }
        } else {
            let text = RichText::new(lang.tr("gui.header.not_signed_in")).weak();
            Account {
                size: text_size(ui, text.clone()),
                block: AccountBlock::SignedOut(text),
            }
        }
    }

    fn ui(self, ui: &mut Ui, rect: egui::Rect, align: egui::Align) {
        let layout = egui::Layout::top_down(align);
        ui.scope_builder(
            egui::UiBuilder::new().max_rect(rect).layout(layout),
            |ui| match self.block {
                AccountBlock::SignedIn {
                    who,
                    details,
                    detail,
                } => {
                    one_line_label(ui, who).on_hover_text(details);
                    if let Some(detail) = detail {
                        one_line_label(ui, detail);
                    }
                }
                AccountBlock::Restoring(text) => {
                    let line = egui::Layout::left_to_right(egui::Align::Center);
                    ui.allocate_ui_with_layout(rect.size(), line, |ui| {
                        ui.spinner();
                        one_line_label(ui, text);
                    });
                }
                AccountBlock::SignedOut(text) => {
                    one_line_label(ui, text);
                }
            },
        );
    }
}

/// One of the header's buttons, with its measured width.
struct HeaderButton {
    /// Its translation key, which also keeps its id apart from the other buttons'.
    key: &'static str,
    text: String,
    width: f32,
    enabled: bool,
    action: Action,
}

/// Sign in (or Sign out) and Settings, in the order they stand, left to right.
fn header_buttons(ui: &Ui, model: &HeaderModel<'_>) -> Vec<HeaderButton> {
    let lang = model.lang;
    let account = model.account;
    let padding = ui.spacing().button_padding.x;
    let button = |key: &'static str, enabled: bool, action: Action| {
        let text = lang.tr(key);
        let width = (text_size(ui, text.as_str()).x + 2.0 * padding).ceil();
        HeaderButton {
            key,
            text,
            width,
            enabled,
            action,
        }
    };
    let mut buttons = Vec::with_capacity(2);
    if account.signed_in.is_some() {
        let key = if account.signing_out {
            "gui.header.signing_out"
        } else {
            "gui.header.sign_out"
        };
        buttons.push(button(key, !account.signing_out, Action::AskSignOut));
    } else if !account.restoring {
        buttons.push(button("gui.header.sign_in", true, Action::OpenSignIn));
    }
    buttons.push(button("gui.header.settings", true, Action::OpenSettings));
    buttons
}

/// The amber "Sandbox" badge, with the sandbox's address on hover.
fn sandbox_badge_ui(ui: &mut Ui, lang: Lang, text: RichText, server: &Server) {
    let palette = theme::palette(ui);
    egui::Frame::new()
        .fill(palette.badge_fill)
        .corner_radius(6.0)
        .inner_margin(BADGE_MARGIN)
        .show(ui, |ui| {
            ui.add(egui::Label::new(text.color(palette.badge_text)).extend());
        })
        .response
        .on_hover_text(t!(
            "gui.sandbox_tooltip",
            locale = lang.code(),
            url = server.base()
        ));
}
