"""A leader's log of acknowledged writes and the shorter log of its asynchronous follower; the leader crashes and the follower is promoted (the card asks which writes are lost)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, arrow, box, card_number, diagram, label, save

first_lost = int(card_number("repl-failover-lost-acknowledged-writes", "back", 0))
last = int(card_number("repl-failover-lost-acknowledged-writes", "back", 1))  # the leader's last acknowledged write
replicated = int(card_number("repl-failover-lost-acknowledged-writes", "extra", 0))  # the follower's last write
assert replicated == first_lost - 1

CELL, H, X0 = 11, 8, 31
fig, ax = diagram(100, 50)


def log(y: float, count: int) -> None:
    for i in range(count):
        box(ax, X0 + i * CELL, y, CELL, H, str(i + 1))


label(ax, 2, 44, "leader", ha="left", weight="bold")
log(40, last)
label(ax, X0 + last * CELL + 2, 44, "crashed", color=SECOND, ha="left")
label(ax, X0 + last * CELL / 2, 34, "all acknowledged", color=MUTED)
arrow(ax, (10, 38), (10, 19), text="async", color=MUTED, dashed=True, shift=(10, 0))
label(ax, 2, 14, "follower", ha="left", weight="bold")
log(10, replicated)
label(ax, X0 + replicated * CELL + 2, 14, "promoted", color=ACCENT, ha="left")
save(fig)
