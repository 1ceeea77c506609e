"""Fencing: client 1 gets a lease with a token, pauses past its expiry, client 2 gets the next token and writes,
then client 1 writes with its old token; what storage does with that last write is not drawn (the card asks it)."""

from redeck.drawing import ACCENT, FILL, MUTED, SECOND, arrow, box, card_number, diagram, label, lifeline, save

first = int(card_number("fault-fencing-token-figure", "extra", 0))  # client 1's token
second = int(card_number("fault-fencing-token-figure", "extra", 1))  # client 2's token
fig, ax = diagram(100, 86)
one, lock, two, store = 11, 38, 64, 89
for x, name in ((one, "client 1"), (lock, "lock"), (two, "client 2"), (store, "storage")):
    label(ax, x, 82, name, weight="bold")
    lifeline(ax, x, 4, 78)
arrow(ax, (one, 74), (lock, 70), "lease?", shift=(0, 3.5))
arrow(ax, (lock, 66), (one, 62), f"token {first}", color=ACCENT, shift=(0, 3.5))
box(ax, one - 6, 14, 12, 44, "", fill=FILL, edge=MUTED, dashed=True)
ax.text(one, 30, "paused", rotation=90, ha="center", va="center", color=MUTED)
ax.plot([2, 98], [52, 52], color=SECOND, linewidth=1, linestyle="--")
label(ax, 64, 55.5, f"lease {first} expires", color=SECOND)
arrow(ax, (two, 46), (lock, 42), "lease?", shift=(0, 3.5))
arrow(ax, (lock, 38), (two, 34), f"token {second}", color=ACCENT, shift=(0, 3.5))
arrow(ax, (two, 28), (store, 24), f"write {second}", shift=(0, 3.5))
arrow(ax, (one + 6, 10), (store, 6), f"write {first}", shift=(24, 3.5))
label(ax, store, 1.5, "?", color=SECOND, weight="bold")
save(fig)
