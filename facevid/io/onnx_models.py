"""ONNX models from other packages (the teachers, the benchmark peers), opened with onnxruntime
and checked against the inputs and outputs their decoding expects, with one clear error for a
missing runtime, an unreadable file or another model."""
from pathlib import Path
from typing import List, Optional

from facevid.errors import UserError


def onnx_session(path: Path, threads: int, what: str, inputs: int = 1, outputs: Optional[int] = None,
                 input_channels: Optional[int] = None, output_channels: Optional[int] = None):
    """An onnxruntime CPU session of `path`, refused (UserError naming `what`, the model it
    should be) unless it loads and has `inputs` inputs, `outputs` outputs (when given) and the
    given channel counts (dimension 1 of the first input and of every output)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise UserError("onnxruntime is not installed: run `make train-deps`") from None
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: ONNX file not found; it should be {what}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as err:      # onnxruntime raises its own types for any unreadable file
        first = (str(err).splitlines() or ["empty file"])[0][:160]
        raise UserError(f"{path}: not a loadable ONNX model ({first}); it should be "
                        f"{what}") from None
    found_in, found_out = session.get_inputs(), session.get_outputs()
    shapes = _shapes(found_in), _shapes(found_out)
    if len(found_in) != inputs or (outputs is not None and len(found_out) != outputs) \
            or (input_channels is not None and shapes[0][0][1:2] != [input_channels]) \
            or (output_channels is not None and any(s[1:2] != [output_channels] for s in shapes[1])):
        raise UserError(f"{path}: takes {shapes[0]} and gives {shapes[1]}, which is not "
                        f"{what}")
    return session


def _shapes(nodes) -> List[list]:
    return [list(node.shape) for node in nodes]
