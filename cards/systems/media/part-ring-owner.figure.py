"""A consistent-hashing ring with nodes A to D and the position of key k (the card asks which node coordinates k)."""

import math

from matplotlib.patches import Arc, Circle

from redeck.drawing import FILL, INK, MUTED, SECOND, diagram, label, save

NODES = {"A": 20, "B": 110, "C": 200, "D": 290}  # positions in degrees, clockwise from the top
KEY = 150
CX, CY, R = 50, 38, 28
owner = min(NODES, key=lambda n: (NODES[n] - KEY) % 360)  # the first node clockwise from k
assert owner == "C"


def at(angle: float, radius: float = R) -> tuple[float, float]:
    return CX + radius * math.sin(math.radians(angle)), CY + radius * math.cos(math.radians(angle))


fig, ax = diagram(100, 76)
ax.add_patch(Circle((CX, CY), R, fill=False, edgecolor=MUTED, linewidth=1.6))
for name, angle in NODES.items():
    ax.add_patch(Circle(at(angle), 3.2, facecolor=FILL, edgecolor=INK, linewidth=1.2, zorder=3))
    label(ax, *at(angle, R + 7.5), name, weight="bold")
kx, ky = at(KEY)
ax.plot([kx], [ky], "D", color=SECOND, markersize=7, zorder=3)
label(ax, *at(KEY, R + 7), "k", color=SECOND, weight="bold")
# the clockwise direction, drawn inside the ring (matplotlib arcs run counter-clockwise from theta1 to theta2)
ax.add_patch(Arc((CX, CY), 2 * (R - 8), 2 * (R - 8), theta1=15, theta2=75, color=MUTED, linewidth=1.4))
ex, ey = CX + (R - 8) * math.cos(math.radians(15)), CY + (R - 8) * math.sin(math.radians(15))
ax.annotate("", xy=(ex + 0.8, ey - 1.6), xytext=(ex, ey),
            arrowprops={"arrowstyle": "-|>", "color": MUTED, "lw": 1.4, "mutation_scale": 10})  # fmt: skip
label(ax, CX, CY - 3, "clockwise", color=MUTED)
save(fig)
