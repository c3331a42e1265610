//! A short message under the header ("Copied"), gone after a few seconds.

use eframe::egui::{self, RichText, Ui};

use crate::gui::state::Toast;

/// The room between the toast and the header above it, or the window's sides, in points.
const TOAST_MARGIN: f32 = 12.0;
/// The widest the toast's text grows, in points.
const TOAST_MAX_WIDTH: f32 = 420.0;

/// Draws the toast over the window, just under the header (never over it).
pub fn toast_ui(ui: &mut Ui, toast: &Toast) {
    let ctx = ui.ctx();
    let window = ctx.content_rect();
    let header_bottom = super::header::last_rect(ctx).map_or(window.top(), |r| r.bottom());
    let frame = egui::Frame::popup(ui.style())
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(16, 10));
    let chrome = frame.total_margin().sum().x;
    let max_width = (window.width() - 2.0 * TOAST_MARGIN - chrome).clamp(80.0, TOAST_MAX_WIDTH);
    egui::Area::new(egui::Id::unique("meetjoin.toast"))
        .fixed_pos(egui::pos2(window.center().x, header_bottom + TOAST_MARGIN))
        .pivot(egui::Align2::CENTER_TOP)
        .order(egui::Order::Tooltip)
        .interactable(false)
        .show(ctx, |ui| {
            frame.show(ui, |ui| {
                ui.set_max_width(max_width);
                ui.add(egui::Label::new(RichText::new(&toast.text).strong()).wrap());
            });
        });
}
