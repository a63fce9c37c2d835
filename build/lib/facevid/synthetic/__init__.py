"""Generated training and test data, apart from the core: drawn faces and clips with labels
(`clips`), drawn people for the portrait task (`persons`), and real faces placed into real
scenes for the detector (`face_scenes`). Used by tools, tests and reproduce; never by
inference."""
