"""The keys a to i in three partitions, by key range (above) and by hash of key (below), with the keys of the range query c to e highlighted (the card asks which partitions the hashed layout makes it query)."""

import hashlib

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, diagram, label, save

KEYS = "abcdefghi"
QUERY = "cde"
PARTS = 3


def by_hash(key: str) -> int:
    """Equal ranges of a 32-bit hash (the top bits of MD5, as Cassandra and MongoDB hash keys)."""
    return (int(hashlib.md5(key.encode()).hexdigest(), 16) >> 96) * PARTS >> 32


by_range = [list(KEYS[i * 3:(i + 1) * 3]) for i in range(PARTS)]
hashed = [[k for k in KEYS if by_hash(k) == p] for p in range(PARTS)]
assert {by_hash(k) for k in QUERY} == set(range(PARTS))  # the card's answer: every partition

CELL, H = 13, 8
fig, ax = diagram(100, 56)


def layout(x0: float, title: str, parts: list[list[str]]) -> None:
    label(ax, x0 + 1.5 * CELL + 2, 52, title, color=MUTED)
    for p, keys in enumerate(parts):
        x = x0 + p * (CELL + 2)
        label(ax, x + CELL / 2, 44, f"P{p}", weight="bold")
        # the query's keys last, so their blue outline is not drawn over by a neighbour's
        for i, key in sorted(enumerate(keys), key=lambda cell: cell[1] in QUERY):
            hot = key in QUERY
            box(ax, x, 32 - i * H, CELL, H, key, fill=FILL if hot else "none",
                edge=ACCENT if hot else INK, color=ACCENT if hot else INK, weight="bold" if hot else "normal")  # fmt: skip


layout(1, "by key range", by_range)
layout(55, "by hash of key", hashed)
ax.plot([50.5, 50.5], [2, 48], color=MUTED, linewidth=0.8, linestyle=":")
save(fig)
