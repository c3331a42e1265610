//! One window per user: a second launch hands its meeting to the first window over the
//! per-user socket, and a socket left by a crashed window is replaced.
#![cfg(all(feature = "gui", unix))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use meetjoin::gui::instance::{Claim, Handoff, claim};

#[test]
fn a_second_launch_hands_its_meeting_to_the_first_window() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("window.sock");
    let woken = Arc::new(AtomicUsize::new(0));
    let wake = {
        let woken = Arc::clone(&woken);
        move || {
            woken.fetch_add(1, Ordering::SeqCst);
        }
    };
    let Claim::First(listener) = claim(&path, &Handoff::default(), wake).expect("claim") else {
        panic!("the first launch is the first window");
    };
    let mode = std::fs::metadata(&path)
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the socket is the user's alone: {mode:o}");

    let handoff = Handoff {
        meeting: Some("会议ID：987 654 321".to_owned()),
        check_clipboard: false,
    };
    let second = claim(&path, &handoff, || {}).expect("second claim");
    assert!(
        matches!(second, Claim::Handed),
        "the second launch hands over"
    );
    let received = listener
        .handoffs
        .recv_timeout(Duration::from_secs(3))
        .expect("the first window gets it");
    assert_eq!(received, handoff);
    // The window is woken just after the handoff is queued.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while woken.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(woken.load(Ordering::SeqCst), 1, "and is woken");

    // A stranger writing garbage gets no answer, and the window goes on.
    {
        use std::io::Write;
        let mut stream = std::os::unix::net::UnixStream::connect(&path).expect("connect");
        stream.write_all(b"not json\n").expect("write");
    }
    let third = Handoff {
        meeting: None,
        check_clipboard: true,
    };
    assert!(matches!(
        claim(&path, &third, || {}).expect("third claim"),
        Claim::Handed
    ));
    assert_eq!(
        listener
            .handoffs
            .recv_timeout(Duration::from_secs(3))
            .expect("the third handoff"),
        third
    );

    // The window closes: its socket goes with it.
    drop(listener);
    assert!(!path.exists(), "the socket file is removed");
}

#[test]
fn a_socket_left_by_a_crashed_window_is_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("window.sock");
    // A window that died without cleaning up: the file stays, nobody listens.
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
    assert!(path.exists());
    let claimed = claim(&path, &Handoff::default(), || {}).expect("claim");
    assert!(
        matches!(claimed, Claim::First(_)),
        "the new launch becomes the window"
    );
}
