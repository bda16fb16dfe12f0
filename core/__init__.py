"""BPTT Explorer's numeric core: pure NumPy, no web imports."""

from core.config import GRUConfig, LSTMConfig, RNNConfig
from core.explore import Result, run_gru, run_lstm, run_rnn

__all__ = ["GRUConfig", "LSTMConfig", "RNNConfig", "Result", "run_gru", "run_lstm", "run_rnn"]
