"""Shared core, by concept: `config` (loading and checking YAML configs), `data` (schemas,
readers, splits, batches), `boxes` (the detection contract, crops, boxes from masks,
tracking), `io` (files, frames, video), `metrics`, `runtime` (checkpoints, the training loop,
Paddle Inference), `pretrained` (ImageNet backbones converted from packages), and
`synthetic` (generated data, apart from the core). At the top: `errors` (what a user is told),
`cli` (what every entry point shares) and `paddle_env` (imported before paddle).

It imports neither stage nor postprocess/ nor pipeline/. Plain numpy/OpenCV except `runtime`
and `pretrained.convert`, which import paddle through `facevid.paddle_env`."""
