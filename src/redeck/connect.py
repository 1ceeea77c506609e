"""Connect: the running Anki desktop, through the AnkiConnect add-on's HTTP API, as a sync back end.

AnkiConnect (AnkiWeb 2055492159) listens on localhost; every request is one JSON call. Its API has
no note GUIDs or note times, so redeck reads them the way Anki itself would hand them over: it exports
the decks that hold redeck's notes to a temporary package and reads that.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from redeck.collection import SyncError
from redeck.model import excerpt
from redeck.notetypes import BASIC_ID, CLOZE_ID
from redeck.render import plain_text

API_VERSION = 6  # the AnkiConnect API version redeck speaks
INSTALL = "install AnkiConnect in Anki (Tools → Add-ons → Get Add-ons…, code 2055492159) and restart Anki"
OURS = f"mid:{BASIC_ID} OR mid:{CLOZE_ID}"
TIMEOUT_S = 60.0


class ConnectError(SyncError):
    """Anki or AnkiConnect did not answer, or refused a request."""


class AnkiConnect:
    """A client for one AnkiConnect endpoint."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = TIMEOUT_S) -> None:
        self.url = url
        self.api_key = api_key
        self.timeout = timeout

    def call(self, action: str, **params: Any) -> Any:
        """One request; its result, or a one-line `ConnectError` saying what went wrong and what to do."""
        body: dict[str, Any] = {"action": action, "version": API_VERSION, "params": params}
        if self.api_key:
            body["key"] = self.api_key
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except TimeoutError as exc:
            raise ConnectError(
                self.url, f"Anki did not answer '{action}' within {self.timeout:g} s (is a dialog open in Anki?)"
            ) from exc
        except urllib.error.HTTPError as exc:
            raise ConnectError(self.url, f"answers HTTP {exc.code}, not as AnkiConnect does; is the URL right?") from exc
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise ConnectError(self.url, f"Anki did not answer '{action}' within {self.timeout:g} s") from exc
            raise ConnectError(self.url, f"nothing answers ({reason}): {_not_running()}") from exc
        try:
            answer = json.loads(raw)
            error, result = answer["error"], answer["result"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConnectError(self.url, "something answers, but not AnkiConnect; is the URL (and port) right?") from exc
        if error:
            if "api key" in str(error).lower():
                raise ConnectError(self.url, "AnkiConnect refused the API key; give the one in its config with --api-key")
            raise ConnectError(self.url, f"AnkiConnect refused '{action}': {str(error)[:200]}")
        return result

    def check_version(self) -> None:
        version = self.call("version")
        if not isinstance(version, int) or version < API_VERSION:
            raise ConnectError(
                self.url, f"AnkiConnect speaks API version {version}; redeck needs {API_VERSION} or later: update the add-on"
            )


def _not_running() -> str:
    """Whether Anki seems to run without the add-on, or not to run at all (Linux only; elsewhere both are said)."""
    try:
        running = any(
            b"anki" in Path("/proc", pid, "cmdline").read_bytes().lower() for pid in os.listdir("/proc") if pid.isdigit()
        )
    except OSError:
        return f"start Anki; if it is running, {INSTALL}"
    return (
        f"Anki is running but AnkiConnect does not answer: {INSTALL}"
        if running
        else f"Anki is not running: start it (and {INSTALL} if you have not)"
    )


class ConnectBackend:
    """The sync back end for the running Anki, through AnkiConnect."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = TIMEOUT_S) -> None:
        self.client = AnkiConnect(url, api_key, timeout)
        self.client.check_version()
        self.where = url
        media_dir = self.client.call("getMediaDirPath")
        self.key = str(Path(media_dir).parent / "collection.anki2")

    def notes(self) -> dict[str, Any]:
        from redeck.sync import notes_in_package

        card_ids = self.client.call("findCards", query=OURS)
        if not card_ids:
            return {}
        decks = sorted({name.split("::")[0] for name in self.client.call("getDecks", cards=card_ids)})
        found: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="redeck-connect-") as work:
            for number, top in enumerate(decks):
                path = Path(work) / f"export-{number}.apkg"
                if not self.client.call("exportPackage", deck=top, path=str(path), includeSched=True):
                    raise ConnectError(self.where, f"AnkiConnect could not export the deck '{top}' to read redeck's notes")
                found.update(notes_in_package(path.read_bytes()))
        return found

    def import_package(self, package: Path) -> None:
        if not self.client.call("importPackage", path=str(package.resolve())):
            raise ConnectError(self.where, "AnkiConnect could not import the package (is a profile open?)")

    def set_fields(self, changes: dict[int, tuple[str, ...]]) -> None:
        from redeck.sync import FIELD_NAMES

        actions, labels = [], []
        for note_id, fields in changes.items():
            labels.append(f"the note '{excerpt(plain_text(fields[0]), 50)}'")
            names = FIELD_NAMES["basic" if len(fields) == len(FIELD_NAMES["basic"]) else "cloze"]
            actions.append(
                {
                    "action": "updateNoteFields",
                    "params": {"note": {"id": note_id, "fields": dict(zip(names, fields, strict=True))}},
                }
            )
        self._multi(actions, labels)

    def move(self, moves: dict[str, list[int]]) -> None:
        self._multi([{"action": "changeDeck", "params": {"cards": ids, "deck": deck}} for deck, ids in moves.items()])

    def reposition(self, card_ids: list[int]) -> None:
        # `due` of a new card is its position; AnkiConnect sets it card by card, so all go in one request.
        self._multi([{"action": "setSpecificValueOfCard", "params": {"card": cid, "keys": ["due"], "newValues": [position]}}
                     for position, cid in enumerate(card_ids, start=1)])  # fmt: skip

    def remove_cards(self, card_ids: list[int]) -> bool:
        return False  # AnkiConnect cannot delete single cards; Tools → Check Empty Cards can

    def remove_notes(self, note_ids: list[int]) -> None:
        self.client.call("deleteNotes", notes=note_ids)

    def suspend(self, card_ids: list[int]) -> None:
        self.client.call("suspend", cards=card_ids)

    def read_media(self, name: str) -> bytes | None:
        data = self.client.call("retrieveMediaFile", filename=name)
        return base64.b64decode(data) if data else None

    def write_media(self, name: str, data: bytes) -> None:
        self.client.call("storeMediaFile", filename=name, data=base64.b64encode(data).decode("ascii"), deleteExisting=True)

    def close(self) -> None:
        pass

    def _multi(self, actions: list[dict[str, Any]], labels: list[str] | None = None) -> None:
        """Run ``actions`` in batches; the first refused one stops it, named by its label (a note's front)."""
        # Each action inside a "multi" is a request of its own to the add-on: it needs the version
        # (else it is answered the old way, without errors) and the key.
        stamp: dict[str, Any] = {"version": API_VERSION} | ({"key": self.client.api_key} if self.client.api_key else {})
        for start in range(0, len(actions), 500):
            batch = actions[start : start + 500]
            results = self.client.call("multi", actions=[action | stamp for action in batch])
            names = labels[start : start + 500] if labels else [json.dumps(a["params"])[:80] for a in batch]
            for action, name, answer in zip(batch, names, results, strict=True):
                error = answer.get("error") if isinstance(answer, dict) else None
                if error and "api key" in str(error).lower():
                    raise ConnectError(self.where, "AnkiConnect refused the API key; give the one in its config with --api-key")
                if error:
                    raise ConnectError(self.where, f"AnkiConnect refused '{action['action']}' for {name}: {str(error)[:120]}")
