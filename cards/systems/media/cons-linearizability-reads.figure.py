"""Reads of a register x overlapping a write of 1 (x starts at 0); each bar runs from request sent to response
received. Which read breaks linearizability is not marked (the card asks it)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, card_number, diagram, label, save

new = int(card_number("cons-linearizability-reads-figure", "extra", 0))  # the value written
old = int(card_number("cons-linearizability-reads-figure", "extra", 1))  # the value before

fig, ax = diagram(100, 56)


def x(t: float) -> float:
    return 10 + t * 4.4


lanes = {"C": 42, "A": 24, "B": 6}  # the bottom edge of each client's bars
for name, y in lanes.items():
    label(ax, 3, y + 3.5, name, weight="bold")
box(ax, x(2), lanes["C"], x(15) - x(2), 7, f"write x = {new}", fill="none", edge=INK)
reads = [("R1", "A", 0, old), ("R2", "A", 5, new), ("R3", "B", 10, old), ("R4", "B", 16, new)]  # name, client, start, value
for name, client, start, value in reads:
    y = lanes[client]
    box(ax, x(start), y, x(start + 4) - x(start), 7, f"→ {value}", fill=FILL, edge=ACCENT)
    label(ax, x(start + 2), y + 10, name, color=ACCENT)
label(ax, 50, 53, f"x starts at {old}; time →", color=MUTED)
save(fig)
