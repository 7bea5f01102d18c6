"""ServerApp of slimunet: stock FedAvg weighted by "samples" over a small U-Net, with the app's own
config keys (step_size, max_batches, minibatch) and metric keys. It records every reply and fails
the run (a non-RuntimeError exception) unless every round aggregated replies from >= min-nodes
nodes, each with exactly the app's metric keys and a model of the initial names, shapes and dtypes.
Prints one line `SLIMUNET_SUMMARY {json}`."""
import json

from flwr.app import Array, ArrayRecord, ConfigRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from slimunet import task

app = ServerApp()


class ContractBroken(Exception):
    """Raised at the end when a check failed, so the run ends "failed"."""


class RecordingFedAvg(FedAvg):
    def __init__(self, *args, expected, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.replies: dict = {}
        self.problems: list = []

    def _record(self, server_round, phase, replies, metric_keys):
        replies = list(replies)
        rows = []
        for m in replies:
            row = {"node": str(m.metadata.src_node_id)}
            if m.has_error():
                row["error"] = m.error.reason
                self.problems.append(f"round {server_round} {phase}: node {row['node']} replied an error")
            else:
                metrics = {str(k): v for rec in m.content.metric_records.values() for k, v in rec.items()}
                row["metrics"] = metrics
                for rec in m.content.config_records.values():
                    row.update({str(k): v for k, v in rec.items() if k == "impl"})
                if set(metrics) != metric_keys | {task.WEIGHT_KEY}:
                    self.problems.append(f"round {server_round} {phase}: node {row['node']} sent keys {sorted(metrics)}")
                for rec in m.content.array_records.values():
                    got = [(k, a.dtype, tuple(a.shape)) for k, a in rec.items()]
                    if got != self.expected:
                        self.problems.append(f"round {server_round} {phase}: node {row['node']} sent another model")
            rows.append(row)
        self.replies.setdefault(str(server_round), {})[phase] = rows
        return replies

    def aggregate_train(self, server_round, replies):
        return super().aggregate_train(server_round, self._record(server_round, "train", replies, task.TRAIN_METRICS))

    def aggregate_evaluate(self, server_round, replies):
        return super().aggregate_evaluate(server_round, self._record(server_round, "evaluate", replies, task.EVALUATE_METRICS))


@app.main()
def main(grid: Grid, context: Context) -> None:
    rc = context.run_config
    rounds, min_nodes, base = int(rc["num-server-rounds"]), int(rc["min-nodes"]), int(rc["base-channels"])
    expected = [(n, d, s) for n, d, s in task.layout(base)]
    strategy = RecordingFedAvg(fraction_train=1.0, fraction_evaluate=1.0, min_train_nodes=min_nodes,
                               min_evaluate_nodes=min_nodes, min_available_nodes=min_nodes,
                               weighted_by_key=task.WEIGHT_KEY, expected=expected)
    result = strategy.start(
        grid=grid,
        initial_arrays=ArrayRecord({n: Array(a) for n, a in task.initial(base).items()}),
        num_rounds=rounds,
        timeout=float(rc["round-timeout"]),
        train_config=ConfigRecord({"step_size": float(rc["step_size"]), "max_batches": int(rc["max_batches"]),
                                   "minibatch": int(rc["minibatch"])}),
        evaluate_config=ConfigRecord({"minibatch": int(rc["minibatch"])}),
    )
    problems = list(strategy.problems)
    for r in range(1, rounds + 1):
        for phase, agg in (("train", result.train_metrics_clientapp), ("evaluate", result.evaluate_metrics_clientapp)):
            ok = [x for x in strategy.replies.get(str(r), {}).get(phase, []) if "error" not in x]
            if r not in agg or len(ok) < min_nodes:
                problems.append(f"round {r} {phase}: {len(ok)} good replies, not aggregated from min-nodes {min_nodes}")
    summary = {
        "rounds": rounds,
        "rounds_completed": len(result.train_metrics_clientapp),
        "train": {str(r): dict(m) for r, m in result.train_metrics_clientapp.items()},
        "evaluate": {str(r): dict(m) for r, m in result.evaluate_metrics_clientapp.items()},
        "replies": strategy.replies,
        "arrays": len(expected),
        "problems": problems,
    }
    print("SLIMUNET_SUMMARY " + json.dumps(summary, default=str), flush=True)
    if problems:
        raise ContractBroken("slimunet check failed: " + "; ".join(problems))
