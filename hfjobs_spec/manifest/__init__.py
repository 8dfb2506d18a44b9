"""Everything that happens to a manifest before the Hub is involved."""
