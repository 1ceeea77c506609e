"""A fixed number of partitions on three nodes, and an empty fourth node joining (the card asks how many partitions move)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, card_number, diagram, label, save

partitions = int(card_number("part-fixed-partitions-join-moves", "front", 0))
NODES = 3
per_node = partitions // NODES
assert per_node * NODES == partitions

W, CELL, GAP, TOP = 20, 8.5, 5, 44
fig, ax = diagram(100, 52)
for n in range(NODES + 1):
    x = 2 + n * (W + GAP)
    joining = n == NODES
    label(ax, x + W / 2, TOP + 4.5, f"N{n}", weight="bold", color=ACCENT if joining else INK)
    box(ax, x, TOP - per_node * CELL - 4, W, per_node * CELL + 4, fill="none", edge=ACCENT if joining else MUTED,
        dashed=joining)  # fmt: skip
    if joining:
        label(ax, x + W / 2, TOP - (per_node * CELL + 4) / 2, "joins", color=ACCENT)
        continue
    for i in range(per_node):
        box(ax, x + 2, TOP - 2 - (i + 1) * CELL, W - 4, CELL, f"p{n * per_node + i}")
save(fig)
