"""A GPipe schedule: 4 stages, 4 micro-batches, all forwards then all backwards; empty cells are the bubble."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, diagram, label, save

STAGES, MICRO = 4, 4
SLOTS = 2 * (MICRO + STAGES - 1)
W, H, LEFT, TOP = 6, 7, 10, 36
fig, ax = diagram(100, 50)
busy = {}
for stage in range(STAGES):
    for m in range(MICRO):
        busy[(stage, stage + m)] = ("F", m)  # forward of micro-batch m reaches stage s at slot s + m
        back = MICRO + STAGES - 1 + (STAGES - 1 - stage) + m  # backwards run from the last stage down
        busy[(stage, back)] = ("B", m)
for stage in range(STAGES):
    label(ax, 4, TOP - stage * H + H / 2, f"s{stage}")
    for slot in range(SLOTS):
        kind, m = busy.get((stage, slot), ("", -1))
        fill = FILL if kind == "F" else ACCENT if kind == "B" else "none"
        box(ax, LEFT + slot * W, TOP - stage * H, W, H, str(m) if kind else "", fill=fill, edge=MUTED,
            color="white" if kind == "B" else INK)
label(ax, LEFT + SLOTS * W / 4, 46.5, "forward")
label(ax, LEFT + 3 * SLOTS * W / 4, 46.5, "backward")
label(ax, 52, 7, "time slots →; number: micro-batch")
save(fig)
