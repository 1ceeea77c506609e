"""Lamport timestamps (counter, node ID) on a message diagram: client B learns counter 4 from node 2 and then writes
to node 1, whose own counter is at 1; the timestamp node 1 assigns is left as "?" (the card asks it)."""

from redeck.drawing import ACCENT, SECOND, arrow, diagram, label, lifeline, save

fig, ax = diagram(100, 66)
a, one, two, b = 11, 38, 63, 89
for x, name in ((a, "client A"), (one, "node 1"), (two, "node 2"), (b, "client B")):
    label(ax, x, 62, name, weight="bold")
    lifeline(ax, x, 4, 58)
arrow(ax, (a, 54), (one, 50), "write", shift=(0, 3.5))
arrow(ax, (one, 46), (a, 42), "(1, 1)", color=ACCENT, shift=(0, 3.5))
arrow(ax, (b, 54), (two, 50), "write", shift=(0, 3.5))
arrow(ax, (two, 46), (b, 42), "(4, 2)", color=ACCENT, shift=(0, 3.5))
arrow(ax, (b, 32), (one, 24), "write, max 4", shift=(-4, 5))
arrow(ax, (one, 20), (b, 12), color=SECOND)
label(ax, 51, 21, "?", color=SECOND, weight="bold")
save(fig)
