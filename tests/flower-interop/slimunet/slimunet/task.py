"""The model of the slimunet app, numpy only: a 2D U-Net's state dict (PyTorch names, order, dtypes and
shapes of four levels with batch norm: 92 arrays), its initial values, and the key names of the app."""
import numpy as np

# The app's own key names (a FLIP node maps them through its app contract, preset slim-unet).
WEIGHT_KEY = "samples"
TRAIN_METRICS = {"objective", "steps_taken"}
EVALUATE_METRICS = {"objective", "overlap", "overlap_soft"}


def layout(base: int, in_channels: int = 3, classes: int = 2):
    """[(name, dtype, shape)] of the U-Net state dict, in order."""
    out = []

    def double_conv(name, cin, cout):
        for i, c_in in ((1, cin), (2, cout)):
            out.append((f"{name}.conv{i}.weight", "float32", (cout, c_in, 3, 3)))
            for p in ("weight", "bias", "running_mean", "running_var"):
                out.append((f"{name}.bn{i}.{p}", "float32", (cout,)))
            out.append((f"{name}.bn{i}.num_batches_tracked", "int64", ()))

    c = [base, base * 2, base * 4, base * 8]
    double_conv("enc1", in_channels, c[0])
    double_conv("enc2", c[0], c[1])
    double_conv("enc3", c[1], c[2])
    double_conv("bottleneck", c[2], c[3])
    for level in (3, 2, 1):
        wide, narrow = c[level], c[level - 1]
        out.append((f"up{level}.weight", "float32", (wide, narrow, 2, 2)))
        out.append((f"up{level}.bias", "float32", (narrow,)))
        double_conv(f"dec{level}", wide, narrow)
    out.append(("head.weight", "float32", (classes, c[0], 1, 1)))
    out.append(("head.bias", "float32", (classes,)))
    return out


def initial(base: int, seed: int = 0):
    """{name: ndarray}: He-normal convolutions, batch norm at identity, zero biases and counters."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for name, dtype, shape in layout(base):
        if dtype == "int64":
            arrays[name] = np.zeros(shape, dtype=np.int64)
        elif name.endswith("running_var") or (".bn" in name and name.endswith(".weight")):
            arrays[name] = np.ones(shape, dtype=np.float32)
        elif name.endswith(".weight"):
            fan_in = int(np.prod(shape[1:]))
            arrays[name] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        else:
            arrays[name] = np.zeros(shape, dtype=np.float32)
    return arrays
