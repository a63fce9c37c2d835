"""Data: class schemas (names, colours, mirror pairs, which classes are the face: `schema`),
readers of every data-set layout with clear errors (`readers`), train/val splits by name
(`splits`), extra sets labelled with a coarser schema (`extra_sets`), a teacher's mattes as the targets of
a learned alpha (`mattes`), the fetched full-body person sets (`person_sets`) and the batch sampler
and loader both stages train from (`batches`). Plain numpy/OpenCV except `batches`."""
