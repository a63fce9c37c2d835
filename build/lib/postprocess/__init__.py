"""Postprocessing as pure numpy/OpenCV functions (no paddle, no project imports): ensembling
of per-model probabilities and GrabCut refinement. Resizing soft logits back into the frame
before the argmax lives with the crops it inverts (facevid.boxes.crops.paste_logits)."""
