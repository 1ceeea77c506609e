"""Three clock readings A, B and C drawn as confidence intervals [earliest, latest] on one time axis: B overlaps A,
C starts after A's latest."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, diagram, label, lifeline, save

readings = [("A", 2, 6), ("B", 5, 9), ("C", 7, 11)]  # (name, earliest, latest) in ms
end = 12
fig, ax = diagram(100, 46)


def x(t: float) -> float:
    return 10 + t * 76 / end


for row, (name, earliest, latest) in enumerate(readings):
    y = 34 - row * 9
    label(ax, 4, y + 3, name, weight="bold")
    box(ax, x(earliest), y, x(latest) - x(earliest), 6, fill=FILL, edge=ACCENT)
for t in (2, 6):  # A's bounds, carried down so the overlap can be read off
    lifeline(ax, x(t), 12, 40)
ax.plot([x(0), x(end)], [8, 8], color=INK, linewidth=1)
for t in range(0, end + 1, 2):
    ax.plot([x(t), x(t)], [7, 9], color=INK, linewidth=1)
    label(ax, x(t), 3.5, f"{t}", color=MUTED)
label(ax, x(end) + 8, 3.5, "ms", color=MUTED)
save(fig)
