"""A 4×4 2D torus of TPU chips: links to the four neighbours, and wraparound links (dashed stubs) joining the ends of
each row and column. Chip A sits at one corner, chip B at the opposite one."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, diagram, label, save

N, STEP, SIZE, X0, Y0 = 4, 17, 9, 20, 12
fig, ax = diagram(100, 80)


def centre(i, j):
    return X0 + j * STEP + SIZE / 2, Y0 + (N - 1 - i) * STEP + SIZE / 2


def link(a, b, curve=0.0):
    ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "-", "color": MUTED, "lw": 1.3, "shrinkA": 0,
                                                "shrinkB": 0, "connectionstyle": f"arc3,rad={curve}"})


for i in range(N):
    for j in range(N):
        x, y = centre(i, j)
        if j < N - 1:
            link((x + SIZE / 2, y), (x + STEP - SIZE / 2, y))
        if i < N - 1:
            link((x, y - SIZE / 2), (x, y - STEP + SIZE / 2))
for k in range(N):  # wraparound: a dashed stub leaves each edge chip; the stubs at both ends of a row or column are one link
    for x, y, dx, dy in ((*centre(k, 0), -1, 0), (*centre(k, N - 1), 1, 0), (*centre(0, k), 0, 1), (*centre(N - 1, k), 0, -1)):
        ax.plot([x + dx * SIZE / 2, x + dx * (SIZE / 2 + 5)], [y + dy * SIZE / 2, y + dy * (SIZE / 2 + 5)],
                color=MUTED, lw=1.3, linestyle="--")
label(ax, 50, 3, "dashed: wraparound to the far end", color=MUTED)
marks = {(0, 0): "A", (N - 1, N - 1): "B"}
for i in range(N):
    for j in range(N):
        x, y = centre(i, j)
        name = marks.get((i, j), "")
        box(ax, x - SIZE / 2, y - SIZE / 2, SIZE, SIZE, name, fill=ACCENT if name else FILL,
            color="white" if name else INK, weight="bold")
save(fig)
