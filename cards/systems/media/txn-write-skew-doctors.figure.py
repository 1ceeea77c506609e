"""Two on-call transactions interleaved under snapshot isolation, each reading the count and taking itself off
call; the anomaly is unnamed (the card asks it)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, arrow, box, card_number, diagram, label, save

on_call = int(card_number("txn-write-skew-doctors-figure", "front", 0))  # what each check reads

fig, ax = diagram(100, 74)
left, right, width, height = 12, 56, 40, 8
label(ax, left + width / 2, 70, "Alice's txn", weight="bold")
label(ax, right + width / 2, 70, "Bob's txn", weight="bold")
steps = [  # (column, text) from top to bottom, one row each: the interleaving
    (left, f"reads {on_call} on call"),
    (right, f"reads {on_call} on call"),
    (left, "set Alice off"),
    (right, "set Bob off"),
    (left, "commit"),
    (right, "commit"),
]
top = 58
for row, (x, text) in enumerate(steps):
    y = top - row * 9.5
    box(ax, x, y, width, height, text, fill=FILL if "off" not in text else "none", edge=ACCENT if "reads" in text else INK)
arrow(ax, (5, 66), (5, 4), color=MUTED)
label(ax, 5, 69.5, "time", color=MUTED)
label(ax, 54, 2, f"doctors on call now: {on_call - 2}", color=SECOND, weight="bold")
save(fig)
