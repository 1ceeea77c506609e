"""Pull: edits made in Anki, written back into the card files, each only where it renders back exactly.

For each note edited in Anki since redeck last wrote it (edits.py), every changed field is turned
back into the card format's Markdown (convert.py) and written over that field's value in the YAML,
at the position the loader records, so nothing else in the file moves. The cards are then run
through the pipeline again and must render to exactly what Anki holds; the lock is stamped with
Anki's own time, so the next build and re-import update nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from redeck.build import Run, run_pipeline
from redeck.compile import Plan
from redeck.convert import ConversionError, source_text, to_markdown
from redeck.edits import classify, fields_digest, load_written, save_written
from redeck.load import _Loader
from redeck.model import Card, RedeckError, excerpt
from redeck.package import guid
from redeck.sync import FIELD_NAMES, Backend

# Anki's field names, and the card keys they come from.
KEYS = {"Front": "front", "Back": "back", "Text": "cloze", "Extra": "extra", "Source": "source"}


class PullError(RedeckError):
    """An edit that cannot be brought home faithfully: nothing was written."""


@dataclass
class PullReport:
    """What a pull wrote (or, with ``dry_run``, would write)."""

    dry_run: bool = False
    pulled: list[tuple[str, str]] = field(default_factory=list)  # (card id, card key)
    # Notes changed in the cards as well as in Anki: not pulled (it would undo the cards' change); see sync --prefer.
    conflicts: list[str] = field(default_factory=list)
    diff: str = ""  # a unified diff of the card files
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class FieldEdit:
    card: Card
    key: str  # the card key: front, back, cloze, extra, source
    text: str  # its new value


def pull(cards_dir: Path, open_backend: Callable[[], Backend], dry_run: bool = False) -> PullReport:
    """Write the fields edited in Anki into the card files; refuse the whole pull if one cannot be written exactly.

    ``open_backend`` opens the collection file or the running Anki, as for `redeck.sync.sync`.
    """
    run = run_pipeline(cards_dir, Plan(keep_cards=True, keep_notes=True))
    if not run.ok:
        raise PullError(cards_dir, "the cards have errors; fix them (redeck check) before pulling")
    cards = {card.id.value: card for card in run.cards}
    mods = {line[0]: line[2] for line in run.stamps}
    packaged = {guid(n.card_id): (n.card_id, n.fields, mods[n.card_id]) for n in run.notes}
    names = {n.card_id: FIELD_NAMES[n.notetype] for n in run.notes}
    media = _media_paths(run)
    backend = open_backend()
    where = backend.where
    try:
        ours = backend.notes()
        written = load_written(backend)
        for g, note in sorted(ours.items()):
            if g not in packaged and g in written and fields_digest(note.fields) != written[g]:
                raise PullError(where, f"a note edited in Anki ('{excerpt(note.fields[0])}') has no card in the "
                                "tree any more; nothing to write it into")  # fmt: skip
        anki = {g: (note.guid, note.fields, note.mod) for g, note in ours.items()}
        found = classify(anki, packaged, written, names)
        edits = [e for e in found if e.kind == "anki"]
        field_edits = []
        for edit in edits:
            card = cards[edit.card_id]
            for name, ours_html, theirs_html in zip(edit.field_names, edit.package_fields, edit.anki_fields, strict=True):
                if ours_html != theirs_html:
                    field_edits.append(_field_edit(card, name, theirs_html, media.get(str(card.file), {}), where))
        conflicts = [e.card_id for e in found if e.kind == "both"]
        report = PullReport(dry_run, [(e.card.id.value, e.key) for e in field_edits], conflicts=conflicts)
        if not field_edits:
            return report
        new_texts = _edited_files(field_edits)
        report.files = sorted(new_texts)
        report.diff = "".join(
            "".join(
                difflib.unified_diff(
                    path.read_text(encoding="utf-8").splitlines(True), text.splitlines(True), f"a/{path}", f"b/{path}"
                )
            )  # fmt: skip
            for path, text in sorted(new_texts.items())
        )
        if dry_run:
            return report
        _write_and_verify(cards_dir, new_texts, {g: anki[g] for g in (guid(e.card_id) for e in edits)}, where)
        state = dict(written)
        state.update((guid(e.card_id), fields_digest(e.anki_fields)) for e in edits)
        save_written(backend, state)
        return report
    finally:
        backend.close()


def _media_paths(run: Run) -> dict[str, dict[str, str]]:
    """For each card file, the package names of the images it shows and the paths it names them by."""
    import os

    found: dict[str, dict[str, str]] = {}
    for f in run.files:
        base = Path(f.path).resolve().parent
        found[f.path] = {name: os.path.relpath(path, base) for path, name in f.media}
    return found


def _field_edit(card: Card, name: str, field_html: str, media: dict[str, str], where: str) -> FieldEdit:
    key = KEYS.get(name)
    if key is None:
        raise PullError(where, f"card '{card.id.value}': the {name} field is redeck's own; edit it in the card file")
    try:
        text = source_text(field_html) if key == "source" else to_markdown(field_html, media, card.file.parent)
    except ConversionError as exc:
        raise PullError(where, f"card '{card.id.value}', field {name}: {exc}; edit it in {card.file} instead") from exc
    value = getattr(card, key)
    if key == "source" and value is not None and value.pos.line < card.pos.line:
        raise PullError(where, f"card '{card.id.value}': its source is the file's, shared by other cards; edit it in {card.file}")
    if not text.strip() and key in ("front", "back", "cloze"):
        raise PullError(where, f"card '{card.id.value}': the {name} field was emptied in Anki; a card needs it")
    return FieldEdit(card, key, text)


def _edited_files(edits: list[FieldEdit]) -> dict[Path, str]:
    """Each card file with its edited values, every other byte as it was."""
    by_file: dict[Path, list[FieldEdit]] = {}
    for edit in edits:
        by_file.setdefault(edit.card.file, []).append(edit)
    result = {}
    for path, file_edits in by_file.items():
        text = path.read_text(encoding="utf-8")
        spans = []
        root = yaml.compose(text, Loader=_Loader)
        assert root is not None  # the pipeline loaded this file without errors
        for edit in file_edits:
            spans.append(_span(root, text, edit))
        for start, end, new in sorted(spans, reverse=True):  # from the end, so earlier offsets hold
            text = text[:start] + new + text[end:]
        result[path] = text
    return result


def _span(root: yaml.Node, text: str, edit: FieldEdit) -> tuple[int, int, str]:
    """Where in the file the edited value goes, and what to put there."""
    card_node = _card_node(root, edit.card.id.value)
    for key_node, value_node in card_node.value:
        if key_node.value == edit.key:
            indent = key_node.start_mark.column
            if not edit.text.strip():  # an extra or source cleared in Anki: the key goes
                line_start = text.rfind("\n", 0, key_node.start_mark.index) + 1
                return line_start, _line_end(text, value_node.end_mark.index), ""
            return value_node.start_mark.index, value_node.end_mark.index, scalar(edit.text, indent, value_node.style)
    last = card_node.value[-1][1]
    indent = card_node.value[0][0].start_mark.column
    at = _line_end(text, last.end_mark.index)
    return at, at, f"{' ' * indent}{edit.key}: {scalar(edit.text, indent, None)}".rstrip("\n") + "\n"


def _line_end(text: str, index: int) -> int:
    """The start of the line after ``index`` (a block scalar's end is already there)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _card_node(root: yaml.Node, card_id: str) -> yaml.MappingNode:
    for key_node, value_node in root.value:
        if key_node.value == "cards":
            for card in value_node.value:
                for k, v in card.value:
                    if k.value == "id" and v.value == card_id:
                        return card
    raise KeyError(card_id)


def scalar(text: str, indent: int, style: str | None) -> str:
    """``text`` as a YAML value for a key at column ``indent``, read back by redeck as exactly ``text``."""
    if "\n" in text or style in ("|", ">"):
        lines = "".join(f"{' ' * (indent + 2)}{line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))
        return f"|\n{lines}"
    for candidate in (text, "'" + text.replace("'", "''") + "'"):
        if (style not in ("'", '"') or candidate != text) and _reads_back(candidate, text):
            return candidate
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reads_back(candidate: str, text: str) -> bool:
    try:
        node = yaml.compose(f"k: {candidate}\n", Loader=_Loader)
    except yaml.YAMLError:
        return False
    return isinstance(node, yaml.MappingNode) and node.value[0][1].value == text


def _write_and_verify(
    cards_dir: Path, new_texts: dict[Path, str], anki: dict[str, tuple[str, tuple[str, ...], int]], where: str
) -> None:
    """Write the files, check they render to what Anki holds, and stamp the lock with Anki's times; else undo."""
    from redeck.lock import Stamp, line_of, read_lock
    from redeck.output import write_together

    old_texts = {path: path.read_bytes() for path in new_texts}
    write_together([(path, text.encode()) for path, text in new_texts.items()])
    try:
        run = run_pipeline(cards_dir, Plan(keep_notes=True))
        rendered = {guid(n.card_id): n for n in run.notes}
        for g, (_guid, fields, _mod) in anki.items():
            if not run.ok or fields_digest(rendered[g].fields) != fields_digest(fields):
                raise PullError(where, f"card '{rendered[g].card_id if g in rendered else g}' does not render back to what "
                                "Anki holds after the edit; nothing was written")  # fmt: skip
        lock = read_lock(cards_dir, run.lock.now, run.lock.release)
        stamps = dict(lock.stamps)
        for key, digest, _mod, *rest in run.stamps:
            if guid(key) in anki:
                # Anki's own time, so that the next package is not newer than Anki's copy (an import then
                # updates nothing); but always later than the last stamp, so other learners get the edit.
                previous, anki_mod = lock.stamps.get(key), anki[guid(key)][2]
                stamps[key] = Stamp(digest, anki_mod if previous is None or anki_mod > previous.mod else previous.mod + 1, *rest)
        write_together([(lock.path, lock.contents(line_of(k, s) for k, s in stamps.items()))])
    except BaseException:
        write_together(list(old_texts.items()))
        raise
