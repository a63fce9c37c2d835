"""Configs: one YAML per experiment, loaded with at most one `_base_` level and `key=value`
overrides (`load`), against the spec of each kind of config, its defaults declared once
(`specs`), and checked for types, ranges and consistency before anything runs (`checks`).
Unknown keys and inconsistent values are errors, never silently corrected."""
