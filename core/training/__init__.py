"""Training small recurrent nets on long-range tasks in NumPy: tasks, models with exact BPTT, optimisers and
clipping, the information-flow regulariser, and a run that reports every update."""

from core.training.run import Evaluation, TrainConfig, Update, evaluate, initial_params, train

__all__ = ["Evaluation", "TrainConfig", "Update", "evaluate", "initial_params", "train"]
