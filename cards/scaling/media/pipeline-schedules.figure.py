"""Pipeline schedules on 4 stages; empty cells are the bubble.

gpipe-schedule: GPipe, 4 micro-batches, all forwards then all backwards.
1f1b-schedule: 1F1B (PipeDream-Flush), 8 micro-batches: stage s runs 4 - s - 1 warm-up forwards, then one forward
and one backward in turn, then the remaining backwards; each op takes one slot (forward and backward equal).
"""

from redeck.drawing import ACCENT, FILL, INK, MUTED, box, diagram, label, save

STAGES, MICRO = 4, 4
SLOTS = 2 * (MICRO + STAGES - 1)
W, H, LEFT, TOP = 6, 7, 10, 36


def cells(ax, busy, slots, width):
    """The grid: one row per stage, one cell per slot, forwards light, backwards dark."""
    for stage in range(STAGES):
        label(ax, 4, TOP - stage * H + H / 2, f"s{stage}")
        for slot in range(slots):
            kind, m = busy.get((stage, slot), ("", -1))
            fill = FILL if kind == "F" else ACCENT if kind == "B" else "none"
            box(ax, LEFT + slot * width, TOP - stage * H, width, H, str(m) if kind else "", fill=fill, edge=MUTED,
                color="white" if kind == "B" else INK)


fig, ax = diagram(100, 50)
busy = {}
for stage in range(STAGES):
    for m in range(MICRO):
        busy[(stage, stage + m)] = ("F", m)  # forward of micro-batch m reaches stage s at slot s + m
        back = MICRO + STAGES - 1 + (STAGES - 1 - stage) + m  # backwards run from the last stage down
        busy[(stage, back)] = ("B", m)
cells(ax, busy, SLOTS, W)
label(ax, LEFT + SLOTS * W / 4, 46.5, "forward")
label(ax, LEFT + 3 * SLOTS * W / 4, 46.5, "backward")
label(ax, 52, 7, "time slots →; number: micro-batch")
save(fig, "gpipe-schedule")


def one_f_one_b(stages, micro):
    """Simulate 1F1B: each stage runs its ops in order, each as soon as its input is there; {(stage, slot): op}."""
    order = []
    for s in range(stages):
        warm = min(stages - s - 1, micro)
        ops = [("F", m) for m in range(warm)]
        for i in range(micro - warm):
            ops += [("F", warm + i), ("B", i)]
        ops += [("B", m) for m in range(micro - warm, micro)]
        order.append(ops)
    done, placed, free, nxt = {}, {}, [0] * stages, [0] * stages
    while any(nxt[s] < len(order[s]) for s in range(stages)):
        for s in range(stages):
            if nxt[s] == len(order[s]):
                continue
            kind, m = order[s][nxt[s]]
            need = (("F", s - 1, m) if s else None) if kind == "F" else \
                ("B", s + 1, m) if s < stages - 1 else ("F", s, m)
            if need is not None and need not in done:
                continue
            start = max(free[s], done[need] if need else 0)
            placed[(s, start)] = (kind, m)
            done[(kind, s, m)] = start + 1
            free[s], nxt[s] = start + 1, nxt[s] + 1
    return placed


MICRO_1F1B = 8
busy = one_f_one_b(STAGES, MICRO_1F1B)
slots = max(slot for _, slot in busy) + 1  # 2 × (8 + 4 − 1) = 22
fig, ax = diagram(100, 50)
cells(ax, busy, slots, 4)
box(ax, 30, 44, 8, 5, fill=FILL, edge=MUTED)
label(ax, 40, 46.5, "forward", ha="left")
box(ax, 62, 44, 8, 5, fill=ACCENT, edge=MUTED)
label(ax, 72, 46.5, "backward", ha="left")
label(ax, 52, 7, "time slots →; number: micro-batch")
save(fig, "1f1b-schedule")
