"""Boxes: the detection contract between the stages (`detections.Detections`, frozen, xyxy in
frame pixels), the crop rule's geometry and its exact inverse (`crops`: margins, squares,
paste-back of logits), boxes derived from label masks (`mask_boxes`: what the detectors are
trained on and the mask detector hands over) and boxes carried across video frames by
optical flow (`tracking`). Plain numpy/OpenCV."""
