"""A TPU v5e bf16 roofline with two operations on it: one left of the ridge, one right of it."""

from redeck.drawing import INK, SECOND, card_number, roofline, save

peak = card_number("roof-critical-batch-v5e", "front", 0)
bandwidth = card_number("roof-critical-batch-v5e", "front", 1)
intensity_a = card_number("roof-figure-fraction-of-peak", "front", 0)  # 60 FLOPs/byte, stated in the question
fig, ax = roofline(peak, bandwidth, f"TPU v5e, bf16: ridge ≈ {round(peak / bandwidth, -1):.0f}")
for name, intensity, offset in (("A", intensity_a, (-14, 4)), ("B", 2000, (-4, -16))):
    ax.plot([intensity], [min(peak, intensity * bandwidth)], "o", color=SECOND, markersize=6)
    ax.annotate(name, (intensity, min(peak, intensity * bandwidth)), textcoords="offset points", xytext=offset, color=INK)
save(fig)
