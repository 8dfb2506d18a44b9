"""The Jobs hardware list (`GET /api/jobs/hardware`), from the huggingface_hub jobs guide, in its order.

Prices are stored per hour as published; the per-minute unit cost the API reports is derived
from them (`unitCostMicroUSD` = hourly / 60 × 10⁶, rounded), which reproduces the Hub's own
example (`cpu-basic` → 167).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Hardware:
    """One flavor: specs, accelerator (GPU model, count, total VRAM in GB) and hourly price in USD."""

    name: str
    pretty_name: str
    vcpu: int
    ram_gb: int
    storage_gb: int
    gpu_model: str | None
    gpu_count: int
    vram_gb: int
    usd_per_hour: float

    def unit_cost_micro_usd(self) -> int:
        """Cost per minute in micro-dollars."""
        return round(self.usd_per_hour / 60 * 1_000_000)

    def to_json(self) -> dict[str, Any]:
        """The wire form the client's `JobHardwareInfo` reads."""
        micro = self.unit_cost_micro_usd()
        out: dict[str, Any] = {
            "name": self.name,
            "prettyName": self.pretty_name,
            "cpu": f"{self.vcpu} vCPU",
            "ram": f"{self.ram_gb} GB",
            "ephemeralStorage": f"{self.storage_gb} GB",
            "accelerator": None,
            "unitCostMicroUSD": micro,
            "unitCostUSD": micro / 1_000_000,
            "unitLabel": "minute",
        }
        if self.gpu_model is not None:
            out["accelerator"] = {
                "type": "gpu",
                "model": self.gpu_model,
                "quantity": str(self.gpu_count),
                "vram": f"{self.vram_gb} GB",
                "manufacturer": "Nvidia",
            }
        return out


def _hw(
    name: str, pretty: str, vcpu: int, ram: int, storage: int, gpu: tuple[str, int, int] | None, hourly: float
) -> Hardware:
    model, count, vram = gpu if gpu is not None else (None, 0, 0)
    return Hardware(name, pretty, vcpu, ram, storage, model, count, vram, hourly)


HARDWARE: tuple[Hardware, ...] = (
    _hw("cpu-basic", "CPU Basic", 2, 16, 50, None, 0.01),
    _hw("cpu-upgrade", "CPU Upgrade", 8, 32, 50, None, 0.03),
    _hw("cpu-performance", "CPU Performance", 32, 256, 1024, None, 1.90),
    _hw("cpu-xl", "CPU XL", 16, 124, 1000, None, 1.00),
    _hw("t4-small", "Nvidia T4 - small", 4, 15, 50, ("T4", 1, 16), 0.40),
    _hw("t4-medium", "Nvidia T4 - medium", 8, 30, 100, ("T4", 1, 16), 0.60),
    _hw("a10g-small", "Nvidia A10G - small", 4, 15, 110, ("A10G", 1, 24), 1.00),
    _hw("a10g-large", "Nvidia A10G - large", 12, 46, 200, ("A10G", 1, 24), 1.50),
    _hw("a10g-largex2", "2x Nvidia A10G - large", 24, 92, 1000, ("A10G", 2, 48), 3.00),
    _hw("a10g-largex4", "4x Nvidia A10G - large", 48, 184, 2000, ("A10G", 4, 96), 5.00),
    _hw("a100-large", "Nvidia A100 - large", 12, 142, 1000, ("A100", 1, 80), 2.50),
    _hw("a100x4", "4x Nvidia A100", 48, 568, 4000, ("A100", 4, 320), 10.00),
    _hw("a100x8", "8x Nvidia A100", 96, 1136, 8000, ("A100", 8, 640), 20.00),
    _hw("h200", "Nvidia H200", 23, 256, 3000, ("H200", 1, 141), 5.00),
    _hw("h200x2", "Nvidia H200", 46, 512, 6000, ("H200", 2, 282), 10.00),
    _hw("h200x4", "Nvidia H200", 92, 1024, 12000, ("H200", 4, 564), 20.00),
    _hw("h200x8", "Nvidia H200", 184, 2048, 24000, ("H200", 8, 1128), 40.00),
    _hw("rtx-pro-6000", "Nvidia RTX PRO 6000", 23, 256, 475, ("RTX PRO 6000", 1, 96), 2.75),
    _hw("rtx-pro-6000x2", "Nvidia RTX PRO 6000", 46, 512, 950, ("RTX PRO 6000", 2, 192), 5.50),
    _hw("rtx-pro-6000x4", "Nvidia RTX PRO 6000", 92, 1024, 1900, ("RTX PRO 6000", 4, 384), 11.00),
    _hw("rtx-pro-6000x8", "Nvidia RTX PRO 6000", 184, 2048, 3800, ("RTX PRO 6000", 8, 768), 22.00),
    _hw("l4x1", "1x Nvidia L4", 8, 30, 400, ("L4", 1, 24), 0.80),
    _hw("l4x4", "4x Nvidia L4", 48, 186, 3200, ("L4", 4, 96), 3.80),
    _hw("l40sx1", "1x Nvidia L40S", 8, 62, 380, ("L40S", 1, 48), 1.80),
    _hw("l40sx4", "4x Nvidia L40S", 48, 382, 3200, ("L40S", 4, 192), 8.30),
    _hw("l40sx8", "8x Nvidia L40S", 192, 1534, 6500, ("L40S", 8, 384), 23.50),
)

BY_NAME: dict[str, Hardware] = {hw.name: hw for hw in HARDWARE}
