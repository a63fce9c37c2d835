"""Metrics: per-class IoU and F1 from one confusion matrix and the DAVIS video measures (J, F,
decay; `segmentation`), and scoring a folder of predicted label PNGs against ground truth
(`score_folders`). Plain numpy/OpenCV."""
