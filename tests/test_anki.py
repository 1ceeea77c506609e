"""The package as Anki sees it: built, imported into real collections, edited, re-imported."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import redeck.notetypes
from conftest import BASIC_FILE, IMAGE_FILE, NOW, import_package, note_by_front
from redeck.build import build


def scheduling(col):
    """Every card's scheduling state and review count, by card id."""
    return {
        cid: (c.type, c.queue, c.due, c.ivl, c.factor, c.reps, col.db.scalar("select count() from revlog where cid = ?", cid))
        for cid in col.find_cards("")
        for c in [col.get_card(cid)]
    }


def test_cards_land_in_their_decks_with_tags_in_source_order(tree, collection):
    tree.write("systems/replication.yaml", BASIC_FILE)
    tree.write(
        "accelerators/tpu.yaml",
        """\
        deck: Research Engineering::Accelerators::TPU
        source: How to Scale Your Model, ch. 2
        cards:
          - id: tpu-mxu-size
            front: What is the MXU size of a TPU v5e?
            back: 128×128 systolic array
            tags: [tpu::v5e, hardware]
        """,
    )
    tree.build()
    log = import_package(collection, tree.output)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (4, 0, 0)

    mxu = note_by_front(collection, "What is the MXU size of a TPU v5e?")
    assert mxu.tags == ["accelerators", "hardware", "tpu::v5e"]  # top folder tag and hierarchical tag
    assert collection.decks.name(mxu.cards()[0].did) == "Research Engineering::Accelerators::TPU"
    quorum = note_by_front(collection, "What condition on w and r makes a leaderless read overlap the latest write?")
    assert quorum.tags == ["replication", "systems"]
    assert collection.decks.name(quorum.cards()[0].did) == "Research Engineering::Systems::Replication"
    assert collection.decks.by_name("Research Engineering::Systems") is not None  # parents exist

    # New cards come in file path order (accelerators/ before systems/), then file order.
    new_queue = sorted((c.due, c.note().fields[0]) for cid in collection.find_cards("is:new") for c in [collection.get_card(cid)])
    assert [front for _, front in new_queue] == [
        "What is the MXU size of a TPU v5e?",
        "What condition on w and r makes a leaderless read overlap the latest write?",
        "What does last-write-wins silently lose?",
        "What is hinted handoff?",
    ]
    assert len({due for due, _ in new_queue}) == 4  # not all "New #0"


def test_editing_one_card_updates_exactly_that_note_and_keeps_history(tree, collection):
    path = tree.write("systems/replication.yaml", BASIC_FILE)
    tree.build()
    import_package(collection, tree.output)
    for cid in collection.find_cards(""):  # weeks of reviews, compressed
        card = collection.get_card(cid)
        card.start_timer()
        collection.sched.answerCard(card, 3)
    before = scheduling(collection)
    assert all(reviews == 1 for *_, reviews in before.values())

    path.write_text(BASIC_FILE.replace("back: w + r > n", "back: w + r > n (write and read quorums overlap)"))
    result = tree.build(now=NOW + 86_400 * 21)
    assert result.changed == ["repl-quorum-condition"]
    log = import_package(collection, tree.output)

    # Anki lists the untouched notes as "duplicate": present already, left alone.
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (0, 1, 2, 0)
    note = note_by_front(collection, "What condition on w and r makes a leaderless read overlap the latest write?")
    assert note["Back"] == "w + r &gt; n (write and read quorums overlap)"
    assert log.updated[0].id.nid == note.id
    assert len(collection.find_notes("")) == 3
    assert scheduling(collection) == before


def test_unchanged_rebuild_is_byte_identical_and_updates_nothing(tree, collection):
    tree.write("systems/replication.yaml", BASIC_FILE)
    tree.build()
    first = tree.output.read_bytes()
    import_package(collection, tree.output)

    again = tree.build(now=NOW + 3600)  # a later clock changes nothing: times come from the lock
    assert not again.written and again.changed == []
    assert tree.output.read_bytes() == first
    log = import_package(collection, tree.output)
    assert (len(log.new), len(log.updated)) == (0, 0)


def test_a_lock_with_crlf_endings_and_merge_markers_keeps_every_time(tree):
    tree.write("systems/replication.yaml", BASIC_FILE)
    tree.build()
    before = tree.output.read_bytes()
    lines = tree.lock_bytes().decode().splitlines()
    stale = lines[-1].rsplit(" ", 1)[0] + f" {NOW - 50}"  # the other side of a merge: same note, older time
    merged = [*lines[:-1], "<<<<<<< HEAD", lines[-1], "=======", stale, ">>>>>>> theirs"]
    (tree.cards / "redeck.lock").write_bytes("\r\n".join(merged).encode() + b"\r\n")  # as git checks out on Windows
    again = tree.build(now=NOW + 60)
    assert again.changed == [] and tree.output.read_bytes() == before


def test_fresh_clone_with_the_lock_rebuilds_the_same_bytes(tree, tmp_path):
    tree.write("systems/replication.yaml", BASIC_FILE)
    tree.build()
    clone = tmp_path / "clone"
    shutil.copytree(tree.cards, clone / "cards")
    result = build(clone / "cards", clone / "out.apkg", now=NOW + 999_999)
    assert (clone / "out.apkg").read_bytes() == tree.output.read_bytes()
    assert result.changed == []


def test_template_change_reaches_existing_notes_without_a_copy(tree, collection, monkeypatch):
    tree.write("systems/replication.yaml", BASIC_FILE)
    tree.build()
    import_package(collection, tree.output)
    assert tree.build(now=NOW + 10).written is False  # unchanged note types keep their time too

    monkeypatch.setattr(redeck.notetypes, "CSS", redeck.notetypes.CSS + "\n.re-back { font-weight: 600; }\n")
    redeck.notetypes.note_types.cache_clear()  # built once per process: this test is a new redeck
    try:
        result = tree.build(now=NOW + 20)
    finally:
        monkeypatch.undo()
        redeck.notetypes.note_types.cache_clear()
    assert result.written and result.changed == []
    log = import_package(collection, tree.output)

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    names = sorted(nt.name for nt in collection.models.all_names_and_ids())
    assert names.count("RE Basic") == 1 and not any(n.startswith("RE Basic+") for n in names)
    assert ".re-back { font-weight: 600; }" in collection.models.by_name("RE Basic")["css"]


def test_rich_content_shows_correctly_in_anki(tree, collection):
    (tree.cards / "accelerators" / "media").mkdir(parents=True)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    (tree.cards / "accelerators" / "media" / "roofline.svg").write_bytes(svg)
    tree.write(
        "accelerators/rich.yaml",
        r"""
        deck: Research Engineering::Accelerators::Rooflines
        source: How to Scale Your Model, ch. 1 "Rooflines", https://jax-ml.github.io/scaling-book/roofline/
        cards:
          - id: roof-intensity-formula
            front: What is the arithmetic intensity of an op, \(I\)?
            back: |
              **FLOPs per byte** moved: \(I = \frac{F}{B}\), compared with the chip's \[ \frac{\text{FLOP/s}}{\text{bytes/s}} \]
            extra: |
              ![roofline](media/roofline.svg)

              ```python
              intensity = flops / bytes_moved
              ```
          - id: roof-allreduce-parts
            cloze: An AllReduce is a {{c1::ReduceScatter}} followed by an {{c2::AllGather::collective}}.
            extra: Each half moves about the same bytes.
          - id: roof-mvcc-term
            front: Multi-version concurrency control
            back: Keeping several committed versions of each object.
            reverse: true
        """,
    )
    tree.build()
    log = import_package(collection, tree.output)
    assert len(log.new) == 3

    note = note_by_front(collection, r"What is the arithmetic intensity of an op, \(I\)?")
    assert r"\(I = \frac{F}{B}\)" in note["Back"] and r"\[ \frac{\text{FLOP/s}}{\text{bytes/s}} \]" in note["Back"]
    assert "<strong>FLOPs per byte</strong>" in note["Back"]
    assert '<div class="highlight"' in note["Extra"] and '<span class="n">intensity</span>' in note["Extra"]
    assert '<a href="https://jax-ml.github.io/scaling-book/roofline/">' in note["Source"]
    card = note.cards()[0]
    assert r"\(I\)" in card.question() and "re-source" in card.answer()
    # The image is packed under a content-addressed name, and the field points at it.
    media_names = sorted(os.listdir(collection.media.dir()))
    assert len(media_names) == 1 and media_names[0].startswith("roofline-") and media_names[0].endswith(".svg")
    assert f'src="{media_names[0]}"' in note["Extra"]
    assert (Path(collection.media.dir()) / media_names[0]).read_bytes() == svg

    cloze = [collection.get_note(n) for n in collection.find_notes('"note:RE Cloze"')]
    assert len(cloze) == 1 and len(cloze[0].cards()) == 2
    hint_card = next(c for c in cloze[0].cards() if c.ord == 1)
    assert "[collective]" in hint_card.question() and "AllGather" in hint_card.answer()

    reversed_note = note_by_front(collection, "Multi-version concurrency control")
    cards = sorted(reversed_note.cards(), key=lambda c: c.ord)
    assert len(cards) == 2
    assert "Keeping several committed versions" in cards[1].question().split("</style>")[-1]


def test_turning_on_reverse_adds_the_reverse_card_on_reimport(tree, collection):
    path = tree.write("systems/replication.yaml", BASIC_FILE)
    tree.build()
    import_package(collection, tree.output)
    assert len(collection.find_cards("")) == 3
    path.write_text(BASIC_FILE.replace("    back: A stand-in node", "    reverse: true\n    back: A stand-in node"))
    tree.build(now=NOW + 60)
    log = import_package(collection, tree.output)
    assert (len(log.new), len(log.updated)) == (0, 1)
    assert len(collection.find_cards("")) == 4


def test_edited_image_reaches_anki(tree, collection):
    media = tree.cards / "t" / "media"
    media.mkdir(parents=True)
    (media / "a.png").write_bytes(b"\x89PNG first")
    path = tree.write("t/cards.yaml", IMAGE_FILE)
    tree.build()
    import_package(collection, tree.output)
    (media / "a.png").write_bytes(b"\x89PNG second")
    assert tree.build(now=NOW + 5).changed == ["img-card"]
    log = import_package(collection, tree.output)
    assert len(log.updated) == 1
    note = note_by_front(collection, "Which picture?")
    name = note["Back"].split('src="')[1].split('"')[0]
    assert (Path(collection.media.dir()) / name).read_bytes() == b"\x89PNG second"
    assert path.exists()
