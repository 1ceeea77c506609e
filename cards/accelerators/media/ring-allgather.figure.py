"""A unidirectional ring AllGather over 4 devices, part-way: which shards each device holds so far."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, arrow, box, diagram, label, save

DEVICES, STEPS_DONE = 4, 1
# Step s: device d passes on the shard it received last, (d - s) mod N, to device d + 1.
held = [{d} for d in range(DEVICES)]
for step in range(STEPS_DONE):
    sent = [(d, (d - step) % DEVICES) for d in range(DEVICES)]
    for d, shard in sent:
        held[(d + 1) % DEVICES].add(shard)
fig, ax = diagram(100, 62)
for d in range(DEVICES):
    x = 4 + d * 24
    label(ax, x + 8, 58, f"d{d}", weight="bold")
    for s in range(DEVICES):
        has = s in held[d]
        box(ax, x, 46 - s * 9, 16, 7, str(s) if has else "", fill=ACCENT if has else "none",
            edge=INK if has else MUTED, color="white", dashed=not has)
    if d < DEVICES - 1:
        arrow(ax, (x + 17, 50), (x + 23, 50))
arrow(ax, (84, 7), (16, 7), "d3 sends to d0", shift=(0, -4.5))
label(ax, 50, 13, "rows: shards 0–3 held", color=INK)
_ = FILL
save(fig)
