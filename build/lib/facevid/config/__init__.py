"""Configs: one YAML per experiment, loaded with `_base_` files and `key=value` overrides
(`load`) into the dataclasses of its kind (`sections` for the models, `pipelines` for pipelines
and the reproduce preset: every key, its default declared once, its type and range), built and
checked value by value (`typed`) and across keys (`checks`) before anything runs. Code reads a
loaded config by attribute (`cfg.train.lr`); unknown keys and inconsistent values are errors,
never silently corrected."""
