"""The product's top layer: the whole pipeline for a frame (detect, crop, parse, paste back,
ensemble, refine) and the challenge table computed from its output. It builds on the two
stages and postprocess/; nothing below imports it."""
from pipeline.pipeline import FrameResult, GrabCutSettings, Pipeline

__all__ = ["FrameResult", "GrabCutSettings", "Pipeline"]
