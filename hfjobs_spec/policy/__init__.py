"""Policy: rules in `hfjobs.yaml` that a change must satisfy, evaluated by pure functions.

`model` holds the rules as the project file set them (with where), `static` the rules a manifest
alone decides (checked by validate), `cost` the rules that need the plan's prices (checked by plan).
"""
