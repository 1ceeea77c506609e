"""A TPU v5e bf16 roofline with two operations on it: one left of the ridge, one right of it."""

from redeck.drawing import ACCENT, INK, MUTED, SECOND, card_number, new_figure, save

peak = card_number("roof-critical-batch-v5e", "front", 0)
bandwidth = card_number("roof-critical-batch-v5e", "front", 1)
ridge = peak / bandwidth
intensity_a = card_number("roof-figure-fraction-of-peak", "front", 0)  # 60 FLOPs/byte, stated in the question
fig, ax = new_figure(height=2.5)
xs = [1, ridge, 1e4]
ax.loglog(xs, [min(peak, x * bandwidth) for x in xs], color=ACCENT)
for name, intensity, offset in (("A", intensity_a, (-14, 4)), ("B", 2000, (-4, -16))):
    ax.plot([intensity], [min(peak, intensity * bandwidth)], "o", color=SECOND, markersize=6)
    ax.annotate(name, (intensity, min(peak, intensity * bandwidth)), textcoords="offset points", xytext=offset, color=INK)
ax.axvline(ridge, color=MUTED, linestyle=":", linewidth=1.2)
ax.set_xlim(1, 1e4)
ax.set_xticks([1, 10, 100, 1000, 10000], ["1", "10", "100", "1000", "10⁴"])
ax.grid(True, which="both", color=MUTED, alpha=0.25, linewidth=0.6)
ax.set_xlabel("arithmetic intensity (FLOPs/byte)")
ax.set_ylabel("FLOP/s")
ax.set_title(f"TPU v5e, bf16: ridge ≈ {round(ridge, -1):.0f}", fontsize=11)
save(fig)
