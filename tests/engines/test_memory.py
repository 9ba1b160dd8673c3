"""The memory planner: (free VRAM, model) -> the fastest mode that fits, with its expected peak."""

from __future__ import annotations

import pytest

from milimo.engines.memory import MODES, GiB, ModelSize, peak_bytes, plan_memory

# bf16 weights as released: LTX-2.0 19B (transformer ~38 GB, Gemma 3 12B ~24 GB), LTX-2.3/2.5 22B.
LTX20 = ModelSize(transformer=38 * GiB, text_encoder=24 * GiB, rest=3 * GiB)
LTX23 = ModelSize(transformer=44 * GiB, text_encoder=24 * GiB, rest=3 * GiB)


@pytest.mark.parametrize(
    ("free_gib", "model", "fp8_capable", "mode", "fp8"),
    [
        (140, LTX20, True, "gpu", False),  # H200: everything resident, no casting
        (80, LTX20, False, "gpu", False),  # A100 80 GB: 38 + 24 + 3 + ~3 working set fits 72 usable
        (64, LTX20, False, "text_encoder_cpu", False),  # 68 GiB would not fit 57.6; without the encoder 44 does
        (80, LTX23, True, "gpu", True),  # H100 80 GB: fp8 storage makes all of 2.3 fit, before encoding on the CPU
        (48, LTX20, False, "text_encoder_cpu", False),  # A6000 48 GB: 38 + 3 + ~2 GiB working set
        (45, LTX20, False, "model_offload", False),  # 43 GiB is over 40.5 usable; components taking turns peak at 40
        (48, LTX23, True, "text_encoder_cpu", True),  # L40S: fp8 22 + 3 + work
        (24, LTX20, True, "group_offload", False),  # RTX 4090: even the 24 GB text encoder alone does not fit
        (16, LTX23, True, "group_offload", False),
        (2, LTX20, False, "sequential_offload", False),
    ],
)
def test_the_fastest_mode_that_fits(free_gib, model, fp8_capable, mode, fp8):
    plan = plan_memory(free_gib * GiB, model, fp8_capable=fp8_capable)
    assert (plan.mode, plan.fp8) == (mode, fp8), plan.considered
    assert plan.peak_bytes <= free_gib * GiB * 0.9 or mode == "sequential_offload"
    assert plan.as_dict()["peak_gib"] == round(plan.peak_bytes / GiB, 1)


def test_modes_are_ordered_by_peak_and_fp8_halves_the_transformer():
    work = 4 * GiB
    peaks = [peak_bytes(m, LTX20, fp8=False, work=work, decode=GiB) for m in MODES]
    assert peaks == sorted(peaks, reverse=True)
    assert (
        peak_bytes("gpu", LTX20, fp8=False, work=work, decode=GiB) - peak_bytes("gpu", LTX20, fp8=True, work=work, decode=GiB)
        == 19 * GiB
    )


def test_an_override_is_kept_and_says_when_it_will_not_fit():
    plan = plan_memory(24 * GiB, LTX20, override="gpu")
    assert plan.mode == "gpu" and "exceeds free VRAM" in plan.reason
    assert plan_memory(None, LTX20, override="group_offload", on_gpu=False).mode == "group_offload"
    assert plan_memory(None, LTX20, on_gpu=False).mode == "cpu"
    with pytest.raises(ValueError, match="unknown memory mode"):
        plan_memory(24 * GiB, LTX20, override="fast")


def test_large_frames_get_vae_tiling_before_a_slower_mode():
    small = plan_memory(80 * GiB, LTX20, fp8_capable=True, width=768, height=512, frames=121)
    large = plan_memory(80 * GiB, LTX20, fp8_capable=True, width=1920, height=1088, frames=481)
    assert not small.vae_tiling
    assert large.vae_tiling and large.mode == small.mode
