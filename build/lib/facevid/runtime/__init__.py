"""The paddle runtime both stages share: weights and checkpoints written atomically and
resumed safely (`checkpoint`), the training loop (`loop`), GPU switches (`gpu`: mixed
precision, synchronised batch norm; nothing here has run on a GPU) and opening an export with
Paddle Inference (`inference`). These import paddle, through facevid.paddle_env."""
