"""Authoring commands: stats, new, new-id and schema, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from redeck.build import check_tree
from redeck.cli import cli
from redeck.load import load_tree
from redeck.scaffold import new_id, slugify
from redeck.schema import card_file_schema

ROOT = Path(__file__).resolve().parents[1]

SMALL_TREE = {
    "systems/replication.yaml": """\
deck: RE::Systems::Replication
tags: [replication]
source: DDIA ch. 5
cards:
  - id: repl-quorum
    front: What makes a quorum read see the latest write?
    back: w + r > n
  - id: repl-lww
    front: What does last-write-wins lose?
    back: Every concurrent write but the one with the highest timestamp, silently.
    reverse: true
""",
    "accelerators/tpu.yaml": """\
deck: RE::Accelerators::TPU
cards:
  - id: tpu-allreduce
    cloze: An AllReduce is a {{c1::ReduceScatter}} then an {{c2::AllGather}}.
    tags: [collectives]
""",
}


@pytest.fixture
def run(tree, monkeypatch):
    monkeypatch.chdir(tree.root)
    return lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_stats_json_has_exact_counts(tree, run):
    for name, text in SMALL_TREE.items():
        tree.write(name, text)
    result = run("stats", "--json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert stats["notes"] == 3 and stats["anki_cards"] == 5  # basic 1 + reversed 2 + cloze 2
    assert stats["per_deck"] == {"RE::Systems::Replication": 2, "RE::Accelerators::TPU": 1}
    assert stats["per_tag"] == {"replication": 2, "systems": 2, "accelerators": 1, "collectives": 1}
    assert stats["per_kind"] == {"basic": 1, "cloze": 1, "reversed": 1}
    assert stats["without_source"] == ["tpu-allreduce"]
    assert [(a["id"], a["chars"]) for a in stats["longest_answers"]] == [
        ("repl-lww", 72),
        ("tpu-allreduce", 66),
        ("repl-quorum", 9),
    ]
    assert stats["longest_answers"][0]["where"] == "cards/systems/replication.yaml:10:11"


def test_stats_tables_for_people(tree, run):
    for name, text in SMALL_TREE.items():
        tree.write(name, text)
    result = run("stats")
    assert result.exit_code == 0
    assert "3 notes, 5 Anki cards" in result.stdout
    assert "RE::Systems::Replication" in result.stdout and "1 notes without a source" in result.stdout


def test_new_creates_a_file_that_builds(tree, run):
    tree.write("systems/replication.yaml", SMALL_TREE["systems/replication.yaml"])
    result = run("new", "cards/systems/raft.yaml", "--deck", "RE::Systems::Raft")
    assert result.exit_code == 0, result.output
    created = tree.cards / "systems" / "raft.yaml"
    assert "raft" in created.read_text()
    assert check_tree(tree.cards).errors == []
    assert run("build").exit_code == 0


def test_new_refuses_to_overwrite_and_bad_decks(tree, run):
    tree.write("a.yaml", SMALL_TREE["accelerators/tpu.yaml"])
    assert run("new", "cards/a.yaml", "--deck", "RE::X").exit_code == 2
    bad = run("new", "cards/b.yaml", "--deck", "RE::::X")
    assert bad.exit_code == 2 and "a level is empty" in bad.stderr
    assert not (tree.cards / "b.yaml").exists()


def test_new_quotes_decks_yaml_would_misread(tree, run):
    assert run("new", "cards/odd.yaml", "--deck", "RE::Odd: #1").exit_code == 0
    (card,), _problems = load_tree(tree.cards)
    assert card.deck.value == "RE::Odd: #1"


def test_new_id_is_a_free_slug(tree, run):
    tree.write("systems/replication.yaml", SMALL_TREE["systems/replication.yaml"].replace("repl-quorum", "quorum-read-latest"))
    assert run("new-id", "Quorum", "read", "latest?").stdout.strip() == "quorum-read-latest-2"
    assert run("new-id", "What is the H100's HBM bandwidth?").stdout.strip() == "h100-s-hbm-bandwidth"


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Ünïcode café", "unicode-cafe"), ("2PC blocks", "c-2pc-blocks"), ("", "card"), ("x" * 100, "x" * 61)],
)
def test_slugify_always_gives_a_valid_id(text, slug):
    assert slugify(text) == slug


def test_new_id_counts_past_taken_suffixes():
    assert new_id("raft term", {"raft-term", "raft-term-2"}) == "raft-term-3"


# --- the JSON Schema


def validator():
    schema = card_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def as_editor_reads(text: str):
    """What a YAML editor hands to the schema: plain YAML values, dates as text."""
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def test_schema_command_prints_the_schema(run):
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == card_file_schema()


SHIPPED = sorted(p for p in (ROOT / "cards").rglob("*.yaml") if p != ROOT / "cards" / "redeck.yaml")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_card_file_matches_the_schema(path):
    errors = [e.message for e in validator().iter_errors(as_editor_reads(path.read_text(encoding="utf-8")))]
    assert errors == []


def test_the_deck_file_schema_takes_a_deck_file_and_refuses_a_card_file(run):
    result = run("schema", "--deck-file")
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    deck_file = "deck: RE\ndescription: Start here.\nnew-per-day: 15\nunits: [a.yaml, b/c.yaml]\nretired: {old-id: merged}\n"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(as_editor_reads(deck_file))) == []
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(as_editor_reads(GOOD)))
    shipped = ROOT / "cards" / "redeck.yaml"
    if shipped.exists():
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(as_editor_reads(shipped.read_text()))) == []


def test_the_schema_takes_silences_with_reasons():
    text = GOOD + "    lint: {todo: a worked example of the skeleton}\n"
    assert list(validator().iter_errors(as_editor_reads(text))) == []


GOOD = "deck: D\nsource: S\ncards:\n  - id: good-card\n    front: F?\n    back: B\n"


@pytest.mark.parametrize(
    "text",
    [
        "deck: D\ncards: nope\n",
        "cards: []\n",
        "deck: D\n",
        "deck: D\ncolor: red\ncards: []\n",
        GOOD + "    hint: no\n",
        "deck: D\ncards:\n  - front: F?\n    back: B\n",
        GOOD.replace("good-card", "Good_Card"),
        GOOD + "    cloze: A {{c1::b}}\n",
        "deck: D\ncards:\n  - id: a\n",
        "deck: D\ncards:\n  - id: a\n    front: F?\n",
        "deck: D\ncards:\n  - id: a\n    cloze: A {{c1::b}}\n    reverse: true\n",
        GOOD + "    tags: [ok, two words]\n",
        GOOD + "    tags: tpu\n",
        GOOD.replace("deck: D", "deck: A::::B"),
        GOOD.replace("deck: D", "deck: 'A :: B'"),
        GOOD + "    reverse: 'yes'\n",
        "deck: D\ncards:\n  - not a card\n",
        GOOD + "    lint: [no-such-rule]\n",
        "deck: D\ncards:\n  - id: a\n    front: [F]\n    back: B\n",
    ],
)
def test_schema_rejects_what_check_rejects_for_structure(tree, text):
    assert list(validator().iter_errors(as_editor_reads(text))), "schema accepted it"
    tree.write("t.yaml", text)
    assert check_tree(tree.cards).errors, "check accepted it"
