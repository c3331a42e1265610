//! Joining: the `cloudlink://` link as API.md section 6 documents it, the portal nonce of an
//! App ID sign-in, and `meetjoin join` handing the link to a fake `cloudlink` handler
//! registered in a temporary XDG directory (or saying that no client is installed).
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use common::{TestSandbox, meetjoin, stderr, stdout};
use meetjoin::MeetingId;
use meetjoin::api::{AppIdCredentials, Client, ErrorKind};
use meetjoin::join::{JoinOptions, JoinRequest, join_link};
use meetjoin::sandbox::{DEMO_APP_ID, DEMO_APP_KEY};
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;
use meetjoin::session::{Credentials, Session};

fn id(digits: &str) -> MeetingId {
    MeetingId::parse(digits).expect("meeting id")
}

fn options(name: &str) -> JoinOptions {
    JoinOptions {
        name: name.to_owned(),
        mic: false,
        camera: false,
    }
}

#[test]
fn the_link_is_the_documented_one() {
    let password = SecretString::from("123456".to_owned());
    let meeting = id("987654321");
    let link = join_link(
        &JoinRequest {
            server: &Server::Cn,
            meeting_id: &meeting,
            password: Some(&password),
            needs_password: true,
            nonce: None,
        },
        &options("张三 Li"),
    );
    assert_eq!(
        link.expose_secret(),
        "cloudlink://welinksoftclient/h5page?page=joinConfByLink\
         &server_url=meeting.huaweicloud.com&port=8443&conf_id=987654321&enter_code=123456\
         &name=%E5%BC%A0%E4%B8%89%20Li&open_mic=false&open_camera=false"
    );

    // No password needed: no enter_code. The international site; mic and camera on.
    let meeting = id("914047175");
    let link = join_link(
        &JoinRequest {
            server: &Server::Intl,
            meeting_id: &meeting,
            password: None,
            needs_password: false,
            nonce: None,
        },
        &JoinOptions {
            name: "A&B=C?".to_owned(),
            mic: true,
            camera: true,
        },
    );
    assert_eq!(
        link.expose_secret(),
        "cloudlink://welinksoftclient/h5page?page=joinConfByLink\
         &server_url=intl.meeting.huaweicloud.com&port=8443&conf_id=914047175\
         &name=A%26B%3DC%3F&open_mic=true&open_camera=true"
    );

    // A custom server (a private deployment, the sandbox): its own host and port. With a
    // nonce: LoginAndJoinConf.
    let server = Server::parse("https://meeting.example.com:9443").expect("custom server");
    let nonce = SecretString::from("n0nce".to_owned());
    let link = join_link(
        &JoinRequest {
            server: &server,
            meeting_id: &meeting,
            password: None,
            needs_password: false,
            nonce: Some(&nonce),
        },
        &options("王璐"),
    );
    assert_eq!(
        link.expose_secret(),
        "cloudlink://welinksoftclient/h5page?page=LoginAndJoinConf\
         &server_url=meeting.example.com&port=9443&conf_id=914047175\
         &name=%E7%8E%8B%E7%92%90&open_mic=false&open_camera=false&nonce=n0nce"
    );
    let server = Server::parse("https://meeting.example.com").expect("custom server");
    assert_eq!(
        meetjoin::join::link_host(&server),
        ("meeting.example.com".to_owned(), 443)
    );
}

#[test]
fn an_app_id_session_gets_a_one_time_portal_nonce() {
    let sandbox = TestSandbox::default_config();
    let server = Server::parse(&sandbox.url()).expect("url");
    let session = Session::new(
        Client::new(server).expect("client"),
        Arc::new(MemoryStore::new()),
    );
    let runtime = &sandbox.runtime;
    // Signed out: no nonce.
    let refused = runtime.block_on(session.portal_nonce()).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::NotSignedIn);

    runtime
        .block_on(session.sign_in(Credentials::AppId(AppIdCredentials {
            app_id: DEMO_APP_ID.to_owned(),
            app_key: SecretString::from(DEMO_APP_KEY.to_owned()),
            user_id: Some("zhang.zhe".to_owned()),
            multi_tenant: false,
            corp_id: None,
        })))
        .expect("App ID sign-in");
    let nonce = runtime.block_on(session.portal_nonce()).expect("a nonce");
    let second = runtime.block_on(session.portal_nonce()).expect("another");
    assert_ne!(
        nonce.expose_secret(),
        second.expose_secret(),
        "one per call"
    );
    assert!(nonce.expose_secret().len() >= 32);
    assert_eq!(sandbox.sandbox.stats().portal_nonces, 2);
    // The client signs in with it once, as the same user; a second time it is refused.
    assert_eq!(
        sandbox.sandbox.redeem_portal_nonce(nonce.expose_secret()),
        Some("zhang.zhe".to_owned())
    );
    assert_eq!(
        sandbox.sandbox.redeem_portal_nonce(nonce.expose_secret()),
        None
    );
    assert_eq!(sandbox.sandbox.redeem_portal_nonce("made-up"), None);

    // An expired access token is renewed first (the kept App Key signs in again).
    sandbox.sandbox.expire_access_tokens();
    let renewed = runtime
        .block_on(session.portal_nonce())
        .expect("after renewal");
    assert!(
        sandbox
            .sandbox
            .redeem_portal_nonce(renewed.expose_secret())
            .is_some()
    );
}

/// A temporary XDG setup with a fake `cloudlink` handler that appends each link it gets to
/// a file, registered as the scheme's default application; and a fake browser, the default
/// for `https` links, that records them in the same file.
struct FakeHandler {
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    record: PathBuf,
}

impl FakeHandler {
    fn new(registered: bool) -> FakeHandler {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let config = dir.path().join("config");
        let record = dir.path().join("links.txt");
        let apps = data.join("applications");
        std::fs::create_dir_all(&apps).expect("applications dir");
        std::fs::create_dir_all(&config).expect("config dir");
        if registered {
            let script = dir.path().join("fake-cloudlink");
            std::fs::write(
                &script,
                format!(
                    "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
                    record.display()
                ),
            )
            .expect("handler script");
            make_executable(&script);
            std::fs::write(
                apps.join("fake-cloudlink.desktop"),
                format!(
                    "[Desktop Entry]\nType=Application\nName=Fake cloudlink\n\
                     Exec={} %u\nMimeType=x-scheme-handler/cloudlink;x-scheme-handler/https;\n\
                     NoDisplay=true\n",
                    script.display()
                ),
            )
            .expect("desktop file");
            std::fs::write(
                config.join("mimeapps.list"),
                "[Default Applications]\nx-scheme-handler/cloudlink=fake-cloudlink.desktop\n\
                 x-scheme-handler/https=fake-cloudlink.desktop\n",
            )
            .expect("mimeapps.list");
        }
        FakeHandler {
            _dir: dir,
            data,
            config,
            record,
        }
    }

    /// The links the handler received, one per line.
    fn links(&self) -> Vec<String> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path).expect("metadata").permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).expect("chmod");
}

/// Runs `meetjoin join ARGS` against the sandbox with the demo token and `handler`'s XDG dirs.
fn join(
    sandbox: &TestSandbox,
    handler: &FakeHandler,
    args: &[&str],
    password: Option<&str>,
) -> std::process::Output {
    let url = sandbox.url();
    let token = sandbox.demo_token();
    let data = handler.data.display().to_string();
    let config = handler.config.display().to_string();
    let mut all = vec!["join"];
    all.extend_from_slice(args);
    let mut env = vec![
        ("MEETJOIN_SERVER", url.as_str()),
        ("MEETJOIN_TOKEN", token.as_str()),
        ("XDG_DATA_HOME", data.as_str()),
        ("XDG_CONFIG_HOME", config.as_str()),
        ("XDG_DATA_DIRS", data.as_str()),
        ("XDG_CONFIG_DIRS", config.as_str()),
        ("LANG", "en_US.UTF-8"),
        // xdg-open runs scheme handlers in a graphical session only; the fake one needs none.
        // A display no server has: xdg-open asks it for the desktop (`xprop -root`), and a
        // server on :0 that accepts but never answers (one left over on a shared machine)
        // held these tests for eleven minutes.
        ("DISPLAY", ":64999"),
    ];
    if let Some(password) = password {
        env.push(("MEETJOIN_MEETING_PASSWORD", password));
    }
    meetjoin(&all, &env, None)
}

#[test]
#[ignore = "needs xdg-utils (xdg-open, xdg-mime): scripts/test.sh"]
fn meetjoin_join_hands_the_handler_exactly_the_link() {
    let sandbox = TestSandbox::default_config();
    let handler = FakeHandler::new(true);
    let port = sandbox.url().rsplit(':').next().expect("port").to_owned();

    let out = join(
        &sandbox,
        &handler,
        &["987654321", "--name", "张喆 & 王璐", "--mic"],
        Some("123456"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = format!(
        "cloudlink://welinksoftclient/h5page?page=joinConfByLink&server_url=127.0.0.1\
         &port={port}&conf_id=987654321&enter_code=123456\
         &name=%E5%BC%A0%E5%96%86%20%26%20%E7%8E%8B%E7%92%90&open_mic=true&open_camera=false"
    );
    assert_eq!(handler.links(), vec![expected.clone()], "exactly one link");
    // The link (it holds the password) is in no output of meetjoin's own.
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!printed.contains("cloudlink"), "{printed}");
    assert!(!printed.contains("123456"), "{printed}");
    assert!(printed.contains("987 654 321"), "{printed}");

    // --print-link prints it instead, and opens nothing.
    let out = join(
        &sandbox,
        &handler,
        &[
            "987654321",
            "--name",
            "张喆 & 王璐",
            "--mic",
            "--print-link",
        ],
        Some("123456"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), expected);
    assert_eq!(handler.links().len(), 1, "nothing more opened");

    // The check comes first, with its exit codes: a wrong password opens nothing.
    let out = join(
        &sandbox,
        &handler,
        &["987654321", "--name", "x"],
        Some("000000"),
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(handler.links().len(), 1);
    // Without --name, the signed-in user's name.
    let out = join(&sandbox, &handler, &["914047175"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let last = handler.links().pop().expect("a second link");
    assert!(
        last.contains("&name=") && !last.contains("&name=&"),
        "{last}"
    );
    assert!(!last.contains("enter_code"), "{last}");
}

#[test]
#[ignore = "needs xdg-utils (xdg-open, xdg-mime): scripts/test.sh"]
fn without_a_client_meetjoin_join_says_so_and_offers_the_download_page() {
    let sandbox = TestSandbox::default_config();
    let handler = FakeHandler::new(false);
    let out = join(&sandbox, &handler, &["914047175", "--name", "x"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("HUAWEI CLOUD Meeting is not installed"),
        "{text}"
    );
    assert!(text.contains(meetjoin::join::DOWNLOAD_PAGE_CN), "{text}");
    assert!(handler.links().is_empty());
    // Not a dead end: it says the browser joins too, and --browser gives the meeting's page.
    assert!(text.contains("--browser"), "{text}");
    let out = join(
        &sandbox,
        &handler,
        &["914047175", "--browser", "--print-link"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!("{}/#/j/914047175", sandbox.url()),
        "the sandbox's own page for the meeting"
    );
}

#[test]
fn the_meeting_s_web_page_and_an_invitation_to_copy() {
    let meeting = id("914047175");
    // The site's page, the international one on the international server, a custom
    // server's own origin; the meeting's own link when known.
    assert_eq!(
        meetjoin::join::web_link(&Server::Cn, &meeting, None).expose_secret(),
        "https://meeting.huaweicloud.com/#/j/914047175"
    );
    assert_eq!(
        meetjoin::join::web_link(&Server::Intl, &meeting, None).expose_secret(),
        "https://intl.meeting.huaweicloud.com/#/j/914047175"
    );
    let private = Server::parse("https://meet.example.com:8443/api").expect("server");
    assert_eq!(
        meetjoin::join::web_link(&private, &meeting, None).expose_secret(),
        "https://meet.example.com:8443/#/j/914047175"
    );
    let own = SecretString::from("https://meeting.huaweicloud.com/#/j/914047175/abc".to_owned());
    assert_eq!(
        meetjoin::join::web_link(&Server::Cn, &meeting, Some(&own)).expose_secret(),
        own.expose_secret()
    );
    // The invitation: ID, password (when there is one) and link, in either language.
    let password = SecretString::from("246802".to_owned());
    let link = meetjoin::join::web_link(&Server::Cn, &meeting, None);
    let en = meetjoin::join::invitation_text(meetjoin::Lang::En, &meeting, Some(&password), &link);
    assert_eq!(
        en.expose_secret(),
        "Meeting ID: 914 047 175\nPassword: 246802\nLink: https://meeting.huaweicloud.com/#/j/914047175"
    );
    let zh = meetjoin::join::invitation_text(meetjoin::Lang::ZhCn, &meeting, None, &link);
    assert_eq!(
        zh.expose_secret(),
        "会议 ID: 914 047 175\n会议链接: https://meeting.huaweicloud.com/#/j/914047175"
    );
}

#[test]
#[ignore = "needs xdg-utils (xdg-open, xdg-mime): scripts/test.sh"]
fn a_link_that_carries_the_password_is_opened_itself() {
    const SUFFIX: &str = "xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mq";
    let sandbox = TestSandbox::default_config();
    let handler = FakeHandler::new(true);
    let link = format!("https://meeting.huaweicloud.com/#/j/987654321/{SUFFIX}");
    let invitation = format!("会议ID：987 654 321\n点击链接入会：{link}");
    // No password anywhere: the check says one is needed, and Join opens the link itself.
    let out = join(&sandbox, &handler, &[&invitation], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        handler.links(),
        vec![link],
        "the https link, handed to the browser"
    );
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!printed.contains(SUFFIX), "{printed}");
    assert!(printed.contains("987 654 321"), "{printed}");
    assert_eq!(sandbox.sandbox.stats().random_calls, 1, "checked first");
}

/// What Join opens, decided once for both faces: the name's fallbacks, the App ID nonce, the
/// invitation's own link only when it stands for a password the user does not have.
#[test]
fn the_join_plan_is_one_decision() {
    use meetjoin::Invitation;
    use meetjoin::join::{JoinInput, JoinPlan, PlanError, plan};
    use meetjoin::secrets::SignInMethod;
    use meetjoin::session::SignedIn;

    let meeting = id("987654321");
    let with_suffix = Invitation::read(
        "https://meeting.huaweicloud.com/#/j/987654321/xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mq",
    )
    .expect("an invitation")
    .link
    .expect("a link");
    let without_suffix = Invitation::read("https://meeting.huaweicloud.com/#/j/987654321")
        .expect("an invitation")
        .link
        .expect("a link");
    let signed_in = |user_name: Option<&str>, method: SignInMethod| SignedIn {
        account: "zhang@example.com".to_owned(),
        user_name: user_name.map(str::to_owned),
        expires_at: None,
        method,
        memory_only: true,
    };
    let account = signed_in(Some("张三"), SignInMethod::Account);
    let app_id = signed_in(
        None,
        SignInMethod::AppId {
            app_id: "app".to_owned(),
            user_id: None,
            multi_tenant: false,
            corp_id: None,
        },
    );
    let password = SecretString::from("123456".to_owned());
    let base = JoinInput {
        server: &Server::Cn,
        meeting_id: &meeting,
        check: Ok(Some(true)),
        password: Some(&password),
        link: None,
        name: None,
        signed_in: Some(&account),
        mic: false,
        camera: false,
        browser: false,
        web_link: None,
    };
    let client_link = |input: &JoinInput<'_>| match plan(input) {
        Ok(JoinPlan::Client(client)) => (client.needs_nonce, client.link(None)),
        other => panic!("expected the client's link, got {other:?}"),
    };
    // The signed-in user's name, then a chosen one, then the account.
    let (nonce, link) = client_link(&base);
    assert!(!nonce);
    assert!(
        link.expose_secret()
            .contains("&enter_code=123456&name=%E5%BC%A0%E4%B8%89&")
    );
    let (_, link) = client_link(&JoinInput {
        name: Some("  Li  "),
        ..base
    });
    assert!(link.expose_secret().contains("&name=Li&"));
    let (nonce, link) = client_link(&JoinInput {
        name: Some(" "),
        signed_in: Some(&app_id),
        ..base
    });
    assert!(nonce, "an App ID sign-in joins signed in");
    assert!(link.expose_secret().contains("&name=zhang%40example.com&"));
    assert!(matches!(
        plan(&JoinInput {
            signed_in: None,
            ..base
        }),
        Err(PlanError::MissingName)
    ));
    // No password needed, none given: no enter_code.
    let (_, link) = client_link(&JoinInput {
        check: Ok(Some(false)),
        password: None,
        ..base
    });
    assert!(!link.expose_secret().contains("enter_code"));

    // Password required, none given, and the invitation's link stands for it: the link.
    let refused = JoinInput {
        check: Err(ErrorKind::PasswordRequired),
        password: None,
        link: Some(&with_suffix),
        signed_in: None,
        ..base
    };
    match plan(&refused) {
        Ok(JoinPlan::InvitationLink(link)) => assert_eq!(
            link.expose_secret(),
            "https://meeting.huaweicloud.com/#/j/987654321/xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mq"
        ),
        other => panic!("expected the invitation's link, got {other:?}"),
    }
    // Not when the link has no suffix, a password was given, or the refusal is another one.
    let blank = SecretString::from(" ".to_owned());
    for input in [
        JoinInput {
            link: Some(&without_suffix),
            ..refused
        },
        JoinInput {
            password: Some(&password),
            ..refused
        },
        JoinInput {
            check: Err(ErrorKind::WrongIdOrPassword),
            ..refused
        },
    ] {
        assert!(matches!(plan(&input), Err(PlanError::NotChecked)));
    }
    assert!(matches!(
        plan(&JoinInput {
            password: Some(&blank),
            ..refused
        }),
        Ok(JoinPlan::InvitationLink(_))
    ));
}
