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
    /// The border of cards, separators and other non-interactive frames.
    pub border: Color32,
    /// The border of buttons and fields at rest (none in the dark theme: egui's default).
    pub control_border: Stroke,
    /// Error text, and the border of the error card.
    pub error: Color32,
    /// Behind an error card.
    pub error_fill: Color32,
    /// Links, the running check and the auth random.
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
}

/// The light theme.
pub const LIGHT: Palette = Palette {
    panel: Color32::from_rgb(0xF1, 0xF4, 0xF8),
    card: Color32::WHITE,
    field: Color32::from_rgb(0xF8, 0xFA, 0xFC),
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
};

/// The dark theme.
pub const DARK: Palette = Palette {
    panel: Color32::from_rgb(0x16, 0x18, 0x1C),
    card: Color32::from_rgb(0x21, 0x24, 0x2A),
    field: Color32::from_rgb(0x12, 0x14, 0x17),
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
            (
                TextStyle::Small,
                FontId::new(11.5, FontFamily::Proportional),
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
        });
    }
}

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
}
