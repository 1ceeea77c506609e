"""One axis of a torus: 8 chips in a line, neighbours linked, and the wraparound link joining the two ends."""

from redeck.drawing import ACCENT, INK, MUTED, SECOND, box, diagram, label, save

N, STEP, SIZE = 8, 12, 8
fig, ax = diagram(100, 34)
marks = {1: "A", 7: "B"}
for i in range(N):
    x = 4 + i * STEP
    if i < N - 1:
        ax.plot([x + SIZE, x + STEP], [8, 8], color=MUTED, linewidth=1.6, zorder=0)
    name = marks.get(i, "")
    box(ax, x, 4, SIZE, SIZE, name, fill=SECOND if name else "none", color="white", weight="bold", edge=INK)
first, last = 4 + SIZE / 2, 4 + (N - 1) * STEP + SIZE / 2
ax.annotate("", xy=(last, 12.5), xytext=(first, 12.5),
            arrowprops={"arrowstyle": "-", "color": ACCENT, "lw": 1.8, "connectionstyle": "arc3,rad=-0.25"})
label(ax, 50, 28, "wraparound link", color=ACCENT)
save(fig)
