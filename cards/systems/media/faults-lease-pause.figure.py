"""A leader checks that its lease has 10 s left, then pauses for 15 s and processes a request as leader; meanwhile
its lease expires and another node takes over."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, box, card_number, diagram, label, save

left = card_number("fault-lease-check-then-pause", "front", 0)  # seconds of lease left at the check
pause = card_number("fault-lease-check-then-pause", "front", 1)  # seconds the thread is paused
end = 5 * round((pause + 5) / 5)  # the axis runs a little past the resume
fig, ax = diagram(100, 50)


def x(t: float) -> float:
    return 10 + t * 80 / end


label(ax, 4, 36, "A", weight="bold")
label(ax, 4, 18, "B", weight="bold")
box(ax, x(0), 37, x(left) - x(0), 7, f"lease: {left:.0f} s", edge=ACCENT)
box(ax, x(0), 28, x(pause) - x(0), 7, "paused", fill="none", edge=MUTED, color=MUTED, dashed=True)
ax.plot([x(pause)], [31.5], "o", color=SECOND, markersize=7)
label(ax, x(pause) + 2, 25, "process()", color=SECOND, ha="left")
box(ax, x(left), 14, x(end) - x(left), 7, "leader", edge=INK)
ax.plot([x(0), x(end)], [8, 8], color=INK, linewidth=1)
for t in range(0, int(end) + 1, 5):
    ax.plot([x(t), x(t)], [7, 9], color=INK, linewidth=1)
    label(ax, x(t), 3.5, f"{t}", color=MUTED)
label(ax, x(end) + 5, 3.5, "s", color=MUTED)
save(fig)
