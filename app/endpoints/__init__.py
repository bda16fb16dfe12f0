"""The API's routers: each checks its query by the contract, computes with `core` or `app.figures` within the
service's limits, and answers."""
