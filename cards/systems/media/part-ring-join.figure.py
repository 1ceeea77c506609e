"""A consistent-hashing ring with nodes A to D and a new node X between A and B, the arc from A to X highlighted (the card asks from which node X takes keys)."""

import math

from matplotlib.patches import Arc, Circle

from redeck.drawing import ACCENT, FILL, INK, MUTED, diagram, label, save

NODES = {"A": 20, "B": 110, "C": 200, "D": 290}  # positions in degrees, clockwise from the top
NEW = 65
CX, CY, R = 50, 38, 28
before = min(NODES, key=lambda n: (NODES[n] - NEW) % 360)  # who owned X's position: its clockwise successor
after_prev = max(NODES, key=lambda n: (NODES[n] - NEW) % 360)  # X's predecessor
assert (before, after_prev) == ("B", "A")


def at(angle: float, radius: float = R) -> tuple[float, float]:
    return CX + radius * math.sin(math.radians(angle)), CY + radius * math.cos(math.radians(angle))


def theta(angle: float) -> float:
    """A clockwise-from-top angle as matplotlib's counter-clockwise-from-east one."""
    return 90 - angle


fig, ax = diagram(100, 76)
ax.add_patch(Circle((CX, CY), R, fill=False, edgecolor=MUTED, linewidth=1.6))
# the arc X takes over, from its predecessor to itself
ax.add_patch(Arc((CX, CY), 2 * R, 2 * R, theta1=theta(NEW), theta2=theta(NODES[after_prev]), color=ACCENT, linewidth=5))
for name, angle in NODES.items():
    ax.add_patch(Circle(at(angle), 3.2, facecolor=FILL, edgecolor=INK, linewidth=1.2, zorder=3))
    label(ax, *at(angle, R + 7.5), name, weight="bold")
ax.add_patch(Circle(at(NEW), 3.2, facecolor=FILL, edgecolor=ACCENT, linewidth=1.8, linestyle="--", zorder=3))
label(ax, *at(NEW, R + 7.5), "X", color=ACCENT, weight="bold")
# the clockwise direction, drawn inside the ring: an arc over clockwise angles FROM..TO, its head at TO
FROM, TO = 200, 260
ax.add_patch(Arc((CX, CY), 2 * (R - 8), 2 * (R - 8), theta1=theta(TO), theta2=theta(FROM), color=MUTED, linewidth=1.4))
ax.annotate("", xy=at(TO + 3, R - 8), xytext=at(TO - 2, R - 8),
            arrowprops={"arrowstyle": "-|>", "color": MUTED, "lw": 1.4, "mutation_scale": 10})  # fmt: skip
label(ax, CX, CY, "clockwise", color=MUTED)
save(fig)
