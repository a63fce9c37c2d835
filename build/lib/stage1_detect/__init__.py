"""Stage 1: a high-recall Cascade-RCNN face/person detector (PaddleDetection) trained on boxes
derived from the segmentation masks. The only package that imports ppdet.

Importing it sets FLAGS_set_to_1d before paddle is imported: ppdet 2.6 needs it on paddle 2.6
(its RPN head concatenates 0-D tensors), so users never set it themselves."""
import facevid.paddle_env  # noqa: F401  (must run before paddle is imported)
