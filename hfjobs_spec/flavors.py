"""The hardware flavors the Hub accepts for Jobs (huggingface_hub 2.4 `JobHardware`)."""

from __future__ import annotations

import difflib
import re

DEFAULT_FLAVOR = "cpu-basic"

FLAVORS: tuple[str, ...] = (
    "cpu-basic",
    "cpu-upgrade",
    "cpu-performance",
    "cpu-xl",
    "t4-small",
    "t4-medium",
    "l4x1",
    "l4x4",
    "l40sx1",
    "l40sx4",
    "l40sx8",
    "a10g-small",
    "a10g-large",
    "a10g-largex2",
    "a10g-largex4",
    "a100-large",
    "a100x4",
    "a100x8",
    "h200",
    "h200x2",
    "h200x4",
    "h200x8",
    "rtx-pro-6000",
    "rtx-pro-6000x2",
    "rtx-pro-6000x4",
    "rtx-pro-6000x8",
)

# The GPU of each flavor family, smallest flavor first (FLAVORS is ordered that way).
GPU_FAMILIES: dict[str, tuple[str, ...]] = {
    family: tuple(f for f in FLAVORS if f == family or f.startswith((family + "-", family + "x")))
    for family in ("t4", "l4", "l40s", "a10g", "a100", "h200", "rtx-pro-6000")
}
_GPU_MODEL = re.compile(r"([a-z]{1,3}\d{2,4})")


def _squeezed(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.strip().lower())


_BY_SQUEEZED = {_squeezed(flavor): flavor for flavor in FLAVORS}
_FAMILY_BY_SQUEEZED = {_squeezed(family): family for family in GPU_FAMILIES}


def flavor_hint(word: str) -> str:
    """What to say after "'<word>' is not a known flavor", from what people type.

    `A100` and `nvidia a100` mean the smallest a100 flavor, `T4-SMALL` means `t4-small`; a GPU the
    Hub does not offer for Jobs (`h100`) lists the GPUs it does; anything else gets the closest name.
    """
    squeezed = _squeezed(word).removeprefix("nvidia")
    exact = _BY_SQUEEZED.get(squeezed)
    if exact:
        return f"; did you mean {exact!r}?"
    if squeezed == "cpu":
        return f"; did you mean {DEFAULT_FLAVOR!r}?"
    families = [family for key, family in _FAMILY_BY_SQUEEZED.items()
                if key == squeezed or (len(squeezed) >= 3 and key.startswith(squeezed))]
    if squeezed in _FAMILY_BY_SQUEEZED or len(families) == 1:
        family = _FAMILY_BY_SQUEEZED.get(squeezed, families[0])
        return f"; did you mean {GPU_FAMILIES[family][0]!r} (the smallest {family} flavor)?"
    if families:
        return "; did you mean " + " or ".join(repr(GPU_FAMILIES[f][0]) for f in families) + "?"
    prefixed = next((_FAMILY_BY_SQUEEZED[key] for key in sorted(_FAMILY_BY_SQUEEZED, key=len, reverse=True)
                     if squeezed.startswith(key)), None)
    model = _GPU_MODEL.match(squeezed)
    if prefixed:  # the right GPU, a size that does not exist
        close = difflib.get_close_matches(word.strip().lower(), GPU_FAMILIES[prefixed], n=1, cutoff=0.6)
        return (f"; did you mean {close[0]!r}?" if close
                else f"; the {prefixed} flavors are {', '.join(GPU_FAMILIES[prefixed])}")
    if model and not model.group(1).startswith("cpu"):
        return f"; {model.group(1)} GPUs are not offered for Jobs; the GPUs are {offered_gpus()}"
    if "gpu" in squeezed:
        return f"; say which GPU: {offered_gpus()}"
    close = difflib.get_close_matches(word.strip().lower(), FLAVORS, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def offered_gpus() -> str:
    """t4 (t4-small and up), l4 (l4x1 and up), ...: each GPU with its smallest flavor."""
    return ", ".join(f"{family} ({flavors[0]} and up)" for family, flavors in GPU_FAMILIES.items())
