"""BPTT Explorer's numeric core: pure NumPy, no web imports."""

from core.config import LSTMConfig, RNNConfig
from core.explore import Result, run_lstm, run_rnn

__all__ = ["LSTMConfig", "RNNConfig", "Result", "run_lstm", "run_rnn"]
