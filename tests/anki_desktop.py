"""A real Anki desktop, headless, with the real AnkiConnect add-on, started and stopped by a test.

The facts this relies on were verified and are written in ../shared/ankiconnect/README.md: offscreen
Qt, the web engine's sandbox off as root, the base folder and profile made beforehand with aqt's own
ProfileManager (an empty one shows a first-run dialog and blocks), stopping with SIGTERM.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDON_CODE = "2055492159"


def addon_source() -> Path | None:
    """The AnkiConnect add-on to test with: $REDECK_ANKICONNECT, else ../shared/ankiconnect beside the checkout."""
    configured = os.environ.get("REDECK_ANKICONNECT")
    for candidate in ([Path(configured)] if configured else []) + [ROOT.parent / "shared" / "ankiconnect"]:
        plugin = candidate / "plugin" if (candidate / "plugin").is_dir() else candidate
        if (plugin / "__init__.py").is_file():
            return plugin
    return None


def anki_command() -> Path | None:
    found = Path(sys.executable).with_name("anki")
    return found if found.exists() else (Path(shutil.which("anki")) if shutil.which("anki") else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(url: str, action: str, key: str | None = None, **params: object) -> object:
    body: dict[str, object] = {"action": action, "version": 6, "params": params}
    if key:
        body["key"] = key
    request = urllib.request.Request(url, data=json.dumps(body).encode())
    answer = json.loads(urllib.request.urlopen(request, timeout=60).read())
    if answer["error"]:
        raise RuntimeError(answer["error"])
    return answer["result"]


class AnkiDesktop:
    """One running Anki: its URL, its profile folder, and a way to call AnkiConnect."""

    def __init__(self, base: Path, api_key: str | None = None) -> None:
        self.base = base
        self.api_key = api_key
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> AnkiDesktop:
        anki, addon = anki_command(), addon_source()
        assert anki is not None and addon is not None
        self.base.mkdir(parents=True, exist_ok=True)
        setup = (
            "from pathlib import Path\nfrom aqt.profiles import ProfileManager\n"
            f"pm = ProfileManager(Path({str(self.base)!r}))\npm.setupMeta()\n"
            "pm.meta['firstRun'] = False\npm.meta['defaultLang'] = 'en_US'\n"
            "pm.create('test')\npm.load('test')\npm.profile['autoSync'] = False\npm.profile['numBackups'] = 0\npm.save()\n"
        )
        subprocess.run([sys.executable, "-c", setup], check=True, capture_output=True)
        target = self.base / "addons21" / ADDON_CODE
        shutil.copytree(addon, target)
        config = json.loads((target / "config.json").read_text())
        config.update(webBindPort=self.port, apiKey=self.api_key)
        (target / "config.json").write_text(json.dumps(config))
        # Anki is one instance per user: a second one hands its arguments to the first and exits,
        # unless each has a key of its own.
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1",
               "QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu --no-sandbox",
               "ANKI_SINGLE_INSTANCE_KEY": f"redeck-test-{self.port}"}  # fmt: skip
        log = open(self.base / "anki.log", "wb")  # noqa: SIM115  closed with the process
        self.proc = subprocess.Popen([str(anki), "-b", str(self.base), "-p", "test"], env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                call(self.url, "version", self.api_key)
                return self
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Anki did not start: {(self.base / 'anki.log').read_text(errors='replace')[-2000:]}")

    def call(self, action: str, **params: object) -> object:
        return call(self.url, action, self.api_key, **params)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # Anki saves and exits; guiExitAnki answers but does nothing
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def require_desktop() -> None:
    """Skip, with the reason, where Anki or the add-on is missing; in CI that is a failure instead."""
    missing = [what for what, found in (("aqt (pip install 'redeck[test]')", anki_command()),
                                        ("the AnkiConnect add-on (set REDECK_ANKICONNECT)", addon_source())) if not found]  # fmt: skip
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the AnkiConnect tests need {' and '.join(missing)}; .ci/run provides them")
        pytest.skip(f"needs {' and '.join(missing)}")
