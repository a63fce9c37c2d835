"""Shared core: configs, class schemas, data readers and splits, synthetic data, crops and the
detection contract, metrics, file and video I/O, and the training loop both stages use.

It imports neither stage nor postprocess/ nor pipeline/. Plain numpy/OpenCV except
`facevid.checkpoint`, `facevid.loop`, `facevid.gpu` and `facevid.inference` (weights,
checkpoints, the training loop and its GPU switches, opening exports), which import paddle
through `facevid.paddle_env`."""
