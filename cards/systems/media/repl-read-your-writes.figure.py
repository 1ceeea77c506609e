"""A timeline: a user writes to the leader and is told ok, then reads from a follower the write has not reached yet (the card asks which guarantee this violates)."""

from redeck.drawing import ACCENT, MUTED, SECOND, arrow, diagram, label, save

USER, LEADER, FOLLOWER = 54, 32, 10
fig, ax = diagram(100, 62)
for name, y in (("user", USER), ("leader", LEADER), ("follower", FOLLOWER)):
    label(ax, 2, y, name, ha="left", weight="bold")
    ax.plot([30, 98], [y, y], color=MUTED, linewidth=0.8)
label(ax, 98, 60, "time →", color=MUTED, ha="right")

arrow(ax, (32, USER), (38, LEADER), text="write", shift=(-8, 0))
arrow(ax, (40, LEADER), (46, USER), text="ok", shift=(5, 0))
arrow(ax, (43, LEADER), (96, FOLLOWER), color=ACCENT, dashed=True)
label(ax, 84, 4, "replication", color=ACCENT)
arrow(ax, (63, USER), (69, FOLLOWER), text="read", shift=(-8, -16))
arrow(ax, (71, FOLLOWER), (77, USER), text="not found", color=SECOND, shift=(10, 10))
save(fig)
