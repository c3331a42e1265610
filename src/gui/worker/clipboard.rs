//! The window's clipboard, owned by the worker.

use super::*;

/// The one owner of the window's clipboard: what the window itself copied last (never offered
/// back as a meeting), and the copy still waiting to be cleared.
#[derive(Clone, Default)]
pub(super) struct ClipboardGuard {
    /// The copy waiting for its timer, until it is cleared.
    pub(super) pending: Arc<Mutex<Option<SecretString>>>,
    /// The window's own last copy.
    pub(super) last: Arc<Mutex<Option<SecretString>>>,
}

impl ClipboardGuard {
    pub(super) fn arm(&self, random: SecretString) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(random);
    }

    /// Clears the clipboard if it still holds `random`; blocking.
    pub(super) fn clear_if_holds(&self, random: &SecretString) {
        {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending
                .as_ref()
                .is_some_and(|p| p.expose_secret() == random.expose_secret())
            {
                *pending = None;
            }
        }
        clear_clipboard_if(random);
    }

    /// Clears a random that is still waiting for its timer; blocking.
    pub(super) fn clear_pending(&self) {
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(random) = pending {
            clear_clipboard_if(&random);
        }
    }
}

/// True when meetjoin can read and clear the clipboard later, without a window of its own:
/// everywhere but a Linux desktop without X (Wayland without XWayland), where arboard has no
/// way in (it is built for X11 only, and compositors such as weston offer no data-control
/// protocol). The window's own copies work there all the same, through its seat.
pub fn clipboard_clears_here() -> bool {
    !cfg!(target_os = "linux") || std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
}

/// Reads the OS clipboard and empties it if it holds exactly `random`. Failures (no display,
/// no clipboard) leave nothing to clear and are ignored.
pub fn clear_clipboard_if(random: &SecretString) {
    let Ok(mut clipboard) = arboard::Clipboard::new() else {
        return;
    };
    let holds_random = clipboard
        .get_text()
        .is_ok_and(|text| text.trim() == random.expose_secret());
    if holds_random {
        let _ = clipboard.clear();
    }
}
