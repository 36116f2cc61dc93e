"""A tiny Chrome DevTools Protocol client over --remote-debugging-pipe (standard library only):
open a page as a phone or a desktop sees it (Emulation.setDeviceMetricsOverride, so a phone
honours the page's viewport meta), evaluate an expression in it, take a screenshot. The
measuring happens here, in the test: the report itself stays script-free."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import subprocess

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-pipe"]


class Browser:
    """One headless Chromium; messages are JSON, each ended by a NUL byte, on the child's
    fds 3 (to it) and 4 (from it)."""

    def __init__(self, chromium: str, profile_dir, timeout: float = 60):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()

        def fds():  # in the child: its ends as fds 3 and 4, whatever their numbers were
            a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([chromium, *FLAGS, f"--user-data-dir={profile_dir}"],
                                     pass_fds=(3, 4), preexec_fn=fds, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_r)
        os.close(from_w)
        self.out, self.inp = os.fdopen(to_w, "wb"), os.fdopen(from_r, "rb")
        self.buf, self.next_id, self.events = b"", 0, []
        self.timeout = timeout

    def _recv(self) -> dict:
        while b"\0" not in self.buf:
            chunk = self.inp.read1(1 << 16)
            if not chunk:
                raise EOFError("chromium closed the pipe: "
                               + self.proc.stderr.read().decode(errors="replace")[-2000:])
            self.buf += chunk
        message, self.buf = self.buf.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.out.write(json.dumps(message).encode() + b"\0")
        self.out.flush()
        while True:
            reply = self._recv()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, url: str, width: int, height: int, mobile: bool) -> str:
        """A new tab showing `url` laid out at width x height CSS px; its session id."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
                  session)
        self.call("Page.enable", {}, session)
        self.events = []
        self.call("Page.navigate", {"url": url}, session)
        while not any(e.get("method") == "Page.loadEventFired" and e.get("sessionId") == session
                      for e in self.events):
            self.events.append(self._recv())
        return session

    def evaluate(self, session: str, expression: str):
        found = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                          session)
        if "exceptionDetails" in found:
            raise RuntimeError(found["exceptionDetails"])
        return found["result"].get("value")

    def screenshot(self, session: str, path, height: int | None = None):
        """A PNG of the page from its top, `height` px tall (default: the viewport)."""
        params = {"format": "png"}
        if height:
            width = self.evaluate(session, "document.documentElement.clientWidth")
            params.update(clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                          captureBeyondViewport=True)
        data = self.call("Page.captureScreenshot", params, session)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except (EOFError, RuntimeError, BrokenPipeError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.out, self.inp, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
