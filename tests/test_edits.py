"""Edits made in Anki: sync never loses them silently, and pull brings them home (real collections)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from anki.collection import Collection
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from redeck.cli import cli
from redeck.convert import ConversionError, _rendered, to_markdown

CARDS = textwrap.dedent(
    r"""
    deck: D
    source: DDIA (1st ed.), ch. 5
    cards:
      - id: quorum
        front: What condition on w and r makes reads see the latest write?
        back: w + r > n
        extra: With \(n = 3\), `w = r = 2` works.
      - id: lww
        front: What does last-write-wins lose?
        back: Concurrent writes but one.
        reverse: true
      - id: cloze-card
        cloze: An AllReduce is a {{c1::ReduceScatter}} then an {{c2::AllGather}}.
      - id: code-card
        front: Which loop?
        back: |
          ```python
          for x in xs:
              print(x)
          ```
    """
).lstrip()


@pytest.fixture
def synced(tree, tmp_path, monkeypatch):
    """A tree built and synced once into a collection, as a learner who syncs does."""
    monkeypatch.chdir(tree.root)
    path = tree.write("r.yaml", CARDS)
    col_path = tmp_path / "collection.anki2"
    Collection(str(col_path)).close()
    result = redeck("sync", "--collection", str(col_path))
    assert result.exit_code == 0, result.output
    return tree, path, col_path


def redeck(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def edit_in_anki(col_path, front_start: str, field: str, value: str) -> None:
    col = Collection(str(col_path))
    try:
        (nid,) = [n for n in col.find_notes("") if col.get_note(n).fields[0].startswith(front_start)]
        note = col.get_note(nid)
        note[field] = value
        col.update_note(note)
        # Edits come after the last build, not in the same second (which only a test manages).
        col.db.execute("UPDATE notes SET mod = mod + 5 WHERE id = ?", nid)
    finally:
        col.close()


def field_of(col_path, front_start: str, field: str) -> str:
    col = Collection(str(col_path))
    try:
        (nid,) = [n for n in col.find_notes("") if col.get_note(n).fields[0].startswith(front_start)]
        return col.get_note(nid)[field]
    finally:
        col.close()


def test_an_anki_edit_is_reported_kept_and_pulled_into_exactly_its_line(synced):
    tree, path, col_path = synced
    edit_in_anki(col_path, "What condition", "Back", "<em>w</em> + <em>r</em> &gt; <em>n</em>")
    before = path.read_text()
    result = redeck("sync", "--collection", str(col_path))
    assert result.exit_code == 0
    assert "edited in Anki: quorum (Back: 'w + r &gt; n' → '<em>w</em> + <em>r</em> &gt; <em>n</em>')" in result.stdout
    assert field_of(col_path, "What condition", "Back") == "<em>w</em> + <em>r</em> &gt; <em>n</em>"

    dry = redeck("pull", "--collection", str(col_path), "--dry-run")
    assert dry.exit_code == 0 and "-    back: w + r > n\n+    back: '*w* + *r* > *n*'\n" in dry.stdout
    assert path.read_text() == before
    assert redeck("pull", "--collection", str(col_path)).exit_code == 0
    after = path.read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [("    back: w + r > n", "    back: '*w* + *r* > *n*'")]

    build = redeck("build")
    assert build.exit_code == 0 and "0 new or edited" in build.stderr
    col = Collection(str(col_path))
    try:
        from conftest import import_package

        log = import_package(col, tree.root / "build" / "research-engineering.apkg")
        assert not log.updated and not log.new
    finally:
        col.close()
    again = redeck("sync", "--collection", str(col_path))
    assert again.exit_code == 0 and "edited in Anki" not in again.stdout


def test_an_anki_edit_and_a_card_edit_of_the_same_note_is_a_conflict_and_nothing_is_lost(synced):
    _tree, path, col_path = synced
    edit_in_anki(col_path, "What condition", "Back", "w + r &gt; n (strictly)")
    path.write_text(path.read_text().replace("With \\(n = 3\\)", "With \\(n = 5\\)"))
    result = redeck("sync", "--collection", str(col_path))
    assert result.exit_code == 1
    assert "conflict: quorum changed in Anki and in the cards" in result.stdout and "1 conflict" in result.stderr
    assert field_of(col_path, "What condition", "Back") == "w + r &gt; n (strictly)"  # the learner's edit kept
    assert redeck("pull", "--collection", str(col_path)).exit_code == 1  # a conflict is not pulled over the cards
    resolved = redeck("sync", "--collection", str(col_path), "--prefer", "cards")
    assert resolved.exit_code == 0
    assert field_of(col_path, "What condition", "Back") == "w + r &gt; n"
    assert "\\(n = 5\\)" in field_of(col_path, "What condition", "Extra")


def test_a_card_change_anki_would_skip_is_written_and_named(synced):
    _tree, path, col_path = synced
    col = Collection(str(col_path))
    (nid,) = [n for n in col.find_notes("") if col.get_note(n).fields[0].startswith("What does")]
    note = col.get_note(nid)
    note.tags.append("marked")  # a tag edit: Anki's copy is now newer than any package
    col.update_note(note)
    col.db.execute("UPDATE notes SET mod = mod + 3600 WHERE id = ?", nid)  # an hour after the last build
    col.close()
    path.write_text(path.read_text().replace("Concurrent writes but one.", "Every concurrent write but one."))
    result = redeck("sync", "--collection", str(col_path))
    assert result.exit_code == 0
    assert "changed in the cards: lww: Anki's copy is newer, so an import skips it: written directly" in result.stdout
    assert field_of(col_path, "What does", "Back") == "Every concurrent write but one."


@pytest.mark.parametrize(
    ("front", "field", "html", "key_line"),
    [
        ("An AllReduce", "Text", "An AllReduce is a {{c1::ReduceScatter}} followed by an {{c2::AllGather}}.",
         "    cloze: An AllReduce is a {{c1::ReduceScatter}} followed by an {{c2::AllGather}}."),
        ("What does", "Back", "<strong>Every</strong> concurrent write but one.", "    back: '**Every** concurrent write but one.'"),
        ("What condition", "Extra", "With \\(n = 5\\), <code>w = r = 3</code> works.",
         "    extra: With \\(n = 5\\), `w = r = 3` works."),
    ],
)  # fmt: skip
def test_pull_handles_clozes_reversed_notes_math_and_code(synced, front, field, html, key_line):
    _tree, path, col_path = synced
    edit_in_anki(col_path, front, field, html)
    assert redeck("pull", "--collection", str(col_path)).exit_code == 0
    assert key_line in path.read_text().splitlines()


def test_a_field_that_does_not_convert_faithfully_is_refused_and_nothing_is_written(synced):
    _tree, path, col_path = synced
    before = path.read_text()
    edit_in_anki(col_path, "What condition", "Back", '<div style="color: red">w + r &gt; n</div>')
    edit_in_anki(col_path, "What does", "Back", "Every concurrent write but one.")
    result = redeck("pull", "--collection", str(col_path))
    assert result.exit_code == 1
    assert "card 'quorum', field Back: no Markdown renders back to this HTML" in result.stderr
    assert path.read_text() == before


def test_pull_refuses_a_collection_anki_has_open(synced):
    _tree, path, col_path = synced
    col = Collection(str(col_path))  # as Anki would hold it
    try:
        result = redeck("pull", "--collection", str(col_path))
        assert result.exit_code == 1 and "open in Anki or locked" in result.stderr
    finally:
        col.close()


def test_an_edited_note_whose_card_left_the_tree_is_refused(synced):
    _tree, path, col_path = synced
    edit_in_anki(col_path, "Which loop", "Back", "A while loop.")
    path.write_text(path.read_text().split("  - id: code-card")[0])
    result = redeck("pull", "--collection", str(col_path))
    assert result.exit_code == 1 and "has no card in the tree any more" in result.stderr


INLINE = st.sampled_from(
    ["**bold**", "*em*", "`code x_1`", "\\(x_{i}^2\\)", "[a link](https://example.com/a_b)", "plain words", "a_b c",
     "![plot](media/plot.svg)", "x < y & z", "42%", "H100's"]
)  # fmt: skip
BLOCKS = st.one_of(
    st.lists(INLINE, min_size=1, max_size=5).map(" ".join),
    st.sampled_from(["- item one\n- item *two*", "1. first\n2. `second`", "\\[ \\sum_i w_i \\]"]),
)


@st.composite
def fields(draw: st.DrawFn) -> str:
    """A field as the deck writes them: paragraphs, a list or display math between them."""
    blocks = draw(st.lists(BLOCKS, min_size=1, max_size=4))
    # Two lists in a row are one loose list in CommonMark, which no card uses (and pull refuses).
    out = [blocks[0]]
    for block in blocks[1:]:
        if block[0] in "-1" and out[-1][0] in "-1":
            out.append("plain words")
        out.append(block)
    return "\n\n".join(out)


@settings(max_examples=200, deadline=None)
@given(fields())
def test_render_convert_render_is_stable(text):
    """For the kinds of fields the deck uses, the HTML converts back to Markdown that renders the same."""
    media = {"plot-0123456789ab.svg": "media/plot.svg"}
    html = _rendered(text, media, Path("."))
    try:
        back = to_markdown(html, media)
    except ConversionError:
        pytest.fail(f"refused {text!r} → {html!r}")
    assert _rendered(back, media, Path(".")) == html
