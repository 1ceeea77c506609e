"""The build cache and the worker processes: a rebuild from them gives what a cold, one-process build gives."""

from __future__ import annotations

import os
import shutil

from conftest import IMAGE_FILE, NOW
from redeck.build import build, check_tree
from redeck.cache import cache_dir

TOPIC = """\
deck: Research Engineering::Topic {n}
source: test
cards:
  - id: topic{n}-first
    front: What is **topic {n}**?
    back: The `{n}`th topic.
  - id: topic{n}-second
    cloze: "Topic {n} has {{{{c1::two}}}} cards."
  - id: topic{n}-third
    front: Which topic is number {n}?
    back: Topic {n}.
    reverse: true
"""


def write_topics(tree, count: int = 4) -> None:
    for n in range(count):
        tree.write(f"area/topic{n}.yaml", TOPIC.format(n=n))


def cold_bytes(tree, now: int) -> bytes:
    """What a build with no cache makes of the tree as it is now, with the current lock."""
    shutil.rmtree(cache_dir(tree.output))
    result = build(tree.cards, tree.output, now=now, jobs=1)
    assert result.ok
    return tree.output.read_bytes()


def cache_entries(tree) -> list[str]:
    return sorted(p.name for p in cache_dir(tree.output).iterdir())


def test_rebuild_after_an_edit_matches_a_cold_build(tree):
    write_topics(tree)
    tree.build()
    entries = cache_entries(tree)
    tree.write("area/topic2.yaml", TOPIC.format(n=2).replace("The `2`th topic.", "The second topic."))
    result = tree.build(now=NOW + 60)
    assert result.changed == ["topic2-first"]
    after = cache_entries(tree)
    assert len(after) == 4 and len(set(after) - set(entries)) == 1  # one file recompiled, the stale entry pruned
    incremental = tree.output.read_bytes()
    assert cold_bytes(tree, now=NOW + 120) == incremental


def test_parallel_build_matches_one_process(tree):
    write_topics(tree, count=6)
    tree.build()
    shutil.rmtree(cache_dir(tree.output))  # so that the two processes compile every file
    parallel = build(tree.cards, tree.output, now=NOW + 5, jobs=2)
    assert parallel.ok and parallel.notes == 18 and parallel.cards == 24
    assert cold_bytes(tree, now=NOW + 5) == tree.output.read_bytes()


def test_parallel_check_finds_what_one_process_finds(tree):
    write_topics(tree, count=5)
    tree.write("area/topic3.yaml", TOPIC.format(n=1))  # every id of topic 1 again, in another file
    tree.write("area/topic4.yaml", TOPIC.format(n=4).replace("front: What is **topic 4**?", "front: [a, list]"))
    tree.write("broken.yaml", "deck: [unclosed\n")
    one = check_tree(tree.cards, jobs=1)
    two = check_tree(tree.cards, jobs=2)
    built = build(tree.cards, tree.output, now=NOW, jobs=2).check
    assert [str(p) for p in two.problems] == [str(p) for p in one.problems] == [str(p) for p in built.problems]
    assert {p.rule for p in one.errors} == {"duplicate-id", "structure", "card-kind", "yaml"}
    assert (two.files, two.cards) == (one.files, one.cards) == (built.files, built.cards) == (6, 15)


def test_a_deleted_lock_restamps_every_note_despite_the_cache(tree):
    write_topics(tree, count=2)
    tree.build()
    (tree.cards / "redeck.lock").unlink()
    result = tree.build(now=NOW + 30)
    assert len(result.changed) == 6
    lines = [line.split() for line in tree.lock_bytes().decode().splitlines() if not line.startswith("#")]
    assert {int(mod) for _id, _digest, mod in lines} == {NOW + 30}  # notes too, not only note types
    assert cold_bytes(tree, now=NOW + 90) == tree.output.read_bytes()


def test_an_image_added_later_clears_the_cached_error(tree):
    path = tree.write("t/cards.yaml", IMAGE_FILE)
    assert [p.rule for p in build(tree.cards, tree.output, now=NOW).check.errors] == ["image"]
    (path.parent / "media").mkdir()
    (path.parent / "media" / "a.png").write_bytes(b"\x89PNG")
    assert tree.build().notes == 1


def test_an_unreadable_cache_entry_is_rebuilt(tree):
    write_topics(tree, count=2)
    tree.build()
    before = tree.output.read_bytes()
    for entry in cache_dir(tree.output).iterdir():
        entry.write_bytes(b"not a pickle")
    assert tree.build(now=NOW + 10).changed == []
    assert tree.output.read_bytes() == before


def test_deleting_a_card_file_drops_its_notes_and_its_cache_entry(tree):
    write_topics(tree, count=3)
    tree.build()
    (tree.cards / "area" / "topic1.yaml").unlink()
    result = tree.build(now=NOW + 10)
    assert result.notes == 6 and "topic1-first" not in tree.lock_bytes().decode()
    assert len(cache_entries(tree)) == 2


def test_an_image_named_through_a_yaml_escape_is_watched_too(tree):
    tree.write(
        "t/cards.yaml",
        'deck: T\nsource: test\ncards:\n  - id: img-card\n    front: "Which? \\x3Cimg src=\\"pic.png\\">"\n    back: That.\n',
    )
    assert [p.rule for p in build(tree.cards, tree.output, now=NOW).check.errors] == ["image"]
    (tree.cards / "t" / "pic.png").write_bytes(b"\x89PNG")
    assert tree.build().notes == 1


def test_an_image_replaced_with_its_old_time_and_size_still_reaches_the_package(tree):
    tree.write("t/cards.yaml", IMAGE_FILE)
    image = tree.cards / "t" / "media" / "a.png"
    image.parent.mkdir()
    image.write_bytes(b"A" * 100)
    tree.build()
    before = image.stat()
    image.unlink()
    image.write_bytes(b"B" * 100)  # as `cp -p` or `rsync -a` would leave it: same size, same modification time
    os.utime(image, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert tree.build(now=NOW + 10).changed == ["img-card"]
    assert cold_bytes(tree, now=NOW + 20) == tree.output.read_bytes()


def test_a_cache_folder_others_could_write_to_is_closed_and_emptied(tree):
    write_topics(tree, count=2)
    tree.build()
    folder = cache_dir(tree.output)
    os.chmod(folder, 0o777)
    planted = sorted(entry.name for entry in folder.iterdir())
    for name in planted:
        (folder / name).write_bytes(b"planted")
    tree.write("area/topic0.yaml", TOPIC.format(n=0).replace("The `0`th topic.", "The first topic."))
    assert tree.build(now=NOW + 10).changed == ["topic0-first"]
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(entry.read_bytes() != b"planted" for entry in folder.iterdir())
    assert cold_bytes(tree, now=NOW + 20) == tree.output.read_bytes()


def test_a_cache_folder_that_is_a_link_is_not_used(tree, tmp_path):
    write_topics(tree, count=2)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (elsewhere / "planted.pickle").write_bytes(b"planted")
    cache_dir(tree.output).parent.mkdir(parents=True)
    cache_dir(tree.output).symlink_to(elsewhere)
    assert tree.build().notes == 6
    assert [entry.name for entry in elsewhere.iterdir()] == ["planted.pickle"]  # neither read, pruned nor written


def test_an_image_saved_again_while_it_is_read_is_read_again_next_build(tree, monkeypatch):
    import redeck.media

    tree.write("t/cards.yaml", IMAGE_FILE)
    image = tree.cards / "t" / "media" / "a.png"
    image.parent.mkdir()
    image.write_bytes(b"first")
    hashed = redeck.media.media_name

    def save_again_after_hashing(path):
        name = hashed(path)
        image.write_bytes(b"second, a little longer")  # an editor writing twice
        return name

    monkeypatch.setattr(redeck.media, "media_name", save_again_after_hashing)
    build(tree.cards, tree.output, now=NOW, jobs=1)
    monkeypatch.setattr(redeck.media, "media_name", hashed)
    assert tree.build(now=NOW + 10).changed == ["img-card"]
    assert cold_bytes(tree, now=NOW + 20) == tree.output.read_bytes()


def test_a_file_saved_again_before_its_worker_reads_it_is_not_cached_under_the_old_bytes(tree):
    from redeck import compile as compiling
    from redeck.cache import file_key
    from redeck.lock import read_lock
    from redeck.tree import card_files

    tree.write("area/topic0.yaml", TOPIC.format(n=0))
    (card_file,) = card_files(tree.cards)
    folder = cache_dir(tree.output)
    folder.mkdir(parents=True)
    lock, plan = read_lock(tree.cards, NOW), compiling.Plan(package=True)
    stale_key = file_key("compiler", card_file, b"the bytes the main process read before the save")
    job = compiling.Job(0, card_file, size=10, cache_key=stale_key, compiler="compiler", cache=folder)
    _index, result = compiling._compile_job(job, lock, plan)
    assert result.fragment is not None and result.ids[0][0] == "topic0-first"  # what is on disk now
    assert list(folder.iterdir()) == []
    fresh_key = file_key("compiler", card_file, card_file.path.read_bytes())
    compiling._compile_job(compiling.Job(0, card_file, 10, fresh_key, "compiler", folder), lock, plan)
    assert [entry.name for entry in folder.iterdir()] == [f"{fresh_key}.entry"]
