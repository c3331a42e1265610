//! The command line: `check`, `meetings`, `login`, `logout`, `sandbox` and `gui`. A stable
//! contract for scripts.

mod meetings;

use std::future::Future;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use rust_i18n::t;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use unicode_width::UnicodeWidthStr;

use crate::api::{
    ApiError, AppIdCredentials, AuthRandom, Client, ClientOptions, ErrorKind, LanguageSetting,
    RandomRequest, Reply,
};
use crate::i18n::Lang;
use crate::invitation::{Invitation, Site};
use crate::meeting_id::{MeetingId, MeetingIdError};
use crate::secrets::{KEYRING_SERVICE, KeyringStore, StoreError, TokenStore};
use crate::server::Server;
use crate::session::{Credentials, Session, SignInOutcome};

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: anything not covered below.
pub const EXIT_OTHER: u8 = 1;
/// Exit code: usage error or unparseable meeting ID.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: not signed in, token rejected after the one retry, or sign-in refused.
pub const EXIT_SIGN_IN: u8 = 3;
/// Exit code: the meeting refused (wrong ID or password, locked, not started, ended, ...).
pub const EXIT_MEETING: u8 = 4;
/// Exit code: network, timeout, server error, rate limit or unreadable reply.
pub const EXIT_TRANSPORT: u8 = 5;

/// Environment variable: the server, like `--server`.
pub const ENV_SERVER: &str = "MEETJOIN_SERVER";
/// Environment variable: an access token used instead of the keyring.
pub const ENV_TOKEN: &str = "MEETJOIN_TOKEN";
/// Environment variable: the meeting password, used when neither `--password-stdin` nor the
/// invitation text gives one.
pub const ENV_MEETING_PASSWORD: &str = "MEETJOIN_MEETING_PASSWORD";
/// Environment variable: a PEM file of extra CA certificates, like `--ca-file`.
pub const ENV_CA_FILE: &str = "MEETJOIN_CA_FILE";
/// Environment variable: the keyring service name (tests keep their entries apart with it).
pub const ENV_KEYRING_SERVICE: &str = "MEETJOIN_KEYRING_SERVICE";

/// Check a HUAWEI CLOUD Meeting before you join: auth random, subject, mode, password.
#[derive(Parser, Debug)]
#[command(name = "meetjoin", version, about, long_about = None)]
struct Cli {
    /// Log one line per call (method, path, status, error code, request id, duration) on
    /// standard error; never a secret. RUST_LOG (tracing filter directives) overrides it.
    #[arg(long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Ask the service for a meeting's auth random and what joining needs.
    Check(CheckArgs),
    /// Check a meeting, then open it in HUAWEI CLOUD Meeting (or print the link).
    Join(JoinArgs),
    /// List your own meetings (today's by default), in local time.
    Meetings(meetings::MeetingsArgs),
    /// Sign in and keep the token in the OS keyring.
    Login(LoginArgs),
    /// End the token on the server and remove it from the OS keyring.
    Logout(ServerArg),
    /// Serve the local emulator of the service on 127.0.0.1.
    #[cfg(feature = "sandbox")]
    Sandbox(SandboxArgs),
    /// Open the window (the default).
    #[cfg(feature = "gui")]
    Gui(GuiArgs),
}

#[derive(Args, Debug, Default)]
struct ServerArg {
    /// cn (default), intl, or an https:// base URL.
    #[arg(long, env = ENV_SERVER, value_name = "cn|intl|URL")]
    server: Option<String>,
    /// Also trust the CA certificates in this PEM file (a private deployment's own CA).
    #[arg(long, env = ENV_CA_FILE, value_name = "FILE")]
    ca_file: Option<std::path::PathBuf>,
}

/// How `check` and `join` pick the meeting password, for their `--help`.
const PASSWORD_ORDER: &str = "The meeting password comes from, in this order: --password-stdin; \
the password written in the invitation text; MEETJOIN_MEETING_PASSWORD; on a terminal, a \
prompt when the meeting needs one. With MEETING `-` the whole invitation is read from standard \
input (then --password-stdin is refused), so that neither it nor its password is a \
command-line argument.";

#[derive(Args, Debug)]
#[command(after_help = PASSWORD_ORDER)]
struct CheckArgs {
    /// The meeting ID, or any text holding it (an invitation, a link); `-` reads the whole
    /// invitation from standard input.
    #[arg(value_name = "MEETING")]
    meeting: String,
    /// Read the meeting password from the first line of standard input (before any password
    /// in the invitation text or MEETJOIN_MEETING_PASSWORD).
    #[arg(long)]
    password_stdin: bool,
    /// Tell the service this client supports the guest waiting page.
    #[arg(long)]
    guest_waiting: bool,
    /// Print one JSON object on standard output.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArg,
}

#[derive(Args, Debug)]
#[command(after_help = PASSWORD_ORDER)]
struct JoinArgs {
    /// The meeting ID, or any text holding it (an invitation, a link); `-` reads the whole
    /// invitation from standard input.
    #[arg(value_name = "MEETING")]
    meeting: String,
    /// The name to show in the meeting (default: the signed-in user's name).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Join with the microphone on.
    #[arg(long)]
    mic: bool,
    /// Join with the camera on.
    #[arg(long)]
    camera: bool,
    /// Print the link instead of opening it: the cloudlink:// link (it holds the meeting
    /// password), or the invitation's own https link when only that carries the password.
    #[arg(long)]
    print_link: bool,
    /// Join in the browser: open the meeting's web page instead of the meeting app (for a
    /// computer without HUAWEI CLOUD Meeting).
    #[arg(long)]
    browser: bool,
    /// Read the meeting password from the first line of standard input (before any password
    /// in the invitation text or MEETJOIN_MEETING_PASSWORD).
    #[arg(long)]
    password_stdin: bool,
    /// Tell the service this client supports the guest waiting page.
    #[arg(long)]
    guest_waiting: bool,
    #[command(flatten)]
    server: ServerArg,
}

#[derive(Args, Debug)]
struct LoginArgs {
    /// The account (asked for when omitted and standard input is a terminal).
    #[arg(long, conflicts_with = "app_id")]
    account: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, conflicts_with = "app_id")]
    password_stdin: bool,
    /// Sign in with an App ID; the App Key is read from standard input.
    #[arg(long)]
    app_id: Option<String>,
    /// With --app-id: sign in as this user (default: the enterprise admin).
    #[arg(long, requires = "app_id")]
    user_id: Option<String>,
    /// With --app-id: the App ID is an SP (multi-tenant) application.
    #[arg(long, requires = "app_id")]
    multi_tenant: bool,
    /// With --multi-tenant: the enterprise ID (none, and no --user-id: the SP administrator).
    #[arg(long, requires = "multi_tenant")]
    corp_id: Option<String>,
    #[command(flatten)]
    server: ServerArg,
}

#[cfg(feature = "sandbox")]
#[derive(Args, Debug)]
struct SandboxArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8700)]
    port: u16,
    /// How long access tokens live, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    token_ttl: u64,
    /// Calls per minute per token before HTTP 429 (0 turns the limit off).
    #[arg(long, default_value_t = 100)]
    rate_limit: u32,
    /// Serve HTTPS; without --cert/--key with a self-signed certificate, whose PEM path is
    /// the second line of standard output.
    #[arg(long)]
    tls: bool,
    /// With --tls: the certificate chain (PEM) to serve.
    #[arg(long, value_name = "FILE", requires_all = ["tls", "key"])]
    cert: Option<std::path::PathBuf>,
    /// With --tls: the private key (PEM) of --cert.
    #[arg(long, value_name = "FILE", requires_all = ["tls", "cert"])]
    key: Option<std::path::PathBuf>,
    /// Append the shape of every request (never a secret value) to FILE as JSON lines.
    #[arg(long, value_name = "FILE")]
    record: Option<std::path::PathBuf>,
}

#[cfg(feature = "gui")]
#[derive(Args, Debug, Default)]
struct GuiArgs {
    /// A meeting ID, or text holding one: fill it in and check it (a window already open
    /// gets it instead).
    #[arg(value_name = "MEETING")]
    meeting: Option<String>,
    /// Start the offline sandbox in this process and use it.
    #[cfg(feature = "sandbox")]
    #[arg(long)]
    sandbox: bool,
    /// Check the meeting in the clipboard when the window opens.
    #[arg(long)]
    check_clipboard: bool,
    #[command(flatten)]
    server: ServerArg,
}

/// The packaging helper's name: `meetjoin generate-assets --out DIR` (used by scripts/package.sh).
const GENERATE_ASSETS: &str = "generate-assets";

// Parsed apart from `Cli`, so that no help, man page or completion offers it: clap_complete
// lists even hidden commands.
/// Write the man pages and the bash, zsh and fish completions, for packaging.
#[derive(Parser, Debug)]
#[command(name = "meetjoin", bin_name = "meetjoin generate-assets")]
struct GenerateAssetsArgs {
    /// The directory to write `man/*.1` and `completions/` into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: std::path::PathBuf,
}

/// A failure of a command: the exit code and what to print.
struct Failure {
    code: u8,
    kind: String,
    message: String,
    error: Option<Box<ApiError>>,
    /// More fields of the `--json` error object (`"service"` of another service's invitation).
    extra: Vec<(&'static str, String)>,
}

impl Failure {
    fn usage(kind: &str, message: String) -> Failure {
        Failure {
            code: EXIT_USAGE,
            kind: kind.to_owned(),
            message,
            error: None,
            extra: Vec::new(),
        }
    }

    fn api(error: ApiError, lang: Lang) -> Failure {
        Failure {
            code: exit_code(error.kind),
            kind: error.kind.as_str().to_owned(),
            message: error.message(lang),
            error: Some(Box::new(error)),
            extra: Vec::new(),
        }
    }

    fn store(error: &StoreError, lang: Lang) -> Failure {
        Failure {
            code: EXIT_SIGN_IN,
            kind: "keyring_unavailable".to_owned(),
            message: lang.join_sentences(&error.message(lang), &lang.tr("cli.use_token_env")),
            error: None,
            extra: Vec::new(),
        }
    }

    /// No meeting to check in the text: another service's invitation (kind `other_service`,
    /// naming it), or no usable meeting ID.
    fn meeting_text(error: &MeetingIdError, lang: Lang) -> Failure {
        match error {
            MeetingIdError::OtherService(service) => Failure {
                extra: vec![("service", service.id().to_owned())],
                ..Failure::usage("other_service", error.message(lang))
            },
            _ => Failure::usage("invalid_meeting_id", error.message(lang)),
        }
    }
}

/// The exit code for an error kind.
pub fn exit_code(kind: ErrorKind) -> u8 {
    if kind.is_sign_in_problem() {
        EXIT_SIGN_IN
    } else if kind.is_meeting_refusal() {
        EXIT_MEETING
    } else if kind.is_transport_problem() {
        EXIT_TRANSPORT
    } else {
        EXIT_OTHER
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == GENERATE_ASSETS)
    {
        // The first word is then the program name of GenerateAssetsArgs.
        return generate_assets(&GenerateAssetsArgs::parse_from(std::env::args_os().skip(1)));
    }
    let cli = Cli::parse();
    crate::logging::init(cli.verbose);
    let lang = Lang::from_system();
    let Some(command) = cli.command else {
        return default_face();
    };
    let job: Pin<Box<dyn Future<Output = u8>>> = match command {
        // The window owns its own runtime.
        #[cfg(feature = "gui")]
        Command::Gui(args) => return run_gui(args),
        Command::Check(args) => Box::pin(async move {
            let json = args.json;
            match check(args, lang).await {
                Ok(()) => EXIT_OK,
                Err(failure) => report(&failure, json, lang),
            }
        }),
        Command::Join(args) => Box::pin(async move {
            match join(args, lang).await {
                Ok(()) => EXIT_OK,
                Err(failure) => report(&failure, false, lang),
            }
        }),
        Command::Meetings(args) => Box::pin(async move {
            let json = args.json;
            match meetings::run(args, lang).await {
                Ok(()) => EXIT_OK,
                Err(failure) => report(&failure, json, lang),
            }
        }),
        Command::Login(args) => Box::pin(async move {
            login(args, lang)
                .await
                .unwrap_or_else(|failure| report(&failure, false, lang))
        }),
        Command::Logout(args) => Box::pin(async move {
            logout(args, lang)
                .await
                .unwrap_or_else(|failure| report(&failure, false, lang))
        }),
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => Box::pin(sandbox(args, lang)),
    };
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => ExitCode::from(runtime.block_on(job)),
        Err(e) => {
            eprintln!("meetjoin: {e}");
            ExitCode::from(EXIT_OTHER)
        }
    }
}

/// No command: the window.
#[cfg(feature = "gui")]
fn default_face() -> ExitCode {
    run_gui(GuiArgs::default())
}

/// No command and no window in this build: the usage.
#[cfg(not(feature = "gui"))]
fn default_face() -> ExitCode {
    use clap::CommandFactory;
    let _ = Cli::command().print_help();
    ExitCode::from(EXIT_USAGE)
}

#[cfg(feature = "gui")]
fn run_gui(args: GuiArgs) -> ExitCode {
    let lang = Lang::from_system();
    let server = match args.server.server.as_deref().map(Server::parse).transpose() {
        Ok(server) => server,
        Err(e) => {
            eprintln!("meetjoin: {}", e.message(lang));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match crate::gui::run(crate::gui::GuiOptions {
        #[cfg(feature = "sandbox")]
        sandbox: args.sandbox,
        #[cfg(not(feature = "sandbox"))]
        sandbox: false,
        server,
        ca_file: args.server.ca_file,
        check_clipboard: args.check_clipboard,
        meeting: args.meeting,
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("meetjoin: {e:#}");
            ExitCode::from(EXIT_OTHER)
        }
    }
}

/// `generate-assets`: the man pages and completions that scripts/package.sh puts in the package.
fn generate_assets(args: &GenerateAssetsArgs) -> ExitCode {
    match write_assets(&args.out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("meetjoin: {}: {e}", args.out.display());
            ExitCode::from(EXIT_OTHER)
        }
    }
}

/// Writes `DIR/man/meetjoin.1` (and one page per command) and `DIR/completions/`
/// (`meetjoin.bash`, `_meetjoin`, `meetjoin.fish`), all from the clap definitions above.
fn write_assets(out: &std::path::Path) -> std::io::Result<()> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let man = out.join("man");
    std::fs::create_dir_all(&man)?;
    clap_mangen::generate_to(Cli::command(), &man)?;
    let completions = out.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut Cli::command(), "meetjoin", &completions)?;
    }
    Ok(())
}

/// Prints a failure: one line on stderr, and with `--json` the error object on stdout.
fn report(failure: &Failure, json: bool, lang: Lang) -> u8 {
    let mut line = format!("meetjoin: {}", failure.message);
    if let Some(error) = &failure.error {
        let mut facts = Vec::new();
        if let Some(status) = error.http_status {
            facts.push(format!("HTTP {status}"));
        }
        if let Some(code) = &error.code {
            facts.push(code.clone());
        }
        if let Some(detail) = &error.detail {
            facts.push(detail.clone());
        }
        if let Some(id) = &error.request_id {
            facts.push(format!("{} {id}", lang.tr("details.request_id")));
        }
        if !facts.is_empty() {
            line.push_str(&format!(" [{}]", facts.join(", ")));
        }
    }
    eprintln!("{line}");
    if json {
        let error = failure.error.as_ref();
        let mut object = json!({
            "kind": failure.kind,
            "message": failure.message,
            "http_status": error.and_then(|e| e.http_status),
            "code": error.and_then(|e| e.code.clone()),
            "request_id": error.and_then(|e| e.request_id.clone()),
        });
        for (key, value) in &failure.extra {
            object[*key] = json!(value);
        }
        println!("{}", json!({ "error": object }));
    }
    failure.code
}

fn parse_server(arg: &ServerArg, lang: Lang) -> Result<Server, Failure> {
    match arg.server.as_deref() {
        None => Ok(Server::default()),
        Some(text) => {
            Server::parse(text).map_err(|e| Failure::usage("invalid_server", e.message(lang)))
        }
    }
}

fn client(server: Server, arg: &ServerArg, lang: Lang) -> Result<Client, Failure> {
    let options = ClientOptions {
        language: LanguageSetting::new(lang),
        ca_file: arg.ca_file.clone(),
        ..ClientOptions::default()
    };
    Client::with_options(server, options).map_err(|e| Failure::api(e, lang))
}

fn keyring_store() -> Arc<dyn TokenStore> {
    let service = std::env::var(ENV_KEYRING_SERVICE)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| KEYRING_SERVICE.to_owned());
    Arc::new(KeyringStore::with_service(&service))
}

/// Reads the first line of standard input as a secret (without its line ending).
fn read_stdin_secret() -> Result<SecretString, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage("stdin", e.to_string()))?;
    let trimmed = line.trim_end_matches(['\r', '\n']).to_owned();
    line.clear();
    Ok(SecretString::from(trimmed))
}

/// Asks for a secret on the terminal without echo.
fn prompt_secret(prompt: &str) -> Result<SecretString, Failure> {
    rpassword::prompt_password(prompt)
        .map(SecretString::from)
        .map_err(|e| Failure::usage("prompt", e.to_string()))
}

/// A finished check: what the service said, and what a join needs.
struct Checked {
    invitation: Invitation,
    server: Server,
    session: Session,
    password: Option<SecretString>,
    /// The service's facts; a refusal only when the invitation's link stands for the password
    /// the meeting wants ([`crate::join::opens_invitation_link`]): any other ends the command.
    outcome: Result<Reply<AuthRandom>, ApiError>,
}

async fn check(args: CheckArgs, lang: Lang) -> Result<(), Failure> {
    let json = args.json;
    let checked = run_check(args, lang).await?;
    match checked.outcome {
        Ok(reply) => {
            print_result(&checked.invitation.meeting_id, &reply, json, lang);
            Ok(())
        }
        Err(error) => {
            let message = lang.join_sentences(
                &error.message(lang),
                &lang.tr("invitation.link_carries_password_cli"),
            );
            Err(Failure {
                message,
                ..Failure::api(error, lang)
            })
        }
    }
}

/// `meetjoin join`: checks first (same exit codes), then opens what [`crate::join::plan`] says
/// (the client's link, or the invitation's own link) or prints it.
async fn join(args: JoinArgs, lang: Lang) -> Result<(), Failure> {
    let check_args = CheckArgs {
        meeting: args.meeting,
        password_stdin: args.password_stdin,
        guest_waiting: args.guest_waiting,
        json: false,
        server: args.server,
    };
    let checked = run_check(check_args, lang).await?;
    let signed_in = checked.session.status();
    let meeting_id = &checked.invitation.meeting_id;
    let plan = crate::join::plan(&crate::join::JoinInput {
        server: &checked.server,
        meeting_id,
        check: checked
            .outcome
            .as_ref()
            .map(|reply| reply.value.need_password)
            .map_err(|e| e.kind),
        password: checked.password.as_ref(),
        link: checked.invitation.link.as_ref(),
        name: args.name.as_deref(),
        signed_in: signed_in.as_ref(),
        mic: args.mic,
        camera: args.camera,
        browser: args.browser,
        web_link: None,
    });
    let plan = match plan {
        Ok(plan) => plan,
        Err(crate::join::PlanError::MissingName) => {
            return Err(Failure::usage(
                "missing_name",
                lang.tr("cli.join_name_missing"),
            ));
        }
        Err(crate::join::PlanError::NotChecked) => {
            let error = checked
                .outcome
                .err()
                .unwrap_or_else(|| ApiError::new(ErrorKind::Other));
            return Err(Failure::api(error, lang));
        }
    };
    let id = meeting_id.grouped();
    let opening = match &plan {
        crate::join::JoinPlan::Client(_) => t!("cli.join_opened", locale = lang.code(), id = id),
        crate::join::JoinPlan::Browser(_) => {
            t!("cli.join_browser_opened", locale = lang.code(), id = id)
        }
        crate::join::JoinPlan::InvitationLink(_) => {
            t!("invitation.link_opened", locale = lang.code(), id = id)
        }
    };
    // The same plan the window carries out: a one-time portal nonce first for an App ID.
    let link = plan
        .link(Some(&checked.session), || ApiError::new(ErrorKind::Other))
        .await
        .map_err(|e| Failure::api(e, lang))?;
    if args.print_link {
        println!("{}", link.expose_secret());
        return Ok(());
    }
    let server = checked.server.clone();
    let opened = crate::join::open_link_off_thread(link).await;
    match opened {
        Ok(()) => {
            eprintln!("{opening}");
            Ok(())
        }
        Err(e) => {
            let mut message = e.message(lang);
            if e == crate::join::OpenError::NotInstalled {
                message = lang.join_sentences(
                    &message,
                    &t!(
                        "cli.join_download",
                        locale = lang.code(),
                        url = crate::join::download_page(&server)
                    ),
                );
                // Not a dead end: the browser joins too.
                message = lang.join_sentences(&message, &lang.tr("cli.join_try_browser"));
            }
            Err(Failure {
                code: EXIT_OTHER,
                kind: match e {
                    crate::join::OpenError::NotInstalled => "client_not_installed",
                    _ => "open_failed",
                }
                .to_owned(),
                message,
                error: None,
                extra: Vec::new(),
            })
        }
    }
}

/// The session a command that needs the user's token runs with: `MEETJOIN_TOKEN` when set,
/// else the keyring's sign-in for `server`; not signed in is exit 3.
async fn signed_in_session(
    server: Server,
    arg: &ServerArg,
    lang: Lang,
) -> Result<Session, Failure> {
    let client = client(server, arg, lang)?;
    match std::env::var(ENV_TOKEN)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        Some(token) => Ok(Session::with_access_token(
            client,
            SecretString::from(token.trim().to_owned()),
        )),
        None => {
            let session = Session::new(client, keyring_store());
            match session.restore().await {
                Ok(Some(_)) => Ok(session),
                Ok(None) => Err(Failure::api(ApiError::new(ErrorKind::NotSignedIn), lang)),
                Err(e) => Err(Failure::store(&e, lang)),
            }
        }
    }
}

/// The text `check` and `join` read the meeting from: the argument, or with `-` the whole of
/// standard input (kept as a secret: an invitation may hold a password).
fn meeting_text(args: &CheckArgs, lang: Lang) -> Result<SecretString, Failure> {
    if args.meeting != "-" {
        return Ok(SecretString::from(args.meeting.clone()));
    }
    if args.password_stdin {
        return Err(Failure::usage(
            "password_stdin_conflict",
            lang.tr("invitation.stdin_and_password_stdin"),
        ));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("{}", lang.tr("invitation.stdin_paste"));
    }
    // An invitation is a few hundred bytes: a megabyte is more than any, and bounds a mistake.
    let mut bytes = Vec::new();
    stdin
        .lock()
        .take(1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage("stdin", e.to_string()))?;
    String::from_utf8(bytes)
        .map(SecretString::from)
        .map_err(|_| Failure::usage("stdin", lang.tr("invitation.stdin_unreadable")))
}

/// Checks the meeting as `meetjoin check` does; the outcome and what a join needs. Another
/// service's invitation, or (with no server given) an invitation of the other official site,
/// is refused before anything is sent.
async fn run_check(args: CheckArgs, lang: Lang) -> Result<Checked, Failure> {
    let text = meeting_text(&args, lang)?;
    let invitation =
        Invitation::read(text.expose_secret()).map_err(|e| Failure::meeting_text(&e, lang))?;
    drop(text);
    let server = parse_server(&args.server, lang)?;
    // A server given by flag or environment is obeyed; the default is not a choice.
    if args.server.server.is_none()
        && let Some(site) = invitation.other_site(&server)
    {
        return Err(other_site(site, lang));
    }
    // --password-stdin, then the invitation's own password, then the environment: a variable
    // left from another meeting must not beat the invitation in hand.
    let mut password = if args.password_stdin {
        Some(read_stdin_secret()?)
    } else {
        invitation.password.clone().or_else(|| {
            std::env::var(ENV_MEETING_PASSWORD)
                .ok()
                .map(SecretString::from)
        })
    };
    let session = signed_in_session(server.clone(), &args.server, lang).await?;
    let interactive = std::io::stdin().is_terminal() && !args.password_stdin;
    let mut asked = false;
    loop {
        let request = RandomRequest {
            meeting_id: invitation.meeting_id.clone(),
            password: password
                .clone()
                .unwrap_or_else(|| SecretString::from(String::new())),
            guest_waiting: args.guest_waiting,
        };
        let outcome = match session.auth_random(&request).await {
            Ok(reply) => Ok(reply),
            // The invitation's link stands for the password: no prompt, the link is the way in.
            Err(e)
                if crate::join::opens_invitation_link(
                    e.kind,
                    password.as_ref(),
                    invitation.link.as_ref(),
                ) =>
            {
                Err(e)
            }
            Err(e)
                if e.kind == ErrorKind::PasswordRequired
                    && interactive
                    && !asked
                    && password.is_none() =>
            {
                asked = true;
                password = Some(prompt_secret(&lang.tr("cli.meeting_password_prompt"))?);
                continue;
            }
            Err(e) => return Err(Failure::api(e, lang)),
        };
        return Ok(Checked {
            invitation,
            server,
            session,
            password,
            outcome,
        });
    }
}

/// The refusal of an invitation of the other official site: which `--server` to use.
fn other_site(site: Site, lang: Lang) -> Failure {
    let message = t!(
        "invitation.other_site",
        locale = lang.code(),
        site = site.name(lang),
        flag = site.flag()
    )
    .into_owned();
    Failure {
        extra: vec![("server", site.flag().to_owned())],
        ..Failure::usage("other_site", message)
    }
}

fn yes_no(value: Option<bool>, lang: Lang) -> String {
    match value {
        Some(true) => lang.tr("cli.yes"),
        Some(false) => lang.tr("cli.no"),
        None => lang.tr("cli.unknown"),
    }
}

fn print_result(meeting_id: &MeetingId, reply: &Reply<AuthRandom>, json: bool, lang: Lang) {
    let auth = &reply.value;
    if json {
        let object = json!({
            "meeting_id": meeting_id.as_str(),
            "random": auth.random.expose_secret(),
            "subject": auth.subject,
            "conf_mode": auth.conf_mode.as_ref().map(|m| m.as_sent()),
            "mode": auth.conf_mode.as_ref().map_or("unknown", |m| m.label()),
            "webinar": auth.webinar,
            "need_password": auth.need_password,
            "support_applets": auth.support_applets,
            "request_id": reply.request_id,
        });
        println!("{object}");
        return;
    }
    let mode = match &auth.conf_mode {
        Some(mode) => format!("{} ({})", mode.label(), mode.as_sent()),
        None => lang.tr("cli.unknown"),
    };
    let rows = [
        (lang.tr("cli.field.meeting_id"), meeting_id.grouped()),
        (
            lang.tr("cli.field.subject"),
            auth.subject
                .clone()
                .unwrap_or_else(|| lang.tr("cli.unknown")),
        ),
        (lang.tr("cli.field.mode"), mode),
        (lang.tr("cli.field.webinar"), yes_no(auth.webinar, lang)),
        (
            lang.tr("cli.field.need_password"),
            yes_no(auth.need_password, lang),
        ),
        (
            lang.tr("cli.field.support_applets"),
            yes_no(auth.support_applets, lang),
        ),
        (
            lang.tr("cli.field.request_id"),
            reply
                .request_id
                .clone()
                .unwrap_or_else(|| lang.tr("cli.unknown")),
        ),
        (
            lang.tr("cli.field.random"),
            auth.random.expose_secret().to_owned(),
        ),
    ];
    let width = rows
        .iter()
        .map(|(label, _)| label.width())
        .max()
        .unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for (label, value) in rows {
        let pad = " ".repeat(width - label.width() + 2);
        let _ = writeln!(out, "{label}{pad}{value}");
    }
}

async fn login(args: LoginArgs, lang: Lang) -> Result<u8, Failure> {
    let server = parse_server(&args.server, lang)?;
    let interactive = std::io::stdin().is_terminal();
    let credentials = if let Some(app_id) = args.app_id {
        let app_key = if interactive {
            prompt_secret(&lang.tr("cli.app_key_prompt"))?
        } else {
            read_stdin_secret()?
        };
        if app_key.expose_secret().is_empty() {
            return Err(Failure::usage(
                "missing_app_key",
                lang.tr("cli.missing_app_key"),
            ));
        }
        Credentials::AppId(AppIdCredentials {
            app_id,
            app_key,
            user_id: args.user_id,
            multi_tenant: args.multi_tenant,
            corp_id: args.corp_id,
        })
    } else {
        let account = match args.account {
            Some(account) => account,
            None if interactive => {
                eprint!("{}", lang.tr("cli.account_prompt"));
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| Failure::usage("stdin", e.to_string()))?;
                line.trim().to_owned()
            }
            None => {
                return Err(Failure::usage(
                    "missing_account",
                    lang.tr("cli.missing_account"),
                ));
            }
        };
        if account.trim().is_empty() {
            return Err(Failure::usage(
                "missing_account",
                lang.tr("cli.missing_account"),
            ));
        }
        let password = if args.password_stdin {
            read_stdin_secret()?
        } else if interactive {
            prompt_secret(&lang.tr("cli.password_prompt"))?
        } else {
            return Err(Failure::usage(
                "missing_password",
                lang.tr("cli.missing_password"),
            ));
        };
        Credentials::Account { account, password }
    };
    let session = Session::new(client(server, &args.server, lang)?, keyring_store());
    let SignInOutcome {
        signed_in,
        store_error,
    } = session
        .sign_in(credentials)
        .await
        .map_err(|e| Failure::api(e, lang))?;
    let name = signed_in.user_name.unwrap_or(signed_in.account);
    if let Some(e) = store_error {
        eprintln!(
            "meetjoin: {}",
            t!("cli.signed_in_not_saved", locale = lang.code(), name = name)
        );
        eprintln!("meetjoin: {}", e.message(lang));
        return Ok(EXIT_OTHER);
    }
    eprintln!(
        "{}",
        t!(
            "cli.signed_in",
            locale = lang.code(),
            name = name,
            server = session.server()
        )
    );
    Ok(EXIT_OK)
}

async fn logout(args: ServerArg, lang: Lang) -> Result<u8, Failure> {
    let server = parse_server(&args, lang)?;
    let session = Session::new(client(server, &args, lang)?, keyring_store());
    match session.restore().await {
        Ok(Some(_)) => {}
        Ok(None) => {
            eprintln!("{}", lang.tr("cli.not_signed_in_nothing_to_do"));
            return Ok(EXIT_OK);
        }
        Err(e) => return Err(Failure::store(&e, lang)),
    }
    let outcome = session.sign_out().await;
    if let Some(e) = outcome.store_error {
        return Err(Failure::store(&e, lang));
    }
    if let Some(e) = outcome.server_error {
        eprintln!(
            "meetjoin: {}",
            t!(
                "cli.signed_out_server_failed",
                locale = lang.code(),
                reason = e.message(lang)
            )
        );
    }
    eprintln!(
        "{}",
        t!(
            "cli.signed_out",
            locale = lang.code(),
            server = session.server()
        )
    );
    Ok(EXIT_OK)
}

#[cfg(feature = "sandbox")]
async fn sandbox(args: SandboxArgs, lang: Lang) -> u8 {
    use crate::sandbox::{Sandbox, SandboxConfig, SandboxTls};
    let tls = match (args.tls, args.cert, args.key) {
        (false, _, _) => None,
        (true, Some(cert), Some(key)) => Some(SandboxTls::Files { cert, key }),
        (true, _, _) => Some(SandboxTls::SelfSigned),
    };
    let config = SandboxConfig {
        port: args.port,
        token_ttl: std::time::Duration::from_secs(args.token_ttl.max(1)),
        rate_limit_per_minute: args.rate_limit,
        tls,
        record: args.record.clone(),
        ..SandboxConfig::default()
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("meetjoin: {}", e.message(lang));
            return EXIT_OTHER;
        }
    };
    // Line 1 the URL, line 2 (with --tls) the certificate to trust: scripts read them.
    println!("{}", sandbox.url());
    if let Some(pem) = sandbox.ca_pem_path() {
        println!("{}", pem.display());
        eprintln!(
            "{}",
            t!("sandbox.ca_pem", locale = lang.code(), path = pem.display())
        );
    }
    if let Some(path) = &args.record {
        eprintln!(
            "{}",
            t!(
                "sandbox.recording",
                locale = lang.code(),
                path = path.display()
            )
        );
    }
    eprintln!(
        "{}",
        t!(
            "cli.sandbox_ready",
            locale = lang.code(),
            url = sandbox.url()
        )
    );
    eprintln!(
        "{}",
        t!(
            "cli.sandbox_demo",
            locale = lang.code(),
            account = crate::sandbox::DEMO_ACCOUNT,
            password = crate::sandbox::DEMO_PASSWORD,
            app_id = crate::sandbox::DEMO_APP_ID,
            sp_app_id = crate::sandbox::DEMO_SP_APP_ID,
            corp_id = crate::sandbox::DEMO_SP_CORP_ID
        )
    );
    let _ = std::io::stdout().flush();
    // Ctrl+C, or on Unix a plain `kill`: either way the sandbox stops cleanly and removes its
    // self-signed certificate.
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    EXIT_OK
}
