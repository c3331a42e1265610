//! From a checked meeting to the meeting: what Join opens ([`plan`]: the official client's
//! `cloudlink://` join link, API.md section 6, or an invitation's own https link) and handing
//! it to the application that handles it.
//!
//! The link carries the meeting password (or the invitation link's suffix that stands for it,
//! and, signed in with an App ID, a one-time nonce), so it is a [`SecretString`]: never
//! logged, never kept, never in an error message.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};

use crate::api::{ApiError, ErrorKind};
use crate::i18n::Lang;
use crate::invitation::InvitationLink;
use crate::meeting_id::MeetingId;
use crate::secrets::SignInMethod;
use crate::server::Server;
use crate::session::{Session, SignedIn};

/// The scheme the official HUAWEI CLOUD Meeting client registers.
pub const SCHEME: &str = "cloudlink";
/// The port of the official sites in the link.
pub const OFFICIAL_PORT: u16 = 8443;
/// The vendor's download page for the client, Chinese mainland site.
pub const DOWNLOAD_PAGE_CN: &str = "https://www.huaweicloud.com/product/meeting/download.html";
/// The vendor's download page for the client, International site.
pub const DOWNLOAD_PAGE_INTL: &str =
    "https://www.huaweicloud.com/intl/en-us/product/meeting/download.html";

/// Everything but letters, digits and `-._~` is percent-encoded (a space as `%20`, not `+`).
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How to join: who, with what on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinOptions {
    /// The display name in the meeting (required by the client).
    pub name: String,
    /// Join with the microphone on.
    pub mic: bool,
    /// Join with the camera on.
    pub camera: bool,
}

/// What a join link needs from the check.
pub struct JoinRequest<'a> {
    /// The server the meeting was checked on.
    pub server: &'a Server,
    /// The meeting.
    pub meeting_id: &'a MeetingId,
    /// The meeting password; sent only when the meeting needs one.
    pub password: Option<&'a SecretString>,
    /// The check said the meeting needs a password.
    pub needs_password: bool,
    /// A portal nonce: the client signs in as the same user (`page=LoginAndJoinConf`).
    pub nonce: Option<&'a SecretString>,
}

/// Whether the link carries `enter_code`: the check said the meeting needs a password, or one
/// was given (and worked).
pub fn sends_password(need_password: Option<bool>, password: Option<&SecretString>) -> bool {
    need_password.unwrap_or(false) || password.is_some_and(|p| !p.expose_secret().trim().is_empty())
}

/// The host and port a link names for `server`: the official sites on port 8443, a custom
/// server (a private deployment, the sandbox) its own host and port (an inference: the
/// scheme's `server_url` and `port` exist for other deployments).
pub fn link_host(server: &Server) -> (String, u16) {
    match server {
        Server::Cn => ("meeting.huaweicloud.com".to_owned(), OFFICIAL_PORT),
        Server::Intl => ("intl.meeting.huaweicloud.com".to_owned(), OFFICIAL_PORT),
        Server::Custom(url) => (
            url.host_str().unwrap_or_default().to_owned(),
            url.port_or_known_default().unwrap_or(443),
        ),
    }
}

/// The `cloudlink://` link joining `request`'s meeting as `options` say: `joinConfByLink`,
/// or `LoginAndJoinConf` with the nonce.
pub fn join_link(request: &JoinRequest<'_>, options: &JoinOptions) -> SecretString {
    let (host, port) = link_host(request.server);
    let page = if request.nonce.is_some() {
        "LoginAndJoinConf"
    } else {
        "joinConfByLink"
    };
    let mut params: Vec<(&str, String)> = vec![
        ("page", page.to_owned()),
        ("server_url", host),
        ("port", port.to_string()),
        ("conf_id", request.meeting_id.as_str().to_owned()),
    ];
    if request.needs_password {
        let password = request
            .password
            .map(|p| p.expose_secret().trim().to_owned())
            .unwrap_or_default();
        params.push(("enter_code", password));
    }
    params.push(("name", options.name.trim().to_owned()));
    params.push(("open_mic", options.mic.to_string()));
    params.push(("open_camera", options.camera.to_string()));
    if let Some(nonce) = request.nonce {
        params.push(("nonce", nonce.expose_secret().to_owned()));
    }
    let query: Vec<String> = params
        .iter()
        .map(|(key, value)| format!("{key}={}", utf8_percent_encode(value, VALUE)))
        .collect();
    SecretString::from(format!(
        "{SCHEME}://welinksoftclient/h5page?{}",
        query.join("&")
    ))
}

/// What a Join needs to decide what to open: the check's answer and who joins how. Both faces
/// fill it from what they hold and open whatever [`plan`] says.
pub struct JoinInput<'a> {
    /// The server the meeting was checked on.
    pub server: &'a Server,
    /// The meeting.
    pub meeting_id: &'a MeetingId,
    /// What the check answered: whether the meeting needs a password (`None`: the service did
    /// not say), or the kind of its refusal.
    pub check: Result<Option<bool>, ErrorKind>,
    /// The password the check was made with, if any.
    pub password: Option<&'a SecretString>,
    /// The invitation's HUAWEI CLOUD Meeting link, if the meeting came from one.
    pub link: Option<&'a InvitationLink>,
    /// The name chosen for the meeting (`--name`, the window's settings); blank: none.
    pub name: Option<&'a str>,
    /// Who is signed in: their name is the default, and an App ID sign-in joins signed in.
    pub signed_in: Option<&'a SignedIn>,
    /// Join with the microphone on.
    pub mic: bool,
    /// Join with the camera on.
    pub camera: bool,
    /// Join in the browser (the meeting's web page) rather than the meeting app: the app is
    /// not installed, or the user prefers the web.
    pub browser: bool,
    /// The meeting's own web link, when known (SearchMeetings' `guestJoinUri` for this user).
    pub web_link: Option<&'a SecretString>,
}

/// What Join opens.
#[derive(Debug)]
pub enum JoinPlan {
    /// The official client's `cloudlink://` link.
    Client(ClientJoin),
    /// The invitation's own https link: the meeting needs the password its suffix stands for,
    /// which no `cloudlink` parameter takes, so the browser hands the link to the client.
    InvitationLink(SecretString),
    /// The meeting's web page in the browser ([`web_link`]): without the meeting app, or when
    /// asked for.
    Browser(SecretString),
}

/// A join through the client's `cloudlink://` link, short of the portal nonce it may need.
#[derive(Debug)]
pub struct ClientJoin {
    server: Server,
    meeting_id: MeetingId,
    password: Option<SecretString>,
    needs_password: bool,
    options: JoinOptions,
    /// Signed in with an App ID: the client joins as the same user with a one-time portal
    /// nonce, asked for just before the link is made.
    pub needs_nonce: bool,
}

impl ClientJoin {
    /// The link, with the portal nonce when [`ClientJoin::needs_nonce`] says one is needed.
    pub fn link(&self, nonce: Option<&SecretString>) -> SecretString {
        join_link(
            &JoinRequest {
                server: &self.server,
                meeting_id: &self.meeting_id,
                password: self.password.as_ref(),
                needs_password: self.needs_password,
                nonce,
            },
            &self.options,
        )
    }
}

/// Why Join has nothing to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No name was chosen and nobody is signed in: the client needs a name.
    #[error("no display name to join with")]
    MissingName,
    /// The check did not pass, and no invitation link stands in for what it refused.
    #[error("the check did not pass")]
    NotChecked,
}

/// True when the check refused for want of a password that the invitation's link stands for,
/// and the user gave none: the link itself is the way in.
pub fn opens_invitation_link(
    refusal: ErrorKind,
    password: Option<&SecretString>,
    link: Option<&InvitationLink>,
) -> bool {
    refusal == ErrorKind::PasswordRequired
        && password.is_none_or(|p| p.expose_secret().trim().is_empty())
        && link.is_some_and(InvitationLink::carries_password)
}

/// Decides what Join opens, for both faces: the client's link after a passed check (the name
/// chosen, else the signed-in user's name, else the account; an App ID sign-in joins signed
/// in), or the invitation's https link when the meeting wants the password its suffix stands
/// for ([`opens_invitation_link`]).
pub fn plan(input: &JoinInput<'_>) -> Result<JoinPlan, PlanError> {
    let need_password = match input.check {
        Ok(need_password) => need_password,
        Err(refusal) if opens_invitation_link(refusal, input.password, input.link) => {
            let link = input.link.ok_or(PlanError::NotChecked)?;
            return Ok(JoinPlan::InvitationLink(link.url()));
        }
        Err(_) => return Err(PlanError::NotChecked),
    };
    if input.browser {
        let known = input
            .web_link
            .cloned()
            .or_else(|| input.link.map(InvitationLink::url));
        return Ok(JoinPlan::Browser(web_link(
            input.server,
            input.meeting_id,
            known.as_ref(),
        )));
    }
    let signed_in = input.signed_in;
    let name = input
        .name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| signed_in.and_then(|s| s.user_name.clone()))
        .or_else(|| signed_in.map(|s| s.account.clone()))
        .filter(|n| !n.trim().is_empty())
        .ok_or(PlanError::MissingName)?;
    Ok(JoinPlan::Client(ClientJoin {
        server: input.server.clone(),
        meeting_id: input.meeting_id.clone(),
        password: input.password.cloned(),
        needs_password: sends_password(need_password, input.password),
        options: JoinOptions {
            name,
            mic: input.mic,
            camera: input.camera,
        },
        needs_nonce: signed_in.is_some_and(|s| matches!(s.method, SignInMethod::AppId { .. })),
    }))
}

impl JoinPlan {
    /// The link this plan opens, for both faces: a client join signed in with an App ID asks
    /// `session` for its one-time portal nonce first (no session then is `no_session`).
    pub async fn link(
        self,
        session: Option<&Session>,
        no_session: impl FnOnce() -> ApiError,
    ) -> Result<SecretString, ApiError> {
        match self {
            JoinPlan::Client(client) => {
                let nonce = if client.needs_nonce {
                    Some(session.ok_or_else(no_session)?.portal_nonce().await?)
                } else {
                    None
                };
                Ok(client.link(nonce.as_ref()))
            }
            JoinPlan::InvitationLink(link) | JoinPlan::Browser(link) => Ok(link),
        }
    }
}

/// Why a planned join did not open the meeting.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// The portal nonce could not be had.
    #[error("the portal nonce could not be had: {0}")]
    Api(ApiError),
    /// The link could not be opened (no client installed, no opener).
    #[error("the link could not be opened: {0:?}")]
    Open(OpenError),
}

/// Opens `link` off the async threads ([`open_link`] blocks for up to a few seconds).
pub async fn open_link_off_thread(link: SecretString) -> Result<(), OpenError> {
    tokio::task::spawn_blocking(move || open_link(&link))
        .await
        .unwrap_or_else(|e| Err(OpenError::Failed(e.to_string())))
}

/// Carries out a plan, as both faces do: its link ([`JoinPlan::link`]), then the opener.
pub async fn execute(
    plan: JoinPlan,
    session: Option<&Session>,
    no_session: impl FnOnce() -> ApiError,
) -> Result<(), JoinError> {
    let link = plan
        .link(session, no_session)
        .await
        .map_err(JoinError::Api)?;
    open_link_off_thread(link).await.map_err(JoinError::Open)
}

/// The meeting's web page: `known` (the meeting's own link, or the invitation's, which may
/// stand for the guest password) when there is one, else `https://<the site's host>/#/j/<id>`
/// (the international host for the international server; a custom server's own origin). A
/// browser opens it in the web client, or hands it to the meeting app.
pub fn web_link(
    server: &Server,
    meeting_id: &MeetingId,
    known: Option<&SecretString>,
) -> SecretString {
    if let Some(link) = known.filter(|l| !l.expose_secret().trim().is_empty()) {
        return link.clone();
    }
    let origin = match server {
        Server::Cn => "https://meeting.huaweicloud.com".to_owned(),
        Server::Intl => "https://intl.meeting.huaweicloud.com".to_owned(),
        Server::Custom(url) => url.origin().ascii_serialization(),
    };
    SecretString::from(format!("{origin}/#/j/{}", meeting_id.as_str()))
}

/// An invitation to paste anywhere, in `lang`: the meeting ID, its password (if any) and its
/// web link. A secret: it holds the password.
pub fn invitation_text(
    lang: Lang,
    meeting_id: &MeetingId,
    password: Option<&SecretString>,
    link: &SecretString,
) -> SecretString {
    let mut lines = vec![format!(
        "{}: {}",
        lang.tr("join.invitation.meeting_id"),
        meeting_id.grouped()
    )];
    if let Some(password) = password.filter(|p| !p.expose_secret().trim().is_empty()) {
        lines.push(format!(
            "{}: {}",
            lang.tr("join.invitation.password"),
            password.expose_secret().trim()
        ));
    }
    lines.push(format!(
        "{}: {}",
        lang.tr("join.invitation.link"),
        link.expose_secret()
    ));
    SecretString::from(lines.join("\n"))
}

/// The vendor's download page for the client of `server`'s site.
pub fn download_page(server: &Server) -> &'static str {
    match server {
        Server::Intl => DOWNLOAD_PAGE_INTL,
        Server::Cn | Server::Custom(_) => DOWNLOAD_PAGE_CN,
    }
}

/// Why a link could not be opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// No application handles `cloudlink://`: the meeting client is not installed.
    #[error("no application handles cloudlink:// links")]
    NotInstalled,
    /// The system's opener (`xdg-open`, `open`) is missing or could not start.
    #[error("the link opener could not start: {0}")]
    NoOpener(String),
    /// The opener ran and failed.
    #[error("the link opener failed: {0}")]
    Failed(String),
}

impl OpenError {
    /// The message for a person, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            OpenError::NotInstalled => lang.tr("join.not_installed"),
            OpenError::NoOpener(_) => lang.tr("join.no_opener"),
            OpenError::Failed(_) => lang.tr("join.open_failed"),
        }
    }
}

/// How long an opener may run before it counts as started (some wait for the application).
const OPENER_GRACE: Duration = Duration::from_secs(5);

/// True when an application is registered for `cloudlink://` (Linux: `xdg-mime`); `None`
/// when that cannot be told (no `xdg-mime`, another system).
pub fn handler_installed() -> Option<bool> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let output = Command::new("xdg-mime")
        .args(["query", "default", "x-scheme-handler/cloudlink"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    Some(output.status.success() && !String::from_utf8_lossy(&output.stdout).trim().is_empty())
}

/// Hands `link` to the application registered for it. Blocking (up to a few seconds): call it
/// off the window's thread. The link reaches the application as any opened link does (on its
/// command line); meetjoin itself never logs or keeps it.
pub fn open_link(link: &SecretString) -> Result<(), OpenError> {
    // Only the client's own links need the client; a web link goes to the browser.
    let client_link = link.expose_secret().starts_with(&format!("{SCHEME}:"));
    let installed = if client_link {
        handler_installed()
    } else {
        None
    };
    if installed == Some(false) {
        return Err(OpenError::NotInstalled);
    }
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(target_os = "windows") {
        let mut command = Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
        command
    } else {
        Command::new("xdg-open")
    };
    let mut child = command
        .arg(link.expose_secret())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| OpenError::NoOpener(e.kind().to_string()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            // xdg-open: 3 = no way to open it: no handler, or (a handler registered) no
            // graphical session, where xdg-open never runs scheme handlers; 4 = it failed.
            Ok(Some(status)) if status.code() == Some(3) && client_link && installed.is_none() => {
                return Err(OpenError::NotInstalled);
            }
            Ok(Some(status)) => return Err(OpenError::Failed(status.to_string())),
            Ok(None) if started.elapsed() >= OPENER_GRACE => return Ok(()),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(OpenError::Failed(e.kind().to_string())),
        }
    }
}
