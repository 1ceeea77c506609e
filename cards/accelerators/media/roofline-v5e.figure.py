"""A TPU v5e bf16 roofline: attainable FLOP/s against arithmetic intensity, with its ridge unlabelled (the card asks it)."""

from redeck.drawing import card_number, roofline, save

peak = card_number("roof-critical-batch-v5e", "front", 0)  # 1.97e14 FLOP/s
bandwidth = card_number("roof-critical-batch-v5e", "front", 1)  # 8.19e11 bytes/s
fig, _ax = roofline(peak, bandwidth, "TPU v5e, bf16, HBM")
save(fig)
