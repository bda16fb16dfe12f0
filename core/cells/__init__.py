"""Recurrent cells, registered by name. Each knows its step and its local Jacobian."""

from core.cells import gru, lstm, rnn

CELLS = {"rnn": rnn, "lstm": lstm, "gru": gru}
