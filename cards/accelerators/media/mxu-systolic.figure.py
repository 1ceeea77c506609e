"""A TPU MXU as a small systolic array (4×4 of its 128×128 cells): weights enter from above, activations from the
left. Where the partial sums go is the question, so it is not drawn."""

from redeck.drawing import ACCENT, FILL, INK, box, arrow, diagram, label, save

N, CELL = 4, 9
X0, Y0 = 30, 4
fig, ax = diagram(100, 58)
for row in range(N):
    for col in range(N):
        box(ax, X0 + col * (CELL + 2), Y0 + row * (CELL + 2), CELL, CELL, "×+", fill=FILL)
top = Y0 + N * (CELL + 2)
for col in range(N):
    x = X0 + col * (CELL + 2) + CELL / 2
    arrow(ax, (x, top + 7), (x, top - 1), color=ACCENT)
label(ax, X0 + 2 * (CELL + 2) - 1, top + 10, "weights W", color=ACCENT, weight="bold")
for row in range(N):
    y = Y0 + row * (CELL + 2) + CELL / 2
    arrow(ax, (X0 - 9, y), (X0 - 1, y), color=INK)
label(ax, 9.5, Y0 + 2 * (CELL + 2) - 1, "inputs X", color=INK, weight="bold")
save(fig)
