//! Reminders before the user's meetings: a desktop notification a few minutes before each one
//! starts, with a Join button where the notification service has buttons. One task on the
//! worker's runtime sleeps until the next reminder is due (never a busy loop, never a repaint);
//! the window tells it what to remind of and reads back the meetings whose Join was pressed.
//! Reminders come only while meetjoin runs.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use eframe::egui;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use crate::api::LanguageSetting;
use crate::api::meetings::{Meeting, Timing};
use crate::meeting_id::MeetingId;
use crate::notify::{ActionStream, JOIN_ACTION, Notifier, NotifyError, Reminder};

/// What to remind of: how long before the start, and the meetings.
#[derive(Clone, Debug, Default)]
pub struct ReminderPlan {
    /// How long before a meeting starts; `None`: no reminders.
    pub lead: Option<Duration>,
    /// The meetings to remind of (the Today list's).
    pub meetings: Vec<Meeting>,
    /// Where to send notifications: the session bus (`None`), or a bus address (tests).
    pub bus: Option<String>,
}

/// The window's handle on the reminders task.
pub struct Reminders {
    plan: watch::Sender<ReminderPlan>,
    now: mpsc::UnboundedSender<Reminder>,
    joins: Mutex<mpsc::UnboundedReceiver<MeetingId>>,
    error: Arc<Mutex<Option<NotifyError>>>,
}

impl Reminders {
    /// Starts the reminders task on `handle`; it waits for a plan with a lead.
    pub fn start(ctx: &egui::Context, handle: &Handle, language: LanguageSetting) -> Reminders {
        let (plan, plans) = watch::channel(ReminderPlan::default());
        let (joined, joins) = mpsc::unbounded_channel();
        let (now, at_once) = mpsc::unbounded_channel();
        let error = Arc::default();
        let task = RemindTask {
            plans,
            at_once,
            joined,
            ctx: ctx.clone(),
            language,
            error: Arc::clone(&error),
        };
        handle.spawn(task.run());
        Reminders {
            plan,
            now,
            joins: Mutex::new(joins),
            error,
        }
    }

    /// Reminds of `plan` from now on (a meeting already reminded of is not again).
    pub fn set_plan(&self, plan: ReminderPlan) {
        self.plan.send_replace(plan);
    }

    /// Shows `reminder` now (the host arrived), on the plan's bus.
    pub fn notify(&self, reminder: Reminder) {
        let _ = self.now.send(reminder);
    }

    /// The next meeting whose reminder's Join was pressed, if any.
    pub fn take_join(&self) -> Option<MeetingId> {
        self.joins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_recv()
            .ok()
    }

    /// Why the last reminder could not be shown, if it could not.
    pub fn error(&self) -> Option<NotifyError> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The task that shows the reminders.
struct RemindTask {
    plans: watch::Receiver<ReminderPlan>,
    at_once: mpsc::UnboundedReceiver<Reminder>,
    joined: mpsc::UnboundedSender<MeetingId>,
    ctx: egui::Context,
    language: LanguageSetting,
    error: Arc<Mutex<Option<NotifyError>>>,
}

impl RemindTask {
    async fn run(mut self) {
        let mut notifier: Option<(Option<String>, Notifier)> = None;
        let mut clicks: Option<ActionStream> = None;
        let mut reminded: HashSet<MeetingId> = HashSet::new();
        let mut shown: HashMap<u32, MeetingId> = HashMap::new();
        loop {
            let plan = self.plans.borrow_and_update().clone();
            let now = jiff::Timestamp::now();
            let next = plan
                .lead
                .and_then(|lead| next_due(&plan.meetings, &reminded, lead, now));
            let sleep = next.as_ref().map(|(_, wait)| tokio::time::sleep(*wait));
            tokio::select! {
                changed = self.plans.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                () = async {
                    match sleep {
                        Some(sleep) => sleep.await,
                        None => std::future::pending().await,
                    }
                } => {
                    let Some((meeting, _)) = next else { continue };
                    reminded.insert(meeting.id.clone());
                    let lang = self.language.get();
                    let reminder = Reminder::for_meeting(&meeting, jiff::Timestamp::now(), lang);
                    if let Some(id) = self.show(&mut notifier, &mut clicks, &plan.bus, &reminder).await {
                        shown.insert(id, meeting.id.clone());
                    }
                }
                reminder = self.at_once.recv() => {
                    let Some(reminder) = reminder else { return };
                    let bus = self.plans.borrow().bus.clone();
                    let _ = self.show(&mut notifier, &mut clicks, &bus, &reminder).await;
                }
                click = async {
                    match clicks.as_mut() {
                        Some(clicks) => clicks.next().await,
                        None => std::future::pending().await,
                    }
                } => {
                    match click {
                        Some(click) if click.action == JOIN_ACTION => {
                            if let Some(id) = shown.get(&click.id) {
                                let _ = self.joined.send(id.clone());
                                self.ctx.request_repaint();
                            }
                        }
                        Some(_) => {}
                        // The bus connection ended: connect again for the next reminder.
                        None => {
                            clicks = None;
                            notifier = None;
                        }
                    }
                }
            }
        }
    }

    /// Shows `reminder` on `bus`'s notification service, connecting first when needed;
    /// its id, or `None` when it could not be shown (the error is kept for Settings).
    async fn show(
        &self,
        notifier: &mut Option<(Option<String>, Notifier)>,
        clicks: &mut Option<ActionStream>,
        bus: &Option<String>,
        reminder: &Reminder,
    ) -> Option<u32> {
        if notifier.as_ref().is_none_or(|(on, _)| on != bus) {
            *notifier = self.connect(bus.clone()).await;
            *clicks = match notifier.as_ref() {
                Some((_, n)) if n.supports_actions() => n.actions().await.ok(),
                _ => None,
            };
        }
        let (_, service) = notifier.as_ref()?;
        match service.show(reminder).await {
            Ok(id) => {
                self.set_error(None);
                Some(id)
            }
            Err(error) => {
                tracing::warn!(target: "meetjoin::gui", error = %error, "reminder not shown");
                self.set_error(Some(error));
                None
            }
        }
    }

    /// Connects to the notification service of `bus` (the session bus when `None`).
    async fn connect(&self, bus: Option<String>) -> Option<(Option<String>, Notifier)> {
        let connected = match &bus {
            Some(address) => Notifier::connect_to(address).await,
            None => Notifier::connect().await,
        };
        match connected {
            Ok(notifier) => Some((bus, notifier)),
            Err(error) => {
                tracing::warn!(target: "meetjoin::gui", error = %error, "no notification service");
                self.set_error(Some(error));
                None
            }
        }
    }

    fn set_error(&self, error: Option<NotifyError>) {
        *self.error.lock().unwrap_or_else(PoisonError::into_inner) = error;
        self.ctx.request_repaint();
    }
}

/// The meeting to remind of next, and how long until its reminder is due: the earliest start
/// among the meetings not yet reminded of that have not started, `lead` before it (at once
/// when that moment has passed).
fn next_due(
    meetings: &[Meeting],
    reminded: &HashSet<MeetingId>,
    lead: Duration,
    now: jiff::Timestamp,
) -> Option<(Meeting, Duration)> {
    meetings
        .iter()
        .filter(|m| !reminded.contains(&m.id))
        .filter_map(|m| match m.timing_at(now) {
            Timing::StartsIn(left) => Some((m, left.saturating_sub(lead))),
            _ => None,
        })
        .min_by_key(|(_, wait)| *wait)
        .map(|(m, wait)| (m.clone(), wait))
}
