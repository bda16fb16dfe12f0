# BPTT Explorer: the API and the page, served by uvicorn as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/bptt-explorer
RUN useradd --create-home --uid 10001 explorer

COPY pyproject.toml README.md ./
COPY core ./core
COPY app ./app
COPY static ./static
COPY templates ./templates
RUN pip install --no-cache-dir -e .

USER 10001
EXPOSE 8000
# Behind a proxy (nginx: deploy/nginx.conf, a load balancer, ...): uvicorn trusts X-Forwarded-For/-Proto only
# from FORWARDED_ALLOW_IPS, so set it to the proxy's address (or * when only the proxy reaches the container).
# WEB_CONCURRENCY: uvicorn worker processes. docs/deploy.md explains both.
ENV WEB_CONCURRENCY=1 \
    FORWARDED_ALLOW_IPS=127.0.0.1,::1
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# bptt-explorer serve: JSON request logs, and on SIGTERM (docker stop) in-flight requests finish within
# BPTT_GRACEFUL_SHUTDOWN_S (default 30 s; give docker stop a longer --time) before the process exits 0.
STOPSIGNAL SIGTERM
CMD ["bptt-explorer", "serve", "--host", "0.0.0.0", "--port", "8000"]
