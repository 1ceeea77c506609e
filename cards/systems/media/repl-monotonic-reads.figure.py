"""A timeline: another user's comment reaches follower 1 early and follower 2 late; a user reads it from follower 1, then misses it on follower 2 (the card asks which guarantee this violates)."""

from redeck.drawing import ACCENT, MUTED, SECOND, arrow, diagram, label, save

F1, USER, F2 = 50, 30, 10
fig, ax = diagram(100, 60)
for name, y in (("follower 1", F1), ("user", USER), ("follower 2", F2)):
    label(ax, 2, y, name, ha="left", weight="bold")
    ax.plot([37, 98], [y, y], color=MUTED, linewidth=0.8)
label(ax, 2, 2, "time →", color=MUTED, ha="left")

# the comment, written on the leader, reaches each follower at its own replication lag
ax.plot([40], [F1], "o", color=ACCENT, markersize=5)
label(ax, 38, 55, "comment arrives", color=ACCENT, ha="left")
ax.plot([94], [F2], "o", color=ACCENT, markersize=5)
label(ax, 96, 4.5, "comment arrives", color=ACCENT, ha="right")

arrow(ax, (48, USER), (52, F1), text="read", shift=(-9, 0))
arrow(ax, (54, F1), (58, USER), text="comment", shift=(14, 0))
arrow(ax, (64, USER), (68, F2), text="read", shift=(-9, 0))
arrow(ax, (70, F2), (74, USER), text="nothing", color=SECOND, shift=(14, 0))
save(fig)
