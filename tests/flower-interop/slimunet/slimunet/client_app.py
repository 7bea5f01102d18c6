"""ClientApp of slimunet for Python SuperNodes: honours the app's keys without training (numpy only),
so an all-Python federation of the app runs too. It returns the received model, cast back to the
initial dtypes, and metrics under the app's key names."""
import numpy as np

from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from slimunet import task

app = ClientApp()
# Optional reply record (FedAvg ignores ConfigRecords): tells the ServerApp's summary which nodes are these.
INFO = ConfigRecord({"impl": "python-numpy"})


@app.train()
def train(msg: Message, context: Context) -> Message:
    cfg = msg.content["config"]
    steps, batch = int(cfg["max_batches"]), int(cfg["minibatch"])
    base = int(context.run_config.get("base-channels", 4))
    dtypes = {name: dtype for name, dtype, _ in task.layout(base)}
    arrays = ArrayRecord({name: Array(np.asarray(np.round(a.numpy()) if dtypes[name] == "int64" else a.numpy()).astype(dtypes[name]))
                          for name, a in msg.content["arrays"].items()})
    metrics = MetricRecord({task.WEIGHT_KEY: steps * batch, "objective": 1.0, "steps_taken": steps})
    return Message(content=RecordDict({"arrays": arrays, "metrics": metrics, "node-info": INFO}), reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    batch = int(msg.content["config"]["minibatch"])
    metrics = MetricRecord({task.WEIGHT_KEY: batch, "objective": 1.0, "overlap": 0.0, "overlap_soft": 0.0})
    return Message(content=RecordDict({"metrics": metrics, "node-info": INFO}), reply_to=msg)
