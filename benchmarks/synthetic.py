"""Synthetic card trees for the benchmarks: mixed basic, reversed and cloze cards with light Markdown."""

from __future__ import annotations

from pathlib import Path

CARDS_PER_FILE = 500


def card_text(i: int) -> str:
    """One card in YAML; every 10th is a cloze, every 7th a reversed basic card."""
    if i % 10 == 0:
        return (
            f"  - id: card-{i}\n"
            f"    cloze: 'Fact {i}: an AllReduce is a {{{{c1::ReduceScatter}}}} then an {{{{c2::AllGather}}}} of **{i} bytes**.'\n"
            f"    extra: See `nccl-tests` and [the book](https://example.com/{i}).\n"
        )
    text = (
        f"  - id: card-{i}\n"
        f"    front: What is the **critical batch** of chip {i} in `bf16`?\n"
        f"    back: About {i % 997} tokens, from [the roofline](https://example.com/{i}).\n"
    )
    if i % 4 == 0:
        text += f"    extra: Peak FLOP/s over HBM bytes/s for chip {i}; *dense* rates.\n"
    if i % 7 == 0:
        text += "    reverse: true\n"
    return text


def write_tree(root: Path, n: int, per_file: int = CARDS_PER_FILE) -> Path:
    """Write ``n`` cards under ``root/cards`` in files of ``per_file`` cards; returns the card folder."""
    cards = root / "cards"
    for start in range(0, n, per_file):
        topic = start // per_file
        path = cards / f"area{topic % 4}" / f"topic-{topic:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(card_text(i) for i in range(start, min(n, start + per_file)))
        path.write_text(f"deck: Bench::Area {topic % 4}::Topic {topic}\ntags: [bench]\nsource: Synthetic\ncards:\n{body}")
    return cards


def floor_fields(n: int) -> list[tuple[str, str]]:
    """The same number of notes for the raw genanki floor: plain fields, nothing parsed or rendered."""
    return [(f"What is the critical batch of chip {i}?", f"About {i % 997} tokens") for i in range(n)]
