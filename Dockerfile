# Debt intake API. Configure with environment variables (DATABASE_URL, SECRET_KEY, APP_ENV).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv
# The tested versions of every package (README: Dependencies), in a layer of their own that
# only a change of the lock rebuilds.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
# The application itself, nothing more (pip check: the lock left nothing out). GraphiQL's
# JavaScript is fetched at build time (pinned, sha256-checked), so the image serves
# GET /graphql on an air-gapped network.
RUN pip install --no-deps . \
    && pip check \
    && debt-api fetch-graphiql \
    && useradd --system --create-home --uid 10001 api \
    && mkdir /data && chown api:api /data

USER api
# The embedded SQLite default lives on a volume; set DATABASE_URL for PostgreSQL.
ENV DATABASE_URL=sqlite+aiosqlite:////data/debts.db
VOLUME ["/data"]
EXPOSE 8000
CMD ["debt-api", "serve", "--host", "0.0.0.0", "--port", "8000"]
