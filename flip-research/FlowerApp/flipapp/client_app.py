"""FLIP Research's node as a Flower ClientApp: honours FLIP's contract (flip-research serve).

train:    arrays = FLIP's UNet2D state dict; config = server-round, local-epochs, learning-rate,
          proximal-mu, seed[, local-parameters]  ->  arrays (same names, order, dtypes) + metrics
          {loss, local-steps, num-examples = training slices}.
evaluate: arrays + config = server-round, seed[, local-parameters]  ->  metrics {loss, dice,
          num-examples = evaluation slices}.
Arrays named in local-parameters (FedBN) stay this node's own: kept in the run's context state.
"""
import torch

from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from flipapp import task

app = ClientApp()
torch.set_num_threads(1)
LOCAL_STATE = "flip-local-parameters"


def _data(context: Context, evaluation: bool):
    cfg = context.run_config
    pid = int(context.node_config.get("partition-id", 0))
    count = int(cfg.get("evaluation-slices" if evaluation else "train-slices", 16 if evaluation else 48))
    return task.synthetic_slices(pid, count, int(cfg.get("slice-size", 32)), offset=1 if evaluation else 0)


def _model(msg: Message, context: Context):
    state = msg.content["arrays"].to_torch_state_dict()
    model = task.model_for(state)
    local = list(msg.content["config"].get(task.LOCAL_PARAMETERS, []) or [])
    if local and LOCAL_STATE in context.state:
        own = context.state[LOCAL_STATE].to_torch_state_dict()
        state.update({k: own[k] for k in local if k in own})
    task.load_strict(model, state)
    return model, local


def _keep_local(model, local, context: Context):
    if local:
        sd = model.state_dict()
        context.state[LOCAL_STATE] = ArrayRecord({k: sd[k] for k in local if k in sd})


@app.train()
def train(msg: Message, context: Context) -> Message:
    config = msg.content["config"]
    model, local = _model(msg, context)
    x, y = _data(context, evaluation=False)
    loss, steps = task.train(model, x, y,
                             epochs=int(config.get(task.LOCAL_EPOCHS, 1)),
                             lr=float(config.get(task.LEARNING_RATE, 0.01)),
                             batch=int(context.run_config.get("batch-size", 16)),
                             mu=float(config.get(task.PROXIMAL_MU, 0.0)),
                             seed=int(config.get(task.SEED, 0)) + int(config.get(task.SERVER_ROUND, 0)))
    _keep_local(model, local, context)
    metrics = {task.LOSS: float(loss), task.LOCAL_STEPS: float(steps), task.NUM_EXAMPLES: int(len(x))}
    return Message(content=RecordDict({"arrays": ArrayRecord(model.state_dict()), "metrics": MetricRecord(metrics)}),
                   reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    model, _ = _model(msg, context)
    x, y = _data(context, evaluation=True)
    loss, dice = task.evaluate(model, x, y, batch=int(context.run_config.get("batch-size", 16)))
    metrics = {task.LOSS: float(loss), task.DICE: float(dice), task.NUM_EXAMPLES: int(len(x))}
    return Message(content=RecordDict({"metrics": MetricRecord(metrics)}), reply_to=msg)
