"""Drive headless Chromium over the DevTools protocol, stdlib only.

Chromium's ``--remote-debugging-pipe`` reads commands on fd 3 and writes replies and
events on fd 4, each a JSON document ended by a NUL byte. That needs no websocket
client and no port. ``inspect_page`` opens one local HTML file with the network
switched off (offline emulation, every non-``file:``/``data:`` request failed through
the Fetch domain, and every request recorded), then reports console errors, element
sizes and a full-page screenshot.

    report = inspect_page("report.html", ["#heatmap svg", ".dist svg"], screenshot="shot.png")
    assert not report.console_errors and report.sizes["#heatmap svg"][0] > 0
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# The launch flags the project agreed on, plus the pipe and a fixed window size.
BASE_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium could not be started, or the DevTools protocol failed."""


@dataclass
class PageReport:
    url: str
    console_errors: list[str] = field(default_factory=list)
    sizes: dict[str, tuple[float, float] | None] = field(default_factory=dict)  # first match's CSS px
    counts: dict[str, int] = field(default_factory=dict)  # matches per selector
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    blocked: list[str] = field(default_factory=list)  # requests refused because the network is off
    values: dict[str, Any] = field(default_factory=dict)  # results of `evaluate` expressions
    screenshot_path: Path | None = None

    @property
    def external_requests(self) -> list[str]:
        """Requests for anything but the page itself or inline data."""
        return [u for u in self.requests if not (u.startswith("data:") or u.split("#")[0] == self.url)]


def find_chromium() -> str | None:
    """The Chromium binary: $SHIFTWATCH_CHROMIUM, else the first candidate on PATH."""
    explicit = os.environ.get("SHIFTWATCH_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class _Pipe:
    """One DevTools connection over the pipe: commands wait for their reply; events queue up."""

    def __init__(self, process: _Browser, write_fd: int, read_fd: int):
        self.process = process
        self.write_fd = write_fd
        self.read_fd = read_fd
        self.next_id = 0
        self.replies: dict[int, dict] = {}
        self.events: list[dict] = []
        self.handlers: list[Any] = []
        self.cond = threading.Condition()
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self.read_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self.cond:
                    if "id" in message:
                        self.replies[message["id"]] = message
                    else:
                        self.events.append(message)
                    self.cond.notify_all()
                if "id" not in message:
                    for handler in list(self.handlers):
                        handler(message)
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def send(self, method: str, params: Mapping[str, Any] | None = None, *, session: str | None = None,
             timeout: float = 30.0, wait: bool = True) -> dict:
        with self.cond:
            self.next_id += 1
            message_id = self.next_id
        message: dict[str, Any] = {"id": message_id, "method": method, "params": dict(params or {})}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.write_fd, data):]
        except OSError as exc:
            raise BrowserError(f"chromium: pipe closed while sending {method}: {exc}") from exc
        if not wait:
            return {}
        deadline = time.monotonic() + timeout
        with self.cond:
            while message_id not in self.replies:
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    raise BrowserError(f"chromium: no reply to {method} within {timeout:.0f}s")
                self.cond.wait(remaining)
            reply = self.replies.pop(message_id)
        if "error" in reply:
            raise BrowserError(f"chromium: {method} failed: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_event(self, method: str, *, session: str | None = None, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, event in enumerate(self.events):
                    if event.get("method") == method and (session is None or event.get("sessionId") == session):
                        return self.events.pop(i)
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    raise BrowserError(f"chromium: no {method} event within {timeout:.0f}s")
                self.cond.wait(remaining)


class _Browser:
    """The Chromium process: started with posix_spawn, which can place the pipe ends on
    fds 3 and 4 of the child (thread-safe, unlike Popen's preexec_fn)."""

    def __init__(self, args: list[str]):
        to_child_r, self.to_child_w = os.pipe()
        self.from_child_r, from_child_w = os.pipe()
        err_r, err_w = os.pipe()
        # Keep the pipe ends above the fds the child gets, so no dup2 is a no-op that
        # leaves close-on-exec set.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_child_r, from_child_w, err_w)]
        for fd in (to_child_r, from_child_w, err_w):
            os.close(fd)
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                   (os.POSIX_SPAWN_DUP2, high[2], 2),
                   (os.POSIX_SPAWN_DUP2, high[0], 3),
                   (os.POSIX_SPAWN_DUP2, high[1], 4)]
        try:
            self.pid = os.posix_spawn(args[0], args, dict(os.environ), file_actions=actions, setsid=True)
        except OSError as exc:
            for fd in (*high, err_r, self.to_child_w, self.from_child_r):
                os.close(fd)
            raise BrowserError(f"chromium: cannot start {args[0]}: {exc}") from exc
        for fd in high:
            os.close(fd)
        self.returncode: int | None = None
        # Drain stderr so that a chatty browser never blocks on a full pipe; keep the tail.
        self.stderr_tail: list[bytes] = []
        threading.Thread(target=self._drain, args=(err_r,), daemon=True).start()

    def _drain(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as stream:
            for line in stream:
                self.stderr_tail.append(line)
                del self.stderr_tail[:-40]

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def kill(self) -> None:
        if self.poll() is None:
            try:  # the browser this helper started and its helpers: its own session's group
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _launch(binary: str, user_data_dir: str, width: int, height: int) -> tuple[_Browser, _Pipe]:
    args = [binary, *BASE_FLAGS, f"--user-data-dir={user_data_dir}", f"--window-size={width},{height}",
            "about:blank"]
    process = _Browser(args)
    return process, _Pipe(process, process.to_child_w, process.from_child_r)


def _shutdown(process: _Browser, pipe: _Pipe | None) -> None:
    if pipe is not None and process.poll() is None:
        try:
            pipe.send("Browser.close", wait=False)
        except BrowserError:
            pass
    if not process.wait(timeout=10):
        process.kill()
        process.wait(timeout=10)
    if pipe is not None:
        for fd in (pipe.write_fd, pipe.read_fd):
            try:
                os.close(fd)
            except OSError:
                pass


_MEASURE = """(() => {
  const selectors = %s;
  const out = {};
  for (const s of selectors) {
    const all = document.querySelectorAll(s);
    const first = all[0];
    const r = first ? first.getBoundingClientRect() : null;
    out[s] = {count: all.length, size: r ? [r.width, r.height] : null};
  }
  return JSON.stringify(out);
})()"""


def inspect_page(html_path: str | Path, selectors: Sequence[str] = (), *, screenshot: str | Path | None = None,
                 evaluate: Mapping[str, str] | None = None, width: int = 1280, height: int = 900,
                 full_page: bool = True, max_screenshot_height: int = 12000, settle_seconds: float = 0.3,
                 timeout: float = 60.0, binary: str | None = None) -> PageReport:
    """Open ``html_path`` in headless Chromium with the network off and report what happened.

    ``sizes[selector]`` is the (width, height) in CSS pixels of the first element matching
    the selector (None when nothing matches) and ``counts[selector]`` the number of matches.
    ``evaluate`` maps names to JavaScript expressions whose JSON-able values land in
    ``values``. Console errors are console.error/assert calls, uncaught exceptions and
    browser log entries of level error (failed loads, CSP violations). With ``screenshot``
    a PNG of the whole page (up to ``max_screenshot_height`` px tall) is written there.
    """
    binary = binary or find_chromium()
    binary = (shutil.which(binary) or binary) if binary else None
    if not binary:
        raise BrowserError("chromium: no binary found (apt-get install -y chromium, or set SHIFTWATCH_CHROMIUM)")
    url = Path(html_path).resolve().as_uri()
    report = PageReport(url=url)
    user_data_dir = tempfile.mkdtemp(prefix="shiftwatch-chromium-")
    process, pipe = _launch(binary, user_data_dir, width, height)
    try:
        target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)
        session = pipe.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                            timeout=timeout)["sessionId"]

        def on_event(event: dict) -> None:
            if event.get("sessionId") != session:
                return
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                report.requests.append(params["request"]["url"])
            elif method == "Fetch.requestPaused":
                request_url = params["request"]["url"]
                if request_url.startswith(("file:", "data:")):
                    pipe.send("Fetch.continueRequest", {"requestId": params["requestId"]}, session=session, wait=False)
                else:
                    report.blocked.append(request_url)
                    pipe.send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "InternetDisconnected"},
                              session=session, wait=False)
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                report.console_errors.append(f"console.{params['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text", "")
                report.console_errors.append(f"exception: {text}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                report.console_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())

        pipe.handlers.append(on_event)
        for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            pipe.send(method, session=session, timeout=timeout)
        pipe.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                       "uploadThroughput": -1}, session=session, timeout=timeout)
        pipe.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session, timeout=timeout)
        pipe.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=session, timeout=timeout)
        navigation = pipe.send("Page.navigate", {"url": url}, session=session, timeout=timeout)
        if navigation.get("errorText"):
            raise BrowserError(f"chromium: cannot open {url}: {navigation['errorText']}")
        pipe.wait_event("Page.loadEventFired", session=session, timeout=timeout)
        time.sleep(settle_seconds)  # late console messages

        measured = pipe.send("Runtime.evaluate", {"expression": _MEASURE % json.dumps(list(selectors)),
                                                  "returnByValue": True}, session=session, timeout=timeout)
        for selector, found in json.loads(measured["result"]["value"]).items():
            report.counts[selector] = found["count"]
            report.sizes[selector] = tuple(found["size"]) if found["size"] else None
        for name, expression in (evaluate or {}).items():
            result = pipe.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                               session=session, timeout=timeout)
            if "exceptionDetails" in result:
                raise BrowserError(f"chromium: evaluating {name!r} failed: {result['exceptionDetails'].get('text')}")
            report.values[name] = result["result"].get("value")

        if screenshot is not None:
            if full_page:
                metrics = pipe.send("Page.getLayoutMetrics", session=session, timeout=timeout)
                content = metrics.get("cssContentSize") or metrics["contentSize"]
                full_height = int(min(max(content["height"], height), max_screenshot_height))
                pipe.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": full_height,
                                                                 "deviceScaleFactor": 1, "mobile": False},
                          session=session, timeout=timeout)
            shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session, timeout=timeout)
            path = Path(screenshot)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(shot["data"]))
            report.screenshot_path = path
    except BrowserError as exc:
        tail = b"".join(process.stderr_tail).decode(errors="replace")[-2000:]
        raise BrowserError(f"{exc}\n--- chromium stderr (tail) ---\n{tail}") from None
    finally:
        _shutdown(process, pipe)
        shutil.rmtree(user_data_dir, ignore_errors=True)
    return report
