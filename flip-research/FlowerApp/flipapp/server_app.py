"""A ServerApp for running flipapp without FLIP: stock FedAvg under a Flower SuperLink, sending FLIP's
train config keys, so an all-Python federation of the same app can be compared with 'flip-research
serve' (which is this app's server in a FLIP study; a SuperNode joining serve never runs this file).

Run config: num-server-rounds, min-nodes, base-channels, learning-rate, local-epochs, seed,
round-timeout. Prints one line `FLIPAPP_SUMMARY {json}` (aggregated train/evaluate metrics per round).
"""
import json
import time

import torch

from flwr.app import ArrayRecord, ConfigRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from flipapp import task

app = ServerApp()


class TimedFedAvg(FedAvg):
    """Stock FedAvg that notes when each round's train step starts and its evaluate step ends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times: dict = {}

    def configure_train(self, server_round, arrays, config, grid):
        self.times.setdefault(server_round, {})["start"] = time.perf_counter()
        return super().configure_train(server_round, arrays, config, grid)

    def aggregate_evaluate(self, server_round, replies):
        self.times.setdefault(server_round, {})["end"] = time.perf_counter()
        return super().aggregate_evaluate(server_round, replies)


@app.main()
def main(grid: Grid, context: Context) -> None:
    rc = context.run_config
    rounds, min_nodes = int(rc.get("num-server-rounds", 3)), int(rc.get("min-nodes", 2))
    seed = int(rc.get("seed", 7))
    torch.manual_seed(seed)
    model = task.UNet2D(3, 2, int(rc.get("base-channels", 4)))
    strategy = TimedFedAvg(fraction_train=1.0, fraction_evaluate=1.0, min_train_nodes=min_nodes,
                           min_evaluate_nodes=min_nodes, min_available_nodes=min_nodes)
    result = strategy.start(
        grid=grid,
        initial_arrays=ArrayRecord(model.state_dict()),
        num_rounds=rounds,
        timeout=float(rc.get("round-timeout", 600)),
        train_config=ConfigRecord({task.LOCAL_EPOCHS: int(rc.get("local-epochs", 1)),
                                   task.LEARNING_RATE: float(rc.get("learning-rate", 0.002)),
                                   task.PROXIMAL_MU: 0.0, task.SEED: seed}),
        evaluate_config=ConfigRecord({task.SEED: seed}),
    )
    summary = {
        "rounds": rounds,
        "rounds_completed": len(result.evaluate_metrics_clientapp),
        "train": {r: dict(m) for r, m in result.train_metrics_clientapp.items()},
        "evaluate": {r: dict(m) for r, m in result.evaluate_metrics_clientapp.items()},
        "round_s": {r: round(t["end"] - t["start"], 2) for r, t in strategy.times.items() if "end" in t},
    }
    print("FLIPAPP_SUMMARY " + json.dumps(summary, default=str), flush=True)
