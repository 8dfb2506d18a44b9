"""What the Hub accepts as a network group and its aliases, for the manifest layer and localhub alike.

huggingface_hub 2.4 (`run_job` docstring, `hf jobs run --network-group/--network-alias`): lowercase
alphanumerics and dashes; a group name at most 46 characters, an alias at most 34, aliases unique
within a job; aliases need a group; scheduled jobs take no network group at all.
"""

from __future__ import annotations

import re

NETWORK_NAME_PATTERN = r"^[a-z0-9-]+$"
GROUP_MAX_LENGTH = 46
ALIAS_MAX_LENGTH = 34
GROUP_RE = re.compile(rf"[a-z0-9-]{{1,{GROUP_MAX_LENGTH}}}")
ALIAS_RE = re.compile(rf"[a-z0-9-]{{1,{ALIAS_MAX_LENGTH}}}")
