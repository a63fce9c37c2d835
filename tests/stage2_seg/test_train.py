"""The tiny OCRNet: forward/backward, a fixed batch that it learns, checkpoint/resume."""
import json

import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.config.load import load_config
from facevid.errors import UserError
from facevid.runtime.checkpoint import latest_checkpoint, load_weights, save_state_dict, save_weights
from stage2_seg.components import build_model
from facevid.data.batches import IterationBatches
from stage2_seg.data import TrainSamples
from stage2_seg.evaluate import evaluate
from facevid.runtime.loop import build_optimizer, seed_everything
from stage2_seg.losses.terms import LossComputer
from stage2_seg.train import train
from tests.helpers import MICRO_OPTS, TINY


def _cfg(synth_root, *extra):
    return load_config(TINY, MICRO_OPTS + [f"data.train_root={synth_root}",
                                           f"data.val_root={synth_root}", *extra])


def test_forward_shapes_and_backward_gives_gradients(synth_root):
    cfg = _cfg(synth_root)
    model = build_model(cfg)
    x = paddle.randn([2, 3, 32, 32])
    main, aux = model(x)
    assert main.shape == [2, 18, 32, 32] and aux.shape == [2, 18, 32, 32]
    labels = paddle.randint(0, 18, [2, 32, 32])
    LossComputer.for_model(cfg, model)([main, aux], labels)["total"].backward()
    grads = [p.grad for p in model.parameters() if not p.stop_gradient]
    assert all(g is not None for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    model.eval()
    assert len(model(x)) == 1                     # eval returns the main logits only


def test_a_few_steps_lower_the_loss_on_a_fixed_batch(synth_root):
    cfg = _cfg(synth_root, "train.optimizer=adam", "train.lr=0.01", "train.lr_schedule=constant")
    seed_everything(0)
    model = build_model(cfg)
    optimizer, schedule = build_optimizer(cfg, model)
    assert schedule is None                       # lr_schedule=constant
    losses = LossComputer.for_model(cfg, model)
    samples = TrainSamples(cfg)
    batch = [samples[(i, i)] for i in range(2)]
    images = paddle.to_tensor(np.stack([b[0] for b in batch]))
    labels = paddle.to_tensor(np.stack([b[1] for b in batch]))
    values = []
    for _ in range(12):
        loss = losses(model(images), labels)["total"]
        values.append(float(loss))
        loss.backward()
        optimizer.step()
        optimizer.clear_grad()
    assert values[-1] < 0.7 * values[0]


def test_training_samples_are_face_crops_fixed_by_their_seed(synth_root):
    cfg = _cfg(synth_root, "train.flip_prob=0.0", "train.rotate_deg=0", "train.partial_crop_prob=0")
    samples = TrainSamples(cfg)
    image, label = samples[(0, 123)]
    assert image.shape == (3, 32, 32) and image.dtype == np.float32 and label.shape == (32, 32)
    assert -1.0 <= image.min() and image.max() <= 1.0
    assert (label == 1).mean() > 0.1              # a face crop: skin is a large part of it
    again = samples[(0, 123)]
    assert np.array_equal(image, again[0]) and np.array_equal(label, again[1])


def test_iteration_batches_cover_epochs_and_split_ranks():
    full = IterationBatches(10, 5, seed=1, start_iter=0, iters=2)
    first_epoch = [i for batch in full for i, _ in batch]
    assert sorted(first_epoch) == list(range(10))
    resumed = IterationBatches(10, 5, seed=1, start_iter=1, iters=2)
    assert list(resumed) == [full.batch(1)]
    r0 = IterationBatches(10, 5, seed=1, start_iter=0, iters=1, rank=0, world_size=2)
    r1 = IterationBatches(10, 5, seed=1, start_iter=0, iters=1, rank=1, world_size=2)
    assert sorted(i for i, _ in r0.batch(0) + r1.batch(0)) == list(range(10))


def test_checkpoint_resume_reproduces_the_uninterrupted_run(synth_root, tmp_path):
    opts = ["train.iters=4", "train.save_interval=2", "train.eval_interval=2",
            "train.keep_checkpoints=5", "eval.max_frames=2"]
    cfg = _cfg(synth_root, *opts)
    out = tmp_path / "run"
    train(cfg, out, show_progress=False)
    assert sorted(p.name for p in out.glob("iter_*")) == ["iter_0000002", "iter_0000004"]
    assert (out / "best_model.pdparams").is_file() and (out / "vdl").is_dir()
    straight = paddle.load(str(out / "iter_0000004" / "model.pdparams"))

    with pytest.raises(UserError, match="already holds checkpoints; pass --resume"):
        train(_cfg(synth_root, *opts), out, show_progress=False)

    # Interrupted after iteration 2: drop the later checkpoint and resume from iteration 2.
    import shutil
    shutil.rmtree(out / "iter_0000004")
    assert latest_checkpoint(out).name == "iter_0000002"
    train(_cfg(synth_root, *opts), out, resume=True, show_progress=False)
    resumed = paddle.load(str(out / "iter_0000004" / "model.pdparams"))
    assert json.loads((out / "iter_0000004" / "state.json").read_text())["iteration"] == 4
    for key, value in straight.items():
        np.testing.assert_allclose(resumed[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=key)
    with pytest.raises(UserError, match="already at iteration 4"):
        train(_cfg(synth_root, *opts), out, resume=True, show_progress=False)

    # A changed optimizer changes what the checkpoint means: refused, the record untouched.
    first_config = (out / "config.json").read_text()
    with pytest.raises(UserError, match="train.optimizer: 'adam' -> 'sgd'"):
        train(_cfg(synth_root, *opts, "train.iters=5", "train.optimizer=sgd"), out, resume=True,
              show_progress=False)
    # The newest checkpoint damaged: reported, and the run resumes from the one before;
    # a changed lr is accepted and appended to resumes.json, config.json stays the first run's.
    (out / "iter_0000004" / "optimizer.pdopt").write_bytes(b"truncated")
    train(_cfg(synth_root, *opts, "train.iters=5", "train.lr=0.02"), out, resume=True,
          show_progress=False)
    history = json.loads((out / "resumes.json").read_text())
    assert history[-1]["from"] == "iter_0000002"
    assert history[-1]["changes"]["train.lr"] == [0.005, 0.02]
    assert (out / "config.json").read_text() == first_config
    assert json.loads((out / "iter_0000005" / "state.json").read_text())["iteration"] == 5


def test_weights_round_trip_and_mismatched_weights_fail_clearly(synth_root, tmp_path):
    cfg = _cfg(synth_root)
    model = build_model(cfg)
    save_weights(tmp_path / "w.pdparams", model)
    other = build_model(cfg)
    load_weights(tmp_path / "w.pdparams", other)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), k
    lapa = load_config(TINY, MICRO_OPTS + ["schema=lapa", "model.num_classes=11"])
    with pytest.raises(UserError, match="different model or number of classes"):
        load_weights(tmp_path / "w.pdparams", build_model(lapa))
    with pytest.raises(UserError, match="weights file not found"):
        load_weights(tmp_path / "none.pdparams", model)


def test_init_weights_refuse_a_file_of_another_model_naming_what_it_is(synth_root, tmp_path):
    # Regression: fine-tuning (new_layers_ok) once let every parameter "start fresh", so a run
    # from the wrong file trained from random and exited 0.
    model = build_model(_cfg(synth_root))
    save_state_dict(tmp_path / "opt.pdopt", {"conv_0.w_0_moment1_0": np.zeros(3, np.float32),
                                            "LR_Scheduler": {"last_epoch": 3}})
    save_state_dict(tmp_path / "det.pdparams", {"rpn_head.conv.weight": np.zeros(3, np.float32)})
    for name, kind in (("opt.pdopt", "optimizer's state"), ("det.pdparams", "detector's weights")):
        with pytest.raises(UserError, match=f"{kind}.*holds 0 of this model's"):
            load_weights(tmp_path / name, model, new_layers_ok=True)
    half = dict(list(model.state_dict().items())[: len(model.state_dict()) // 3])
    save_state_dict(tmp_path / "third.pdparams", half)
    with pytest.raises(UserError, match="at least 50% are needed"):
        load_weights(tmp_path / "third.pdparams", model, new_layers_ok=True)


def test_evaluate_reports_all_metrics_and_saves_predictions(synth_root, tmp_path):
    cfg = _cfg(synth_root)
    metrics = evaluate(build_model(cfg), cfg, save_pred=tmp_path / "pred", show_progress=False)
    for key in ("miou", "mean_f1", "per_class_iou", "per_class_f1", "J", "F", "JF", "decay"):
        assert key in metrics
    assert metrics["frames"] == 8 and len(metrics["per_class_iou"]) == 18
    assert len(list((tmp_path / "pred").rglob("*.png"))) == 8



def test_a_resume_on_other_validation_data_picks_the_best_afresh(synth_root, tmp_path):
    def best_iteration():
        return json.loads((out / "best_metrics.json").read_text())["iteration"]

    def unbeatable(checkpoint):              # a best score no evaluation can reach
        path = out / checkpoint / "state.json"
        state = json.loads(path.read_text())
        state["best"][next(k for k in state["best"] if k not in ("iteration", "validation"))] = 99.0
        path.write_text(json.dumps(state))

    opts = ["train.save_interval=2", "train.eval_interval=2", "eval.max_frames=2"]
    out = tmp_path / "run"
    train(_cfg(synth_root, "train.iters=2", *opts), out, show_progress=False)
    assert best_iteration() == 2
    unbeatable("iter_0000002")
    # Other validation settings: the old best cannot be compared, so iteration 4 becomes the best.
    train(_cfg(synth_root, "train.iters=4", *opts, "eval.max_frames=1"), out, resume=True,
          show_progress=False)
    assert best_iteration() == 4
    # Resumed again on those same settings: the best carries over (nothing beats 99).
    unbeatable("iter_0000004")
    train(_cfg(synth_root, "train.iters=6", *opts, "eval.max_frames=1"), out, resume=True,
          show_progress=False)
    assert best_iteration() == 4


def test_the_best_checkpoint_is_picked_by_the_configured_metric(synth_root, tmp_path):
    opts = ["train.iters=1", "train.save_interval=1", "train.eval_interval=1", "eval.max_frames=2"]
    for metric in ("JF", "miou"):
        train(_cfg(synth_root, *opts, f"eval.best_metric={metric}"), tmp_path / metric,
              show_progress=False)
        best = json.loads((tmp_path / metric / "best_metrics.json").read_text())
        state = json.loads((tmp_path / metric / "iter_0000001" / "state.json").read_text())
        assert state["best"][metric] == pytest.approx(best[metric])
        assert set(state["best"]) == {metric, "iteration", "validation"}


def test_init_weights_start_a_run_from_trained_weights(synth_root, tmp_path):
    start = build_model(_cfg(synth_root))
    for param in start.parameters():               # unlike any fresh initialisation
        param.set_value(paddle.full(param.shape, 0.125, param.dtype))
    save_weights(tmp_path / "start.pdparams", start)
    opts = ["train.iters=1", "train.save_interval=1", "train.eval_interval=1", "eval.max_frames=1",
            "train.lr=1e-9", f"train.init_weights={tmp_path / 'start.pdparams'}"]
    train(_cfg(synth_root, *opts), tmp_path / "run", show_progress=False)
    tuned = paddle.load(str(tmp_path / "run" / "iter_0000001" / "model.pdparams"))
    trained = [(n, p) for n, p in start.named_parameters() if not p.stop_gradient]
    for name, param in trained:                    # one step at lr 1e-9: still the start
        np.testing.assert_allclose(tuned[name].numpy(), param.numpy(), atol=1e-6, err_msg=name)
    lapa = load_config(TINY, MICRO_OPTS + ["schema=lapa", "model.num_classes=11"])
    save_weights(tmp_path / "lapa.pdparams", build_model(lapa))
    opts[-1] = f"train.init_weights={tmp_path / 'lapa.pdparams'}"
    with pytest.raises(UserError, match="different model or number of classes"):
        train(_cfg(synth_root, *opts), tmp_path / "other", show_progress=False)
    assert not (tmp_path / "other").exists()              # refused before the run folder
