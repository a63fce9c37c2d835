"""Postprocessing as pure numpy/OpenCV functions (no paddle): logit resizing before argmax,
and (with later issues) GrabCut refinement and ensembling."""
