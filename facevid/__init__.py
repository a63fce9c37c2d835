"""Shared core of the pipeline: configs, class schemas, data readers, synthetic data, crops,
metrics and file I/O. Plain numpy/OpenCV: only `facevid.checkpoint` imports paddle."""
