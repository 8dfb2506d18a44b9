"""`GET /api/jobs/hardware` serves the published table (the Hub reference, section 11) row for row, in its
order, through the real client: these rows are copied from it by hand."""

from __future__ import annotations

from decimal import Decimal

from huggingface_hub import HfApi

PUBLISHED = """\
cpu-basic | CPU Basic | 2 vCPU | 16 GB | 50 GB | - | $0.0002 | $0.01
cpu-upgrade | CPU Upgrade | 8 vCPU | 32 GB | 50 GB | - | $0.0005 | $0.03
cpu-performance | CPU Performance | 32 vCPU | 256 GB | 1024 GB | - | $0.0317 | $1.90
cpu-xl | CPU XL | 16 vCPU | 124 GB | 1000 GB | - | $0.0167 | $1.00
t4-small | Nvidia T4 - small | 4 vCPU | 15 GB | 50 GB | 1x T4 (16 GB) | $0.0067 | $0.40
t4-medium | Nvidia T4 - medium | 8 vCPU | 30 GB | 100 GB | 1x T4 (16 GB) | $0.0100 | $0.60
a10g-small | Nvidia A10G - small | 4 vCPU | 15 GB | 110 GB | 1x A10G (24 GB) | $0.0167 | $1.00
a10g-large | Nvidia A10G - large | 12 vCPU | 46 GB | 200 GB | 1x A10G (24 GB) | $0.0250 | $1.50
a10g-largex2 | 2x Nvidia A10G - large | 24 vCPU | 92 GB | 1000 GB | 2x A10G (48 GB) | $0.0500 | $3.00
a10g-largex4 | 4x Nvidia A10G - large | 48 vCPU | 184 GB | 2000 GB | 4x A10G (96 GB) | $0.0833 | $5.00
a100-large | Nvidia A100 - large | 12 vCPU | 142 GB | 1000 GB | 1x A100 (80 GB) | $0.0417 | $2.50
a100x4 | 4x Nvidia A100 | 48 vCPU | 568 GB | 4000 GB | 4x A100 (320 GB) | $0.1667 | $10.00
a100x8 | 8x Nvidia A100 | 96 vCPU | 1136 GB | 8000 GB | 8x A100 (640 GB) | $0.3333 | $20.00
h200 | Nvidia H200 | 23 vCPU | 256 GB | 3000 GB | 1x H200 (141 GB) | $0.0833 | $5.00
h200x2 | Nvidia H200 | 46 vCPU | 512 GB | 6000 GB | 2x H200 (282 GB) | $0.1667 | $10.00
h200x4 | Nvidia H200 | 92 vCPU | 1024 GB | 12000 GB | 4x H200 (564 GB) | $0.3333 | $20.00
h200x8 | Nvidia H200 | 184 vCPU | 2048 GB | 24000 GB | 8x H200 (1128 GB) | $0.6667 | $40.00
rtx-pro-6000 | Nvidia RTX PRO 6000 | 23 vCPU | 256 GB | 475 GB | 1x RTX PRO 6000 (96 GB) | $0.0458 | $2.75
rtx-pro-6000x2 | Nvidia RTX PRO 6000 | 46 vCPU | 512 GB | 950 GB | 2x RTX PRO 6000 (192 GB) | $0.0917 | $5.50
rtx-pro-6000x4 | Nvidia RTX PRO 6000 | 92 vCPU | 1024 GB | 1900 GB | 4x RTX PRO 6000 (384 GB) | $0.1833 | $11.00
rtx-pro-6000x8 | Nvidia RTX PRO 6000 | 184 vCPU | 2048 GB | 3800 GB | 8x RTX PRO 6000 (768 GB) | $0.3667 | $22.00
l4x1 | 1x Nvidia L4 | 8 vCPU | 30 GB | 400 GB | 1x L4 (24 GB) | $0.0133 | $0.80
l4x4 | 4x Nvidia L4 | 48 vCPU | 186 GB | 3200 GB | 4x L4 (96 GB) | $0.0633 | $3.80
l40sx1 | 1x Nvidia L40S | 8 vCPU | 62 GB | 380 GB | 1x L40S (48 GB) | $0.0300 | $1.80
l40sx4 | 4x Nvidia L40S | 48 vCPU | 382 GB | 3200 GB | 4x L40S (192 GB) | $0.1383 | $8.30
l40sx8 | 8x Nvidia L40S | 192 vCPU | 1534 GB | 6500 GB | 8x L40S (384 GB) | $0.3917 | $23.50
"""


def test_the_hardware_list_is_the_published_table_row_for_row(hf_api: HfApi) -> None:
    served = []
    for hw in hf_api.list_jobs_hardware():
        acc = hw.accelerator
        gpu = "-" if acc is None else f"{acc.quantity}x {acc.model} ({acc.vram})"
        per_minute = Decimal(hw.unit_cost_micro_usd) / 1_000_000
        per_hour = Decimal(hw.unit_cost_micro_usd * 60) / 1_000_000
        served.append(" | ".join([hw.name, hw.pretty_name, hw.cpu, hw.ram, hw.ephemeral_storage, gpu,
                                  f"${per_minute.quantize(Decimal('0.0001'))}",
                                  f"${per_hour.quantize(Decimal('0.01'))}"]))
        # The per-minute unit cost is the hourly price / 60, in whole micro-dollars (cpu-basic: 167).
        assert hw.unit_label == "minute" and isinstance(hw.unit_cost_micro_usd, int)
        assert hw.unit_cost_usd == hw.unit_cost_micro_usd / 1_000_000
    assert served == PUBLISHED.splitlines()
    assert next(hw for hw in hf_api.list_jobs_hardware() if hw.name == "cpu-basic").unit_cost_micro_usd == 167
