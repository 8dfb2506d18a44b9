# /// script
# requires-python = ">=3.12"
# dependencies = ["huggingface_hub>=1.0"]
#
# [tool.hf-jobs]
# flavor = "t4-small"
# timeout = "1h"
# secrets = ["HF_TOKEN"]
# env = { EPOCHS = "1" }
# ///
"""Print what a fine-tuning run would use (an example script whose header sets its own launch defaults).

`hf jobs uv run scripts/finetune.py` and `jobs/finetune.yaml` read the same [tool.hf-jobs] table.
"""

import os


def main() -> None:
    print(f"fine-tuning for {os.environ.get('EPOCHS', '?')} epoch(s)")


if __name__ == "__main__":
    main()
