"""MobileLRASPP's EdgeHead (the recipe's edge branch on the pretrained portrait model): an
`edge` logit in training, nothing extra in eval, and added to trained weights it starts out
computing exactly what they computed (its fusion's batch norm starts at zero)."""
import numpy as np
import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.runtime.checkpoint import load_weights, save_weights
from stage2_seg.models import MobileLRASPP


def test_the_edge_head_gives_an_edge_logit_in_training_only():
    model = MobileLRASPP(num_classes=2, decoder_channels=8, edge_head=True, edge_channels=4)
    assert model.training_outputs == ("seg", "edge")
    x = paddle.rand([2, 3, 64, 48]) * 2 - 1
    model.train()
    out = model(x)
    assert out["edge"].shape == [2, 1, 64, 48] and out["seg"].shape == [2, 2, 64, 48]
    model.eval()
    assert [t.shape for t in model(x)] == [[2, 2, 64, 48]]


def test_an_edge_head_added_to_trained_weights_changes_nothing_at_first(tmp_path):
    paddle.seed(3)
    plain = MobileLRASPP(num_classes=2, decoder_channels=8)
    save_weights(tmp_path / "w.pdparams", plain)
    edged = MobileLRASPP(num_classes=2, decoder_channels=8, edge_head=True, edge_channels=4)
    new = load_weights(tmp_path / "w.pdparams", edged, new_layers_ok=True)
    assert new and all(name.startswith(("edge_head.", "edge_fuse.")) for name in new)
    plain.eval(), edged.eval()
    x = paddle.rand([1, 3, 64, 64]) * 2 - 1
    np.testing.assert_allclose(edged(x)[0].numpy(), plain(x)[0].numpy(), atol=1e-5)
    # and it is trainable: the fusion's scale is a parameter, not a constant
    assert not edged.edge_fuse._batch_norm.weight.stop_gradient
