"""Serving: limits, the answer cache, ETags, security headers, request logs, settings, health and HEAD, and the
training slots. Knows the contract and `core`; no endpoint, page or export."""
