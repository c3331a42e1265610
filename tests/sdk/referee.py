#!/usr/bin/env python3
"""Referee: drive `meetjoin sandbox --tls` with the vendor's official Python SDK.

    python referee.py --url https://127.0.0.1:PORT --ca /path/cert.pem

Uses huaweicloudsdkmeeting (pinned in requirements.txt beside this file) exactly as an
integrator would: MeetingCredentials (account, or App ID in its four forms), MeetingClient
with an HttpConfig whose ssl_ca_cert is the sandbox's PEM (TLS verification stays on), and
the calls CreateAuthRandom, SearchMeetings, CheckToken, UpdateToken and DeleteToken. Each call's outcome is
compared with what the service would answer for the sandbox's seeded facts.

Output: one JSON line per call, {"call", "pass", "expected", "got"}, with tokens,
passwords, App Keys and randoms masked, then the line `sdk: N passed, M failed`.
Exit status: 0 all passed, 1 some failed, 2 the sandbox is unreachable (connection refused,
TLS handshake failed or a timeout), 3 the SDK is not installed.

Notes on the SDK that shape this script (all read from huaweicloudsdkmeeting 3.1.219):
- There is no sign-in API call: MeetingCredentials.process_request() signs in lazily before
  the first call and caches the access token for 12 hours. The script calls that same method
  directly so a sign-in is reported as its own line.
- UpdateToken/DeleteToken send the credentials' cached token as X-Access-Token, and the SDK
  never adopts the token UpdateToken returns; the script puts the new token into the
  credentials itself (there is no public setter) to check that the new token works.
- The SDK never retries on 401 and sends no request after a failed sign-in other than the
  next sign-in attempt; retries are off (retry_times=0) and timeouts are short.
"""
import argparse
import datetime
import ipaddress
import json
import logging
import os
import re
import socket
import sys
import tempfile
import time
import urllib.parse
import uuid

ACCOUNT = "demo@meetjoin.test"
ACCOUNT_PASSWORD = "Sandbox-2026"
APP_ID = "sandbox-app"
APP_KEY = "sandbox-app-key-0123456789abcdef"
SP_APP_ID = "sandbox-sp-app"
SP_APP_KEY = "sandbox-sp-app-key-0123456789abcdef"
SP_CORP = "sandbox-corp"
WRONG_CORP = "not-sandbox-corp"
UNKNOWN_MEETING = "555000111"
WRONG_MEETING_PASSWORD = "000000"

# Every string that must never be printed; tokens and randoms are added as they appear.
SECRETS = {ACCOUNT_PASSWORD, APP_KEY, SP_APP_KEY, "123456", "246810", WRONG_MEETING_PASSWORD,
           "4321", "135790", "246802", "5678", "1357", "802468"}

# The demo account's meetings as SearchMeetings lists them (README, "The sandbox"): ID ->
# (state at the sandbox's start, organised by the demo account, the roles of passwordEntry,
# webinar, within ADAY).
LISTED = {
    "900000101": ("Created", True, ["chair", "general"], False, True),
    "900000102": ("Schedule", False, ["general"], False, True),
    "900000103": ("Schedule", True, ["chair"], False, True),
    "900000104": ("Schedule", False, [], False, False),
    "900000105": ("Destroyed", True, ["chair"], False, True),
    "900000106": ("Schedule", False, ["audience"], True, False),
    "900000107": ("Schedule", False, [], False, True),
}
SERVICE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


class Unreachable(Exception):
    """The sandbox did not answer: stop the run (exit 2) instead of piling up timeouts."""


def scrub(text):
    """Last line of defence: mask any known secret that would appear as a whole word."""
    for secret in sorted(SECRETS, key=len, reverse=True):
        if secret and len(secret) >= 4:
            text = re.sub(r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % re.escape(secret), "***", text)
    return text


def mask(value):
    """Describe a secret value without showing it."""
    if value is None:
        return None
    value = str(value)
    SECRETS.add(value)
    kind = "digits" if value.isdigit() else "chars"
    return "<masked: %d %s>" % (len(value), kind)


def loopback_url(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or not parts.port:
        raise argparse.ArgumentTypeError("expected https://127.0.0.1:PORT")
    host = parts.hostname
    try:
        is_loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        is_loopback = host == "localhost"
    if not is_loopback:
        raise argparse.ArgumentTypeError("the referee only talks to a loopback sandbox, not %s" % host)
    return url.rstrip("/")


class Referee:
    def __init__(self, url, ca, timeout):
        self.url = url
        self.ca = ca
        self.timeout = timeout
        self.passed = 0
        self.failed = 0
        parts = urllib.parse.urlsplit(url)
        self.host = parts.netloc

    # ---- reporting -------------------------------------------------------------------
    def report(self, call, ok, expected, got):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        line = json.dumps({"call": call, "pass": bool(ok), "expected": expected, "got": got},
                          ensure_ascii=False, default=str)
        print(scrub(line), flush=True)

    def summary(self):
        print("sdk: %d passed, %d failed" % (self.passed, self.failed), flush=True)

    # ---- SDK plumbing ----------------------------------------------------------------
    def client(self, credentials):
        config = HttpConfig.get_default_config()
        config.ssl_ca_cert = self.ca          # verify against the sandbox's own PEM
        config.timeout = (3, self.timeout)    # (connect, read) seconds
        config.retry_times = 0
        return (MeetingClient.new_builder()
                .with_http_config(config)
                .with_credentials(credentials)
                .with_endpoints([self.url])
                .build())

    def invoke(self, fn):
        """Run one SDK call: ("ok", response) or ("error", {status, error_code, error_msg})."""
        try:
            return "ok", fn()
        except ServiceResponseException as e:
            return "error", {"status": e.status_code, "error_code": e.error_code,
                             "error_msg": (e.error_msg or "")[:200]}
        except (ConnectionException, requests.exceptions.ConnectionError,
                requests.exceptions.Timeout) as e:
            raise Unreachable("%s: %s" % (type(e).__name__, str(e)[:300]))
        except Exception as e:  # a response the SDK could not digest, a KeyError in sign-in...
            return "error", {"exception": type(e).__name__, "detail": str(e)[:200]}

    def sign_in(self, client, credentials):
        """The SDK's own sign-in path (what runs before a client's first call)."""
        request = SdkRequest(method="GET", schema="https", host=self.host,
                             resource_path="/", query_params=[], header_params={})
        credentials.process_request(request, client.get_http_client())
        return request.header_params.get("X-Access-Token")

    # ---- expectations ----------------------------------------------------------------
    def expect_error(self, call, fn, status, code):
        kind, got = self.invoke(fn)
        expected = {"status": status, "error_code": code}
        if kind == "ok":
            self.report(call, False, expected, {"status": getattr(got, "status_code", None),
                                                "body": describe(got)})
            return False
        ok = got.get("status") == status and got.get("error_code") == code
        self.report(call, ok, expected, got)
        return ok

    def expect_random(self, call, fn, **fields):
        kind, got = self.invoke(fn)
        expected = dict(status=200, random="15 digits", **fields)
        if kind != "ok":
            self.report(call, False, expected, got)
            return False
        random = got.random
        seen = {"status": got.status_code, "random": mask(random)}
        problems = []
        if got.status_code != 200:
            problems.append("status")
        if not (isinstance(random, str) and random.isdigit() and len(random) == 15):
            problems.append("random")
        for name, want in fields.items():
            value = getattr(got, name)
            seen[name] = value
            if value != want:
                problems.append(name)
        if problems:
            seen["mismatch"] = problems
        self.report(call, not problems, expected, seen)
        return not problems

    # ---- the run ---------------------------------------------------------------------
    def run(self):
        self.app_id_forms()
        account = MeetingCredentials(ACCOUNT, ACCOUNT_PASSWORD)
        client = self.client(account)
        self.account_flow(client, account)

    def app_id_forms(self):
        forms = [
            ("single-tenant, no user ID (enterprise admin)", APP_ID, APP_KEY, False, None, None),
            ("single-tenant, user ID", APP_ID, APP_KEY, False, None, "referee-user-1"),
            ("multi-tenant SP, corp ID and user ID", SP_APP_ID, SP_APP_KEY, True, SP_CORP, "referee-user-2"),
            ("multi-tenant SP administrator, no corp ID, no user ID", SP_APP_ID, SP_APP_KEY, True, None, None),
        ]
        for label, app_id, app_key, multi, corp, user in forms:
            credentials = (MeetingCredentials()
                           .with_auth_type_enum(AuthTypeEnum.APP_ID)
                           .with_app_id(app_id).with_app_key(app_key))
            if multi:
                credentials.with_tenant_scene_enum(TenantSceneEnum.MULTI_TENANT)
            if corp is not None:
                credentials.with_corp_id(corp)
            if user is not None:
                credentials.with_user_id(user)
            client = self.client(credentials)
            call = "app_id_sign_in[%s]" % label
            kind, token = self.invoke(lambda: self.sign_in(client, credentials))
            expected = {"status": 200, "accessToken": "non-empty"}
            if kind == "ok" and token:
                self.report(call, True, expected, {"accessToken": mask(token)})
            else:
                self.report(call, False, expected, token if kind == "error" else {"accessToken": token})
                continue
            self.expect_random("create_auth_random[%s] 914047175" % label,
                               lambda: client.create_auth_random(CreateAuthRandomRequest(conf_id="914047175")),
                               subject="zhang的会议", conf_mode="RTC")
            self.expect_deleted("delete_token[%s]" % label,
                                lambda: client.delete_token(DeleteTokenRequest()))

        credentials = (MeetingCredentials()
                       .with_auth_type_enum(AuthTypeEnum.APP_ID)
                       .with_tenant_scene_enum(TenantSceneEnum.MULTI_TENANT)
                       .with_app_id(SP_APP_ID).with_app_key(SP_APP_KEY)
                       .with_corp_id(WRONG_CORP).with_user_id("referee-user-3"))
        client = self.client(credentials)
        self.expect_error("app_id_sign_in[multi-tenant SP, unknown corp ID]",
                          lambda: self.sign_in(client, credentials), 401, "USG.206010025")

    def expect_deleted(self, call, fn):
        kind, got = self.invoke(fn)
        expected = {"status": 200, "body": "empty"}
        if kind != "ok":
            self.report(call, False, expected, got)
            return
        body = (got.raw_content or b"").strip()
        ok = got.status_code == 200 and body == b""
        self.report(call, ok, expected, {"status": got.status_code,
                                         "body": "empty" if not body else "%d bytes" % len(body)})

    def account_flow(self, client, credentials):
        kind, token = self.invoke(lambda: self.sign_in(client, credentials))
        expected = {"status": 200, "accessToken": "non-empty"}
        if kind == "ok" and token:
            self.report("account_sign_in", True, expected, {"accessToken": mask(token)})
        else:
            self.report("account_sign_in", False, expected, token if kind == "error" else {"accessToken": token})
            return

        def random(conf_id, password=None, guest_waiting=None):
            return lambda: client.create_auth_random(CreateAuthRandomRequest(
                conf_id=conf_id, guest_waiting=guest_waiting, x_password=password))

        self.expect_random("create_auth_random 914047175 (no password)", random("914047175"),
                           subject="zhang的会议", conf_mode="RTC", webinar=False,
                           need_password=False, support_applets=True)
        # The wrong password first (one attempt, far from the lock at 5), the right one last.
        self.expect_error("create_auth_random 987654321 wrong password",
                          random("987654321", WRONG_MEETING_PASSWORD), 400, "MMC.111072065")
        self.expect_error("create_auth_random 987654321 empty X-Password",
                          random("987654321", ""), 400, "MMC.111070009")
        self.expect_error("create_auth_random 987654321 X-Password omitted",
                          random("987654321"), 400, "MMC.111070009")
        self.expect_random("create_auth_random 987654321 right password", random("987654321", "123456"),
                           subject="季度评审会", conf_mode="COMMON", need_password=True)
        self.expect_random("create_auth_random 900000001 right password (webinar)",
                           random("900000001", "246810"),
                           subject="Product Launch Webinar", conf_mode="RTC", webinar=True,
                           need_password=True)
        self.expect_error("create_auth_random 900000002 guest_waiting=0",
                          random("900000002", guest_waiting=0), 400, "MMC.111071058")
        self.expect_error("create_auth_random 900000002 guest_waiting omitted (default 0)",
                          random("900000002"), 400, "MMC.111071058")
        self.expect_random("create_auth_random 900000002 guest_waiting=1",
                           random("900000002", guest_waiting=1), subject="等待主持人")
        self.expect_error("create_auth_random 900000003 (ended)", random("900000003"), 400, "MMC.111072006")
        self.expect_error("create_auth_random %s (unknown meeting)" % UNKNOWN_MEETING,
                          random(UNKNOWN_MEETING), 400, "MMC.111072065")

        self.search_meetings(client)
        self.expect_random("create_auth_random 900000102 guest password (a listed meeting)",
                           random("900000102", "246802"), subject="设计评审 Design review",
                           need_password=True)
        self.expect_random("create_auth_random 900000101 chair password (a listed meeting)",
                           random("900000101", "4321"), subject="项目周会 Project weekly")
        self.expect_error("create_auth_random 900000105 (a listed meeting that ended)",
                          random("900000105"), 400, "MMC.111072006")

        # CheckToken, with the optional X-Request-ID and Accept-Language headers set.
        kind, got = self.invoke(lambda: client.check_token(CheckTokenRequest(
            x_request_id=str(uuid.uuid4()), accept_language="en-US",
            body=ValidateTokenReqDTO(token=token, need_gen_new_token=False, need_account_info=True))))
        expected = {"status": 200, "user": "present"}
        if kind == "ok":
            seen = {"status": got.status_code, "accessToken": mask(got.access_token),
                    "user": None if got.user is None else {"name": got.user.name, "user_id": got.user.user_id}}
            self.report("check_token", got.status_code == 200 and got.user is not None, expected, seen)
        else:
            self.report("check_token", False, expected, got)

        # UpdateToken: the SDK sends its cached (current) access token.
        kind, got = self.invoke(lambda: client.update_token(UpdateTokenRequest()))
        expected = {"status": 200, "accessToken": "new, differs from the old",
                    "refreshToken": "non-empty", "expireTime": "Unix seconds in the future", "user": "present"}
        new_token = None
        if kind == "ok":
            new_token = got.access_token
            now = time.time()
            expire = got.expire_time
            seen = {"status": got.status_code, "accessToken": mask(new_token),
                    "refreshToken": mask(got.refresh_token),
                    "expireTime_in_seconds_from_now": None if expire is None else int(expire - now),
                    "user": None if got.user is None else {"name": got.user.name}}
            ok = (got.status_code == 200 and bool(new_token) and new_token != token
                  and bool(got.refresh_token) and isinstance(expire, int)
                  and now < expire < now + 40 * 24 * 3600 and got.user is not None)
            self.report("update_token", ok, expected, seen)
        else:
            self.report("update_token", False, expected, got)

        # The credentials still hold the old token: the old token must be refused now.
        self.expect_error("create_auth_random 914047175 with the old token after update_token",
                          random("914047175"), 401, "USG.000000004")
        if not new_token:
            return
        # No public setter: put the refreshed token where the SDK keeps it.
        credentials._token = new_token
        credentials._last_token_date = datetime.datetime.now()
        self.expect_random("create_auth_random 914047175 with the new token", random("914047175"),
                           subject="zhang的会议")

        self.expect_deleted("delete_token", lambda: client.delete_token(DeleteTokenRequest()))
        self.expect_error("create_auth_random 914047175 after delete_token", random("914047175"),
                          401, "USG.000000004")
        self.expect_error("check_token after delete_token", lambda: client.check_token(CheckTokenRequest(
            body=ValidateTokenReqDTO(token=new_token, need_gen_new_token=False, need_account_info=True))),
            401, "USG.000000004")
        self.expect_error("update_token after delete_token",
                          lambda: client.update_token(UpdateTokenRequest()), 401, "USG.000000004")
        self.expect_error("search_meetings after delete_token",
                          lambda: client.search_meetings(SearchMeetingsRequest(query_conf_mode="ALL")),
                          401, "USG.000000004")

    def search_meetings(self, client):
        """SearchMeetings: every seeded meeting with the fields the SDK's model has; the range
        and the paging honoured."""
        def search(**fields):
            return lambda: client.search_meetings(SearchMeetingsRequest(**fields))

        kind, got = self.invoke(search(offset=0, limit=100, query_conf_mode="ALL", sort_type="ASC_StartTIME"))
        expected = {"status": 200, "count": len(LISTED), "meetings": "every seeded one, earliest first"}
        if kind != "ok":
            self.report("search_meetings ALL", False, expected, got)
            return
        problems = []
        seen = {"status": got.status_code, "count": got.count, "meetings": {}}
        data = got.data or []
        if got.status_code != 200 or got.count != len(LISTED) or len(data) != len(LISTED):
            problems.append("count")
        starts = [m.start_time for m in data]
        if starts != sorted(starts):
            problems.append("order")
        for meeting in data:
            want = LISTED.get(meeting.conference_id)
            roles = sorted(e.conference_role for e in (meeting.password_entry or []))
            for entry in meeting.password_entry or []:
                mask(entry.password)
            seen["meetings"][meeting.conference_id] = {
                "state": meeting.conference_state, "roles": roles, "webinar": meeting.webinar,
                "organiser": meeting.scheduser_name, "start": meeting.start_time}
            if want is None:
                problems.append("unknown %s" % meeting.conference_id)
                continue
            state, organises, want_roles, webinar, _ = want
            if meeting.conference_state != state:
                problems.append("%s state" % meeting.conference_id)
            if roles != sorted(want_roles):
                problems.append("%s passwordEntry" % meeting.conference_id)
            if meeting.webinar is not webinar or meeting.conf_mode not in ("RTC", "COMMON"):
                problems.append("%s webinar/confMode" % meeting.conference_id)
            if not (SERVICE_TIME.match(meeting.start_time or "") and SERVICE_TIME.match(meeting.end_time or "")
                    and meeting.start_time < meeting.end_time):
                problems.append("%s times" % meeting.conference_id)
            if not (meeting.subject and meeting.scheduser_name and meeting.time_zone_id):
                problems.append("%s subject/organiser/timeZoneID" % meeting.conference_id)
            link = meeting.guest_join_uri or ""
            if not link.startswith("https://") or "/#/j/%s" % meeting.conference_id not in link:
                problems.append("%s guestJoinUri" % meeting.conference_id)
            if organises != bool(meeting.chair_join_uri):
                problems.append("%s chairJoinUri" % meeting.conference_id)
        if problems:
            seen["mismatch"] = problems
        self.report("search_meetings ALL", not problems, expected, seen)

        kind, got = self.invoke(search(query_conf_mode="ADAY"))
        want = sorted(i for i, m in LISTED.items() if m[4])
        if kind == "ok":
            ids = sorted(m.conference_id for m in got.data or [])
            self.report("search_meetings ADAY", ids == want and got.count == len(want),
                        {"ids": want}, {"ids": ids, "count": got.count})
        else:
            self.report("search_meetings ADAY", False, {"ids": want}, got)

        kind, got = self.invoke(search(offset=6, limit=2, query_conf_mode="ALL", sort_type="DSC_StartTIME"))
        expected = {"count": len(LISTED), "offset": 6, "limit": 2, "page": ["900000105"]}
        if kind == "ok":
            page = [m.conference_id for m in got.data or []]
            ok = page == ["900000105"] and got.count == len(LISTED) and got.offset == 6 and got.limit == 2
            self.report("search_meetings page 4 of 2, latest first", ok, expected,
                        {"count": got.count, "offset": got.offset, "limit": got.limit, "page": page})
        else:
            self.report("search_meetings page 4 of 2, latest first", False, expected, got)

        self.expect_error("search_meetings limit=501", search(limit=501), 400, "MMC.111070001")


def describe(response):
    """A masked summary of a successful response, for an error that did not come."""
    out = {}
    for name in getattr(response, "openapi_types", {}):
        value = getattr(response, name, None)
        if value is None:
            continue
        out[name] = mask(value) if name in ("random", "access_token", "refresh_token") else str(value)[:80]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, type=loopback_url, help="https://127.0.0.1:PORT")
    parser.add_argument("--ca", required=True, help="PEM file of the sandbox's certificate")
    parser.add_argument("--timeout", type=float, default=5.0, help="read timeout per request, seconds")
    args = parser.parse_args()
    if not os.path.isfile(args.ca):
        parser.error("no such CA file: %s" % args.ca)

    # Loopback only, never through a proxy from the environment.
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(filter(None, ["127.0.0.1,localhost,::1", os.environ.get(name)]))
    # The SDK writes ~/.huaweicloud/application_id when imported (its User-Agent "app/<uuid>");
    # keep that out of the real home directory.
    home = tempfile.TemporaryDirectory(prefix="meetjoin-sdk-referee-")
    os.environ["HOME"] = home.name

    global requests, HttpConfig, SdkRequest, ConnectionException, ServiceResponseException
    global MeetingClient, MeetingCredentials, AuthTypeEnum, TenantSceneEnum
    global CreateAuthRandomRequest, CheckTokenRequest, ValidateTokenReqDTO, UpdateTokenRequest, DeleteTokenRequest
    global SearchMeetingsRequest
    try:
        import requests
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkcore.sdk_request import SdkRequest
        from huaweicloudsdkcore.exceptions.exceptions import ConnectionException, ServiceResponseException
        from huaweicloudsdkmeeting.v1 import (MeetingClient, CreateAuthRandomRequest, CheckTokenRequest,
                                              ValidateTokenReqDTO, UpdateTokenRequest, DeleteTokenRequest,
                                              SearchMeetingsRequest)
        from huaweicloudsdkmeeting.v1.meeting_credentials import (MeetingCredentials, AuthTypeEnum,
                                                                  TenantSceneEnum)
    except ImportError as e:
        print("referee: the SDK is not installed (%s); pip install -r %s" %
              (e, os.path.join(os.path.dirname(os.path.abspath(__file__)), "requirements.txt")), file=sys.stderr)
        return 3
    # The SDK logs connection errors through a handler-less logger (Python's last resort: stderr).
    logging.getLogger("HuaweiCloud-SDK-MeetingClient").addHandler(logging.NullHandler())

    referee = Referee(args.url, args.ca, args.timeout)
    parts = urllib.parse.urlsplit(args.url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=3).close()
    except OSError as e:
        referee.report("connect", False, "TCP connection to %s" % parts.netloc, str(e))
        referee.summary()
        return 2
    code = 0
    try:
        referee.run()
    except Unreachable as e:
        referee.report("sandbox unreachable", False, "an answer", str(e))
        code = 2
    referee.summary()
    home.cleanup()
    if code:
        return code
    return 1 if referee.failed else 0


if __name__ == "__main__":
    sys.exit(main())
