"""The server's training runs (GET /api/v1/train): how many run at once, each one's time budget, and the signal
that tells them to end when the server shuts down (app/service/health.py)."""

from __future__ import annotations

import threading

from app.service.limits import Slots
from app.service.settings import settings

BUDGET_S = settings().train_budget_seconds  # seconds of training per run (BPTT_TRAIN_BUDGET_SECONDS, default 60)
# Trainings at once (BPTT_TRAIN_MAX_RUNS, default 2): the machine has two cores and each run keeps one busy.
MAX_RUNS = settings().train_max_runs
# Set when the server shuts down: running trainings stop at their next update and end their stream with the done
# event, so the server can finish in-flight requests instead of cutting them.
draining = threading.Event()
slots = Slots(MAX_RUNS)
