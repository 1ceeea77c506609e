"""User 2 reads a value user 1 has written but not committed, and user 1 then aborts."""

from redeck.drawing import ACCENT, MUTED, SECOND, arrow, box, card_number, diagram, label, save

old = card_number("txn-dirty-read-abort-figure", "front", 0)  # x before, committed
new = card_number("txn-dirty-read-abort-figure", "front", 2)  # what user 1 writes

fig, ax = diagram(100, 52)
one, two, width, height = 16, 58, 38, 8
label(ax, 56, 48, f"at start: x = {old:.0f}, committed", color=MUTED)
label(ax, one + width / 2, 39, "user 1", weight="bold")
label(ax, two + width / 2, 39, "user 2", weight="bold")
box(ax, one, 26, width, height, f"write x = {new:.0f}")
box(ax, two, 16, width, height, f"read x → {new:.0f}", edge=ACCENT)
box(ax, one, 6, width, height, "abort", color=SECOND, weight="bold")
arrow(ax, (4, 35), (4, 2), color=MUTED)
label(ax, 4, 39, "time", color=MUTED, ha="left")
save(fig)
