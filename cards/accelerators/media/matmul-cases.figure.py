"""A · B → C on two devices along mesh axis X: the blocks of A (I × J) and B (J × K) each device holds, shaded.

matmul-case2 is A[I, J_X] · B[J, K] (B whole on each device); matmul-case3 is A[I, J_X] · B[J_X, K].
"""

from redeck.drawing import ACCENT, INK, box, diagram, label, save

for case in (2, 3):
    fig, ax = diagram(100, 66)
    for device in range(2):
        top = 60 - device * 32
        label(ax, 6, top - 11, f"X={device}", weight="bold")
        for half in range(2):  # A: two column halves of J
            box(ax, 16 + half * 9, top - 22, 9, 22, fill=ACCENT if half == device else "#ffffff", edge=INK)
        label(ax, 38, top - 11, "·")
        for half in range(2):  # B: two row halves of J
            shaded = case == 2 or half == device
            box(ax, 44, top - 11 * (half + 1), 22, 11, fill=ACCENT if shaded else "#ffffff", edge=INK)
        label(ax, 72, top - 11, "→")
        box(ax, 78, top - 22, 20, 22, "C ?", fill="#ffffff", edge=INK, dashed=True)
    label(ax, 25, 63.5, "A")
    label(ax, 55, 63.5, "B")
    save(fig, f"matmul-case{case}")
