"""FLIP's W1 recipe in PyTorch: the 2D U-Net (same state-dict names, order, shapes and dtypes as
FLIP's TorchSharp UNet2D), its training step (Adam, cross-entropy + (1 - soft Dice), gradient norm
clipped at 5, optional FedProx term) and its evaluation (loss, Dice of the argmax mask).

Data: this app's own synthetic slices (3 channels like T2W/ADC/high-b DWI, a round lesion mask),
seeded by the node's partition-id. A Python SuperNode holds no FLIP-6 site; a hospital replaces
`synthetic_slices` with its own loader.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# FLIP's config keys (Flip.Federated ConfigKeys) and metric names (MetricNames); FLIP's serve sends/reads these.
SERVER_ROUND = "server-round"
LOCAL_EPOCHS = "local-epochs"
LEARNING_RATE = "learning-rate"
PROXIMAL_MU = "proximal-mu"
SEED = "seed"
LOCAL_PARAMETERS = "local-parameters"
NUM_EXAMPLES = "num-examples"
LOSS = "loss"
LOCAL_STEPS = "local-steps"
DICE = "dice"


class DoubleConv(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class UNet2D(nn.Module):
    """FLIP's UNet2D(input_channels, classes, base_channels, levels): enc1.., bottleneck, upN/decN.., head."""

    def __init__(self, cin: int = 3, classes: int = 2, base: int = 8, levels: int = 4):
        super().__init__()
        self.levels = levels
        ch = lambda level: base << (level - 1)  # noqa: E731
        prev = cin
        for level in range(1, levels):
            self.add_module(f"enc{level}", DoubleConv(prev, ch(level)))
            prev = ch(level)
        self.bottleneck = DoubleConv(prev, ch(levels))
        for level in range(levels - 1, 0, -1):
            self.add_module(f"up{level}", nn.ConvTranspose2d(ch(level + 1), ch(level), 2, stride=2))
            self.add_module(f"dec{level}", DoubleConv(2 * ch(level), ch(level)))
        self.head = nn.Conv2d(ch(1), classes, 1)

    def forward(self, x):
        skips = []
        for level in range(1, self.levels):
            x = getattr(self, f"enc{level}")(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for level in range(self.levels - 1, 0, -1):
            x = getattr(self, f"up{level}")(x)
            x = getattr(self, f"dec{level}")(torch.cat([x, skips[level - 1]], 1))
        return self.head(x)


def model_for(state: dict) -> UNet2D:
    """The U-Net whose shapes the received state dict has (base channels, inputs, classes, levels)."""
    w = state["enc1.conv1.weight"]
    levels = 1 + sum(1 for k in state if k.startswith("enc") and k.endswith(".conv1.weight"))
    return UNet2D(int(w.shape[1]), int(state["head.weight"].shape[0]), int(w.shape[0]), levels)


def load_strict(model: UNet2D, state: dict) -> None:
    """Loads the server's arrays; names, order and shapes must be the model's (dtypes are cast back)."""
    own = model.state_dict()
    if list(own) != list(state):
        missing = [k for k in own if k not in state][:3]
        extra = [k for k in state if k not in own][:3]
        raise ValueError(f"the server's model is not FLIP's UNet2D: missing {missing}, unexpected {extra}")
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=True)


def synthetic_slices(partition: int, count: int, size: int, offset: int = 0):
    """Slices [count, 3, size, size] and masks [count, size, size]: a round lesion (dark T2W/ADC, bright DWI)."""
    g = np.random.default_rng(1000 + 17 * partition + offset)
    yy, xx = np.mgrid[0:size, 0:size]
    x = np.empty((count, 3, size, size), np.float32)
    y = np.zeros((count, size, size), np.int64)
    shift = 0.2 * partition  # a scanner's intensity shift
    for n in range(count):
        x[n] = g.normal(shift, 1.0, (3, size, size))
        if g.random() < 0.8:
            cy, cx = g.uniform(size * 0.3, size * 0.7, 2)
            r = g.uniform(size * 0.1, size * 0.22)
            lesion = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
            y[n][lesion] = 1
            x[n, 0][lesion] -= 1.5
            x[n, 1][lesion] -= 1.0
            x[n, 2][lesion] += 2.0
    return torch.from_numpy(x), torch.from_numpy(y)


def _loss(logits, y):
    p = torch.softmax(logits, 1)[:, 1]
    g = (y == 1).float()
    dice = (2 * (p * g).sum() + 1) / (p.sum() + g.sum() + 1)
    return F.cross_entropy(logits, y) + 1 - dice


def train(model, x, y, epochs: int, lr: float, batch: int, mu: float, seed: int):
    """Local epochs of mini-batch Adam; returns (mean step loss, steps)."""
    torch.manual_seed(seed)
    global_params = [p.detach().clone() for p in model.parameters()] if mu > 0 else None
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    total, steps = 0.0, 0
    for _ in range(max(epochs, 1)):
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            if len(idx) < 2:  # BatchNorm needs two samples
                continue
            opt.zero_grad()
            loss = _loss(model(x[idx]), y[idx])
            if global_params is not None:
                loss = loss + mu / 2 * sum(((p - g) ** 2).sum() for p, g in zip(model.parameters(), global_params))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += float(loss)
            steps += 1
    return (total / steps if steps else float("nan")), steps


@torch.no_grad()
def evaluate(model, x, y, batch: int):
    """(mean loss, Dice of the argmax masks over the whole set)."""
    model.eval()
    total, batches, inter, sums = 0.0, 0, 0.0, 0.0
    for i in range(0, len(x), batch):
        logits = model(x[i:i + batch])
        total += float(_loss(logits, y[i:i + batch]))
        batches += 1
        pred = logits.argmax(1) == 1
        truth = y[i:i + batch] == 1
        inter += float((pred & truth).sum())
        sums += float(pred.sum() + truth.sum())
    return total / max(batches, 1), (2 * inter / sums if sums > 0 else 1.0)
