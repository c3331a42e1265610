//! The signed-in session: load tokens, refresh them in time, sign in again once, save them.
//!
//! A [`Session`] is cheap to clone and safe to share between tasks. Its lock is held only to
//! read or replace the tokens, never across a network or keyring call: a sign-out does not
//! wait behind a running check. Renewals run one at a time, and a renewal after a rejected
//! token happens only if that token is still the current one (another task may have renewed
//! it already). Every change is published on a [`tokio::sync::watch`] channel
//! ([`Session::subscribe`]).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;

use crate::api::auth::now_unix;
use crate::api::retry::Retries;
use crate::api::{
    ApiError, AppIdCredentials, AuthRandom, Client, ErrorKind, MeetingList, MeetingQuery,
    RandomRequest, Reply, RetryNotice, Tokens,
};
use crate::redact::Redactor;
use crate::secrets::{SignInMethod, StoreError, StoredSession, TokenStore};
use crate::server::Server;

/// A token that expires within this many seconds is refreshed before use.
pub const REFRESH_MARGIN_SECS: i64 = 5 * 60;

/// How the user proves who they are.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// Account and password.
    Account {
        /// The account (user name, e-mail or phone).
        account: String,
        /// The password; never stored.
        password: SecretString,
    },
    /// App ID and App Key.
    AppId(AppIdCredentials),
    /// An access token obtained elsewhere.
    AccessToken(SecretString),
}

impl Credentials {
    /// The same credentials with the surrounding whitespace of every typed field removed, so
    /// that the window and the command line send exactly the same thing.
    pub fn trimmed(self) -> Credentials {
        let optional =
            |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        match self {
            Credentials::Account { account, password } => Credentials::Account {
                account: account.trim().to_owned(),
                password,
            },
            Credentials::AppId(app) => Credentials::AppId(AppIdCredentials {
                app_id: app.app_id.trim().to_owned(),
                app_key: SecretString::from(app.app_key.expose_secret().trim().to_owned()),
                user_id: optional(app.user_id),
                multi_tenant: app.multi_tenant,
                corp_id: optional(app.corp_id).filter(|_| app.multi_tenant),
            }),
            Credentials::AccessToken(token) => Credentials::AccessToken(SecretString::from(
                token.expose_secret().trim().to_owned(),
            )),
        }
    }
}

/// Who is signed in, for display. No secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    /// The account, App ID or label the session belongs to.
    pub account: String,
    /// The name the service gave, if any.
    pub user_name: Option<String>,
    /// When the access token expires (Unix seconds), if known.
    pub expires_at: Option<i64>,
    /// How the user signed in.
    pub method: SignInMethod,
    /// True when the session lives in memory only.
    pub memory_only: bool,
}

/// What a session publishes on its watch channel after every change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionStatus {
    /// The stored sign-in has been looked up (or there was nothing to look up).
    pub loaded: bool,
    /// Who is signed in, if anyone.
    pub signed_in: Option<SignedIn>,
    /// The last keyring failure, if any: the session is memory-only while it is set.
    pub store_error: Option<StoreError>,
}

/// The result of a sign-in: who is signed in, and whether saving the tokens failed.
#[derive(Clone, Debug)]
pub struct SignInOutcome {
    /// The new session.
    pub signed_in: SignedIn,
    /// Set when the keyring could not keep the tokens: the session is memory-only.
    pub store_error: Option<StoreError>,
}

/// The result of a sign-out: local forgetting always happens; these say what else failed.
#[derive(Clone, Debug, Default)]
pub struct SignOutOutcome {
    /// Ending the token on the server failed (it will expire by itself).
    pub server_error: Option<ApiError>,
    /// The keyring entry could not be removed.
    pub store_error: Option<StoreError>,
}

/// The tokens and what is known about them. Only ever locked briefly.
#[derive(Default)]
struct State {
    loaded: bool,
    current: Option<StoredSession>,
    /// Bumped by every sign-in, sign-out and forgetting: a renewal that started before one of
    /// these never installs its tokens after it.
    epoch: u64,
    memory_only: bool,
    store_error: Option<StoreError>,
}

/// What the tasks of one session share.
struct Shared {
    client: Client,
    store: Option<Arc<dyn TokenStore>>,
    state: Mutex<State>,
    /// Held while the stored sign-in is looked up, so that it is looked up once.
    loading: tokio::sync::Mutex<()>,
    /// Held by the one renewal that may run at a time.
    renewing: tokio::sync::Mutex<()>,
    /// Held while the keyring is written, so that writes land in order.
    writing: tokio::sync::Mutex<()>,
    status: watch::Sender<SessionStatus>,
}

/// One server's session. Clones share the same tokens.
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

/// Where a renewal left the session.
enum Renewed {
    /// A fresh access token is in place (renewed here or by another task).
    Token(SecretString),
    /// Nobody is signed in any more.
    SignedOut,
}

impl Session {
    /// A session whose tokens are kept in `store`.
    pub fn new(client: Client, store: Arc<dyn TokenStore>) -> Session {
        Session::build(client, Some(store), State::default())
    }

    /// A session on a given access token that is never stored (`MEETJOIN_TOKEN`).
    pub fn with_access_token(client: Client, access: SecretString) -> Session {
        let current = StoredSession {
            account: "MEETJOIN_TOKEN".to_owned(),
            method: SignInMethod::AccessToken,
            tokens: Tokens::from_access_token(access),
            app_key: None,
        };
        let state = State {
            loaded: true,
            current: Some(current),
            memory_only: true,
            ..State::default()
        };
        Session::build(client, None, state)
    }

    fn build(client: Client, store: Option<Arc<dyn TokenStore>>, state: State) -> Session {
        let (status, _) = watch::channel(status_of(&state));
        client.hold_secrets(secrets_of(&state));
        Session {
            shared: Arc::new(Shared {
                client,
                store,
                state: Mutex::new(state),
                loading: tokio::sync::Mutex::new(()),
                renewing: tokio::sync::Mutex::new(()),
                writing: tokio::sync::Mutex::new(()),
                status,
            }),
        }
    }

    /// The server this session talks to.
    pub fn server(&self) -> &Server {
        self.shared.client.server()
    }

    /// The client this session calls through (its clones share one connection pool).
    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    /// A receiver of this session's status, updated after every change.
    pub fn subscribe(&self) -> watch::Receiver<SessionStatus> {
        self.shared.status.subscribe()
    }

    /// Loads the stored session (once); returns who is signed in. A keyring failure is returned
    /// and remembered, and the session goes on in memory.
    pub async fn restore(&self) -> Result<Option<SignedIn>, StoreError> {
        self.ensure_loaded().await;
        let state = self.lock();
        match &state.store_error {
            Some(e) if state.current.is_none() => Err(e.clone()),
            _ => Ok(signed_in(&state)),
        }
    }

    /// Who is signed in now, if anyone (does not touch the keyring).
    pub fn status(&self) -> Option<SignedIn> {
        signed_in(&self.lock())
    }

    /// The last keyring failure, if any: the session is memory-only while it is set.
    pub fn store_error(&self) -> Option<StoreError> {
        self.lock().store_error.clone()
    }

    /// Signs in and keeps the tokens in the store (or memory, if the store fails).
    pub async fn sign_in(&self, credentials: Credentials) -> Result<SignInOutcome, ApiError> {
        self.ensure_loaded().await;
        let client = &self.shared.client;
        let stored = match credentials.trimmed() {
            Credentials::Account { account, password } => {
                let reply = client.sign_in_account(&account, &password).await?;
                StoredSession {
                    account,
                    method: SignInMethod::Account,
                    tokens: reply.value,
                    app_key: None,
                }
            }
            Credentials::AppId(app) => {
                let reply = client.sign_in_app_id(&app).await?;
                let account = match &app.user_id {
                    Some(user) => format!("{}/{user}", app.app_id),
                    None => app.app_id.clone(),
                };
                StoredSession {
                    account,
                    method: SignInMethod::AppId {
                        app_id: app.app_id.clone(),
                        user_id: app.user_id.clone(),
                        multi_tenant: app.multi_tenant,
                        corp_id: app.corp_id.clone(),
                    },
                    tokens: reply.value,
                    app_key: Some(app.app_key),
                }
            }
            Credentials::AccessToken(access) => {
                // A pasted token the service refuses is "rejected", not "not signed in".
                let reply = client.validate(&access).await.map_err(|mut e| {
                    if e.kind.is_token_rejection() {
                        e.kind = ErrorKind::TokenRejected;
                    }
                    e
                })?;
                let mut tokens = reply.value;
                tokens.access = access;
                StoredSession {
                    account: tokens
                        .user_name
                        .clone()
                        .unwrap_or_else(|| "access token".to_owned()),
                    method: SignInMethod::AccessToken,
                    tokens,
                    app_key: None,
                }
            }
        };
        self.replace(|state| {
            state.epoch += 1;
            state.loaded = true;
            state.current = Some(stored);
        });
        let store_error = self.persist().await;
        let signed_in = self
            .status()
            .ok_or_else(|| ApiError::new(ErrorKind::NotSignedIn))?;
        Ok(SignInOutcome {
            signed_in,
            store_error,
        })
    }

    /// A one-time portal nonce for the signed-in user (to join signed in, API.md section 6),
    /// with the same token renewal as every call ([`Session::with_fresh_token`]).
    pub async fn portal_nonce(&self) -> Result<SecretString, ApiError> {
        let client = &self.shared.client;
        self.with_fresh_token(move |access| async move { client.portal_nonce(&access).await })
            .await
            .map(|reply| reply.value)
    }

    /// Every page of the signed-in user's meetings (SearchMeetings), with the same token
    /// renewal as every call ([`Session::with_fresh_token`]); never tried again otherwise.
    pub async fn meetings(&self, query: &MeetingQuery) -> Result<Reply<MeetingList>, ApiError> {
        let client = &self.shared.client;
        self.with_fresh_token(move |access| async move { client.meetings(&access, query).await })
            .await
    }

    /// Forgets the token here at once, then ends it on the server, whatever the server says.
    pub async fn sign_out(&self) -> SignOutOutcome {
        self.ensure_loaded().await;
        let mut taken = None;
        self.replace(|state| {
            state.epoch += 1;
            taken = state.current.take();
        });
        let mut outcome = SignOutOutcome {
            store_error: self.persist().await,
            ..SignOutOutcome::default()
        };
        if let Some(current) = taken
            && let Err(e) = self.shared.client.sign_out(&current.tokens.access).await
            && !e.kind.is_token_rejection()
        {
            outcome.server_error = Some(e);
        }
        outcome
    }

    /// Asks for a meeting's auth random: refreshes a token about to expire, and on a rejected
    /// token refreshes or signs in again once and retries once. Never retries a meeting refusal.
    /// A connection failure or a 502, 503 or 504 is tried again as the client's
    /// [`crate::api::RetryPolicy`] says, and the whole check ends within its budget.
    pub async fn auth_random(
        &self,
        request: &RandomRequest,
    ) -> Result<Reply<AuthRandom>, ApiError> {
        self.auth_random_reporting(request, &|_| {}).await
    }

    /// As [`Session::auth_random`], telling `on_retry` before each wait for a retry (the
    /// window's "Retrying…"). Dropping the future stops the check, its wait included.
    pub async fn auth_random_reporting(
        &self,
        request: &RandomRequest,
        on_retry: &(dyn Fn(&RetryNotice) + Send + Sync),
    ) -> Result<Reply<AuthRandom>, ApiError> {
        self.ensure_loaded().await;
        let policy = self.shared.client.retry_policy().clone();
        let budget = policy.budget;
        let retries = Retries::new(policy, on_retry);
        let deadline = retries.deadline();
        // Renewals count too: whatever runs, the check ends by its deadline. (A renewal runs in
        // its own task, so stopping here never loses a refreshed token.)
        tokio::time::timeout_at(deadline, self.checked_random(request, &retries))
            .await
            .unwrap_or_else(|_| {
                Err(ApiError::new(ErrorKind::Timeout).with_detail(format!(
                    "the check did not end within {} s",
                    budget.as_secs_f32()
                )))
            })
    }

    /// The work of [`Session::auth_random_reporting`], with the session loaded.
    async fn checked_random(
        &self,
        request: &RandomRequest,
        retries: &Retries<'_>,
    ) -> Result<Reply<AuthRandom>, ApiError> {
        let client = &self.shared.client;
        self.with_fresh_token(move |access| async move {
            client.auth_random_retrying(&access, request, retries).await
        })
        .await
    }

    /// Runs `call` with the signed-in user's access token, renewing it as API.md section 4
    /// asks; every call that needs the token goes through here, so they all renew alike.
    ///
    /// A token that expires within [`REFRESH_MARGIN_SECS`] is renewed first (if that fails
    /// while the token still has time, the token is used as it is). When the service rejects
    /// the token ([`ErrorKind::is_token_rejection`]), the session is renewed once and `call`
    /// runs once more; at most one renewal per call, so `call` runs at most twice and never in
    /// a loop. A token rejected although it was just renewed is forgotten (the user has to
    /// sign in again, and the next call asks the server nothing), except a given token
    /// (`MEETJOIN_TOKEN`), which is kept as it was given. A renewal that fails on the network
    /// reports that failure, not "sign in again".
    pub async fn with_fresh_token<T, F, Fut>(&self, mut call: F) -> Result<T, ApiError>
    where
        F: FnMut(SecretString) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.ensure_loaded().await;
        let Some(current) = self.lock().current.clone() else {
            return Err(ApiError::new(ErrorKind::NotSignedIn));
        };
        let mut access = current.tokens.access.clone();
        let mut renewed_before = false;
        if current
            .tokens
            .expires_within(now_unix(), REFRESH_MARGIN_SECS)
        {
            renewed_before = true;
            let expired = current.tokens.expires_within(now_unix(), 0);
            match self.renew(&access, expired).await {
                Ok(Renewed::Token(fresh)) => access = fresh,
                Ok(Renewed::SignedOut) => return Err(ApiError::new(ErrorKind::NotSignedIn)),
                // The token still has a little time: use it as it is.
                Err(_) if !current.tokens.expires_within(now_unix(), 0) => {}
                Err(e) if e.kind.is_transport_problem() => return Err(e),
                Err(_) => return Err(ApiError::new(ErrorKind::NotSignedIn)),
            }
        }
        let rejected = match call(access.clone()).await {
            Err(e) if e.kind.is_token_rejection() => e,
            other => return other,
        };
        if renewed_before {
            self.forget(&access).await;
            return Err(rejected);
        }
        match self.renew(&access, true).await {
            Ok(Renewed::Token(fresh)) => {
                let retried = call(fresh.clone()).await;
                if matches!(&retried, Err(e) if e.kind.is_token_rejection()) {
                    self.forget(&fresh).await;
                }
                retried
            }
            Ok(Renewed::SignedOut) => Err(rejected),
            Err(renew_error) if renew_error.kind.is_transport_problem() => Err(renew_error),
            Err(_) => Err(rejected),
        }
    }

    /// Renews the session whose access token `failed` is about to expire or no longer good:
    /// see [`Session::renewed_tokens`] for the ways tried. One renewal runs at a time; if
    /// another task already replaced `failed`, its token is used instead. `forget_if_rejected`
    /// says the access token is dead (expired or rejected), not merely about to expire: it is
    /// not offered for refresh, and a rejected renewal forgets the session.
    ///
    /// The renewal runs in its own task, so that a caller that gives up (a cancelled check)
    /// cannot drop a refreshed token between the server's reply and the store.
    async fn renew(
        &self,
        failed: &SecretString,
        forget_if_rejected: bool,
    ) -> Result<Renewed, ApiError> {
        let this = self.clone();
        let failed = failed.clone();
        tokio::spawn(async move {
            let _one_at_a_time = this.shared.renewing.lock().await;
            let (current, epoch) = {
                let state = this.lock();
                (state.current.clone(), state.epoch)
            };
            let Some(current) = current else {
                return Ok(Renewed::SignedOut);
            };
            if current.tokens.access.expose_secret() != failed.expose_secret() {
                return Ok(Renewed::Token(current.tokens.access));
            }
            match this.renewed_tokens(&current, forget_if_rejected).await {
                Ok(tokens) => {
                    let access = tokens.access.clone();
                    let mut next = current;
                    next.tokens = tokens;
                    let installed = this.replace_if(epoch, &failed, |state| {
                        state.current = Some(next);
                    });
                    if installed {
                        this.persist().await;
                        Ok(Renewed::Token(access))
                    } else {
                        // Signed out or in again meanwhile: that wins.
                        Ok(this
                            .lock()
                            .current
                            .as_ref()
                            .map_or(Renewed::SignedOut, |c| {
                                Renewed::Token(c.tokens.access.clone())
                            }))
                    }
                }
                Err(e) if e.kind.is_transport_problem() => Err(e),
                Err(e) => {
                    if forget_if_rejected {
                        this.forget(&failed).await;
                    }
                    Err(e)
                }
            }
        })
        .await
        .map_err(|e| {
            ApiError::new(ErrorKind::Other).with_detail(format!("renewal task failed: {e}"))
        })?
    }

    /// New tokens for `current`, each way tried at most once, in this order: the documented
    /// refresh with the access token (only while it is still good, that is neither expired nor
    /// just rejected); the refresh token in its place (undocumented, so only a fallback); a new
    /// App ID sign-in with the kept App Key. Then the user has to sign in.
    async fn renewed_tokens(
        &self,
        current: &StoredSession,
        access_dead: bool,
    ) -> Result<Tokens, ApiError> {
        let client = &self.shared.client;
        if !access_dead && !current.tokens.expires_within(now_unix(), 0) {
            match client.refresh(&current.tokens.access).await {
                Ok(reply) => return Ok(merge_tokens(&current.tokens, reply.value)),
                Err(e) if e.kind.is_transport_problem() => return Err(e),
                Err(_) => {}
            }
        }
        if let (true, Some(refresh)) = (
            current.tokens.can_refresh(now_unix()),
            &current.tokens.refresh,
        ) {
            match client.refresh(refresh).await {
                Ok(reply) => return Ok(merge_tokens(&current.tokens, reply.value)),
                Err(e) if e.kind.is_transport_problem() => return Err(e),
                Err(_) => {}
            }
        }
        if let (
            SignInMethod::AppId {
                app_id,
                user_id,
                multi_tenant,
                corp_id,
            },
            Some(app_key),
        ) = (&current.method, &current.app_key)
        {
            let credentials = AppIdCredentials {
                app_id: app_id.clone(),
                app_key: app_key.clone(),
                user_id: user_id.clone(),
                // Entries from before the choice existed: a corp ID meant an SP application.
                multi_tenant: *multi_tenant || corp_id.is_some(),
                corp_id: corp_id.clone(),
            };
            return Ok(client.sign_in_app_id(&credentials).await?.value);
        }
        Err(ApiError::new(ErrorKind::NotSignedIn))
    }

    /// Drops the session if its access token is still `rejected` (a token the server no longer
    /// accepts). A session on a given token (`MEETJOIN_TOKEN`) is kept: there is nothing to
    /// sign in again with.
    async fn forget(&self, rejected: &SecretString) {
        if self.shared.store.is_none() {
            return;
        }
        let epoch = self.lock().epoch;
        let forgotten = self.replace_if(epoch, rejected, |state| {
            state.epoch += 1;
            state.current = None;
        });
        if forgotten {
            self.persist().await;
        }
    }

    /// Looks up the stored session, once.
    async fn ensure_loaded(&self) {
        if self.lock().loaded {
            return;
        }
        let _loading = self.shared.loading.lock().await;
        if self.lock().loaded {
            return;
        }
        let Some(store) = self.shared.store.clone() else {
            self.replace(|state| state.loaded = true);
            return;
        };
        let server = self.server().clone();
        let memory_only = store.is_memory_only();
        let result = run_blocking(move || store.load(&server)).await;
        self.replace(|state| {
            state.loaded = true;
            match result {
                Ok(current) => {
                    // A sign-in cannot have happened meanwhile: it waits for the lookup.
                    state.current = current;
                    state.memory_only = memory_only;
                    state.store_error = None;
                }
                Err(e) => {
                    state.memory_only = true;
                    state.store_error = Some(e);
                }
            }
        });
    }

    /// Writes the current session to the store (or removes it when nobody is signed in).
    /// Writes run one at a time and each writes the latest state, so the store ends up holding
    /// what memory holds. A failure leaves the session in memory and is returned.
    async fn persist(&self) -> Option<StoreError> {
        let Some(store) = self.shared.store.clone() else {
            self.replace(|state| state.memory_only = true);
            return None;
        };
        let _in_order = self.shared.writing.lock().await;
        let session = self.lock().current.clone();
        let server = self.server().clone();
        let memory_only = store.is_memory_only();
        let result = run_blocking(move || match session {
            Some(session) => store.save(&server, &session),
            None => store.delete(&server),
        })
        .await;
        let error = result.err();
        self.replace(|state| {
            state.memory_only = memory_only || error.is_some();
            state.store_error = error.clone();
        });
        error
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the state and publishes the new status.
    fn replace(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.lock();
        change(&mut state);
        self.publish(&state);
    }

    /// Publishes the status, and tells the client which secrets to mask in server text.
    fn publish(&self, state: &State) {
        self.shared.client.hold_secrets(secrets_of(state));
        self.shared.status.send_replace(status_of(state));
    }

    /// Changes the state only if no sign-in or sign-out happened since `epoch` and the access
    /// token is still `expected`; returns whether it did.
    fn replace_if(
        &self,
        epoch: u64,
        expected: &SecretString,
        change: impl FnOnce(&mut State),
    ) -> bool {
        let mut state = self.lock();
        let still = state.epoch == epoch
            && state
                .current
                .as_ref()
                .is_some_and(|c| c.tokens.access.expose_secret() == expected.expose_secret());
        if still {
            change(&mut state);
            self.publish(&state);
        }
        still
    }
}

/// Keeps the old refresh token and user name when a refresh reply leaves them out.
fn merge_tokens(old: &Tokens, mut new: Tokens) -> Tokens {
    if new.refresh.is_none() {
        new.refresh = old.refresh.clone();
        new.refresh_expires_at = old.refresh_expires_at;
    }
    if new.user_name.is_none() {
        new.user_name = old.user_name.clone();
    }
    new
}

fn signed_in(state: &State) -> Option<SignedIn> {
    state.current.as_ref().map(|current| SignedIn {
        account: current.account.clone(),
        user_name: current.tokens.user_name.clone(),
        expires_at: current.tokens.expires_at,
        method: current.method.clone(),
        memory_only: state.memory_only,
    })
}

/// Every secret the session holds: its tokens and a kept App Key.
fn secrets_of(state: &State) -> Redactor {
    let mut secrets = Redactor::new();
    if let Some(current) = &state.current {
        secrets.add_secret(&current.tokens.access);
        if let Some(refresh) = &current.tokens.refresh {
            secrets.add_secret(refresh);
        }
        if let Some(key) = &current.app_key {
            secrets.add_secret(key);
        }
    }
    secrets
}

fn status_of(state: &State) -> SessionStatus {
    SessionStatus {
        loaded: state.loaded,
        signed_in: signed_in(state),
        store_error: state.store_error.clone(),
    }
}

/// Runs a blocking store call off the async threads.
async fn run_blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(job)
        .await
        .unwrap_or_else(|e| Err(StoreError::Other(format!("keyring task failed: {e}"))))
}
