"""A B-tree leaf page split: before, a full leaf under its parent's boundaries; after, two half-full leaves and the parent's new boundary left blank (the card asks it)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, arrow, box, card_number, diagram, label, save

new_key = int(card_number("store-btree-split-parent-boundary", "front", 0))  # the key inserted
boundary = int(card_number("store-btree-split-parent-boundary", "back", 0))  # the parent's new boundary
low, high = 333, 345  # the parent's boundaries around the full leaf
leaf = [333, 335, boundary, 340, 344]  # full: five keys per page
keys = sorted(leaf + [new_key])
left, right = keys[:3], keys[3:]
assert right[0] == boundary and low <= new_key < high

CELL, H = 13, 8
fig, ax = diagram(100, 92)


def page(x: float, y: float, cells: list[str], w: float = CELL, fill: str = FILL) -> None:
    for i, text in enumerate(cells):
        box(ax, x + i * w, y, w, H, text, fill=fill, color=SECOND if text == "?" else INK,
            weight="bold" if text == "?" else "normal")  # fmt: skip


# before: the parent's boundaries 333 and 345 bracket the reference to one full leaf
label(ax, 2, 88, "before", color=MUTED, ha="left")
page(36, 78, [str(low), str(high)], w=14, fill="none")
arrow(ax, (50, 78), (50, 65))
page(50 - 2.5 * CELL, 57, [str(k) for k in leaf])
label(ax, 88, 76, f"insert {new_key}", color=ACCENT)
arrow(ax, (88, 73), (80, 65.5), color=ACCENT)

ax.plot([2, 98], [50, 50], color=MUTED, linewidth=0.8, linestyle=":")

# after: two half-full leaves, and the parent references both
label(ax, 2, 46, "after", color=MUTED, ha="left")
page(29, 34, [str(low), "?", str(high)], w=14, fill="none")
arrow(ax, (43, 34), (4 + 1.5 * CELL, 20.5))
arrow(ax, (57, 34), (57 + 1.5 * CELL, 20.5))
page(4, 12, [str(k) for k in left])
page(57, 12, [str(k) for k in right])
save(fig)
