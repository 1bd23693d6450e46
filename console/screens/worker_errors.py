"""One place that turns a failed worker into a notice instead of a silent stop."""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from console.data.errors import ConsoleError


class ReportsWorkerErrors:
    """Mixin for apps and screens: a worker that fails shows what went wrong."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, ConsoleError):
            message = str(error)
        else:
            message = (
                f"Something went wrong ({type(error).__name__}: {error}); nothing more was "
                "changed. Try again, or ctrl+r to reload."
            )
        self.notify(message, severity="error", markup=False, timeout=10)  # type: ignore[attr-defined]
