"""The meetjoin window as a screen reader sees it, through AT-SPI (pyatspi).

Shared by the real-desktop tests (tests/common/desktop.rs runs it with /usr/bin/python3, where
Debian's python3-pyatspi lives, on the accessibility bus of a private D-Bus session):

    atspi.py tree PID            the window's accessible tree as JSON lines, one per node
    atspi.py do PID ROLE NAME    performs the first action ("click") of that control
    atspi.py focus PID ROLE NAME gives that control the keyboard focus

tests/screen_reader.py walks the whole job with the same functions. Nothing here waits a fixed
time: `wait_for` polls a condition until its deadline.
"""

import json
import re
import sys
import time

import pyatspi

DEADLINE = 15.0
POLL = 0.1


class Failure(Exception):
    """A step that did not happen; the message says what was expected and what was seen."""


def wait_for(what, condition, deadline=DEADLINE):
    """Polls `condition` (a function returning a true value when ready) until `deadline`."""
    end = time.monotonic() + deadline
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # a node that went away while being read
            last_error = error
        if time.monotonic() > end:
            extra = f" (last error: {last_error})" if last_error else ""
            raise Failure(f"timed out after {deadline:.0f} s waiting for {what}{extra}")
        time.sleep(POLL)


def find_app(pid):
    """The accessible application of process `pid`, or None."""
    desktop = pyatspi.Registry.getDesktop(0)
    for index in range(desktop.childCount):
        app = desktop.getChildAtIndex(index)
        try:
            if app is not None and app.get_process_id() == pid:
                return app
        except Exception:
            continue
    return None


def wait_for_app(pid):
    """The application of `pid` once its window is in the tree."""
    return wait_for(
        f"meetjoin (pid {pid}) on the accessibility bus",
        lambda: (app := find_app(pid)) is not None and app.childCount > 0 and app,
    )


STATES = {
    "focusable": pyatspi.STATE_FOCUSABLE,
    "focused": pyatspi.STATE_FOCUSED,
    "showing": pyatspi.STATE_SHOWING,
    "visible": pyatspi.STATE_VISIBLE,
    "enabled": pyatspi.STATE_ENABLED,
    "sensitive": pyatspi.STATE_SENSITIVE,
    "active": pyatspi.STATE_ACTIVE,
    "checked": pyatspi.STATE_CHECKED,
    "modal": pyatspi.STATE_MODAL,
    "editable": pyatspi.STATE_EDITABLE,
}


def text_of(acc):
    """The text an editable or text node holds ('' when it has none)."""
    try:
        text = acc.queryText()
        return text.getText(0, text.characterCount)
    except NotImplementedError:
        return ""


def node(acc, path):
    """One node as a dict: what a screen reader reads of it, and where it is on screen."""
    try:
        box = acc.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        extents = [box.x, box.y, box.width, box.height]
    except NotImplementedError:
        extents = None
    state = acc.getState()
    try:
        action = acc.queryAction()
        actions = [action.getName(i) for i in range(action.nActions)]
    except NotImplementedError:
        actions = []
    return {
        "path": path,
        "role": acc.getRoleName(),
        "name": acc.name or "",
        "description": acc.description or "",
        "states": [name for name, s in STATES.items() if state.contains(s)],
        "extents": extents,
        "text": text_of(acc) if acc.getRole() in TEXT_ROLES else "",
        "actions": actions,
    }


TEXT_ROLES = {
    pyatspi.ROLE_ENTRY,
    pyatspi.ROLE_PASSWORD_TEXT,
    pyatspi.ROLE_TEXT,
}


def walk(acc, path="0"):
    """Every node under `acc` (itself first) as (accessible, dict) pairs, depth first."""
    nodes = [(acc, node(acc, path))]
    for index in range(acc.childCount):
        child = acc.getChildAtIndex(index)
        if child is not None:
            nodes.extend(walk(child, f"{path}/{index}"))
    return nodes


def tree(pid):
    """The tree of `pid`'s application, read fresh."""
    app = wait_for_app(pid)
    return walk(app)


def find(pid, role, name, exact=True):
    """The first showing node of `role` whose name is `name` (or contains it), else None."""
    for acc, info in tree(pid):
        if info["role"] != role or "showing" not in info["states"]:
            continue
        if info["name"] == name or (not exact and name in info["name"]):
            return acc, info
    return None


def unnamed_focusable(infos):
    """The focusable controls (of `infos`, node dicts) that a screen reader could only call by
    their role."""
    return [info for info in infos if "focusable" in info["states"] and not info["name"].strip()]


def describe(info):
    """One node as a line: role, name, states, extents."""
    return (
        f"{info['role']} {info['name']!r} at {info['extents']} "
        f"[{', '.join(info['states'])}] path {info['path']}"
        + (f" text {info['text']!r}" if info["text"] else "")
    )


def do_action(pid, role, name):
    """Performs the first action of the showing `role` named `name`."""
    found = wait_for(f"a {role} named {name!r}", lambda: find(pid, role, name))
    acc, _ = found
    action = acc.queryAction()
    if action.nActions == 0 or not action.doAction(0):
        raise Failure(f"the {role} {name!r} refused its action")


def grab_focus(pid, role, name):
    """Gives the keyboard focus to the showing `role` named `name`."""
    acc, _ = wait_for(f"a {role} named {name!r}", lambda: find(pid, role, name))
    if not acc.queryComponent().grabFocus():
        raise Failure(f"the {role} {name!r} refused the focus")


DIGITS_15 = re.compile(r"^\d{3}(?: ?\d{3}){4}$")


def main(argv):
    command, pid = argv[1], int(argv[2])
    if command == "tree":
        for _, info in tree(pid):
            print(json.dumps(info, ensure_ascii=False))
    elif command == "do":
        do_action(pid, argv[3], argv[4])
    elif command == "focus":
        grab_focus(pid, argv[3], argv[4])
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Failure as failure:
        print(f"atspi.py: {failure}", file=sys.stderr)
        sys.exit(1)
