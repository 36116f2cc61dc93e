"""Alerts to the team's chat, end to end: `audit --notify` posts the digest to a local HTTP
server standing in for the DingTalk, WeCom and Feishu group robots, which checks each robot's
signature and message shape as the real ones do, and that the digest arrived. A failed post
is one line on stderr and never changes the exit code; a secret is never printed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from builders import line, write_csv
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring import api
from shopscore.scoring.alerts.robots import target
from shopscore.scoring.alerts.send import notify
from shopscore.scoring.errors import OptionError
from shopscore.scoring.report.words import words

AS_OF = "2026-10-31T12:00:00+08:00"
DING_SECRET = "SEC0123456789abcdef-ding"
FEISHU_SECRET = "feishu-s3cret-value"
TOKEN = "tok-9f8e7d"  # the access token in the webhook URL: never printed either


class Robots(BaseHTTPRequestHandler):
    """Answers as the three robots do, after checking what they check."""

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):  # noqa: N802 - the handler's name
        server = self.server
        if server.delay:
            time.sleep(server.delay)
        if server.status != 200:
            self.send_response(server.status)
            self.end_headers()
            return
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        doc = json.loads(body.decode("utf-8"))
        kind = ("dingtalk" if parts.path == "/robot/send" else
                "wecom" if parts.path == "/cgi-bin/webhook/send" else "feishu")
        verdict = getattr(self, kind)(query, doc, body)
        server.received.append({"kind": kind, "path": self.path, "doc": doc, "ok": verdict,
                                "type": self.headers["Content-Type"]})
        reply = ({"errcode": 0, "errmsg": "ok"} if kind != "feishu" else
                 {"code": 0, "msg": "success"}) if verdict is True else (
                {"errcode": 310000, "errmsg": f"sign not match, {verdict}"} if kind != "feishu"
                else {"code": 19021, "msg": f"sign match fail, {verdict}"})
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def dingtalk(self, query, doc, body):
        """access_token, timestamp (ms, within an hour), sign = base64(HMAC-SHA256(secret,
        "timestamp\\nsecret")); {"msgtype": "markdown", "markdown": {"title", "text"}}."""
        if query.get("access_token") != [TOKEN]:
            return "no access_token"
        stamp = query["timestamp"][0]
        if abs(int(stamp) / 1000 - time.time()) > 3600:
            return "stale timestamp"
        want = base64.b64encode(hmac.new(self.server.ding_secret.encode(),
                                         f"{stamp}\n{self.server.ding_secret}".encode(),
                                         hashlib.sha256).digest()).decode()
        if query["sign"] != [want]:
            return "bad sign"
        ok = (doc["msgtype"] == "markdown" and set(doc["markdown"]) == {"title", "text"}
              and len(doc["markdown"]["text"].encode()) <= 20000)
        return True if ok else "bad shape"

    def wecom(self, query, doc, body):
        """key in the URL; {"msgtype": "markdown", "markdown": {"content"}}, content <= 4096
        bytes."""
        ok = (query.get("key") == [TOKEN] and doc.get("msgtype") == "markdown"
              and set(doc["markdown"]) == {"content"}
              and len(doc["markdown"]["content"].encode("utf-8")) <= 4096)
        return True if ok else "bad shape"

    def feishu(self, query, doc, body):
        """timestamp (s, within an hour) and sign = base64(HMAC-SHA256(key="timestamp\\n
        secret", msg="")) in the body; an interactive card; the body at most 20 KB."""
        stamp = doc.get("timestamp")
        if stamp is None or abs(int(stamp) - time.time()) > 3600:
            return "no timestamp"
        want = base64.b64encode(hmac.new(f"{stamp}\n{FEISHU_SECRET}".encode(), b"",
                                         hashlib.sha256).digest()).decode()
        if doc.get("sign") != want:
            return "bad sign"
        card = doc.get("card", {})
        ok = (doc.get("msg_type") == "interactive" and len(body) <= 20 * 1024
              and card["header"]["title"]["tag"] == "plain_text"
              and card["elements"][0]["tag"] == "markdown")
        return True if ok else "bad shape"


class QuietServer(ThreadingHTTPServer):
    """A robot server whose handler meeting a client gone (the timeout test hangs up on a slow
    robot) stays silent: its report would land on the stderr of a later test's audit."""

    def handle_error(self, request, client_address):
        pass


@pytest.fixture
def robots():
    server = QuietServer(("127.0.0.1", 0), Robots)
    server.received, server.delay, server.status = [], 0.0, 200
    server.ding_secret = DING_SECRET
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def urls(server) -> list[str]:
    return ["--notify", f"dingtalk={server.base}/robot/send?access_token={TOKEN}",
            "--notify", f"wecom={server.base}/cgi-bin/webhook/send?key={TOKEN}",
            "--notify", f"feishu={server.base}/open-apis/bot/v2/hook/{TOKEN}"]


ENV = {"SHOPSCORE_DINGTALK_SECRET": DING_SECRET, "SHOPSCORE_FEISHU_SECRET": FEISHU_SECRET,
       "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
       "http_proxy": None, "HTTP_PROXY": None, "COLUMNS": "120", "NO_COLOR": "1"}


def rows():
    """Two shops. shop1: description (5 + 5 + 4) / 3 = 4.667 < 4.7 (FAIL); shop2: all 5."""
    out = []
    for shop, stars in (("shop1", (5, 5, 4)), ("shop2", (5, 5, 5))):
        for d, s in enumerate(stars, 1):
            out.append(line(f"{shop}-o{d}", shop_id=shop, buyer=f"b{d}", item=f"i{d}",
                            created=f"2026-10-0{d} 10:00:00", completed=f"2026-10-0{d + 3} 10:00:00",
                            rated=f"2026-10-0{d + 4} 10:00:00", credit="positive",
                            dsr_description=s, dsr_service=5, dsr_shipping=5))
    return out


@pytest.fixture
def trades(tmp_path):
    return write_csv(rows(), tmp_path / "trades.csv")


def run(*args, env=ENV):
    return CliRunner().invoke(app, ["audit", *map(str, args), "--as-of", AS_OF], env=env)


def test_each_robot_receives_the_digest_signed_in_its_own_format(robots, trades):
    result = run(trades, *urls(robots), "--lang", "zh")
    assert result.exit_code == 1  # shop1 fails: the audit's own exit code
    assert result.stderr == ""
    got = {r["kind"]: r for r in robots.received}
    assert set(got) == {"dingtalk", "wecom", "feishu"}
    assert all(r["ok"] is True for r in got.values()), got
    assert all(r["type"] == "application/json; charset=utf-8" for r in got.values())
    texts = {"dingtalk": got["dingtalk"]["doc"]["markdown"]["text"],
             "wecom": got["wecom"]["doc"]["markdown"]["content"],
             "feishu": got["feishu"]["doc"]["card"]["elements"][0]["content"]}
    for kind, text in texts.items():  # the digest: the failing shop first, with its check
        assert "✗ 未达标 **shop1** 描述相符 4.66667" in text, kind
        assert text.index("shop1") < text.index("shop2"), kind
    assert got["dingtalk"]["doc"]["markdown"]["title"].startswith("shopscore 店铺评分检查")
    assert "  \n- ✗" in texts["dingtalk"]  # DingTalk's hard line breaks
    assert got["feishu"]["doc"]["card"]["header"]["template"] == "red"
    for secret in (DING_SECRET, FEISHU_SECRET):
        assert secret not in result.stdout + result.stderr


def test_nothing_is_posted_when_every_check_passes_unless_always(robots, trades):
    passing = run(trades, *urls(robots), "--min", "4.6")  # 4.667 >= 4.6: all pass
    assert passing.exit_code == 0 and robots.received == []
    always = run(trades, *urls(robots), "--min", "4.6", "--notify-always")
    assert always.exit_code == 0
    assert len(robots.received) == 3 and all(r["ok"] is True for r in robots.received)
    assert robots.received[2]["doc"]["card"]["header"]["template"] == "green"


def test_a_refused_post_is_one_line_on_stderr_and_the_exit_code_stands(robots, trades):
    robots.ding_secret = "SECsomething-else"  # the robot's secret is not ours: sign not match
    result = run(trades, *urls(robots))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("shopscore: warning: notify: the dingtalk robot at 127.0.0.1:")
    assert "refused the message (code 310000" in lines[0]
    for secret in (DING_SECRET, FEISHU_SECRET, TOKEN):
        assert secret not in result.stderr
    assert {r["kind"] for r in robots.received if r["ok"] is True} == {"wecom", "feishu"}


def test_an_unreachable_or_failing_robot_changes_nothing_but_stderr(robots, trades):
    robots.status = 500
    failing = run(trades, *urls(robots)[:2])
    assert failing.exit_code == 1
    assert failing.stderr.strip().endswith("answered HTTP 500; the audit's outcome stands")
    robots.shutdown()
    robots.server_close()
    gone = run(trades, *urls(robots)[4:])  # feishu
    assert gone.exit_code == 1
    assert len(gone.stderr.strip().splitlines()) == 1
    assert "the feishu robot at 127.0.0.1" in gone.stderr and "could not be reached" in gone.stderr
    assert TOKEN not in gone.stderr


def test_a_slow_robot_times_out_within_the_timeout(robots, trades):
    robots.delay = 2.0
    result = api.audit(api.Sources((trades,)), as_of=AS_OF).result
    start = time.monotonic()
    problems = notify(result, [target(f"wecom={robots.base}/cgi-bin/webhook/send?key=k")],
                      words("en"), environ={}, timeout=0.3)
    assert time.monotonic() - start < 1.9
    assert len(problems) == 1 and "within 0.3 s" in problems[0]


def test_the_kind_comes_from_the_host_or_a_prefix():
    assert target("https://oapi.dingtalk.com/robot/send?access_token=x").kind == "dingtalk"
    assert target("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x").kind == "wecom"
    assert target("https://open.feishu.cn/open-apis/bot/v2/hook/x").kind == "feishu"
    assert target("https://open.larksuite.com/open-apis/bot/v2/hook/x").kind == "feishu"
    assert target("feishu=http://127.0.0.1:9/hook").kind == "feishu"
    with pytest.raises(OptionError) as bad:
        target("https://example.com/hook?token=SECRETTOKEN")
    assert "example.com" in str(bad.value) and "SECRETTOKEN" not in str(bad.value)


def test_a_bad_notify_url_is_a_usage_error_before_the_audit(trades, robots):
    result = run(trades, "--notify", "https://example.com/hook?token=abc")
    assert result.exit_code == 2
    assert "dingtalk=URL" in result.stderr and "abc" not in result.stderr
