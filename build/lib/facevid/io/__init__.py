"""Files and frames: images and label maps read with clear errors and written atomically
(`files`), frame sources and the overlay drawing (`video`), the input-frame contract
(`frames`), and data files found inside installed packages: the demo footage (`demo_assets`)
and any package's file (`package_files`)."""
