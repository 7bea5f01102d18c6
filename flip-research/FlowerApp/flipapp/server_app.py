"""The server side of this app is 'flip-research serve', not a Python ServerApp.

A FAB must name a ServerApp; this one only says where the server is.
"""
from flwr.serverapp import ServerApp

app = ServerApp()


@app.main()
def main(grid, context) -> None:  # pragma: no cover - never run by a SuperNode
    raise RuntimeError("flipapp's server is 'flip-research serve'; run it there, not under a SuperLink.")
