//! The owner task: the one place the client and the session live.

use super::*;

/// The task that owns the session. Commands arrive in order, so a check asked for after a
/// server change runs on the new server's session.
pub(super) struct Owner {
    pub(super) handle: Handle,
    pub(super) store: Arc<dyn TokenStore>,
    pub(super) language: LanguageSetting,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) server: Server,
    pub(super) session: Option<Session>,
    pub(super) status: watch::Sender<AccountStatus>,
    pub(super) ctx: egui::Context,
    pub(super) check: JobSlot<Checked, RetryNotice>,
    pub(super) sign_in: JobSlot<Result<SignInOutcome, ApiError>>,
    pub(super) sign_out: JobSlot<SignOutOutcome>,
    pub(super) join: JobSlot<Result<(), JoinFailure>>,
    pub(super) meetings: JobSlot<MeetingsRead>,
    /// The range the window shows, once it asked: read again every few minutes.
    pub(super) meetings_range: Option<MeetingRange>,
    pub(super) wait: JobSlot<Waited, WaitAttempt>,
    /// Warm-ups asked for and not yet over (shared with the [`Worker`]).
    pub(super) warming: Arc<AtomicUsize>,
    /// The warm-up running on the current session's client, if any.
    pub(super) warm_up_task: Option<AbortHandle>,
}

impl Owner {
    pub(super) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut session_status: Option<watch::Receiver<SessionStatus>> = None;
        // The Today list is read again on this timer (in the worker, never in repaints).
        let mut refresh = tokio::time::interval_at(
            tokio::time::Instant::now() + MEETINGS_REFRESH,
            MEETINGS_REFRESH,
        );
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let command = match session_status.as_mut() {
                Some(receiver) => tokio::select! {
                    command = commands.recv() => command,
                    changed = receiver.changed() => {
                        if changed.is_ok() {
                            let status = receiver.borrow_and_update().clone();
                            let signed_in_now = status.signed_in.is_some()
                                && self.status.borrow().signed_in.is_none();
                            self.publish_session(&status);
                            // Signed in: the list of this account.
                            if signed_in_now && let Some(range) = self.meetings_range {
                                let ticket = self.meetings.start();
                                self.read_meetings(ticket, range);
                            }
                        } else {
                            session_status = None;
                        }
                        continue;
                    }
                    _ = refresh.tick() => {
                        let signed_in = self.status.borrow().signed_in.is_some();
                        if signed_in && let Some(range) = self.meetings_range {
                            let ticket = self.meetings.start();
                            self.read_meetings(ticket, range);
                        }
                        continue;
                    }
                },
                None => commands.recv().await,
            };
            let Some(command) = command else {
                return;
            };
            match command {
                Command::SetServer(server) => {
                    session_status = self.set_server(server).await;
                }
                Command::SetCaFile(ca_file) => {
                    self.ca_file = ca_file;
                    session_status = self.set_server(self.server.clone()).await;
                }
                Command::Check(ticket, request) => match &self.session {
                    Some(session) => {
                        let session = session.clone();
                        let slot = self.check.clone();
                        self.check.run(&self.handle, ticket, async move {
                            let meeting_id = request.meeting_id.clone();
                            // "Retrying…" in the window; Cancel aborts this task, its wait too.
                            let on_retry =
                                move |notice: &RetryNotice| slot.report(ticket, notice.clone());
                            let result = session.auth_random_reporting(&request, &on_retry).await;
                            Checked { meeting_id, result }
                        });
                    }
                    None => {
                        let error = self.session_error();
                        let meeting_id = request.meeting_id;
                        self.check.finish(
                            ticket,
                            Checked {
                                meeting_id,
                                result: Err(error),
                            },
                        );
                    }
                },
                Command::SignIn(ticket, credentials) => match &self.session {
                    Some(session) => {
                        let session = session.clone();
                        self.sign_in.run(&self.handle, ticket, async move {
                            session.sign_in(credentials).await
                        });
                    }
                    None => {
                        let error = self.session_error();
                        self.sign_in.finish(ticket, Err(error));
                    }
                },
                Command::SignOut(ticket) => {
                    match &self.session {
                        Some(session) => {
                            let session = session.clone();
                            self.sign_out.run(&self.handle, ticket, async move {
                                session.sign_out().await
                            });
                        }
                        None => self.sign_out.finish(ticket, SignOutOutcome::default()),
                    }
                }
                Command::WarmUp => self.warm_up(),
                Command::Meetings(ticket, range) => {
                    self.meetings_range = Some(range);
                    refresh.reset();
                    self.read_meetings(ticket, range);
                }
                Command::WaitForHost(ticket, request, first, policy) => match &self.session {
                    Some(session) => {
                        let session = session.clone();
                        let slot = self.wait.clone();
                        self.wait.run(&self.handle, ticket, async move {
                            let meeting_id = request.meeting_id.clone();
                            let mut on_attempt =
                                move |attempt: &WaitAttempt| slot.report(ticket, attempt.clone());
                            let result = session
                                .wait_for_host(&request, first, &policy, &mut on_attempt)
                                .await;
                            Waited { meeting_id, result }
                        });
                    }
                    None => {
                        let error = self.session_error();
                        self.wait.finish(
                            ticket,
                            Waited {
                                meeting_id: request.meeting_id,
                                result: Err(WaitError::NotWaitable(error)),
                            },
                        );
                    }
                },
                Command::Join(ticket, job) => {
                    let session = self.session.clone();
                    let no_session = self.session_error();
                    self.join.run(&self.handle, ticket, async move {
                        crate::join::execute(job.plan, session.as_ref(), || no_session).await
                    });
                }
            }
        }
    }

    /// Reads the meetings of `range` on the current session in a task of its own.
    fn read_meetings(&self, ticket: Ticket, range: MeetingRange) {
        let Some(session) = self.session.clone() else {
            let result = Err(self.session_error());
            let at = jiff::Timestamp::now();
            self.meetings
                .finish(ticket, MeetingsRead { range, result, at });
            return;
        };
        self.meetings.run(&self.handle, ticket, async move {
            let result = session
                .meetings(&MeetingQuery::of(range))
                .await
                .map(|reply| reply.value);
            MeetingsRead {
                range,
                result,
                at: jiff::Timestamp::now(),
            }
        });
    }

    /// Warms the session's client in its own task, unless a warm-up is running already (or
    /// there is no session): the owner loop never waits for the network.
    fn warm_up(&mut self) {
        let done = WarmUpDone(Arc::clone(&self.warming));
        let running = self
            .warm_up_task
            .as_ref()
            .is_some_and(|task| !task.is_finished());
        let Some(session) = self.session.as_ref().filter(|_| !running) else {
            return;
        };
        let client = session.client().clone();
        let task = self.handle.spawn(async move {
            // The outcome is the pooled connection; a failure is logged inside.
            let _warmed = client.warm_up().await;
            drop(done);
        });
        self.warm_up_task = Some(task.abort_handle());
    }

    /// A new client and session for `server`; looks up the saved sign-in in the background.
    async fn set_server(&mut self, server: Server) -> Option<watch::Receiver<SessionStatus>> {
        // A warm-up of the old client would only keep a connection nobody will use.
        if let Some(task) = self.warm_up_task.take() {
            task.abort();
        }
        self.session = None;
        self.server = server.clone();
        self.publish(AccountStatus::starting(
            server.clone(),
            self.ca_file.clone(),
        ));
        // Building a client reads the system's CA store (and a CA file): keep it off the async
        // threads too.
        let for_client = server.clone();
        let options = ClientOptions {
            language: self.language.clone(),
            ca_file: self.ca_file.clone(),
            ..ClientOptions::default()
        };
        let client = tokio::task::spawn_blocking(move || Client::with_options(for_client, options))
            .await
            .unwrap_or_else(|e| {
                Err(ApiError::new(crate::api::ErrorKind::Other)
                    .with_detail(format!("client task failed: {e}")))
            });
        let client = match client {
            Ok(client) => client,
            Err(error) => {
                self.publish(AccountStatus {
                    restoring: false,
                    session_error: Some(error),
                    ..AccountStatus::starting(server, self.ca_file.clone())
                });
                return None;
            }
        };
        let session = Session::new(client, Arc::clone(&self.store));
        let receiver = session.subscribe();
        let restoring = session.clone();
        self.handle.spawn(async move {
            // The result arrives through the session's status channel.
            let _ = restoring.restore().await;
        });
        self.session = Some(session);
        Some(receiver)
    }

    fn session_error(&self) -> ApiError {
        self.status
            .borrow()
            .session_error
            .clone()
            .unwrap_or_else(|| ApiError::new(crate::api::ErrorKind::NotSignedIn))
    }

    fn publish_session(&self, session: &SessionStatus) {
        let mut status = self.status.borrow().clone();
        status.restoring = !session.loaded;
        status.signed_in = session.signed_in.clone();
        status.store_error = session.store_error.clone();
        self.publish(status);
    }

    fn publish(&self, status: AccountStatus) {
        self.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status;
            changed
        });
        self.ctx.request_repaint();
    }
}

/// Counts one warm-up as over when dropped: when it ends, is skipped or is aborted.
pub(super) struct WarmUpDone(pub(super) Arc<AtomicUsize>);

impl Drop for WarmUpDone {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
