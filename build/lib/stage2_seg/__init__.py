"""Stage 2: face parsing / portrait segmentation on crops with PaddleSeg models.

Importing this package sets FLAGS_set_to_1d before paddle is imported (facevid.paddle_env)."""
import facevid.paddle_env  # noqa: F401  (must run before paddle is imported)
