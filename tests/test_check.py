"""Bad input: every problem found, each at its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from redeck.build import build, check_tree
from redeck.load import load_text

GOOD_CARD = """\
deck: D
source: S
cards:
  - id: good-card
    front: What is good?
    back: This.
"""


def problems(tree, text: str | bytes, name: str = "t/cards.yaml") -> list[tuple[int, int, str]]:
    path = tree.cards / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return tree.problems()


def messages(tree, monkeypatch) -> list[str]:
    """Problems as the CLI prints them when run from the project root."""
    monkeypatch.chdir(tree.root)
    return [str(p) for p in check_tree(Path("cards")).problems]


def test_valid_file_has_no_problems(tree):
    assert problems(tree, GOOD_CARD) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("deck: D\ncards: [\n", [(3, 1, "yaml")], id="yaml-syntax"),
        pytest.param("deck: D\ncards:\n\t- id: x\n", [(3, 1, "yaml")], id="tab"),
        pytest.param("", [(1, 1, "structure")], id="empty-file"),
        pytest.param("# only a comment\n", [(1, 1, "structure")], id="comment-only-file"),
        pytest.param("- a\n- b\n", [(1, 1, "structure")], id="not-a-mapping"),
        pytest.param("deck: D\ncards: nope\n", [(2, 8, "structure")], id="cards-not-a-list"),
        pytest.param("deck: D\n", [(1, 1, "structure")], id="missing-cards"),
        pytest.param("cards: []\n", [(1, 1, "structure")], id="missing-deck"),
        pytest.param("deck: D\ncolor: red\ncards: []\n", [(2, 1, "unknown-key")], id="unknown-file-key"),
        pytest.param(GOOD_CARD + "    hint: no\n", [(7, 5, "unknown-key")], id="unknown-card-key"),
        pytest.param("deck: D\ncards:\n  - front: F?\n    back: B\n", [(3, 5, "structure")], id="missing-id"),
        pytest.param(GOOD_CARD.replace("good-card", "Good_Card"), [(4, 9, "id")], id="malformed-id"),
        pytest.param(GOOD_CARD.replace("good-card", "g" * 65), [(4, 9, "id")], id="id-too-long"),
        pytest.param(GOOD_CARD.replace("good-card", "'7up'"), [(4, 9, "id")], id="id-starts-with-digit"),
        pytest.param(GOOD_CARD + "    cloze: A {{c1::b}}\n", [(7, 12, "card-kind")], id="front-back-and-cloze"),
        pytest.param("deck: D\ncards:\n  - id: a\n", [(3, 5, "card-kind")], id="neither-kind"),
        pytest.param("deck: D\ncards:\n  - id: a\n    front: F?\n", [(3, 5, "card-kind")], id="front-without-back"),
        pytest.param(
            "deck: D\ncards:\n  - id: a\n    cloze: no deletion here\n", [(4, 12, "cloze")], id="cloze-without-deletion"
        ),
        pytest.param(
            "deck: D\ncards:\n  - id: a\n    cloze: A {{c1::b}}\n    reverse: true\n",
            [(3, 5, "card-kind")],
            id="reverse-on-cloze",
        ),
        pytest.param(GOOD_CARD.replace("back: This.", "back: ''"), [(6, 11, "empty-field")], id="empty-back"),
        pytest.param(GOOD_CARD.replace("back: This.", "back:"), [(6, 10, "empty-field")], id="null-back"),
        pytest.param(GOOD_CARD + "    extra: '   '\n", [(7, 12, "empty-field")], id="blank-extra"),
        pytest.param(GOOD_CARD + "    tags: [ok, two words]\n", [(7, 16, "tag")], id="space-in-tag"),
        pytest.param(GOOD_CARD + "    tags: [a::::b]\n", [(7, 12, "tag")], id="empty-tag-level"),
        pytest.param(GOOD_CARD + "    tags: tpu\n", [(7, 11, "structure")], id="tags-not-a-list"),
        pytest.param(GOOD_CARD.replace("deck: D", "deck: A::::B"), [(1, 7, "deck")], id="empty-deck-level"),
        pytest.param(GOOD_CARD.replace("deck: D", "deck: '::B'"), [(1, 7, "deck")], id="deck-leading-separator"),
        pytest.param(GOOD_CARD.replace("deck: D", "deck: 'A :: B'"), [(1, 7, "deck")], id="deck-padded-level"),
        pytest.param(GOOD_CARD + "    reverse: yes\n", [(7, 14, "structure")], id="reverse-not-boolean"),
        pytest.param(GOOD_CARD + "    back: again\n", [(7, 5, "structure")], id="duplicate-key"),
        pytest.param(
            GOOD_CARD + "    front: [a, b]\n", [(7, 5, "structure"), (7, 12, "structure")][:1], id="duplicate-key-list-value"
        ),
        pytest.param(
            "deck: D\ncards:\n  - id: a\n    front: [F]\n    back: B\n",
            [(4, 12, "structure"), (3, 5, "card-kind")],
            id="front-is-a-list",
        ),
        pytest.param(GOOD_CARD + "    lint: [no-such-rule]\n", [(7, 12, "lint")], id="unknown-lint-rule"),
        pytest.param(
            GOOD_CARD + "    extra: !!python/object/apply:os.system [echo hi]\n", [(7, 12, "unsafe-tag")], id="unsafe-python-tag"
        ),
        pytest.param("deck: !!binary aGk=\ncards: []\n", [(1, 7, "unsafe-tag"), (1, 1, "structure")], id="binary-tag"),
        pytest.param("deck: D\ncards:\n  - not a card\n", [(3, 5, "structure")], id="card-not-a-mapping"),
        pytest.param("deck: D\ncards: []\n---\ndeck: E\n", [(3, 1, "yaml")], id="two-documents"),
    ],
)
def test_bad_input_is_reported_at_its_place(tree, text, expected):
    assert sorted(problems(tree, text)) == sorted(expected)


def test_non_utf8_file_is_reported_at_the_bad_byte(tree, monkeypatch):
    assert problems(tree, b"deck: D\ncards:\n  - id: caf\xe9\n") == [(3, 12, "encoding")]
    assert "not valid UTF-8 (byte 0xe9)" in messages(tree, monkeypatch)[0]


def test_binary_file_is_refused(tree):
    assert problems(tree, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == [(3, 1, "encoding")]


def test_control_character_is_a_yaml_error(tree):
    assert problems(tree, "deck: D\x07\ncards: []\n") == [(1, 8, "yaml")]


def test_tab_error_says_to_use_spaces(tree, monkeypatch):
    problems(tree, "deck: D\ncards:\n\t- id: x\n")
    assert messages(tree, monkeypatch) == [
        "cards/t/cards.yaml:3:1: error: tab character: indent YAML with spaces, not tabs [yaml]"
    ]


def test_alias_bomb_is_refused_without_expanding_it(tree):
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    text = "\n".join(["deck: D", "tags: *a9", "cards: []"] + [f"# {x}" for x in []]) + "\n"
    text = "x:\n" + "\n".join(f"  {line}" for line in levels) + "\n" + text  # anchors first, then used
    found = problems(tree, text)
    assert (1, 1, "alias-bomb") in found


def test_recursive_alias_is_refused(tree):
    assert (1, 7, "alias-bomb") in problems(tree, "deck: &a [*a]\ncards: []\n")


def test_modest_aliases_are_fine(tree):
    text = "deck: D\nsource: S\ncards:\n  - id: a\n    front: F?\n    back: B\n    tags: &t [x, y]\n"
    text += "  - id: b\n    front: G?\n    back: C\n    tags: *t\n"
    assert problems(tree, text) == []


def test_duplicate_ids_name_both_places(tree, monkeypatch):
    tree.write("a/one.yaml", GOOD_CARD)
    tree.write("b/two.yaml", GOOD_CARD.replace("What is good?", "What else is good?"))
    assert messages(tree, monkeypatch) == [
        "cards/b/two.yaml:4:9: error: duplicate id 'good-card' (first used at cards/a/one.yaml:4:9) [duplicate-id]"
    ]


def test_missing_image_is_reported_inside_a_block(tree, monkeypatch):
    text = GOOD_CARD + "    extra: |\n      Look:\n\n      ![plot](media/missing.svg)\n"
    assert problems(tree, text) == [(10, 15, "image")]
    assert "image 'media/missing.svg' not found" in messages(tree, monkeypatch)[0]


def test_present_image_and_remote_image_are_fine(tree):
    (tree.cards / "t" / "media").mkdir(parents=True)
    (tree.cards / "t" / "media" / "ok.png").write_bytes(b"png")
    text = GOOD_CARD + "    extra: '![a](media/ok.png) ![b](https://example.com/x.png) <img src=\"media/ok.png\">'\n"
    assert problems(tree, text) == []


def test_reference_style_images_are_checked_at_their_definition(tree, monkeypatch):
    (tree.cards / "t" / "media").mkdir(parents=True)
    (tree.cards / "t" / "media" / "ok.png").write_bytes(b"png")
    text = GOOD_CARD + (
        "    extra: |\n"
        "      ![a plot][Plot] and ![gone][] and ![ok]\n"
        "\n"
        "      [plot]: media/missing.svg\n"
        "      [gone]: <media/also-missing.png>\n"
        "      [OK]: media/ok.png\n"
        "      [unused]: media/not-an-image-reference.png\n"
    )
    assert problems(tree, text) == [(10, 15, "image"), (11, 16, "image")]
    assert "image 'media/missing.svg' not found" in messages(tree, monkeypatch)[0]


def test_image_syntax_shown_as_code_is_not_an_image(tree):
    text = GOOD_CARD + (
        "    extra: |\n"
        "      Write `![plot](media/plot.png)` inline, or a reference:\n"
        "\n"
        "      ```markdown\n"
        "      ![plot][p]\n"
        "\n"
        "      [p]: media/plot.png\n"
        "      ```\n"
        "      <!-- ![old](media/old.png) -->\n"
    )
    assert problems(tree, text) == []
    assert problems(tree, text + "      ![real](media/real.png)\n") == [(16, 15, "image")]


def test_an_image_only_the_markdown_renderer_sees_stops_the_build_at_its_place(tree, monkeypatch):
    # A reference whose path is on the next line is an image to Markdown; check's patterns do not see it.
    text = GOOD_CARD + "    extra: |\n      ![plot][p]\n\n      [p]:\n        media/gone.png\n"
    tree.write("t/cards.yaml", text)
    monkeypatch.chdir(tree.root)
    result = build(Path("cards"), Path("build/deck.apkg"))
    assert [str(p) for p in result.check.errors] == [
        "cards/t/cards.yaml:11:9: error: image 'media/gone.png' not found (paths are relative to the card file) [image]"
    ]
    assert not result.written and not Path("build/deck.apkg").exists()


def test_all_problems_of_all_files_come_in_one_run(tree):
    tree.write("a.yaml", "deck: D\ncards: nope\n")
    tree.write("b.yaml", GOOD_CARD.replace("good-card", "Bad") + "    colour: red\n")
    tree.write("c.yaml", "deck: [\n")
    assert tree.problems() == [(2, 8, "structure"), (4, 9, "id"), (7, 5, "unknown-key"), (2, 1, "yaml")]


def test_text_is_kept_exactly_as_written(tmp_path):
    text = """\
deck: D
source: 2025-01-01
cards:
  - id: a
    front: 1.50
    back: no
    extra: ~
  - id: b
    front: 0.10
    back: 1e-3
    extra: null
    tags: [on, 1.0]
"""
    cards, found = load_text(text, tmp_path / "x.yaml")
    assert found == []
    assert [(c.front.value, c.back.value, c.extra.value) for c in cards] == [("1.50", "no", "~"), ("0.10", "1e-3", "null")]
    assert cards[0].source.value == "2025-01-01"
    assert [t.value for t in cards[1].tags] == ["on", "1.0"]


def test_a_failed_build_leaves_the_previous_package_untouched(tree):
    path = tree.write("t/cards.yaml", GOOD_CARD)
    tree.build()
    before = tree.output.read_bytes()
    lock_before = (tree.cards / "redeck.lock").read_bytes()
    path.write_text(GOOD_CARD + "    bogus: 1\n")
    result = build(tree.cards, tree.output)
    assert not result.ok and not result.written
    assert tree.output.read_bytes() == before
    assert (tree.cards / "redeck.lock").read_bytes() == lock_before
    assert sorted(p.name for p in tree.output.parent.iterdir()) == [".redeck-cache", "deck.apkg"]
    assert [p for p in tree.output.parent.rglob("*.tmp")] == []  # no temporary files left
