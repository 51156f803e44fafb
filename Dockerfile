# treatybot: a slim image that runs the bot with its status page on port 8080.
# Build:  docker compose build      Run:  docker compose up -d
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TREATYBOT_STATE=/data/state \
    TREATYBOT_WATCHLIST=/app/watchlist.yaml

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install ".[plot]"
COPY seeds ./seeds
COPY watchlist.yaml ./watchlist.yaml

RUN useradd --system --uid 10001 --home-dir /data treatybot \
    && mkdir -p /data/state && chown -R treatybot /data
USER treatybot
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=60s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["treatybot"]
CMD ["run", "--http", "0.0.0.0:8080"]
