//! The signed-in session: load tokens, refresh them in time, sign in again once, save them.

use std::sync::Arc;

use secrecy::SecretString;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::api::auth::now_unix;
use crate::api::{
    ApiError, AppIdCredentials, AuthRandom, Client, ErrorKind, RandomRequest, Reply, Tokens,
};
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

#[derive(Default)]
struct State {
    loaded: bool,
    current: Option<StoredSession>,
    memory_only: bool,
    store_error: Option<StoreError>,
}

/// One server's session. Share it in an `Arc`; calls from several tasks queue on one lock.
pub struct Session {
    client: Client,
    store: Option<Arc<dyn TokenStore>>,
    state: Arc<Mutex<State>>,
}

impl Session {
    /// A session whose tokens are kept in `store`.
    pub fn new(client: Client, store: Arc<dyn TokenStore>) -> Session {
        Session {
            client,
            store: Some(store),
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// A session on a given access token that is never stored (`MEETJOIN_TOKEN`).
    pub fn with_access_token(client: Client, access: SecretString) -> Session {
        let current = StoredSession {
            account: "MEETJOIN_TOKEN".to_owned(),
            method: SignInMethod::AccessToken,
            tokens: Tokens::from_access_token(access),
            app_key: None,
        };
        Session {
            client,
            store: None,
            state: Arc::new(Mutex::new(State {
                loaded: true,
                current: Some(current),
                memory_only: true,
                store_error: None,
            })),
        }
    }

    /// The server this session talks to.
    pub fn server(&self) -> &Server {
        self.client.server()
    }

    /// The HTTP client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Loads the stored session (once); returns who is signed in. A keyring failure is returned
    /// and remembered, and the session goes on in memory.
    pub async fn restore(&self) -> Result<Option<SignedIn>, StoreError> {
        let mut state = self.state.lock().await;
        self.ensure_loaded(&mut state).await;
        match &state.store_error {
            Some(e) if state.current.is_none() => Err(e.clone()),
            _ => Ok(signed_in(&state)),
        }
    }

    /// Who is signed in now, if anyone (does not touch the keyring).
    pub async fn status(&self) -> Option<SignedIn> {
        signed_in(&*self.state.lock().await)
    }

    /// The last keyring failure, if any: the session is memory-only while it is set.
    pub async fn store_error(&self) -> Option<StoreError> {
        self.state.lock().await.store_error.clone()
    }

    /// Signs in and keeps the tokens in the store (or memory, if the store fails).
    pub async fn sign_in(&self, credentials: Credentials) -> Result<SignInOutcome, ApiError> {
        let stored = match credentials {
            Credentials::Account { account, password } => {
                let account = account.trim().to_owned();
                let reply = self.client.sign_in_account(&account, &password).await?;
                StoredSession {
                    account,
                    method: SignInMethod::Account,
                    tokens: reply.value,
                    app_key: None,
                }
            }
            Credentials::AppId(app) => {
                let reply = self.client.sign_in_app_id(&app).await?;
                let account = match app.user_id.as_deref().filter(|u| !u.is_empty()) {
                    Some(user) => format!("{}/{user}", app.app_id),
                    None => app.app_id.clone(),
                };
                StoredSession {
                    account,
                    method: SignInMethod::AppId {
                        app_id: app.app_id.clone(),
                        user_id: app.user_id.clone().filter(|u| !u.is_empty()),
                        corp_id: app.corp_id.clone().filter(|c| !c.is_empty()),
                    },
                    tokens: reply.value,
                    app_key: Some(app.app_key),
                }
            }
            Credentials::AccessToken(access) => {
                let reply = self.client.validate(&access).await?;
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
        let mut state = self.state.lock().await;
        state.loaded = true;
        state.current = Some(stored.clone());
        let store_error = self.persist(&mut state, Some(stored)).await;
        let signed_in = signed_in(&state).ok_or_else(|| ApiError::new(ErrorKind::NotSignedIn))?;
        Ok(SignInOutcome {
            signed_in,
            store_error,
        })
    }

    /// Ends the token on the server and forgets it here, whatever the server says.
    pub async fn sign_out(&self) -> SignOutOutcome {
        let mut state = self.state.lock().await;
        self.ensure_loaded(&mut state).await;
        let mut outcome = SignOutOutcome::default();
        if let Some(current) = state.current.take()
            && let Err(e) = self.client.sign_out(&current.tokens.access).await
            && e.kind != ErrorKind::NotSignedIn
        {
            outcome.server_error = Some(e);
        }
        outcome.store_error = self.persist(&mut state, None).await;
        outcome
    }

    /// Asks for a meeting's auth random: refreshes a token about to expire, and on a rejected
    /// token refreshes or signs in again once and retries once. Never retries a meeting refusal.
    pub async fn auth_random(
        &self,
        request: &RandomRequest,
    ) -> Result<Reply<AuthRandom>, ApiError> {
        let mut state = self.state.clone().lock_owned().await;
        self.ensure_loaded(&mut state).await;
        let Some(current) = state.current.clone() else {
            return Err(ApiError::new(ErrorKind::NotSignedIn));
        };
        // At most one renewal per call: before it, when the token is about to expire, or
        // after the server rejects the token. Never a loop.
        let mut renewal_tried = false;
        if current
            .tokens
            .expires_within(now_unix(), REFRESH_MARGIN_SECS)
        {
            renewal_tried = true;
            let (guard, result) = self.renew_detached(state).await?;
            state = guard;
            if let Err(e) = result {
                let still_valid = !current.tokens.expires_within(now_unix(), 0);
                if !still_valid {
                    return Err(if e.kind.is_transport_problem() {
                        e
                    } else {
                        self.forget_rejected(&mut state).await
                    });
                }
                // The token still has a little time: use it as it is.
            }
        }
        let Some(access) = state.current.as_ref().map(|c| c.tokens.access.clone()) else {
            return Err(ApiError::new(ErrorKind::NotSignedIn));
        };
        match self.client.auth_random(&access, request).await {
            Err(e) if e.kind == ErrorKind::NotSignedIn => {
                if renewal_tried {
                    self.forget_rejected(&mut state).await;
                    return Err(e);
                }
                let (guard, result) = self.renew_detached(state).await?;
                state = guard;
                match result {
                    Ok(()) => {}
                    Err(renew_error) if renew_error.kind.is_transport_problem() => {
                        return Err(renew_error);
                    }
                    Err(_) => {
                        self.forget_rejected(&mut state).await;
                        return Err(e);
                    }
                }
                let Some(access) = state.current.as_ref().map(|c| c.tokens.access.clone()) else {
                    return Err(e);
                };
                self.client.auth_random(&access, request).await
            }
            other => other,
        }
    }

    /// Runs [`Session::renew`] in its own task, so that a caller that gives up (a cancelled
    /// check) cannot drop a refreshed token between the server's reply and the store.
    async fn renew_detached(
        &self,
        state: OwnedMutexGuard<State>,
    ) -> Result<(OwnedMutexGuard<State>, Result<(), ApiError>), ApiError> {
        let this = Session {
            client: self.client.clone(),
            store: self.store.clone(),
            state: self.state.clone(),
        };
        tokio::spawn(async move {
            let mut state = state;
            let result = this.renew(&mut state).await;
            (state, result)
        })
        .await
        .map_err(|e| {
            ApiError::new(ErrorKind::Other).with_detail(format!("renewal task failed: {e}"))
        })
    }

    /// Refreshes the tokens, or signs in again with a kept App Key; one attempt, no loop.
    async fn renew(&self, state: &mut State) -> Result<(), ApiError> {
        let Some(current) = state.current.clone() else {
            return Err(ApiError::new(ErrorKind::NotSignedIn));
        };
        let now = now_unix();
        if let (true, Some(refresh)) = (current.tokens.can_refresh(now), &current.tokens.refresh) {
            match self.client.refresh(refresh).await {
                Ok(reply) => {
                    let mut next = current.clone();
                    next.tokens = merge_tokens(&current.tokens, reply.value);
                    state.current = Some(next.clone());
                    self.persist(state, Some(next)).await;
                    return Ok(());
                }
                Err(e) if e.kind.is_transport_problem() => return Err(e),
                Err(_) => {}
            }
        }
        if let (
            SignInMethod::AppId {
                app_id,
                user_id,
                corp_id,
            },
            Some(app_key),
        ) = (&current.method, &current.app_key)
        {
            let credentials = AppIdCredentials {
                app_id: app_id.clone(),
                app_key: app_key.clone(),
                user_id: user_id.clone(),
                corp_id: corp_id.clone(),
            };
            let reply = self.client.sign_in_app_id(&credentials).await?;
            let mut next = current.clone();
            next.tokens = reply.value;
            state.current = Some(next.clone());
            self.persist(state, Some(next)).await;
            return Ok(());
        }
        Err(ApiError::new(ErrorKind::NotSignedIn))
    }

    /// Drops tokens the server no longer accepts; returns the "sign in again" error.
    async fn forget_rejected(&self, state: &mut State) -> ApiError {
        if self.store.is_some() {
            state.current = None;
            self.persist(state, None).await;
        }
        ApiError::new(ErrorKind::NotSignedIn)
    }

    async fn ensure_loaded(&self, state: &mut State) {
        if state.loaded {
            return;
        }
        state.loaded = true;
        let Some(store) = self.store.clone() else {
            return;
        };
        let server = self.server().clone();
        match run_blocking(move || store.load(&server)).await {
            Ok(current) => {
                state.current = current;
                state.memory_only = self.store.as_ref().is_some_and(|s| s.is_memory_only());
                state.store_error = None;
            }
            Err(e) => {
                state.memory_only = true;
                state.store_error = Some(e);
            }
        }
    }

    /// Saves (or with `None` deletes) the session in the store; a failure leaves it in memory.
    async fn persist(
        &self,
        state: &mut State,
        session: Option<StoredSession>,
    ) -> Option<StoreError> {
        let Some(store) = self.store.clone() else {
            state.memory_only = true;
            return None;
        };
        let server = self.server().clone();
        let memory_only = store.is_memory_only();
        let result = run_blocking(move || match session {
            Some(session) => store.save(&server, &session),
            None => store.delete(&server),
        })
        .await;
        match result {
            Ok(()) => {
                state.memory_only = memory_only;
                state.store_error = None;
                None
            }
            Err(e) => {
                state.memory_only = true;
                state.store_error = Some(e.clone());
                Some(e)
            }
        }
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

/// Runs a blocking store call off the async threads.
async fn run_blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(job)
        .await
        .unwrap_or_else(|e| Err(StoreError::Other(format!("keyring task failed: {e}"))))
}
