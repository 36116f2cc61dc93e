"""The team-chat group robots an audit can alert: DingTalk (钉钉), WeCom (企业微信) and Feishu/Lark
(飞书), each with its own message format, size limit and signature. Pure: builds the request
(URL and JSON body) from a digest; sending is alerts/send.py's.

- DingTalk custom robot: POST {"msgtype": "markdown", "markdown": {"title", "text"}}; with a
  signing secret (加签), `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(key=secret,
  msg="timestamp\\nsecret"))) are added to the query. A message is kept under 20,000 bytes.
- WeCom group robot: POST {"msgtype": "markdown", "markdown": {"content"}}; content at most
  4,096 bytes (UTF-8); no signature (the key is in the URL).
- Feishu/Lark custom bot: POST {"msg_type": "interactive", "card": ...} with, when it has a
  secret (签名校验), "timestamp" (s) and "sign" = base64(HMAC-SHA256(key="timestamp\\nsecret",
  msg="")) in the body. The request body is at most 20 KB."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass

from shopscore.scoring.errors import OptionError
from shopscore.scoring.report.digest import Digest
from shopscore.scoring.report.text import md
from shopscore.scoring.report.words import Words

KINDS = ("dingtalk", "wecom", "feishu")
HOSTS = {"oapi.dingtalk.com": "dingtalk", "qyapi.weixin.qq.com": "wecom",
         "open.feishu.cn": "feishu", "open.larksuite.com": "feishu"}
# The environment variable a robot's secret is read from (never an option: it would show in
# the process list and the shell history).
SECRET_ENV = {"dingtalk": "SHOPSCORE_DINGTALK_SECRET", "feishu": "SHOPSCORE_FEISHU_SECRET"}
LIMIT_BYTES = {"dingtalk": 20_000, "wecom": 4_096, "feishu": 20_000}
TEMPLATE = {"fail": "red", "warn": "orange", "pass": "green"}  # Feishu card header colours


@dataclass(frozen=True)
class Target:
    kind: str  # dingtalk, wecom or feishu
    url: str

    @property
    def where(self) -> str:
        """The robot as an error may name it: its kind and host, never the token in the URL."""
        host = urllib.parse.urlsplit(self.url).netloc.rsplit("@", 1)[-1]
        return f"{self.kind} robot at {host}"


def target(text: str) -> Target:
    """`--notify URL`: the kind from the host (oapi.dingtalk.com, qyapi.weixin.qq.com,
    open.feishu.cn, open.larksuite.com), or given before the URL: dingtalk=URL (a local test
    server, a proxy)."""
    kind, url = None, text.strip()
    head, sep, rest = url.partition("=")
    if sep and head.strip().lower() in KINDS and "://" in rest:
        kind, url = head.strip().lower(), rest.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionError("--notify: expected a robot's webhook URL (https://…), optionally "
                          "after its kind: dingtalk=URL, wecom=URL or feishu=URL")
    kind = kind or HOSTS.get(parts.hostname.lower())
    if kind is None:
        raise OptionError(f"--notify: {parts.hostname} is no DingTalk, WeCom or Feishu robot "
                          "host; name the kind before the URL: dingtalk=URL, wecom=URL or "
                          "feishu=URL")
    return Target(kind, url)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(secret, "timestamp\\nsecret")), not yet URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key="timestamp\\nsecret", message empty))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _body(kind: str, digest: Digest, w: Words) -> dict:
    lines = list(digest.lines) + ([digest.more] if digest.more else [])
    if kind == "dingtalk":  # DingTalk breaks a line only at a hard break (two spaces)
        text = "  \n".join([f"#### {md(digest.title)}", *lines])
        return {"msgtype": "markdown", "markdown": {"title": digest.title, "text": text}}
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": digest.markdown()}}
    return {"msg_type": "interactive",
            "card": {"config": {"wide_screen_mode": True},
                     "header": {"template": TEMPLATE[digest.status],
                                "title": {"tag": "plain_text", "content": digest.title}},
                     "elements": [{"tag": "markdown", "content": "\n".join(lines)}]}}


def _size(kind: str, w: Words):
    """What a robot's limit counts, in UTF-8 bytes: the Markdown (DingTalk's text, WeCom's
    content) or the whole request body (Feishu; with room for the signature fields)."""
    if kind == "feishu":
        return lambda d: len(json.dumps(_body(kind, d, w), ensure_ascii=False).encode()) + 100
    key = "text" if kind == "dingtalk" else "content"
    return lambda d: len(_body(kind, d, w)["markdown"][key].encode("utf-8"))


def request(target: Target, digest: Digest, w: Words, secret: str | None = None,
            now: float | None = None) -> tuple[str, bytes]:
    """The URL to POST to and the JSON body, in the robot's format, within its limit, signed
    when it has a secret."""
    now = time.time() if now is None else now
    fitted = digest.fitted(LIMIT_BYTES[target.kind], _size(target.kind, w), w)
    body = _body(target.kind, fitted, w)
    url = target.url
    if secret and target.kind == "dingtalk":
        stamp = int(now * 1000)
        query = urllib.parse.urlencode({"timestamp": stamp,
                                        "sign": dingtalk_sign(secret, stamp)})
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + query
    elif secret and target.kind == "feishu":
        stamp = int(now)
        body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
    return url, json.dumps(body, ensure_ascii=False).encode("utf-8")


def accepted(kind: str, reply: bytes) -> tuple[bool, str]:
    """Whether the robot took the message (errcode 0 / code 0), and what it said."""
    try:
        doc = json.loads(reply.decode("utf-8", "replace") or "{}")
    except ValueError:
        return False, "its reply was not JSON"
    if not isinstance(doc, dict):
        return False, "its reply was not a JSON object"
    code = doc.get("errcode", doc.get("code", doc.get("StatusCode", 0)))
    text = doc.get("errmsg", doc.get("msg", doc.get("StatusMessage", "")))
    return code in (0, "0", None), f"code {code}: {text}" if text else f"code {code}"
