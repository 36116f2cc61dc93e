"""Posting the digest to the robots (standard library only, with a timeout). A post that fails
is one sentence for stderr; it never changes the audit's outcome, and no sentence holds a
secret or the token of a webhook URL."""

from __future__ import annotations

import os
import urllib.error
import urllib.request

from shopscore.scoring.alerts.robots import SECRET_ENV, Target, accepted, request
from shopscore.scoring.report.digest import digest
from shopscore.scoring.report.shown import shop_status
from shopscore.scoring.report.words import Words

TIMEOUT_SECONDS = 10.0


def wanted(result, always: bool = False) -> bool:
    """Post only when a check fails or warns, unless always."""
    return always or any(shop_status(s) != "pass" for s in result.shops)


def secret_of(target: Target, environ=None, variable: str | None = None) -> str | None:
    """The robot's signing secret, from `variable` or the kind's default variable
    (SHOPSCORE_DINGTALK_SECRET, SHOPSCORE_FEISHU_SECRET); None when unset or empty."""
    env = os.environ if environ is None else environ
    name = variable or SECRET_ENV.get(target.kind)
    value = env.get(name) if name else None
    return value.strip() if value and value.strip() else None


def post(target: Target, url: str, body: bytes, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """POST the message; None when the robot took it, else why not (one sentence)."""
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "shopscore"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:  # noqa: S310 - http(s) only
            ok, said = accepted(target.kind, reply.read(65536))
    except urllib.error.HTTPError as exc:
        return f"the {target.where} answered HTTP {exc.code}"
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, str) else (
            getattr(exc.reason, "strerror", None) or type(exc.reason).__name__)
        return f"the {target.where} could not be reached ({reason})"
    except TimeoutError:
        return f"the {target.where} did not answer within {timeout:g} s"
    except OSError as exc:
        return f"the {target.where} could not be reached ({exc.strerror or type(exc).__name__})"
    return None if ok else f"the {target.where} refused the message ({said[:200]})"


def notify(result, targets, w: Words, always: bool = False, environ=None,
           secret_variable: str | None = None, timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """Post the audit's digest to every target (when a check fails or warns, or always);
    the sentences of the posts that failed."""
    if not targets or not wanted(result, always):
        return []
    summary = digest(result, w)
    failures = []
    for target in targets:
        secret = secret_of(target, environ, secret_variable)
        url, body = request(target, summary, w, secret)
        problem = post(target, url, body, timeout)
        if problem:
            if secret:  # never echo a secret, whatever a server put in its reply
                problem = problem.replace(secret, "***")
            failures.append(f"notify: {problem}; the audit's outcome stands")
    return failures
