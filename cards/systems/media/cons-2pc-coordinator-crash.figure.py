"""Two-phase commit as in DDIA's Figure 9-10: both databases vote yes, the coordinator decides to commit, tells
database 2 and crashes before telling database 1."""

from redeck.drawing import ACCENT, FILL, SECOND, arrow, box, diagram, label, lifeline, save

fig, ax = diagram(100, 84)
one, coord, two = 13, 50, 87
for x, name in ((one, "DB 1"), (coord, "coordinator"), (two, "DB 2")):
    label(ax, x, 80, name, weight="bold")
lifeline(ax, one, 4, 76)
lifeline(ax, two, 4, 76)
lifeline(ax, coord, 33, 76)
arrow(ax, (coord, 72), (one, 68), "prepare", shift=(0, 3.5))
arrow(ax, (coord, 72), (two, 68), "prepare", shift=(0, 3.5))
arrow(ax, (one, 62), (coord, 58), "yes", color=ACCENT, shift=(0, 3.5))
arrow(ax, (two, 62), (coord, 58), "yes", color=ACCENT, shift=(0, 3.5))
box(ax, coord - 15, 47, 30, 8, "log: commit", fill=FILL, edge=ACCENT)
arrow(ax, (coord, 42), (two, 38), "commit", shift=(0, 3.5))
box(ax, two - 12, 28, 24, 7, "commits", fill=FILL)
label(ax, coord, 30, "✗ crash", color=SECOND, weight="bold")
label(ax, one + 5, 20, "?", color=SECOND, weight="bold")
save(fig)
