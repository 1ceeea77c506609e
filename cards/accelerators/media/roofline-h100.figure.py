"""An H100 SXM dense bf16 roofline against HBM, its ridge unlabelled (the card asks it)."""

from redeck.drawing import card_number, roofline, save

peak = card_number("gpu-h100-sxm-dense-bf16") * 1e12  # 989 TFLOP/s dense
bandwidth = card_number("gpu-h100-sxm-hbm-bandwidth") * 1e12  # 3.35 TB/s
fig, _ax = roofline(peak, bandwidth, "H100 SXM, dense bf16, HBM")
save(fig)
