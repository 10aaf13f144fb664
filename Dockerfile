# Pestbot's server image: `pestbot serve` by default; `worker`, `purge`, `db upgrade` … as the command.
# Small (python:3.11-slim, the server install only), non-root, pinned (constraints.txt). See docs/deploy.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY bot bot
COPY flows flows
COPY storage storage
RUN python -m venv /opt/pestbot \
 && /opt/pestbot/bin/pip install --no-cache-dir -c constraints.txt '.[server,postgres]' \
 && /opt/pestbot/bin/pip uninstall -y pip setuptools

FROM python:3.11-slim
# DejaVu Sans: the dossier PDF keeps every letter of every name (bot/pdf.py).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/pestbot --create-home pestbot
COPY --from=build /opt/pestbot /opt/pestbot
COPY deploy/entrypoint.sh /usr/local/bin/pestbot-entrypoint
ENV PATH=/opt/pestbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PESTBOT_PRODUCTION=1 \
    PESTBOT_HOST=0.0.0.0 \
    PESTBOT_PORT=3000 \
    PESTBOT_LOG_FORMAT=json
USER pestbot
WORKDIR /var/lib/pestbot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["pestbot-entrypoint"]
CMD ["serve"]
