//! The startup benchmark's baseline: an eframe window with the same renderer (glow) and size as
//! meetjoin's, showing one label. Prints nothing, except `first_frame_ms=<ms>` on stderr on the
//! first frame when `MEETJOIN_BENCH_FIRST_FRAME=1`, like the app: counted from the launch when
//! `MEETJOIN_BENCH_T0=<Unix time in ns>` is set, else from the start of `main`.
//! `MEETJOIN_BENCH_TEXT_FIELD=1` adds a focused text field with egui's default blinking cursor
//! (the reference for the idle-CPU cost of a blinking cursor).

use std::time::Instant;

use eframe::egui;

/// One label, maybe a text field; reports the first frame when asked to.
struct Baseline {
    first_frame_since: Option<Instant>,
    text_field: Option<String>,
    focus_text_field: bool,
}

impl eframe::App for Baseline {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("baseline");
            if let Some(text) = &mut self.text_field {
                let field = ui.text_edit_singleline(text);
                if std::mem::take(&mut self.focus_text_field) {
                    field.request_focus();
                }
            }
        });
        if let Some(since) = self.first_frame_since.take() {
            eprintln!("first_frame_ms={}", since.elapsed().as_millis());
        }
    }
}

fn main() -> eframe::Result {
    let started = Instant::now();
    let bench = std::env::var("MEETJOIN_BENCH_FIRST_FRAME").is_ok_and(|v| v == "1");
    let started = meetjoin::gui::bench_origin(started);
    let text_field = std::env::var("MEETJOIN_BENCH_TEXT_FIELD").is_ok_and(|v| v == "1");
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("baseline")
            .with_app_id("meetjoin-baseline")
            .with_inner_size(meetjoin::gui::DEFAULT_SIZE),
        renderer: eframe::Renderer::Glow,
        persist_window: false,
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "meetjoin-baseline",
        options,
        Box::new(move |_cc| {
            Ok(Box::new(Baseline {
                first_frame_since: bench.then_some(started),
                text_field: text_field.then(String::new),
                focus_text_field: text_field,
            }))
        }),
    )
}
