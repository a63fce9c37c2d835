"""ImageNet-pretrained backbones from packages on the index, converted to Paddle weights.

Owns reading PyTorch `.pth` files without torch (`torch_file`), the table of known backbones
with where each package keeps its file and how its names map to Paddle's (`backbones`), and the
conversion itself. These packages are training extras (requirements-train.txt): inference and
the demo never need them, and nothing is fetched at run time.
"""
