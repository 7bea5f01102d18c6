#!/usr/bin/env python3
"""The numpy peer of `flip-research bench federated --peer`: BENCHMARKS.md W3 and W4 as Flower does them.

W3: Flower's `flwr.server.strategy.aggregate.aggregate`, reproduced exactly as Flower ships it
(allocating, reduce(np.add, ...)), and numpy with preallocated outputs (K passes), on the W1 set and
the 25M set with K = 6 and n = [96, 64, 160, 48, 128, 80].
W4: ndarray_to_bytes / bytes_to_ndarray = np.save / np.load with allow_pickle=False.
Prints one JSON object.
"""
import json
import sys
import time
from functools import reduce
from io import BytesIO

import numpy as np

COUNTS = [96, 64, 160, 48, 128, 80]


def w1_shapes():
    shapes = []

    def double_conv(cin, cout):
        for conv_in in (cin, cout):
            shapes.append((cout, conv_in, 3, 3))
            shapes.extend([(cout,)] * 4)  # bn weight, bias, running_mean, running_var

    base = 16
    c1, c2, c3, c4 = base, base * 2, base * 4, base * 8
    double_conv(3, c1); double_conv(c1, c2); double_conv(c2, c3); double_conv(c3, c4)
    for cin, cout in ((c4, c3), (c3, c2), (c2, c1)):
        shapes.append((cin, cout, 2, 2)); shapes.append((cout,))
        double_conv(2 * cout, cout)
    shapes.append((2, c1, 1, 1)); shapes.append((2,))
    return shapes


def aggregate(results):
    """Flower's aggregate, as shipped."""
    num_examples_total = sum(num_examples for (_, num_examples) in results)
    weighted_weights = [[layer * num_examples for layer in weights] for weights, num_examples in results]
    weights_prime = [reduce(np.add, layer_updates) / num_examples_total for layer_updates in zip(*weighted_weights)]
    return weights_prime


def timed(fn, warmup_calls, min_warmup_s, measured):
    start = time.perf_counter()
    calls = 0
    while calls < warmup_calls or time.perf_counter() - start < min_warmup_s:
        fn(); calls += 1
    times = []
    for _ in range(measured):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main():
    quick = len(sys.argv) > 1 and sys.argv[1] == "--quick"
    rng = np.random.default_rng(0)
    sets = [("W1 set", w1_shapes(), 5, 50)]
    if not quick:
        sets.append(("25M set", [(1000, 1000)] * 25, 1, 7))
    out = {"W3": [], "W4": [], "Implementation": "numpy " + np.__version__}
    total = sum(COUNTS)
    for name, shapes, warm, measured in sets:
        clients = [[rng.standard_normal(s, dtype=np.float32) for s in shapes] for _ in COUNTS]
        nbytes = sum(a.nbytes for a in clients[0])
        results = list(zip(clients, COUNTS))
        t = timed(lambda: aggregate(results), warm, 1.0, measured)
        out["W3"].append({"Set": name, "Variant": "flower-aggregate", "MedianMilliseconds": t * 1000, "ReadGigabytesPerSecond": len(COUNTS) * nbytes / t / 1e9})
        outputs = [np.empty(s, dtype=np.float32) for s in shapes]
        weights = [np.float32(n / total) for n in COUNTS]

        def prealloc():
            for j, o in enumerate(outputs):
                np.multiply(clients[0][j], weights[0], out=o)
                for k in range(1, len(COUNTS)):
                    o += clients[k][j] * weights[k]
        t = timed(prealloc, warm, 1.0, measured)
        out["W3"].append({"Set": name, "Variant": "numpy-prealloc", "MedianMilliseconds": t * 1000, "ReadGigabytesPerSecond": len(COUNTS) * nbytes / t / 1e9})

        arrays = clients[0]

        def encode():
            blobs = []
            for a in arrays:
                b = BytesIO(); np.save(b, a, allow_pickle=False); blobs.append(b.getvalue())
            return blobs
        blobs = encode()
        t_enc = timed(encode, warm, 1.0, measured)
        t_dec = timed(lambda: [np.load(BytesIO(b), allow_pickle=False) for b in blobs], warm, 1.0, measured)
        out["W4"].append({"Set": name, "EncodeMegabytesPerSecond": nbytes / 1e6 / t_enc, "DecodeMegabytesPerSecond": nbytes / 1e6 / t_dec})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
