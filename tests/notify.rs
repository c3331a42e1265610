//! Reminders (`meetjoin::notify`) against a private `org.freedesktop.Notifications` test
//! service on a private D-Bus bus that this test starts (`dbus-daemon`) and serves with zbus:
//! what meetjoin sends, the Join button only where the service has actions, the click coming
//! back, and clear errors without a service or a bus.
#![cfg(all(unix, not(target_vendor = "apple")))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/notify_bus.rs"]
mod notify_bus;

use std::time::Duration;

use meetjoin::Lang;
use meetjoin::notify::{JOIN_ACTION, Notifier, NotifyError, Reminder};
use notify_bus::{PrivateBus, serve};

fn reminder() -> Reminder {
    Reminder {
        title: "设计评审 Design review".to_owned(),
        body: "Starts in 5 min (16:30) · Meeting ID 900 000 102".to_owned(),
        join_label: Some("Join".to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_has_a_join_button_and_its_click_comes_back() {
    let bus = PrivateBus::start();
    let (service, received) = serve(&bus, &["actions", "body"]).await;
    let notifier = Notifier::connect_to(&bus.address).await.expect("connects");
    assert!(notifier.supports_actions());
    let mut clicks = notifier.actions().await.expect("subscribed");
    let id = notifier.show(&reminder()).await.expect("shown");

    let seen = received.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].app_name, "meetjoin");
    assert_eq!(seen[0].summary, "设计评审 Design review");
    assert!(seen[0].body.contains("900 000 102"));
    assert_eq!(seen[0].actions, [JOIN_ACTION, "Join"]);
    assert!(
        seen[0].hints.contains(&"desktop-entry".to_owned()),
        "{:?}",
        seen[0].hints
    );

    // The user presses Join: the service says so, and meetjoin hears it.
    service
        .emit_signal(
            None::<()>,
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            &(id, JOIN_ACTION),
        )
        .await
        .expect("signal");
    let click = tokio::time::timeout(Duration::from_secs(10), clicks.next())
        .await
        .expect("the click arrives")
        .expect("a click");
    assert_eq!(click.id, id);
    assert_eq!(click.action, JOIN_ACTION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_actions_there_is_no_button() {
    let bus = PrivateBus::start();
    let (_service, received) = serve(&bus, &["body"]).await;
    let notifier = Notifier::connect_to(&bus.address).await.expect("connects");
    assert!(!notifier.supports_actions());
    notifier.show(&reminder()).await.expect("shown");
    let seen = received.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].actions.is_empty(), "{:?}", seen[0].actions);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_service_and_no_bus_are_clear_errors() {
    let bus = PrivateBus::start();
    let err = Notifier::connect_to(&bus.address).await.unwrap_err();
    assert!(matches!(err, NotifyError::NoService(_)), "{err:?}");
    assert!(
        err.message(Lang::En).contains("no notification service"),
        "{}",
        err.message(Lang::En)
    );
    assert!(
        err.message(Lang::ZhCn).contains("通知服务"),
        "{}",
        err.message(Lang::ZhCn)
    );

    let dir = tempfile::tempdir().expect("dir");
    let nowhere = format!("unix:path={}", dir.path().join("no-bus").display());
    let err = Notifier::connect_to(&nowhere).await.unwrap_err();
    assert!(matches!(err, NotifyError::NoBus(_)), "{err:?}");
    assert!(err.message(Lang::En).contains("session bus"));
    assert!(err.message(Lang::ZhCn).contains("会话总线"));
}

#[cfg(feature = "sandbox")]
#[test]
fn a_meeting_reminder_says_when_and_which_meeting_never_the_password() {
    use meetjoin::api::meetings::decode_meetings_page;
    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5);
    let text = start.strftime("%Y-%m-%d %H:%M").to_string();
    let body = format!(
        r#"{{"data":[{{"conferenceID":"900000102","subject":"设计评审","startTime":"{text}",
        "passwordEntry":[{{"conferenceRole":"general","password":"246802"}}]}}]}}"#
    );
    let meeting = decode_meetings_page(body.as_bytes())
        .expect("decodes")
        .remove(0);
    let now = jiff::Timestamp::now();
    let en = Reminder::for_meeting(&meeting, now, Lang::En);
    assert_eq!(en.title, "设计评审");
    assert!(en.body.contains("900 000 102"), "{}", en.body);
    assert!(en.body.starts_with("Starts in"), "{}", en.body);
    assert_eq!(en.join_label.as_deref(), Some("Join"));
    let zh = Reminder::for_meeting(&meeting, now, Lang::ZhCn);
    assert!(zh.body.contains("分钟后开始"), "{}", zh.body);
    assert_eq!(zh.join_label.as_deref(), Some("加入"));
    for text in [&en.title, &en.body, &zh.body] {
        assert!(!text.contains("246802"), "{text}");
    }
}
