//! The window's identity on X11, which eframe and winit leave incomplete: egui-winit names the
//! window with `with_name(app_id, "")`, so `WM_CLASS` gets an empty instance, and desktops that
//! match windows to `meetjoin.desktop` by the instance (GNOME Shell tries it first) find none;
//! and winit's `_NET_WM_ICON` holds only the 256-pixel icon, which panels scale down to 16-48
//! pixels as they can (and which `xprop` prints as empty: it is longer than xprop reads).
//!
//! `WM_CLASS` is set on the new window through a connection of our own before eframe maps it
//! (the window stays hidden until its first frame is painted), as ICCCM asks; the icons follow
//! from a thread (decoding them would delay the first frame by some milliseconds, and a desktop
//! reads `_NET_WM_ICON` again whenever it changes). On Wayland there is no X11 window and
//! nothing happens: the app id (`meetjoin`) names the window there, and the desktop finds the
//! icon through `meetjoin.desktop`. A failure is logged, never fatal: the window works without
//! these properties.

use raw_window_handle::{HasWindowHandle, RawWindowHandle};
use x11rb::errors::{ConnectError, ConnectionError, ReplyError};
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, PropMode};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// The window icon in the sizes panels, task switchers and docks ask for, smallest first (so
/// that a reader that stops early, as `xprop` does, still finds whole icons).
static ICONS: [&[u8]; 8] = [
    include_bytes!("../../assets/icons/hicolor/16x16/apps/meetjoin.png"),
    include_bytes!("../../assets/icons/hicolor/22x22/apps/meetjoin.png"),
    include_bytes!("../../assets/icons/hicolor/24x24/apps/meetjoin.png"),
    include_bytes!("../../assets/icons/hicolor/32x32/apps/meetjoin.png"),
    include_bytes!("../../assets/icons/hicolor/48x48/apps/meetjoin.png"),
    include_bytes!("../../assets/icons/hicolor/64x64/apps/meetjoin.png"),
    include_bytes!("../../assets/icons/hicolor/128x128/apps/meetjoin.png"),
    include_bytes!("../../assets/icon.png"),
];

/// Why the window's identity could not be set (logged only).
#[derive(Debug, thiserror::Error)]
enum IdentityError {
    /// No connection to the X server eframe's window is on (`DISPLAY`).
    #[error("cannot connect to the X server: {0}")]
    Connect(#[from] ConnectError),
    /// The connection broke, or a request was too long for the server.
    #[error("the X connection failed: {0}")]
    Connection(#[from] ConnectionError),
    /// The server refused a request.
    #[error("the X server refused a request: {0}")]
    Reply(#[from] ReplyError),
}

/// Sets `WM_CLASS` to (`app_id`, `app_id`) and, from a thread, `_NET_WM_ICON` to the icon in
/// every size, when `window` is an X11 window; does nothing on Wayland.
pub fn set_window_identity(window: &impl HasWindowHandle, app_id: &str) {
    let id = match window.window_handle().map(|handle| handle.as_raw()) {
        Ok(RawWindowHandle::Xlib(handle)) => u32::try_from(handle.window).ok(),
        Ok(RawWindowHandle::Xcb(handle)) => Some(handle.window.get()),
        _ => None,
    };
    let Some(id) = id else {
        return;
    };
    let conn = match set_class(id, app_id) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(target: "meetjoin::gui", %error, "could not set the window's WM_CLASS");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("meetjoin-x11-icons".to_owned())
        .spawn(move || match set_icons(&conn, id) {
            Ok(()) => tracing::debug!(target: "meetjoin::gui", window = id, "X11 icons set"),
            Err(error) => {
                tracing::warn!(target: "meetjoin::gui", %error, "could not set the window's icons")
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(target: "meetjoin::gui", %error, "could not start the window-icon thread");
    }
}

/// Writes `WM_CLASS` and waits until the server has applied it, so that it is in place before
/// eframe's own connection maps the window; returns the connection for the icons.
fn set_class(window: u32, app_id: &str) -> Result<RustConnection, IdentityError> {
    let (conn, _screen) = RustConnection::connect(None)?;
    let class = format!("{app_id}\0{app_id}\0");
    conn.change_property8(
        PropMode::REPLACE,
        window,
        AtomEnum::WM_CLASS,
        AtomEnum::STRING,
        class.as_bytes(),
    )?
    .check()?;
    Ok(conn)
}

/// Replaces winit's one icon with every size (a window that has gone by then refuses it).
fn set_icons(conn: &RustConnection, window: u32) -> Result<(), IdentityError> {
    let icons = icon_cardinals();
    if icons.is_empty() {
        return Ok(());
    }
    let net_wm_icon = conn.intern_atom(false, b"_NET_WM_ICON")?.reply()?.atom;
    conn.change_property32(
        PropMode::REPLACE,
        window,
        net_wm_icon,
        AtomEnum::CARDINAL,
        &icons,
    )?
    .check()?;
    Ok(())
}

/// `_NET_WM_ICON`'s value: for each icon its width, its height, then its pixels as ARGB.
fn icon_cardinals() -> Vec<u32> {
    let mut cardinals = Vec::new();
    for png in ICONS {
        let Ok(icon) = eframe::icon_data::from_png_bytes(png) else {
            continue;
        };
        cardinals.extend([icon.width, icon.height]);
        cardinals.extend(icon.rgba.chunks_exact(4).map(|p| {
            u32::from(p[3]) << 24 | u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2])
        }));
    }
    cardinals
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size decodes, and each entry is its width and height followed by that many pixels.
    #[test]
    fn the_icon_property_holds_every_size_whole() {
        let cardinals = icon_cardinals();
        let mut sizes = Vec::new();
        let mut at = 0;
        while at < cardinals.len() {
            let (w, h) = (cardinals[at], cardinals[at + 1]);
            sizes.push((w, h));
            at += 2 + (w * h) as usize;
        }
        assert_eq!(at, cardinals.len(), "an entry is cut short");
        assert_eq!(
            sizes,
            [16, 22, 24, 32, 48, 64, 128, 256].map(|s| (s, s)),
            "the sizes, smallest first"
        );
    }
}
