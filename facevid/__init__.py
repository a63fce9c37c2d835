"""Shared core: configs, class schemas, data readers and splits, synthetic data, crops and the
detection contract, metrics, file and video I/O, and the training loop both stages use.

It imports neither stage nor postprocess/ nor pipeline/. Plain numpy/OpenCV except
`facevid.checkpoint` and `facevid.loop` (weights, checkpoints and the training loop), which
import paddle through `facevid.paddle_env`."""
