"""A full-resolution refine head: a few densely connected 3x3 conv layers (DenseNet style) that
see the image and the upsampled decoder logits and predict a correction to those logits.

The decoder works at 1/4 resolution, so thin parts and edges are lost to the upsampling; the
refine head puts the image's own edges back. Its last conv starts at zero, so at the start of
training the refined logits equal the upsampled ones and the head can only learn to help.
"""
import paddle
import paddle.nn as nn
from paddleseg.models import layers


class DenseRefine(nn.Layer):
    def __init__(self, in_channels: int, num_classes: int, num_layers: int = 3, growth: int = 16):
        super().__init__()
        self.dense = nn.LayerList([
            layers.ConvBNReLU(in_channels + i * growth, growth, 3, padding=1)
            for i in range(num_layers)])
        self.out = nn.Conv2D(in_channels + num_layers * growth, num_classes, 1,
                             weight_attr=nn.initializer.Constant(0.0),
                             bias_attr=nn.initializer.Constant(0.0))

    def forward(self, image: paddle.Tensor, logits: paddle.Tensor) -> paddle.Tensor:
        """image N x 3 x H x W, logits N x C x H x W (upsampled) -> refined N x C x H x W."""
        feats = [image, logits]
        for layer in self.dense:
            feats.append(layer(paddle.concat(feats, axis=1)))
        return logits + self.out(paddle.concat(feats, axis=1))
