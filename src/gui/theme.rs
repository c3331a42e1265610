//! The window's look in one place: every colour, per theme, and the text sizes and spacing.
//!
//! Views never name a colour: they ask for one by its role (`theme::accent(ui)`), and get the
//! light or the dark [`Palette`] according to the visuals in use.

use eframe::egui::{self, Color32, FontFamily, FontId, Stroke, TextStyle, Theme, Ui};

/// Every colour of one theme, named by what it is for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    /// Behind the cards: the window's background.
    pub panel: Color32,
    /// Cards and dialogs.
    pub card: Color32,
    /// Text fields and other sunken areas.
    pub field: Color32,
    /// Labels: body text.
    pub text: Color32,
    /// Strong text, and the label of a hovered or pressed button.
    pub strong_text: Color32,
    /// Secondary text: help lines, hints, the time of a remembered meeting.
    pub weak_text: Color32,
    /// The label of a button at rest, and the text typed in a field.
    pub button_text: Color32,
    /// Behind a button, a checkbox or a radio button at rest.
    pub control_fill: Color32,
    /// Behind a hovered button.
    pub control_hover_fill: Color32,
    /// Behind a pressed or focused button.
    pub control_active_fill: Color32,
    /// Behind selected text and the selected tab (their text is in the accent).
    pub selection_fill: Color32,
    /// The border of cards, separators and other non-interactive frames.
    pub border: Color32,
    /// The border of buttons and fields at rest (none in the dark theme: egui's default).
    pub control_border: Stroke,
    /// Error text, and the border of the error card.
    pub error: Color32,
    /// Behind an error card.
    pub error_fill: Color32,
    /// Links, the running check, the auth random, keyboard focus and selection.
    pub accent: Color32,
    /// Good news: a meeting ID was found, the server in use.
    pub ok: Color32,
    /// Behind a primary button.
    pub primary_fill: Color32,
    /// The label of a primary button.
    pub primary_text: Color32,
    /// Behind the keyring warning banner.
    pub warning_fill: Color32,
    /// The border of the keyring warning banner.
    pub warning_border: Color32,
    /// The text of the keyring warning banner.
    pub warning_text: Color32,
    /// Behind the "Sandbox" badge.
    pub badge_fill: Color32,
    /// The text of the "Sandbox" badge.
    pub badge_text: Color32,
    /// Text that asks for care without being an error (a password emptied for another meeting).
    pub caution: Color32,
    /// Behind an answer that is good news ("Allowed").
    pub good_fill: Color32,
    /// The text of an answer that is good news.
    pub good_text: Color32,
    /// Behind an answer that changes how you join ("Yes: you join as audience", a password).
    pub notice_fill: Color32,
    /// The text of an answer that changes how you join.
    pub notice_text: Color32,
    /// Behind a card that informs without alarming (waiting for the host).
    pub info_fill: Color32,
}

/// The light theme.
pub const LIGHT: Palette = Palette {
    panel: Color32::from_rgb(0xF1, 0xF4, 0xF8),
    card: Color32::WHITE,
    field: Color32::from_rgb(0xF8, 0xFA, 0xFC),
    text: Color32::from_rgb(0x33, 0x41, 0x55),
    strong_text: Color32::from_rgb(0x0F, 0x17, 0x2A),
    weak_text: Color32::from_rgb(0x4F, 0x5A, 0x6A),
    button_text: Color32::from_rgb(0x1E, 0x29, 0x3B),
    control_fill: Color32::from_rgb(0xE5, 0xE9, 0xEF),
    control_hover_fill: Color32::from_rgb(0xDC, 0xE2, 0xEA),
    control_active_fill: Color32::from_rgb(0xCF, 0xD7, 0xE2),
    selection_fill: Color32::from_rgb(0xDB, 0xEA, 0xFE),
    border: Color32::from_rgb(0xDD, 0xE3, 0xEA),
    control_border: Stroke {
        width: 1.0,
        color: Color32::from_rgb(0xCB, 0xD5, 0xE1),
    },
    error: Color32::from_rgb(0xB9, 0x1C, 0x1C),
    error_fill: Color32::from_rgb(0xFE, 0xF2, 0xF2),
    accent: Color32::from_rgb(0x1D, 0x4E, 0xD8),
    ok: Color32::from_rgb(0x15, 0x80, 0x3D),
    primary_fill: Color32::from_rgb(0x1D, 0x4E, 0xD8),
    primary_text: Color32::WHITE,
    warning_fill: Color32::from_rgb(0xFF, 0xFB, 0xEB),
    warning_border: Color32::from_rgb(0xF5, 0x9E, 0x0B),
    warning_text: Color32::from_rgb(0x78, 0x35, 0x0F),
    badge_fill: Color32::from_rgb(0xFE, 0xF3, 0xC7),
    badge_text: Color32::from_rgb(0x92, 0x40, 0x0E),
    caution: Color32::from_rgb(0x9A, 0x34, 0x12),
    good_fill: Color32::from_rgb(0xDC, 0xFC, 0xE7),
    good_text: Color32::from_rgb(0x16, 0x65, 0x34),
    notice_fill: Color32::from_rgb(0xDB, 0xEA, 0xFE),
    notice_text: Color32::from_rgb(0x1E, 0x40, 0xAF),
    info_fill: Color32::from_rgb(0xEF, 0xF6, 0xFF),
};

/// The dark theme.
pub const DARK: Palette = Palette {
    panel: Color32::from_rgb(0x16, 0x18, 0x1C),
    card: Color32::from_rgb(0x21, 0x24, 0x2A),
    field: Color32::from_rgb(0x12, 0x14, 0x17),
    text: Color32::from_rgb(0xC9, 0xD1, 0xDC),
    strong_text: Color32::from_rgb(0xF8, 0xFA, 0xFC),
    weak_text: Color32::from_rgb(0xA8, 0xB2, 0xC0),
    button_text: Color32::from_rgb(0xE2, 0xE8, 0xF0),
    control_fill: Color32::from_rgb(0x2D, 0x32, 0x3A),
    control_hover_fill: Color32::from_rgb(0x34, 0x3A, 0x44),
    control_active_fill: Color32::from_rgb(0x39, 0x40, 0x4B),
    selection_fill: Color32::from_rgb(0x17, 0x2A, 0x4D),
    border: Color32::from_rgb(0x33, 0x38, 0x40),
    control_border: Stroke::NONE,
    error: Color32::from_rgb(0xF8, 0x71, 0x71),
    error_fill: Color32::from_rgb(0x3B, 0x16, 0x16),
    accent: Color32::from_rgb(0x60, 0xA5, 0xFA),
    ok: Color32::from_rgb(0x4A, 0xDE, 0x80),
    primary_fill: Color32::from_rgb(0x25, 0x63, 0xEB),
    primary_text: Color32::WHITE,
    warning_fill: Color32::from_rgb(0x42, 0x2A, 0x06),
    warning_border: Color32::from_rgb(0x92, 0x40, 0x0E),
    warning_text: Color32::from_rgb(0xFD, 0xE6, 0x8A),
    badge_fill: Color32::from_rgb(0x78, 0x35, 0x0F),
    badge_text: Color32::from_rgb(0xFD, 0xE6, 0x8A),
    caution: Color32::from_rgb(0xFB, 0xBF, 0x24),
    good_fill: Color32::from_rgb(0x14, 0x53, 0x2D),
    good_text: Color32::from_rgb(0xBB, 0xF7, 0xD0),
    notice_fill: Color32::from_rgb(0x1E, 0x3A, 0x8A),
    notice_text: Color32::from_rgb(0xDB, 0xEA, 0xFE),
    info_fill: Color32::from_rgb(0x17, 0x25, 0x3D),
};

/// The palette of a theme.
pub fn palette_of(theme: Theme) -> &'static Palette {
    match theme {
        Theme::Light => &LIGHT,
        Theme::Dark => &DARK,
    }
}

/// The palette `ui` is drawn with.
pub fn palette(ui: &Ui) -> &'static Palette {
    palette_of(Theme::from_dark_mode(ui.visuals().dark_mode))
}

/// The accent colour (the running check, the auth random).
pub fn accent(ui: &Ui) -> Color32 {
    palette(ui).accent
}

/// The colour of good news (a meeting ID was found, the server in use).
pub fn ok_color(ui: &Ui) -> Color32 {
    palette(ui).ok
}

/// Sets the text sizes, spacing and rounding of both themes, and each theme's colours.
pub fn setup_style(ctx: &egui::Context) {
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
            // Chinese stays legible down to 13 px, and no text is smaller.
            (
                TextStyle::Small,
                FontId::new(MIN_TEXT_SIZE, FontFamily::Proportional),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        style.spacing.interact_size.y = 24.0;
        // A cursor that does not blink lets an idle window stop repainting.
        style.visuals.text_cursor.blink = false;
        style.visuals.widgets.noninteractive.corner_radius = 6.0.into();
        style.visuals.widgets.inactive.corner_radius = 6.0.into();
        style.visuals.widgets.hovered.corner_radius = 6.0.into();
        style.visuals.widgets.active.corner_radius = 6.0.into();
        // Solid scroll bars: always visible when there is more to see (a dialog cut off at
        // the bottom says so), with room of their own (fields stay clear of them), in the
        // controls' soft fill rather than the text colour (egui's floating bars draw a hard
        // black line in a light theme).
        style.spacing.scroll = egui::style::ScrollStyle {
            bar_width: 8.0,
            bar_inner_margin: 4.0,
            ..egui::style::ScrollStyle::solid()
        };
    });
    for theme in [Theme::Light, Theme::Dark] {
        let palette = palette_of(theme);
        ctx.style_mut_of(theme, |style| {
            let visuals = &mut style.visuals;
            visuals.panel_fill = palette.panel;
            visuals.window_fill = palette.card;
            visuals.extreme_bg_color = palette.field;
            visuals.widgets.noninteractive.bg_stroke.color = palette.border;
            visuals.widgets.inactive.bg_stroke = palette.control_border;
            visuals.error_fg_color = palette.error;
            apply_text_colors(visuals, palette);
            apply_accent(visuals, palette);
        });
    }
}

/// The smallest text in the window, in points.
pub const MIN_TEXT_SIZE: f32 = 13.0;

/// Label, weak, strong and button text, and the fills they are drawn on.
fn apply_text_colors(visuals: &mut egui::Visuals, palette: &Palette) {
    visuals.override_text_color = None;
    visuals.weak_text_color = Some(palette.weak_text);
    let widgets = &mut visuals.widgets;
    widgets.noninteractive.fg_stroke.color = palette.text;
    widgets.noninteractive.bg_fill = palette.card;
    widgets.noninteractive.weak_bg_fill = palette.card;
    for (state, fill, text) in [
        (
            &mut widgets.inactive,
            palette.control_fill,
            palette.button_text,
        ),
        (&mut widgets.open, palette.control_fill, palette.button_text),
        (
            &mut widgets.hovered,
            palette.control_hover_fill,
            palette.strong_text,
        ),
        (
            &mut widgets.active,
            palette.control_active_fill,
            palette.strong_text,
        ),
    ] {
        state.bg_fill = fill;
        state.weak_bg_fill = fill;
        state.fg_stroke.color = text;
    }
}

/// One accent for keyboard focus, selection, the text cursor and links: none of egui's teal.
fn apply_accent(visuals: &mut egui::Visuals, palette: &Palette) {
    let accent = palette.accent;
    visuals.selection.bg_fill = palette.selection_fill;
    visuals.selection.stroke = Stroke::new(1.5, accent);
    visuals.widgets.active.bg_stroke = Stroke::new(1.5, accent);
    visuals.hyperlink_color = accent;
    visuals.text_cursor.stroke.color = accent;
    visuals.ime_composition.active_underline_stroke.color = accent;
    visuals.ime_composition.inactive_underline_stroke.color = accent.gamma_multiply(0.5);
}

/// Draws a ring in the accent around the widget with keyboard focus (text fields have their
/// own outline), so that focus shows even on a button filled with the accent.
pub fn focus_ring_ui(ctx: &egui::Context) {
    let Some(id) = ctx.memory(|m| m.focused()) else {
        return;
    };
    if egui::text_edit::TextEditState::load(ctx, id).is_some() {
        return;
    }
    let Some(response) = ctx.read_response(id) else {
        return;
    };
    let accent = palette_of(ctx.theme()).accent;
    let (rect, shown) = (response.rect, response.interact_rect);
    let ring = rect.expand(FOCUS_RING_GAP);
    // Around the widget, but no further than its scroll area on a side where it is cut off.
    let mut clip = ring.expand(2.0);
    if shown.left() > rect.left() {
        clip.min.x = shown.left();
    }
    if shown.top() > rect.top() {
        clip.min.y = shown.top();
    }
    if shown.right() < rect.right() {
        clip.max.x = shown.right();
    }
    if shown.bottom() < rect.bottom() {
        clip.max.y = shown.bottom();
    }
    ctx.layer_painter(response.layer_id)
        .with_clip_rect(clip)
        .rect_stroke(
            ring,
            8.0,
            Stroke::new(2.0, accent),
            egui::StrokeKind::Outside,
        );
}

/// The gap between a focused widget and its focus ring, in points.
const FOCUS_RING_GAP: f32 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_theme_gets_its_own_palette() {
        let ctx = egui::Context::default();
        setup_style(&ctx);
        for theme in [Theme::Light, Theme::Dark] {
            let style = ctx.style_of(theme);
            let palette = palette_of(theme);
            assert_eq!(style.visuals.panel_fill, palette.panel, "{theme:?}");
            assert_eq!(style.visuals.window_fill, palette.card, "{theme:?}");
            assert_eq!(style.visuals.error_fg_color, palette.error, "{theme:?}");
            assert_eq!(
                style.visuals.widgets.inactive.bg_stroke, palette.control_border,
                "{theme:?}"
            );
        }
        // The dark theme keeps egui's own borderless controls.
        assert_eq!(
            egui::Visuals::dark().widgets.inactive.bg_stroke,
            DARK.control_border
        );
    }

    /// WCAG 2.x relative luminance of an opaque sRGB colour.
    fn luminance(color: Color32) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(color.r()) + 0.7152 * channel(color.g()) + 0.0722 * channel(color.b())
    }

    /// WCAG 2.x contrast ratio, from 1 to 21.
    fn contrast(a: Color32, b: Color32) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Named fills that a text is drawn on.
    type Fills = Vec<(&'static str, Color32)>;

    /// Every text colour the window draws in `theme`, as egui resolves it after
    /// [`setup_style`], with every fill it is drawn on.
    fn text_on_fills(theme: Theme) -> Vec<(&'static str, Color32, Fills)> {
        let ctx = egui::Context::default();
        setup_style(&ctx);
        let style = ctx.style_of(theme);
        let v = &style.visuals;
        let w = &v.widgets;
        let p = palette_of(theme);
        // Where labels stand: the window, cards and dialogs (and tooltips, filled alike),
        // fields, the error card, the keyring banner.
        let pages = vec![
            ("panel", v.panel_fill),
            ("card", v.window_fill),
            ("field", v.text_edit_bg_color()),
            ("error card", p.error_fill),
            ("warning banner", p.warning_fill),
        ];
        let with = |mut fills: Fills, more: &[(&'static str, Color32)]| {
            fills.extend_from_slice(more);
            fills
        };
        // Buttons without a frame at rest (history entries, tabs, "Details") show the page.
        let buttons = with(
            pages.clone(),
            &[
                ("button", w.inactive.weak_bg_fill),
                ("hovered button", w.hovered.weak_bg_fill),
                ("pressed button", w.active.weak_bg_fill),
            ],
        );
        vec![
            ("label", v.text_color(), pages.clone()),
            ("strong", v.strong_text_color(), pages.clone()),
            ("weak: help, hint", v.weak_text_color(), buttons.clone()),
            ("button at rest", w.inactive.text_color(), buttons.clone()),
            ("hovered button", w.hovered.text_color(), buttons.clone()),
            ("pressed button", w.active.text_color(), buttons),
            (
                "selected tab, text",
                v.selection.stroke.color,
                vec![("selection", v.selection.bg_fill)],
            ),
            (
                "primary button",
                p.primary_text,
                vec![("primary", p.primary_fill)],
            ),
            ("accent, link", p.accent, pages.clone()),
            ("error", v.error_fg_color, pages),
            (
                "ok",
                p.ok,
                vec![("card", v.window_fill), ("field", v.text_edit_bg_color())],
            ),
            (
                "warning text",
                p.warning_text,
                vec![("warning banner", p.warning_fill)],
            ),
            ("badge", p.badge_text, vec![("badge", p.badge_fill)]),
            (
                "caution",
                p.caution,
                vec![("card", v.window_fill), ("panel", v.panel_fill)],
            ),
            ("good answer", p.good_text, vec![("good", p.good_fill)]),
            (
                "notice answer",
                p.notice_text,
                vec![("notice", p.notice_fill)],
            ),
            (
                "label on the info card",
                v.text_color(),
                vec![("info card", p.info_fill)],
            ),
            (
                "strong on the info card",
                v.strong_text_color(),
                vec![("info card", p.info_fill)],
            ),
        ]
    }

    #[test]
    fn every_text_has_at_least_aa_contrast_in_both_themes() {
        let mut table = String::new();
        let mut failures = Vec::new();
        for theme in [Theme::Light, Theme::Dark] {
            for (role, text, fills) in text_on_fills(theme) {
                let ratios: Vec<String> = fills
                    .iter()
                    .map(|(fill_name, fill)| {
                        let ratio = contrast(text, *fill);
                        if ratio < 4.5 {
                            failures.push(format!("{theme:?} {role} on {fill_name}: {ratio:.2}"));
                        }
                        format!("{fill_name} {ratio:.2}")
                    })
                    .collect();
                table.push_str(&format!("{theme:?} | {role} | {}\n", ratios.join(", ")));
            }
        }
        println!("{table}");
        assert!(failures.is_empty(), "below 4.5:1: {failures:#?}");
    }

    #[test]
    fn contrast_formula_matches_known_values() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = Color32::from_gray(0x76);
        assert!((contrast(grey, Color32::WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn no_text_style_is_under_13_px() {
        let ctx = egui::Context::default();
        setup_style(&ctx);
        for theme in [Theme::Light, Theme::Dark] {
            for (style, font) in &ctx.style_of(theme).text_styles {
                assert!(
                    font.size >= MIN_TEXT_SIZE,
                    "{theme:?} {style:?} is {} px",
                    font.size
                );
            }
        }
    }

    #[test]
    fn focus_selection_cursor_and_links_use_the_accent() {
        let ctx = egui::Context::default();
        setup_style(&ctx);
        // egui's own blues and teals, which must not show anywhere.
        let egui_defaults = [
            Color32::from_rgb(0, 92, 128),
            Color32::from_rgb(192, 222, 255),
            Color32::from_rgb(144, 209, 255),
            Color32::from_rgb(0, 83, 125),
            Color32::from_rgb(90, 170, 255),
            Color32::from_rgb(0, 155, 255),
        ];
        for theme in [Theme::Light, Theme::Dark] {
            let style = ctx.style_of(theme);
            let v = &style.visuals;
            let p = palette_of(theme);
            let accents = [
                ("selection stroke", v.selection.stroke.color),
                ("focused widget", v.widgets.active.bg_stroke.color),
                ("link", v.hyperlink_color),
                ("text cursor", v.text_cursor.stroke.color),
                (
                    "IME underline",
                    v.ime_composition.active_underline_stroke.color,
                ),
            ];
            for (what, color) in accents {
                assert_eq!(color, p.accent, "{theme:?} {what}");
            }
            assert_eq!(v.selection.bg_fill, p.selection_fill, "{theme:?}");
            let used = [
                v.selection.bg_fill,
                v.selection.stroke.color,
                v.hyperlink_color,
                v.text_cursor.stroke.color,
                v.widgets.active.bg_stroke.color,
                v.widgets.hovered.bg_stroke.color,
            ];
            for color in used {
                assert!(!egui_defaults.contains(&color), "{theme:?}: {color:?}");
            }
        }
    }
}
