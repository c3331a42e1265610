//! Warming the connection when a meeting ID appears in the form (typed, pasted or recalled
//! from recent meetings), so that Check costs one round trip: see
//! [`crate::api::Client::warm_up`].

use super::app::MeetjoinApp;

impl MeetjoinApp {
    /// Asks the worker to open the connection to the server once the form holds a valid
    /// meeting ID other than the last one warmed for. Cheap: the client itself warms at most
    /// once per [`crate::api::WARM_UP_INTERVAL`].
    pub(crate) fn warm_up_when_a_meeting_appears(&mut self) {
        let Some(meeting_id) = self.state.form.meeting_id().cloned() else {
            return;
        };
        if self.warmed_for.as_ref() == Some(&meeting_id) {
            return;
        }
        // An invitation for the other official site is not checked here unless the user says
        // so (the window offers to switch): no connection is opened for it.
        if self.other_site().is_none() {
            self.worker.warm_up();
        }
        self.warmed_for = Some(meeting_id);
    }

    /// True while the connection is being warmed for the meeting in the form.
    pub fn warm_up_pending(&self) -> bool {
        self.worker.is_warming()
    }
}
