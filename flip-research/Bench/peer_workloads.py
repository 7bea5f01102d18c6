#!/usr/bin/env python3
"""The PyTorch peer of BENCHMARKS.md W1/W2, run by `flip-research bench --peer`.

Same definitions as the C# workloads (src/Flip.Benchmarks/Learning/TrainingWorkloads.cs): float32,
CPU, 2 threads, seed 0 before the model, synthetic data made once, the same batch every step.
Prints one JSON object with the same fields as the C# side.
"""
import json
import os
import sys
import time

T0 = time.time()
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False); self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False); self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)))


class UNet2D(nn.Module):
    def __init__(self, in_channels=3, classes=2, base=16):
        super().__init__()
        c1, c2, c3, c4 = base, base * 2, base * 4, base * 8
        self.enc1 = DoubleConv(in_channels, c1)
        self.enc2 = DoubleConv(c1, c2)
        self.enc3 = DoubleConv(c2, c3)
        self.bottleneck = DoubleConv(c3, c4)
        self.up3 = nn.ConvTranspose2d(c4, c3, 2, stride=2); self.dec3 = DoubleConv(2 * c3, c3)
        self.up2 = nn.ConvTranspose2d(c3, c2, 2, stride=2); self.dec2 = DoubleConv(2 * c2, c2)
        self.up1 = nn.ConvTranspose2d(c2, c1, 2, stride=2); self.dec1 = DoubleConv(2 * c1, c1)
        self.head = nn.Conv2d(c1, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        e3 = self.enc3(F.max_pool2d(e2, 2))
        b = self.bottleneck(F.max_pool2d(e3, 2))
        d3 = self.dec3(torch.cat([self.up3(b), e3], 1))
        d2 = self.dec2(torch.cat([self.up2(d3), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm3d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Classifier3D(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1, self.block2, self.block3, self.block4 = Block(3, 16), Block(16, 32), Block(32, 64), Block(64, 128)
        self.fc = nn.Linear(128, 2)

    def forward(self, x):
        x = F.max_pool3d(self.block1(x), 2)
        x = F.max_pool3d(self.block2(x), 2)
        x = F.max_pool3d(self.block3(x), 2)
        x = self.block4(x)
        return self.fc(F.adaptive_avg_pool3d(x, 1).flatten(1))


def measure(warmup, measured, step):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(measured):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return times


def w1_batch():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(16, 3, 128, 128, generator=g)
    h = torch.arange(128).reshape(128, 1)
    w = torch.arange(128).reshape(1, 128)
    disc = (((h - 64) ** 2 + (w - 64) ** 2) < 30 * 30).long()
    y = disc.unsqueeze(0).expand(16, 128, 128).contiguous()
    return x, y, (y == 1).float()


def w1_train():
    x, y, g = w1_batch()
    torch.manual_seed(0)
    model = UNet2D().train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def step():
        opt.zero_grad()
        logits = model(x)
        p = torch.softmax(logits, dim=1)[:, 1]
        dice = (2 * (p * g).sum() + 1) / (p.sum() + g.sum() + 1)
        loss = F.cross_entropy(logits, y) + (1 - dice)
        loss.backward()
        opt.step()
        loss.item()
    return measure(3, 10, step), 16


def w1_inference():
    x, _, _ = w1_batch()
    torch.manual_seed(0)
    model = UNet2D().eval()

    def step():
        with torch.no_grad():
            model(x)[0, 0, 0, 0].item()
    return measure(2, 10, step), 16


def w2_train():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(4, 3, 32, 64, 64, generator=g)
    y = torch.tensor([0, 1, 0, 1])
    torch.manual_seed(0)
    model = Classifier3D().train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return measure(3, 20, step), 4


def w2_ops():
    """W2's libtorch operations one by one (TrainingWorkloads.W2Ops): conv3d, batch norm + ReLU and max pooling,
    each forward and backward on W2's shapes, with no model, optimizer or autograd graph across them."""
    g = torch.Generator().manual_seed(7)
    torch.manual_seed(0)
    steps = []
    for cin, cout, size, pool in ((3, 16, (32, 64, 64), True), (16, 32, (16, 32, 32), True),
                                  (32, 64, (8, 16, 16), True), (64, 128, (4, 8, 8), False)):
        conv, norm = nn.Conv3d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm3d(cout)
        x = torch.randn(4, cin, *size, generator=g).requires_grad_(cin != 3)
        with torch.no_grad():
            y = conv(x)
        norm_in, pool_in = y.clone().requires_grad_(True), y.clone().requires_grad_(True)

        def step(conv=conv, norm=norm, x=x, norm_in=norm_in, pool_in=pool_in, pool=pool):
            conv.zero_grad()
            conv(x).sum().backward()
            F.relu(norm(norm_in)).sum().backward()
            if pool:
                F.max_pool3d(pool_in, 2).sum().backward()
        steps.append(step)

    def all_steps():
        for step in steps:
            step()
    return measure(3, 20, all_steps), 4


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def process_age_seconds():
    """Seconds since this process started (the kernel's start time, as .NET's Process.StartTime)."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22, starttime
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.time() - T0


def main():
    name = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    torch.set_num_threads(threads)
    torch.zeros(1).add(1)
    startup = process_age_seconds()
    times, batch = {"w1-train": w1_train, "w1-inference": w1_inference, "w2-train": w2_train, "w2-ops": w2_ops}[name]()
    ordered = sorted(times)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    print(json.dumps({
        "Workload": name, "Iterations": n, "MedianMs": median, "MinMs": ordered[0], "MaxMs": ordered[-1],
        "SamplesPerSecond": batch / (median / 1000), "StartupToFirstTensorSeconds": startup,
        "PeakRssMegabytes": peak_rss_mb(), "Threads": torch.get_num_threads(),
        "Implementation": "PyTorch " + torch.__version__,
    }))


if __name__ == "__main__":
    main()
