"""BPTT Explorer web layer: FastAPI routers, page rendering and static assets."""
