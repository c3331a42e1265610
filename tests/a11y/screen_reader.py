"""A screen reader user does the whole job in the real meetjoin window, reading it only through
AT-SPI as Orca does: the window's name, every focusable control named (in every state the job
passes through), sign in, type a meeting ID, Check, hear the subject and the auth random, reach
Copy and Join with Tab, copy, then a wrong meeting ID and its error.

    screen_reader.py PID

Run by tests/desktop.rs (a_screen_reader_user_does_the_whole_job) on a private X display and
accessibility bus; keys go through xdotool to the focused window. Prints what a screen reader
would say at each step; exits 1 with the reason (and the unnamed controls, if any) on failure.
"""

import re
import subprocess
import sys

from atspi import (
    DIGITS_15,
    Failure,
    describe,
    do_action,
    grab_focus,
    tree,
    unnamed_focusable,
    wait_for,
    wait_for_app,
)

MEETING = "914047175"
SUBJECT = "zhang的会议"
WRONG_MEETING = "123456789"


def say(text):
    """What the screen reader says; the test prints it."""
    print(text, flush=True)


def xdotool(*args):
    subprocess.run(["xdotool", *args], check=True, timeout=20)


def infos(pid):
    return [info for _, info in tree(pid)]


def showing(nodes):
    return [n for n in nodes if "showing" in n["states"]]


def first(nodes, role=None, name=None, contains=None, pattern=None):
    """The first showing node that matches every given condition, or None."""
    for n in showing(nodes):
        if role is not None and n["role"] != role:
            continue
        if name is not None and n["name"] != name:
            continue
        if contains is not None and contains.lower() not in n["name"].lower():
            continue
        # A pattern matches what a screen reader reads: the name, or an entry's text.
        if pattern is not None and not (
            re.search(pattern, n["name"]) or re.search(pattern, n.get("text", ""))
        ):
            continue
        return n
    return None


def wait_node(pid, what, **conditions):
    return wait_for(what, lambda: first(infos(pid), **conditions))


def every_control_named(pid, where):
    """Fails, listing them, when a focusable control has no accessible name."""
    nodes = infos(pid)
    unnamed = unnamed_focusable(nodes)
    if unnamed:
        raise Failure(
            f"{where}: {len(unnamed)} focusable control(s) without an accessible name "
            "(a screen reader can only say their role):\n  "
            + "\n  ".join(describe(n) for n in unnamed)
        )
    focusable = [n for n in showing(nodes) if "focusable" in n["states"]]
    say(
        f"[{where}] {len(focusable)} focusable controls, every one named: "
        + "; ".join(f"{n['role']} {n['name']!r}" for n in focusable)
    )
    return nodes


def focused(pid):
    found = [n for n in infos(pid) if "focused" in n["states"]]
    return found[0] if found else None


def tab_to(pid, role, name, limit=40):
    """Presses Tab, saying each control that takes the focus, until `role` `name` has it."""
    went = []
    previous = focused(pid)
    for _ in range(limit):
        xdotool("key", "Tab")
        now = wait_for(
            "the focus to move on Tab",
            lambda: (f := focused(pid)) is not None
            and (previous is None or f["path"] != previous["path"])
            and f,
        )
        say(f"  Tab: {now['role']}, {now['name']}")
        went.append(f"{now['role']} {now['name']!r}")
        if now["role"] == role and now["name"] == name:
            return now
        previous = now
    raise Failure(f"Tab never reached the {role} {name!r}; it went through: {', '.join(went)}")


def main(pid):
    app = wait_for_app(pid)
    frame = wait_for("the window", lambda: first(infos(pid), role="frame"))
    say(f"Window: {frame['name']} ({app.name})")
    field = wait_node(pid, "the meeting field", role="entry", name="Meeting ID or invitation")
    every_control_named(pid, "the form")
    start = wait_for("a focused control", lambda: focused(pid))
    say(f"Focus: {start['role']}, {start['name']}")

    # Sign in from the header, with the keyboard, as a screen reader user would reach it.
    tab_to(pid, "push button", "Sign in…")
    xdotool("key", "Return")
    wait_node(pid, "the sign-in dialog's Sign in button", role="push button", name="Sign in")
    every_control_named(pid, "the sign-in dialog")
    for n in showing(infos(pid)):
        if n["role"] in ("entry", "password text") and n["name"]:
            shown = "(hidden)" if n["role"] == "password text" else repr(n["text"])
            say(f"  {n['role']}, {n['name']}: {shown}")
    do_action(pid, "push button", "Sign in")
    signed_in = wait_node(pid, "the signed-in account in the header", contains="signed in as")
    say(f"Header: {signed_in['name']}")

    # Type a meeting ID into the field, and Check.
    grab_focus(pid, "entry", field["name"])
    xdotool("type", "--delay", "40", MEETING)
    wait_for(
        f"the meeting field to read {MEETING}",
        lambda: (f := first(infos(pid), role="entry", name=field["name"])) and f["text"] == MEETING,
    )
    say(f"Typed {MEETING}")
    every_control_named(pid, "the form, filled in")
    do_action(pid, "push button", "Check")
    subject = wait_node(pid, "the meeting's subject", name=SUBJECT)
    random = wait_node(pid, "the auth random", pattern=DIGITS_15.pattern)
    say(f"Subject: {subject['name']}")
    say(f"Auth random: {random['name']} {random.get('text', '')}".strip())
    nodes = every_control_named(pid, "the result")
    # What follows the Check button, in reading order: the result card.
    after = False
    card = []
    for n in showing(nodes):
        if n["role"] == "push button" and n["name"] == "Check":
            after = True
        elif after and n["name"] and n["role"] in ("label", "push button", "heading"):
            card.append(f"{n['role']} {n['name']!r}")
    say("Result card, read in order: " + "; ".join(card[:20]))

    # Join (the result's first button) and Copy are reached with Tab; Enter on Copy copies
    # and says so.
    tab_to(pid, "push button", "Join")
    tab_to(pid, "push button", "Copy")
    xdotool("key", "Return")
    copied = wait_node(pid, "a confirmation of the copy", contains="copied")
    say(f"After Enter on Copy: {copied['role']} {copied['name']!r}")

    # A meeting that does not exist: its error is in the tree, in words.
    grab_focus(pid, "entry", field["name"])
    xdotool("key", "ctrl+a")
    xdotool("type", "--delay", "40", WRONG_MEETING)
    wait_for(
        f"the meeting field to read {WRONG_MEETING}",
        lambda: (f := first(infos(pid), role="entry", name=field["name"]))
        and f["text"] == WRONG_MEETING,
    )
    xdotool("key", "Return")
    error = wait_node(pid, "the error for a wrong meeting ID", contains="wrong")
    say(f"Error: {error['name']}")
    every_control_named(pid, "the error")
    say("ok")


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]))
    except Failure as failure:
        print(f"screen_reader.py: {failure}", file=sys.stderr)
        sys.exit(1)
