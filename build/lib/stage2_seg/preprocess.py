"""The input normalisation every stage-2 model is trained and run with: one function for the
training samples (stage2_seg.data), the parser and the mask detector, and the record an export
carries (stage2_seg.export). Plain numpy."""
import numpy as np

# What every model here expects (recorded in exports): RGB, (x / 255 - mean) / std.
NORMALIZATION = {"channel_order": "RGB", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}


def normalize(image: np.ndarray) -> np.ndarray:
    """RGB uint8 H x W x 3 (x 4 with a previous-mask channel) -> float32 C x H x W in [-1, 1]
    (NORMALIZATION: PaddleSeg's mean 0.5, std 0.5, for every channel)."""
    return (image.astype(np.float32).transpose(2, 0, 1) / 127.5) - 1.0
