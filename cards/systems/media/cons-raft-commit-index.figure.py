"""The logs of a five-server Raft cluster whose leader S1 is in term 3; each box is an entry holding its term.
Which index is committed is not marked (the card asks it)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, diagram, label, save

logs = {"S1": [1, 1, 2, 3, 3], "S2": [1, 1, 2, 3, 3], "S3": [1, 1, 2, 3], "S4": [1, 1], "S5": [1, 1, 2]}
current = 3  # the leader's term
cell, gap = 13, 1
fig, ax = diagram(100, 64)
x0 = 14
label(ax, 4, 60, "index", color=MUTED, ha="left")
for i in range(5):
    label(ax, x0 + i * (cell + gap) + cell / 2, 60, f"{i + 1}", color=MUTED)
for row, (server, terms) in enumerate(logs.items()):
    y = 48 - row * 10
    label(ax, 4, y + 4, server, weight="bold", ha="left")
    for i, term in enumerate(terms):
        new = term == current
        box(ax, x0 + i * (cell + gap), y, cell, 8, str(term), fill=FILL if new else "none", edge=ACCENT if new else INK,
            weight="bold" if new else "normal")  # fmt: skip
label(ax, x0 + 5 * (cell + gap) + 2, 52, "leader", color=ACCENT, ha="left")
label(ax, 50, 1.5, f"S1 leads in term {current}", color=MUTED)
save(fig)
