"""Device d0's weight memory under FSDP over 4 devices, in the forward pass while it computes layer 3 of 4.

Each layer's weights are 4 shards, one owned by each device. Layers 1 and 2 stay gathered after their forward
(not resharded, as Llama 3 does), layer 3 is gathered for its matmul, layer 4 is still only d0's own shard.
"""

from redeck.drawing import ACCENT, FILL, INK, MUTED, arrow, box, diagram, label, save

DEVICES, LAYERS, COMPUTING = 4, 4, 3
fig, ax = diagram(100, 52)
label(ax, 42, 48, "device d0, forward pass", weight="bold")
for layer in range(1, LAYERS + 1):
    y = 44 - layer * 8.5
    label(ax, 6, y + 3.5, f"L{layer}")
    for shard in range(DEVICES):
        x = 13 + shard * 14.5
        own = shard == 0
        held = own or layer <= COMPUTING
        box(ax, x, y, 13.5, 7, f"d{shard}", fill=ACCENT if own else FILL if held else "none",
            edge=INK if held else MUTED, color="white" if own else INK if held else MUTED, dashed=not held)
arrow(ax, (90, 44 - COMPUTING * 8.5 + 3.5), (73, 44 - COMPUTING * 8.5 + 3.5))
label(ax, 91, 44 - COMPUTING * 8.5 + 3.5, "now", ha="left")
box(ax, 13, 2, 6, 4.5, fill=ACCENT)
label(ax, 21, 4.25, "own", ha="left")
box(ax, 36, 2, 6, 4.5, fill=FILL)
label(ax, 44, 4.25, "gathered", ha="left")
box(ax, 69, 2, 6, 4.5, fill="none", edge=MUTED, dashed=True)
label(ax, 77, 4.25, "absent", ha="left", color=MUTED)
save(fig)
