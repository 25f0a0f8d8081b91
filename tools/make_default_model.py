"""Train and write tinyq's bundled default model: a small int8 CNN for 8x8 digits.

Data: scikit-learn's bundled ``load_digits`` (1797 8x8 images, 16 grey levels, no
download). A seeded permutation splits it; the last 25% is the held-out test split.
Training is plain numpy (im2col convolutions, hand-written backward pass, Adam) in
float64 with single-threaded BLAS, so reruns on one machine give identical bytes.

Float graph (NHWC), written with tools.modelgen.GraphBuilder:

    image [1,8,8,1] float in [0,1]
    CONV_2D 3x3 SAME stride 1, 16 filters, fused RELU    -> [1,8,8,16]
    MAX_POOL_2D 2x2 stride 2                             -> [1,4,4,16]
    CONV_2D 3x3 SAME stride 1, 16 filters, fused RELU    -> [1,4,4,16]
    AVERAGE_POOL_2D 2x2 stride 2                         -> [1,2,2,16]
    RESHAPE                                              -> [1,64]
    FULLY_CONNECTED 10                                   -> [1,10] logits
    SOFTMAX                                              -> [1,10] probabilities

It is then quantized by the official TFLite post-training quantizer (int8
activations, int8 interface, per-channel conv filters) with training images as
calibration data.

Outputs (in ``tinyq/data``):
  default_model.tflite  the int8 model; input tensor "image", output "probabilities".
  default_inputs.npz    ``input``: int8 [8,1,8,8,1], the first 8 held-out images
                        quantized with the model's input scale / zero point;
                        ``input[i]`` is the model's [1,8,8,1] input tensor for sample i;
                        ``labels``: int64 [8] true digits;
                        ``dataset_index``: int64 [8] their indices in load_digits().

Usage:
  python tools/make_default_model.py            # train and (re)write both files
  python tools/make_default_model.py --eval     # retrain, compare with the bundled
                                                # bytes, print held-out accuracies
"""

from __future__ import annotations

import os

# Single-threaded BLAS: fixes the floating-point reduction order, so training is
# bit-reproducible run to run. Must be set before numpy loads OpenBLAS.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python tools/make_default_model.py`
    sys.path.insert(0, str(REPO_ROOT))

import tinyq  # noqa: E402
from tinyq.fixedpoint import round_half_away_from_zero, saturate  # noqa: E402
from tools.modelgen import GraphBuilder, quantize  # noqa: E402

DATA_DIR = REPO_ROOT / "tinyq" / "data"
MODEL_FILE = "default_model.tflite"
INPUTS_FILE = "default_inputs.npz"

SEED = 20240601
TEST_FRACTION = 0.25
CONV1_CHANNELS = 16
CONV2_CHANNELS = 16
NUM_CLASSES = 10
FEATURES = 2 * 2 * CONV2_CHANNELS  # after the 2x2 average pool of the 4x4 conv2 map
EPOCHS = 100
BATCH_SIZE = 32
LEARNING_RATE = 5e-3
WEIGHT_DECAY = 1e-4
CALIBRATION_SAMPLES = 256
BUNDLED_INPUTS = 8


@dataclass
class Split:
    """Images [N,8,8,1] scaled to [0,1], labels [N], indices into load_digits()."""

    images: np.ndarray
    labels: np.ndarray
    indices: np.ndarray


def load_split() -> tuple[Split, Split]:
    """The fixed train / held-out test split (last 25% of a seeded permutation)."""
    digits = load_digits()
    images = (digits.images / 16.0)[..., np.newaxis]
    order = np.random.default_rng(SEED).permutation(len(images))
    test_count = int(round(len(images) * TEST_FRACTION))
    train_idx, test_idx = order[:-test_count], order[-test_count:]
    train = Split(images[train_idx], digits.target[train_idx].astype(np.int64), train_idx)
    test = Split(images[test_idx], digits.target[test_idx].astype(np.int64), test_idx)
    return train, test


def im2col_3x3_same(x: np.ndarray) -> np.ndarray:
    """[N,H,W,C] -> [N,H,W,9*C] patches, ordered (kh, kw, c) like a TFLite filter row."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    height, width = x.shape[1:3]
    patches = [padded[:, i : i + height, j : j + width, :] for i in range(3) for j in range(3)]
    return np.concatenate(patches, axis=-1)


def col2im_3x3_same(cols: np.ndarray, channels: int) -> np.ndarray:
    """Adjoint of im2col_3x3_same: scatter-add patch gradients back to [N,H,W,C]."""
    n, height, width, _ = cols.shape
    padded = np.zeros((n, height + 2, width + 2, channels))
    for k in range(9):
        i, j = divmod(k, 3)
        padded[:, i : i + height, j : j + width, :] += cols[..., k * channels : (k + 1) * channels]
    return padded[:, 1:-1, 1:-1, :]


class DigitsCNN:
    """The float network, with parameters in TFLite-friendly matrices."""

    def __init__(self, rng: np.random.Generator) -> None:
        def he(fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
            return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)

        self.params = {
            "conv1_w": he(9, (9, CONV1_CHANNELS)),
            "conv1_b": np.zeros(CONV1_CHANNELS),
            "conv2_w": he(9 * CONV1_CHANNELS, (9 * CONV1_CHANNELS, CONV2_CHANNELS)),
            "conv2_b": np.zeros(CONV2_CHANNELS),
            "fc_w": rng.normal(0.0, np.sqrt(1.0 / FEATURES), (FEATURES, NUM_CLASSES)),
            "fc_b": np.zeros(NUM_CLASSES),
        }

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Logits [N,10] and the activations the backward pass needs."""
        p = self.params
        n = x.shape[0]
        cols1 = im2col_3x3_same(x)
        a1 = np.maximum(cols1 @ p["conv1_w"] + p["conv1_b"], 0.0)  # [N,8,8,C1]
        blocks = a1.reshape(n, 4, 2, 4, 2, CONV1_CHANNELS).transpose(0, 1, 3, 5, 2, 4).reshape(n, 4, 4, CONV1_CHANNELS, 4)
        winner = blocks.argmax(axis=-1)
        pooled = np.take_along_axis(blocks, winner[..., np.newaxis], axis=-1)[..., 0]  # [N,4,4,C1]
        cols2 = im2col_3x3_same(pooled)
        a2 = np.maximum(cols2 @ p["conv2_w"] + p["conv2_b"], 0.0)  # [N,4,4,C2]
        # 2x2 average pool, flattened in NHWC order like the TFLite RESHAPE.
        features = a2.reshape(n, 2, 2, 2, 2, CONV2_CHANNELS).mean(axis=(2, 4)).reshape(n, FEATURES)
        logits = features @ p["fc_w"] + p["fc_b"]
        cache = {"cols1": cols1, "a1": a1, "winner": winner, "cols2": cols2, "a2": a2, "features": features}
        return logits, cache

    def backward(self, logits: np.ndarray, labels: np.ndarray, cache: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
        """Mean softmax cross-entropy and its gradients."""
        p = self.params
        n = logits.shape[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        loss = float(-np.log(probs[np.arange(n), labels]).mean())
        d_logits = probs
        d_logits[np.arange(n), labels] -= 1.0
        d_logits /= n
        grads = {"fc_w": cache["features"].T @ d_logits, "fc_b": d_logits.sum(axis=0)}
        d_features = d_logits @ p["fc_w"].T
        d_pool = d_features.reshape(n, 2, 1, 2, 1, CONV2_CHANNELS) / 4.0
        d_a2 = np.broadcast_to(d_pool, (n, 2, 2, 2, 2, CONV2_CHANNELS)).reshape(cache["a2"].shape)
        d_z2 = d_a2 * (cache["a2"] > 0)
        grads["conv2_w"] = cache["cols2"].reshape(-1, 9 * CONV1_CHANNELS).T @ d_z2.reshape(-1, CONV2_CHANNELS)
        grads["conv2_b"] = d_z2.sum(axis=(0, 1, 2))
        d_pooled = col2im_3x3_same(d_z2 @ p["conv2_w"].T, CONV1_CHANNELS)  # [N,4,4,C1]
        # Route the pooled gradient to the max position of each 2x2 window.
        d_blocks = np.zeros(d_pooled.shape + (4,))
        np.put_along_axis(d_blocks, cache["winner"][..., np.newaxis], d_pooled[..., np.newaxis], axis=-1)
        d_a1 = d_blocks.reshape(n, 4, 4, CONV1_CHANNELS, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(n, 8, 8, CONV1_CHANNELS)
        d_z1 = d_a1 * (cache["a1"] > 0)
        grads["conv1_w"] = cache["cols1"].reshape(-1, 9).T @ d_z1.reshape(-1, CONV1_CHANNELS)
        grads["conv1_b"] = d_z1.sum(axis=(0, 1, 2))
        return loss, grads

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted class per image."""
        return self.forward(x)[0].argmax(axis=1)


def train(split: Split, rng: np.random.Generator) -> DigitsCNN:
    """Adam on mini-batches with a cosine learning-rate decay."""
    model = DigitsCNN(rng)
    moment1 = {k: np.zeros_like(v) for k, v in model.params.items()}
    moment2 = {k: np.zeros_like(v) for k, v in model.params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    steps_per_epoch = -(-len(split.images) // BATCH_SIZE)
    total_steps = EPOCHS * steps_per_epoch
    step = 0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(split.images))
        epoch_loss = 0.0
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            logits, cache = model.forward(split.images[batch])
            loss, grads = model.backward(logits, split.labels[batch], cache)
            epoch_loss += loss * len(batch)
            step += 1
            lr = LEARNING_RATE * 0.5 * (1.0 + np.cos(np.pi * step / total_steps))
            for name, value in model.params.items():
                grad = grads[name] + (WEIGHT_DECAY * value if name.endswith("_w") else 0.0)
                moment1[name] = beta1 * moment1[name] + (1 - beta1) * grad
                moment2[name] = beta2 * moment2[name] + (1 - beta2) * grad * grad
                corrected1 = moment1[name] / (1 - beta1**step)
                corrected2 = moment2[name] / (1 - beta2**step)
                value -= lr * corrected1 / (np.sqrt(corrected2) + eps)
        if (epoch + 1) % 10 == 0:
            accuracy = (model.predict(split.images) == split.labels).mean()
            print(f"epoch {epoch + 1:3d}  loss {epoch_loss / len(order):.4f}  train acc {accuracy:.4f}")
    return model


def build_float_graph(model: DigitsCNN) -> bytes:
    """The trained network as a float TFLite graph."""
    p = {k: v.astype(np.float32) for k, v in model.params.items()}
    builder = GraphBuilder(description="tinyq default model: 8x8 digits CNN")
    image = builder.input([1, 8, 8, 1], name="image")
    # im2col rows are (kh, kw, c_in); TFLite filters are [c_out, kh, kw, c_in].
    conv1_filter = p["conv1_w"].T.reshape(CONV1_CHANNELS, 3, 3, 1)
    conv2_filter = p["conv2_w"].T.reshape(CONV2_CHANNELS, 3, 3, CONV1_CHANNELS)
    conv_options = {"padding": "SAME", "stride_w": 1, "stride_h": 1, "fused_activation_function": "RELU"}
    conv1 = builder.op(
        "CONV_2D",
        [image, builder.constant(conv1_filter, "conv1/filter"), builder.constant(p["conv1_b"], "conv1/bias")],
        [1, 8, 8, CONV1_CHANNELS],
        conv_options,
        name="conv1",
    )
    pool1 = builder.op(
        "MAX_POOL_2D",
        [conv1],
        [1, 4, 4, CONV1_CHANNELS],
        {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2, "filter_height": 2},
        name="pool1",
    )
    conv2 = builder.op(
        "CONV_2D",
        [pool1, builder.constant(conv2_filter, "conv2/filter"), builder.constant(p["conv2_b"], "conv2/bias")],
        [1, 4, 4, CONV2_CHANNELS],
        conv_options,
        name="conv2",
    )
    pooled = builder.op(
        "AVERAGE_POOL_2D",
        [conv2],
        [1, 2, 2, CONV2_CHANNELS],
        {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2, "filter_height": 2},
        name="pool2",
    )
    features = builder.op(
        "RESHAPE",
        [pooled, builder.constant(np.array([1, FEATURES], np.int32), "features/shape")],
        [1, FEATURES],
        {"new_shape": [1, FEATURES]},
        name="features",
    )
    logits = builder.op(
        "FULLY_CONNECTED",
        [features, builder.constant(np.ascontiguousarray(p["fc_w"].T), "fc/weights"), builder.constant(p["fc_b"], "fc/bias")],
        [1, NUM_CLASSES],
        name="logits",
    )
    probabilities = builder.op("SOFTMAX", [logits], [1, NUM_CLASSES], {"beta": 1.0}, name="probabilities")
    builder.output(probabilities)
    return builder.build()


def quantize_input(images: np.ndarray, quantized_model: bytes) -> np.ndarray:
    """Float [N,8,8,1] images -> int8 with the model's input scale / zero point."""
    detail = Interpreter(model_content=quantized_model).get_input_details()[0]
    scale, zero_point = detail["quantization"]
    # The QUANTIZE op's rounding: half away from zero (np.round would round half to even).
    return saturate(round_half_away_from_zero(images / np.float32(scale)).astype(np.int64) + zero_point, np.int8)


def litert_predictions(model: bytes, images: np.ndarray) -> np.ndarray:
    """Argmax of the model's output for each image, on LiteRT's reference kernels."""
    interpreter = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    predictions = np.empty(len(images), np.int64)
    for i, image in enumerate(images):
        interpreter.set_tensor(input_index, image[np.newaxis])
        interpreter.invoke()
        predictions[i] = interpreter.get_tensor(output_index).argmax()
    return predictions


def tinyq_predictions(model: bytes, images: np.ndarray) -> np.ndarray:
    """Argmax of the model's output for each image, run by tinyq."""
    interpreter = tinyq.load(model)
    return np.array([interpreter.run(image[np.newaxis])[0].argmax() for image in images], np.int64)


def make_models() -> tuple[bytes, bytes, Split, Split]:
    """Train from scratch; return (float model, int8 model, train split, test split)."""
    train_split, test_split = load_split()
    rng = np.random.default_rng(SEED + 1)
    network = train(train_split, rng)
    float_model = build_float_graph(network)
    calibration_idx = rng.choice(len(train_split.images), CALIBRATION_SAMPLES, replace=False)
    calibration = [[train_split.images[i : i + 1].astype(np.float32)] for i in calibration_idx]
    int8_model = quantize(float_model, calibration, input_type="int8", output_type="int8", per_channel=True)
    return float_model, int8_model, train_split, test_split


def main() -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", action="store_true", help="evaluate instead of writing files")
    parser.add_argument("--output-dir", type=Path, default=DATA_DIR, help="where to write / read the files")
    args = parser.parse_args()

    float_model, int8_model, _, test_split = make_models()
    model_path = args.output_dir / MODEL_FILE
    inputs_path = args.output_dir / INPUTS_FILE

    if not args.eval:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        model_path.write_bytes(int8_model)
        chosen = slice(0, BUNDLED_INPUTS)
        bundled = quantize_input(test_split.images[chosen].astype(np.float32), int8_model)
        with open(inputs_path, "wb") as handle:
            np.savez(
                handle,
                input=bundled[:, np.newaxis],  # [8,1,8,8,1]: input[i] is one [1,8,8,1] model input
                labels=test_split.labels[chosen],
                dataset_index=test_split.indices[chosen].astype(np.int64),
            )
        print(f"wrote {model_path} ({len(int8_model)} bytes) and {inputs_path}")
        return

    bundled_model = model_path.read_bytes()
    print(f"regenerated int8 model identical to {model_path}: {bundled_model == int8_model}")
    test_images = test_split.images.astype(np.float32)
    float_acc = (litert_predictions(float_model, test_images) == test_split.labels).mean()
    int8_inputs = quantize_input(test_images, bundled_model)
    int8_acc = (litert_predictions(bundled_model, int8_inputs) == test_split.labels).mean()
    tinyq_acc = (tinyq_predictions(bundled_model, int8_inputs) == test_split.labels).mean()
    print(f"held-out images: {len(test_images)}")
    print(f"float accuracy (LiteRT, float graph):       {float_acc:.4f}")
    print(f"int8 accuracy (LiteRT BUILTIN_REF, bundled): {int8_acc:.4f}")
    print(f"int8 accuracy (tinyq, bundled):              {tinyq_acc:.4f}")


if __name__ == "__main__":
    main()
