"""Two clients each read a counter and write back their read plus one, interleaved; the counter's value is drawn
after each step, and the anomaly is unnamed (the card asks it)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, arrow, box, card_number, diagram, label, save

fig, ax = diagram(100, 56)
one, store, two, width, height = 14, 49, 68, 31, 8
label(ax, one + width / 2, 52, "client 1", weight="bold")
label(ax, store + 8, 52, "counter", color=MUTED)
label(ax, two + width / 2, 52, "client 2", weight="bold")
start = int(card_number("txn-lost-update-counter-figure", "front", 1))  # what both clients read
steps = [  # (column, what the client does, the counter afterwards)
    (one, f"read → {start}", start),
    (two, f"read → {start}", start),
    (one, f"write {start + 1}", start + 1),
    (two, f"write {start + 1}", start + 1),
]
for row, (x, text, value) in enumerate(steps):
    y = 40 - row * 10
    box(ax, x, y, width, height, text, fill=FILL if "read" in text else "none", edge=ACCENT if "read" in text else INK)
    box(ax, store, y, 16, height, str(value), fill="none", edge=MUTED)
arrow(ax, (4, 48), (4, 2), color=MUTED)
label(ax, 4, 52, "time", color=MUTED, ha="left")  # above its arrow, left of client 1
label(ax, 57, 2, "each: read, add 1, write back", color=MUTED)
save(fig)
