"""Consistency checks for the accelerator cards (cards/accelerators/).

Derived cards (critical batch sizes, pod totals, time estimates, worked problems) must agree with the
spec cards they are derived from. Numbers are read from the card text itself: a spec card states its value
with its unit in `back` (e.g. "1.97e14 FLOP/s", "8.19e11 bytes/s"), and a derived card states its result in
`back` and quotes its inputs in `extra`. Change a spec number and these tests fail until its dependants follow.

Only PyYAML is needed; files are read with yaml.BaseLoader, so every value is a string.

Layout: helpers first, then one section per topic (rooflines + TPU, sharded matmuls, and room for GPU /
collectives checks added by other writers).
"""

from __future__ import annotations

import re

import pytest

from cardtext import CARDS_ROOT, NUMBER, all_text, load_cards, numbers_in, to_float

CARD_DIR = CARDS_ROOT / "accelerators"

# --------------------------------------------------------------------------------------------- helpers

CARDS = load_cards(CARD_DIR)


def card(card_id: str) -> dict:
    assert card_id in CARDS, f"card {card_id!r} not found in {CARD_DIR}"
    return CARDS[card_id]


def text(card_id: str, field: str | None = None) -> str:
    """One field of a card, or all of its text fields joined."""
    c = card(card_id)
    return c.get(field, "") if field else all_text(c)


def quantity(card_id: str, unit: str, field: str = "back", nth: int = 0) -> float:
    """The nth number in `field` of a card that is directly followed by `unit` (e.g. "FLOP/s", "bytes/s")."""
    pattern = NUMBER + r"\s*" + re.escape(unit) + r"(?![A-Za-z/])"
    found = re.findall(pattern, text(card_id, field))
    assert len(found) > nth, f"{card_id}: no number with unit {unit!r} in {field}: {text(card_id, field)!r}"
    return to_float(found[nth])


def numbers(card_id: str, field: str | None = None) -> list[float]:
    """Every number in a card's text (or one field)."""
    return numbers_in(text(card_id, field))


def close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b))


def assert_close(actual: float, expected: float, rel: float, what: str) -> None:
    assert close(actual, expected, rel), f"{what}: card says {actual:g}, derived value is {expected:g} (tolerance {rel:.0%})"


def assert_cites(card_id: str, value: float, rel: float = 0.005, field: str | None = None) -> None:
    """The card quotes `value` somewhere (its input numbers must match the spec cards they come from)."""
    assert any(close(n, value, rel) for n in numbers(card_id, field)), (
        f"{card_id} should quote the input {value:g} (as on its spec card); it has {numbers(card_id, field)}"
    )


# --------------------------------------------------------------------------------------------- spec accessors

TPUS = ("v4", "v5e", "v5p", "v6e")


def bf16_flops(chip: str) -> float:
    if chip == "h100":  # GPU spec cards live in gpu.yaml (part 2 of the accelerator content)
        return quantity("gpu-h100-sxm-dense-bf16", "TFLOP/s") * 1e12
    return quantity(f"tpu-{chip}-peak-bf16", "FLOP/s")


def hbm_bw(chip: str) -> float:
    if chip == "h100":
        return quantity("gpu-h100-sxm-hbm-bandwidth", "TB/s") * 1e12
    if chip == "v4":
        return quantity("tpu-v4-hbm", "bytes/s")
    return quantity(f"tpu-{chip}-hbm-bandwidth", "bytes/s")


def int8_ops(chip: str) -> float:
    return quantity(f"tpu-{chip}-peak-int8", "OP/s")


def ici_one_way(chip: str) -> float:
    """The scaling book's per-link, one-direction ICI bandwidth."""
    return quantity(f"tpu-{chip}-ici-link-one-way", "bytes/s", nth=0)


def ici_bidi(chip: str) -> float:
    return quantity(f"tpu-{chip}-ici-link-one-way", "bytes/s", nth=1)


def tokens(card_id: str) -> float:
    return quantity(card_id, "tokens")


# ============================================================================================= TPU spec cards


@pytest.mark.parametrize("chip", TPUS)
def test_tpu_spec_cards_parse(chip):
    assert 1e14 < bf16_flops(chip) < 1e16
    assert 1e11 < hbm_bw(chip) < 1e13


@pytest.mark.parametrize("chip", ("v5e", "v6e", "v5p"))
def test_int8_rate_is_twice_bf16(chip):
    assert_close(int8_ops(chip), 2 * bf16_flops(chip), 0.01, f"{chip} int8 vs 2x bf16")


def test_v4_int8_same_as_bf16():
    assert "same for bf16 and int8" in text("tpu-v4-peak-bf16", "back")


def test_v5p_fp8_rate_equals_bf16():
    assert_close(quantity("tpu-v5p-fp8-rate", "FLOP/s"), bf16_flops("v5p"), 0.001, "v5p fp8 vs bf16")


@pytest.mark.parametrize("chip", ("v4", "v5e", "v5p"))
def test_ici_bidirectional_is_twice_one_way(chip):
    assert_close(ici_bidi(chip), 2 * ici_one_way(chip), 0.001, f"{chip} ICI bidi vs 2x one-way")


@pytest.mark.parametrize(
    "chip, per_chip_card, ports",
    [
        ("v5e", "tpu-v5e-ici-bidirectional-per-chip", 4),
        ("v6e", "tpu-v6e-ici-bidirectional-per-chip", 4),
        ("v5p", "tpu-v5p-ici-bidirectional-per-chip", 6),
    ],
)
def test_google_ici_per_chip_vs_book_per_link(chip, per_chip_card, ports):
    """Google's per-chip bidirectional total ÷ ports ÷ 2 should be within ~12% of the book's one-way link figure."""
    google_gb = quantity(per_chip_card, "GB/s")
    book_link = ici_one_way("v5p" if chip == "v6e" else chip)  # the book gives v6e the same 9e10 as v5p
    if chip == "v6e":
        assert "9e10" in text(per_chip_card, "extra")
    assert_close(google_gb * 1e9 / ports / 2, book_link, 0.12, f"{chip} ICI per link")


def test_v5e_hbm_gb_matches_bytes():
    assert_close(quantity("tpu-v5e-hbm-bandwidth", "GB/s"), hbm_bw("v5e") / 1e9, 0.001, "v5e GB/s vs bytes/s")


def test_v5p_hbm_gib_equals_gb():
    # 2,575 GiB/s and 2,765 GB/s are the same rate; the spec card quotes both
    assert_close(quantity("tpu-v5p-hbm-bandwidth", "GiB/s", field="extra") * 2**30, hbm_bw("v5p"), 0.002, "v5p GiB/s vs bytes/s")
    assert_close(quantity("tpu-v5p-hbm-bandwidth", "GB/s"), hbm_bw("v5p") / 1e9, 0.001, "v5p GB/s vs bytes/s")


def test_google_ici_per_chip_to_per_link_example():
    """The conversion card's worked example: Google's v6e per-chip total ÷ ports ÷ 2 directions."""
    cid = "tpu-ici-per-chip-to-per-link"
    per_chip = quantity("tpu-v6e-ici-bidirectional-per-chip", "GB/s")
    assert_cites(cid, per_chip, field="extra")
    assert_close(quantity(cid, "GB/s", field="extra", nth=1), per_chip / 4 / 2, 0.001, cid)
    assert_cites(cid, ici_one_way("v5p"), field="extra")  # the book's v6e link figure equals v5p's


# ============================================================================================= rooflines


CRITICAL_BATCH_CARDS = {
    "v5e": "roof-critical-batch-v5e",
    "v5p": "roof-critical-batch-v5p",
    "v6e": "roof-critical-batch-v6e",
    "v4": "roof-critical-batch-v4",
}


@pytest.mark.parametrize("chip", sorted(CRITICAL_BATCH_CARDS))
def test_critical_batch_is_flops_over_hbm_bandwidth(chip):
    cid = CRITICAL_BATCH_CARDS[chip]
    expected = bf16_flops(chip) / hbm_bw(chip)
    assert_close(tokens(cid), expected, 0.02, f"{cid}")
    assert_cites(cid, bf16_flops(chip), field="extra")
    assert_cites(cid, hbm_bw(chip), field="extra")


def test_hardware_intensity_example_uses_v5e():
    assert_cites("roof-hardware-critical-intensity", bf16_flops("v5e"))
    assert_cites("roof-hardware-critical-intensity", hbm_bw("v5e"))
    assert_cites("roof-hardware-critical-intensity", tokens("roof-critical-batch-v5e"), rel=0.01)


def test_v6e_vs_v5e_explanation_matches_batches():
    cid = "roof-why-v6e-batch-higher"
    assert_cites(cid, tokens("roof-critical-batch-v6e"), rel=0.01)
    assert_cites(cid, tokens("roof-critical-batch-v5e"), rel=0.01)
    assert_close(quantity(cid, "times", field="back"), bf16_flops("v6e") / bf16_flops("v5e"), 0.03, "v6e/v5e FLOP/s ratio")


def test_int8_full_critical_batch_equals_bf16_v5e():
    cid = "roof-int8-full-critical-batch-v5e"
    expected = int8_ops("v5e") / hbm_bw("v5e") / 2
    assert_close(tokens(cid), expected, 0.02, cid)
    assert_close(tokens(cid), tokens("roof-critical-batch-v5e"), 0.02, "int8 vs bf16 critical batch")
    assert_cites(cid, int8_ops("v5e"), field="extra")
    assert_cites(cid, hbm_bw("v5e"), field="extra")


def test_int8_weights_bf16_compute_halves_batch_v5e():
    cid = "roof-int8-weights-critical-batch-v5e"
    assert_close(tokens(cid), bf16_flops("v5e") / hbm_bw("v5e") / 2, 0.02, cid)
    assert_close(2 * tokens(cid), tokens("roof-critical-batch-v5e"), 0.02, "int8-weight batch x2 vs bf16 batch")


def test_int8_full_critical_batch_v6e():
    cid = "roof-int8-critical-batch-v6e"
    assert_close(tokens(cid), int8_ops("v6e") / hbm_bw("v6e") / 2, 0.02, cid)
    assert_cites(cid, int8_ops("v6e"), field="extra")
    assert_cites(cid, hbm_bw("v6e"), field="extra")


def test_fp8_critical_batch_v5p():
    cid = "roof-fp8-critical-batch-v5p"
    fp8 = quantity("tpu-v5p-fp8-rate", "FLOP/s")
    assert_close(tokens(cid), fp8 / hbm_bw("v5p") / 2, 0.02, cid)
    assert_cites(cid, bf16_flops("v5p"), field="extra")
    assert_cites(cid, hbm_bw("v5p"), field="extra")


@pytest.mark.parametrize("chip, cid", [("h100", "roof-time-1e12-flops-h100"), ("v6e", "roof-time-1e12-flops-v6e")])
def test_time_for_1e12_flops(chip, cid):
    assert_close(quantity(cid, "ms"), 1e12 / bf16_flops(chip) * 1e3, 0.01, cid)
    assert_cites(cid, bf16_flops(chip), field="extra")


def test_v5e_hbm_sweep_time():
    cid = "roof-v5e-hbm-sweep-time"
    capacity = quantity("tpu-v5e-hbm-capacity", "GB") * 1e9
    assert_cites(cid, capacity)
    assert_cites(cid, hbm_bw("v5e"))
    assert_close(quantity(cid, "ms", nth=1), capacity / hbm_bw("v5e") * 1e3, 0.01, cid)


def test_network_threshold_two_chip_split():
    cid = "roof-network-threshold-d"
    assert_cites(cid, bf16_flops("v5e"), field="front")
    assert_cites(cid, ici_one_way("v5e"), field="front")
    expected_half = bf16_flops("v5e") / ici_one_way("v5e")
    assert_cites(cid, expected_half, rel=0.002, field="back")
    assert_close(numbers(cid, "back")[0], 2 * expected_half, 0.002, cid)


@pytest.mark.parametrize("chip, cid", [("v5p", "roof-ici-critical-intensity-v5p"), ("v5e", "roof-ici-critical-intensity-v5e")])
def test_ici_critical_intensity(chip, cid):
    assert_close(quantity(cid, "FLOPs/byte"), bf16_flops(chip) / ici_bidi(chip), 0.01, cid)
    assert_cites(cid, ici_bidi(chip), field="extra")


def test_ici_intensity_int8_doubles():
    cid = "roof-ici-precision-independent"
    c_over_w = quantity("roof-ici-critical-intensity-v5p", "FLOPs/byte")
    assert_cites(cid, c_over_w, rel=0.01)
    assert_cites(cid, 2 * c_over_w, rel=0.01)


# ============================================================================================= TPU derived cards


def total_after_equals(card_id: str, field: str = "extra") -> float:
    """The number after the last '=' in a field, e.g. '256 × 9.18e14 = 2.35e17' -> 2.35e17."""
    found = re.findall(r"=\s*" + NUMBER, text(card_id, field))
    assert found, f"{card_id}: no '= number' in {field}"
    return to_float(found[-1])


@pytest.mark.parametrize(
    "chip, pod_card, chips_card",
    [
        ("v5e", "tpu-v5e-pod-bf16", "tpu-v5e-pod-topology"),
        ("v5p", "tpu-v5p-pod-bf16", "tpu-v5p-pod-chips"),
        ("v6e", "tpu-v6e-pod-topology", "tpu-v6e-pod-topology"),
        ("v4", "tpu-v4-pod", "tpu-v4-pod"),
    ],
)
def test_pod_peak_is_chips_times_chip_peak(chip, pod_card, chips_card):
    chips = quantity(chips_card, "chips")
    expected = chips * bf16_flops(chip)
    if pod_card.endswith("-bf16"):  # "About 5.0e16 FLOP/s" in back, "256 × 1.97e14 = 5.04e16" in extra
        assert_close(quantity(pod_card, "FLOP/s"), expected, 0.02, f"{chip} pod bf16 (back)")
    assert_close(total_after_equals(pod_card), expected, 0.01, f"{chip} pod bf16 (extra)")
    assert_cites(pod_card, bf16_flops(chip), field="extra")


def test_pod_hosts():
    v5e_chips = quantity("tpu-v5e-pod-topology", "chips")
    v5e_per_host = quantity("tpu-v5e-host-chips", "chips")
    assert quantity("tpu-q2-v5e-pod-hosts", "hosts") == v5e_chips / v5e_per_host
    v5p_chips = quantity("tpu-v5p-pod-chips", "chips")
    v5p_per_host = quantity("tpu-v5p-host-chips", "chips")
    assert quantity("tpu-q2-v5p-pod-hosts", "hosts") == v5p_chips / v5p_per_host
    assert quantity("tpu-q2-v5p-pod-tensorcores", "TensorCores") == 2 * v5p_chips


def test_dcn_per_host_consistent():
    book = quantity("tpu-dcn-per-host-book", "bytes/s")
    v5e_gbps = quantity("tpu-v5e-dcn-per-host", "Gbps")
    assert_close(v5e_gbps * 1e9 / 8, book, 0.01, "v5e DCN per host")
    assert_close(quantity("tpu-v5e-dcn-per-host", "bytes/s"), book, 0.01, "v5e DCN bytes/s")
    v5p_chip_gbps = quantity("tpu-v5p-dcn-per-chip", "Gbps")
    per_host = v5p_chip_gbps * quantity("tpu-v5p-host-chips", "chips") * 1e9 / 8
    assert_close(per_host, book, 0.01, "v5p DCN per host")


def test_v5e_mxu_flops_add_up():
    per_mxu = quantity("tpu-v5e-mxu-flops", "FLOP/s")
    clock_ghz = quantity("tpu-v5e-mxu-flops", "GHz")
    macs = quantity("tpu-mxu-systolic-macs", "multiply-accumulates")
    assert macs == 128 * 128
    assert_close(per_mxu, macs * 2 * clock_ghz * 1e9, 0.03, "MXU FLOP/s = 2 x MACs x clock")
    assert_close(4 * macs * 2 * clock_ghz * 1e9, bf16_flops("v5e"), 0.03, "4 MXUs x per-MXU vs v5e peak")


def test_q1_sampling_lower_bound():
    cid = "tpu-q1-sampling-lower-bound"
    per_chip = 2 * 200e9 / 32
    assert_cites(cid, per_chip)
    assert_cites(cid, hbm_bw("v4"))
    assert_close(quantity(cid, "ms"), per_chip / hbm_bw("v4") * 1e3, 0.05, cid)


def test_q3_pcie_batch():
    cid = "tpu-q3-pcie-critical-batch"
    pcie = quantity(cid, "bytes/s", field="front")
    assert pcie == quantity("tpu-pcie-typical", "bytes/s")
    assert_cites(cid, bf16_flops("v6e"), field="back")
    assert_close(tokens(cid), bf16_flops("v6e") / pcie, 0.02, cid)


def test_q4_int8_matmul_crossover():
    cid = "tpu-q4-int8-matmul-crossover"
    d, f = 4096, 16384
    bw, ops = hbm_bw("v5e"), int8_ops("v5e")
    # 2 d f B / ops = (d f + (d + f) B) / bw  ->  B = (d f / bw) / (2 d f / ops - (d + f) / bw)
    crossover = (d * f / bw) / (2 * d * f / ops - (d + f) / bw)
    assert_close(tokens(cid), crossover, 0.03, cid)
    assert_cites(cid, ops, field="extra")
    assert_cites(cid, bw, field="extra")


def test_q5_ici_transfer():
    cid = "tpu-q5-ici-transfer-time"
    nbytes = 2 * 8 * 128 * 8192
    link = ici_one_way("v5e")
    assert_cites(cid, link, field="extra")
    bandwidth_us = nbytes / (2 * link) * 1e6
    assert_close(quantity(cid, "µs", nth=1), bandwidth_us, 0.03, cid)  # "≈ 188 µs of bandwidth time"
    assert_close(quantity(cid, "µs", nth=0), bandwidth_us + 6, 0.03, cid)


def test_vmem_example_consistent():
    ratio = quantity("tpu-vmem-bandwidth-ratio", "times")
    assert ratio == 22
    # VMEM crossover in the worked problem: 22x the book's 8.1e11
    assert_cites("tpu-q4-vmem-crossover", 22 * 8.1e11, rel=0.01)


# ============================================================================================= sharded matmuls


def test_allgather_popquiz_v5e():
    cid = "shard-popquiz2-allgather-v5e"
    full = 2 * 2048 * 8192
    shard = full / 4
    assert_close(quantity(cid, "µs"), 3 * shard / ici_one_way("v5e") * 1e6, 0.03, cid)
    assert_cites(cid, ici_bidi("v5e"), field="extra")
    assert_cites(cid, ici_one_way("v5e"), field="extra")


def test_allgather_q2_v4():
    cid = "shard-q2-allgather-v4"
    gathered = 2 * 1024 * 4096 / 4
    assert_close(quantity(cid, "µs"), gathered / ici_bidi("v4") * 1e6, 0.03, cid)
    assert_cites(cid, ici_bidi("v4"), field="extra")


def test_allreduce_strategy_threshold():
    cid = "shard-q4-allreduce-strategy"
    c_over_w = quantity("roof-ici-critical-intensity-v5p", "FLOPs/byte")
    assert_cites(cid, 2 * c_over_w, rel=0.01, field="back")
    assert_cites(cid, c_over_w, rel=0.01, field="extra")


# ============================================================================================= GPUs and collectives
# (part 2 of the accelerator content adds its checks here)
