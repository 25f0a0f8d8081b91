"""tinyq: a pure-Python (numpy) reference interpreter for quantized TensorFlow Lite models.

Integer outputs equal the official LiteRT reference kernels element for element.

    >>> import tinyq
    >>> outputs = tinyq.load("model.tflite").run(image)        # doctest: +SKIP
    >>> interpreter = tinyq.Interpreter(model_path="model.tflite")  # LiteRT-compatible API
"""

from tinyq.errors import InputError, InvokeError, ModelError, TinyqError, UnsupportedOpError
from tinyq.interpreter import Interpreter, SignatureRunner, load, random_inputs
from tinyq.model import Model, parse_model

__version__ = "0.1.0"

__all__ = ["Interpreter", "SignatureRunner", "load", "random_inputs", "parse_model", "Model", "TinyqError", "ModelError",
           "UnsupportedOpError", "InputError", "InvokeError", "__version__"]
