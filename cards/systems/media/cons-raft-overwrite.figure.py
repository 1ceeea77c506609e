"""Raft logs as in Figure 8(c) of the Raft paper: S1, leader of the latest term, has just crashed; an older-term entry
sits on a majority. Which server can win next is not marked (the card asks it)."""

from redeck.drawing import FILL, INK, MUTED, SECOND, box, diagram, label, save

logs = {"S1": [1, 2, 4], "S2": [1, 2], "S3": [1, 2], "S4": [1], "S5": [1, 3]}
cell, gap, x0 = 13, 1, 14
fig, ax = diagram(100, 64)
label(ax, 4, 60, "index", color=MUTED, ha="left")
for i in range(3):
    label(ax, x0 + i * (cell + gap) + cell / 2, 60, f"{i + 1}", color=MUTED)
for row, (server, terms) in enumerate(logs.items()):
    y = 48 - row * 10
    crashed = server == "S1"
    label(ax, 4, y + 4, server, weight="bold", ha="left", color=MUTED if crashed else INK)
    for i, term in enumerate(terms):
        box(ax, x0 + i * (cell + gap), y, cell, 8, str(term), fill="none" if crashed else FILL,
            edge=MUTED if crashed else INK, color=MUTED if crashed else INK, dashed=crashed)  # fmt: skip
label(ax, x0 + 3 * (cell + gap) + 2, 52, "✗ crashed", color=SECOND, ha="left")
label(ax, 50, 1.5, "S1 led the latest term", color=MUTED)
save(fig)
