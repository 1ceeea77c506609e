"""A 2×2 device mesh (X down, Y across); in each device, the block of A[I, J] it holds is shaded (I down, J across).

One figure per sharding: sharding-ixjy (I over X, J over Y), sharding-ix (I over X, replicated over Y) and
sharding-ixy (I over X and Y flattened, X first: How to Scale Your Model, Part 3, the I_XY figure).
"""

from redeck.drawing import ACCENT, INK, box, diagram, label, save


def held(kind: str, x: int, y: int) -> tuple[int, int, int, int]:
    """(first row, rows, first column, columns) of A's 4×4 grid of quarter-blocks that device (x, y) holds."""
    if kind == "ixjy":
        return 2 * x, 2, 2 * y, 2
    if kind == "ix":
        return 2 * x, 2, 0, 4
    return x + 2 * y, 1, 0, 4


for kind in ("ix", "ixjy", "ixy"):
    fig, ax = diagram(100, 78)
    for x in range(2):
        for y in range(2):
            left, top = 24 + y * 38, 66 - x * 36
            box(ax, left - 2, top - 25.5, 34, 30, fill="none", edge=INK)
            row, rows, col, cols = held(kind, x, y)
            for r in range(4):
                for c in range(4):
                    inside = row <= r < row + rows and col <= c < col + cols
                    box(ax, left + c * 7.5, top - 4 - r * 6.5, 7.5, 6.5, fill=ACCENT if inside else "none", edge=INK)
            label(ax, left - 10, top - 13, f"X={x}" if y == 0 else "")
        label(ax, 39 + x * 38, 74, f"Y={x}")
    save(fig, f"sharding-{kind}")
