"""Five replicas; a write acknowledged by w of them and a read answered by r of them, the sets overlapping in one replica (the card asks which)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, box, card_number, diagram, label, save

n = int(card_number("repl-quorum-overlap-replica", "front", 0))
w = int(card_number("repl-quorum-overlap-replica", "front", 1))
r = int(card_number("repl-quorum-overlap-replica", "front", 2))
assert w + r > n
names = "ABCDEFGHI"[:n]
written = set(range(w))  # the first w replicas acknowledged the write
read = set(range(n - r, n))  # the last r replicas answered the read

BOX, GAP, Y, H = 14, 4, 20, 10
x0 = (100 - (n * BOX + (n - 1) * GAP)) / 2
fig, ax = diagram(100, 58)


def x_of(i: int) -> float:
    return x0 + i * (BOX + GAP)


for i, name in enumerate(names):
    box(ax, x_of(i), Y, BOX, H, name, fill=FILL if i in written else "none", weight="bold")


def bracket(first: int, last: int, y: float, tick: float, text: str, color: str) -> None:
    left, right = x_of(first), x_of(last) + BOX
    ax.plot([left, left, right, right], [y + tick, y, y, y + tick], color=color, linewidth=1.6)
    label(ax, (left + right) / 2, y - 3.2 * tick, text, color=color)


bracket(min(written), max(written), Y + H + 4, -2, f"write: w = {w} acks", ACCENT)
bracket(min(read), max(read), Y - 4, 2, f"read: r = {r} replies", SECOND)
label(ax, 2, 55, f"n = {n} replicas", color=MUTED, ha="left")
save(fig)
