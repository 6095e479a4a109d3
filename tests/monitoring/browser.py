"""Open a page in real headless Chromium (Debian's package) and report what a person would see.

Chromium's new headless mode no longer prints console messages with ``--enable-logging``, and the
repo has no websocket client, so this talks the DevTools protocol over ``--remote-debugging-pipe``
(JSON messages ended by a NUL byte on file descriptors 3 and 4): console errors, uncaught
exceptions and failed loads (the Log domain reports a blocked fetch) are collected while the page
loads, with every host name unresolvable, then the DOM is queried and a screenshot taken.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class PageVisit:
    """What loading a page produced: console/log errors, the answer of a DOM query, a screenshot."""

    errors: list[str] = field(default_factory=list)
    evaluated: Any = None
    screenshot: Path | None = None


class _Pipe:
    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> int:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        return self.next_id

    def receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while True:
            message = self.receive(deadline)
            self.events.append(message)
            if message.get("method") == method:
                return


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is needed (Debian's chromium package; .ci/run installs it)"
    return found


def visit(page: Path, profile: Path, *, expression: str, screenshot: Path, width: int = 1280) -> PageVisit:
    """Load ``page`` offline, evaluate ``expression`` (its JSON value is returned) and save a
    full-page PNG at ``screenshot``."""
    to_chrome_read, to_chrome_write = os.pipe()
    from_chrome_read, from_chrome_write = os.pipe()

    def wire() -> None:  # Chromium reads commands on fd 3 and writes answers on fd 4
        os.dup2(to_chrome_read, 3)
        os.dup2(from_chrome_write, 4)

    process = subprocess.Popen(
        [
            chromium_path(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-pipe",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--window-size={width},1000",
            "about:blank",
        ],
        pass_fds=(3, 4),
        preexec_fn=wire,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_chrome_read)
    os.close(from_chrome_write)
    pipe = _Pipe(to_chrome_write, from_chrome_read)
    visit = PageVisit()
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            pipe.call(f"{domain}.enable", session=session)
        pipe.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        pipe.wait_for("Page.loadEventFired")
        answer = pipe.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
        )
        visit.evaluated = answer.get("result", {}).get("value")
        metrics = pipe.call("Page.getLayoutMetrics", session=session)
        size = metrics["cssContentSize"]
        shot = pipe.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            },
            session=session,
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        visit.screenshot = screenshot
    finally:
        for event in pipe.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                visit.errors.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                visit.errors.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                visit.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        try:
            pipe.send("Browser.close")
            process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        os.close(to_chrome_write)
        os.close(from_chrome_read)
    return visit
