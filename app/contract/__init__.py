"""The contract of the API: query models and their bounds, answer models, the 422 body, the cost model of each
endpoint, the encodings and the languages. Knows `core` only, and loads no web framework."""
