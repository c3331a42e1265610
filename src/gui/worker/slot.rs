//! Job slots: the latest request wins.

use super::*;

/// One kind of background job where the latest request wins: starting a new one aborts the
/// one in flight, and only the latest one's result is ever kept. A running job may report
/// progress of type `P` (the check: a retry about to happen).
pub struct JobSlot<T, P = ()> {
    inner: Arc<Mutex<SlotInner<T, P>>>,
    ctx: egui::Context,
}

struct SlotInner<T, P> {
    /// The latest ticket handed out; a result with another ticket is dropped.
    latest: u64,
    /// The latest job has not finished yet.
    pending: bool,
    /// The running task, to abort it.
    task: Option<AbortHandle>,
    /// The latest job's result, until taken.
    result: Option<T>,
    /// The latest job's last progress report, while it runs.
    progress: Option<P>,
}

impl<T, P> Clone for JobSlot<T, P> {
    fn clone(&self) -> Self {
        JobSlot {
            inner: Arc::clone(&self.inner),
            ctx: self.ctx.clone(),
        }
    }
}

/// Names one request in a [`JobSlot`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ticket(u64);

impl<T: Send + 'static, P: Send + 'static> JobSlot<T, P> {
    pub(super) fn new(ctx: &egui::Context) -> JobSlot<T, P> {
        JobSlot {
            inner: Arc::new(Mutex::new(SlotInner {
                latest: 0,
                pending: false,
                task: None,
                result: None,
                progress: None,
            })),
            ctx: ctx.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SlotInner<T, P>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a new request: aborts the one in flight and drops any result not yet taken.
    pub(super) fn start(&self) -> Ticket {
        let mut inner = self.lock();
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.latest += 1;
        inner.pending = true;
        inner.result = None;
        inner.progress = None;
        Ticket(inner.latest)
    }

    /// Runs `job` on `handle` for `ticket`, unless a newer request came first.
    pub(super) fn run(
        &self,
        handle: &Handle,
        ticket: Ticket,
        job: impl Future<Output = T> + Send + 'static,
    ) {
        let mut inner = self.lock();
        if inner.latest != ticket.0 {
            return;
        }
        let slot = self.clone();
        let task = handle.spawn(async move {
            let value = job.await;
            slot.finish(ticket, value);
        });
        inner.task = Some(task.abort_handle());
    }

    /// Keeps `value` if `ticket` is still the latest request, and wakes the window.
    pub(super) fn finish(&self, ticket: Ticket, value: T) {
        {
            let mut inner = self.lock();
            if inner.latest != ticket.0 {
                return;
            }
            inner.pending = false;
            inner.task = None;
            inner.result = Some(value);
            inner.progress = None;
        }
        self.ctx.request_repaint();
    }

    /// Keeps `progress` if `ticket` is still the latest request and still running, and wakes
    /// the window once (a report is a change of state, never a timer).
    pub(super) fn report(&self, ticket: Ticket, progress: P) {
        {
            let mut inner = self.lock();
            if inner.latest != ticket.0 || !inner.pending {
                return;
            }
            inner.progress = Some(progress);
        }
        self.ctx.request_repaint();
    }

    /// Abandons the request in flight, if any: its result will never be seen.
    pub fn cancel(&self) {
        let mut inner = self.lock();
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.latest += 1;
        inner.pending = false;
        inner.result = None;
        inner.progress = None;
    }

    /// True while the latest request is running.
    pub fn is_pending(&self) -> bool {
        self.lock().pending
    }

    /// The latest request's result, once; `None` while it runs or when already taken.
    pub fn take_result(&self) -> Option<T> {
        self.lock().result.take()
    }

    /// The running request's last progress report, if it made one.
    pub fn progress(&self) -> Option<P>
    where
        P: Clone,
    {
        self.lock().progress.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> JobSlot<&'static str> {
        JobSlot::new(&egui::Context::default())
    }

    #[test]
    fn only_the_latest_request_keeps_its_result() {
        let slot = slot();
        let first = slot.start();
        let second = slot.start();
        assert!(slot.is_pending());
        slot.finish(first, "stale");
        assert!(
            slot.is_pending(),
            "a stale result does not end the latest request"
        );
        assert_eq!(slot.take_result(), None, "a stale result is dropped");
        slot.finish(second, "latest");
        assert!(!slot.is_pending());
        assert_eq!(slot.take_result(), Some("latest"));
        assert_eq!(slot.take_result(), None, "a result is taken once");
    }

    #[test]
    fn a_cancelled_request_never_delivers() {
        let slot = slot();
        let ticket = slot.start();
        slot.cancel();
        assert!(!slot.is_pending());
        slot.finish(ticket, "late");
        assert_eq!(slot.take_result(), None);
    }

    #[test]
    fn a_new_request_drops_a_result_not_yet_taken() {
        let slot = slot();
        let first = slot.start();
        slot.finish(first, "old");
        let _second = slot.start();
        assert_eq!(
            slot.take_result(),
            None,
            "the old result belongs to another request"
        );
    }

    #[test]
    fn progress_belongs_to_the_running_request() {
        let slot: JobSlot<&'static str, u32> = JobSlot::new(&egui::Context::default());
        let first = slot.start();
        slot.report(first, 1);
        assert_eq!(slot.progress(), Some(1));
        let second = slot.start();
        assert_eq!(
            slot.progress(),
            None,
            "a new request starts without progress"
        );
        slot.report(first, 2);
        assert_eq!(slot.progress(), None, "a stale report is dropped");
        slot.report(second, 3);
        assert_eq!(slot.progress(), Some(3));
        slot.cancel();
        assert_eq!(slot.progress(), None, "cancel clears it");
        slot.report(second, 4);
        assert_eq!(slot.progress(), None, "a cancelled request reports nothing");
    }

    #[test]
    fn starting_again_aborts_the_running_task() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let slot = slot();
        let first = slot.start();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        slot.run(runtime.handle(), first, async move {
            // Holds `tx` until aborted: dropping it tells the test the task is gone.
            let _tx = tx;
            std::future::pending::<()>().await;
            "never"
        });
        let _second = slot.start();
        runtime.block_on(async {
            assert!(rx.await.is_err(), "the first task was aborted");
        });
    }
}
