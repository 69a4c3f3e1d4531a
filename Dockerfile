# Production image: gunicorn for the web (behind nginx in docker-compose.yml); the same image runs
# the Celery worker and beat.
FROM python:3.11-slim

# MALLOC_ARENA_MAX: two malloc arenas, not one per thread; with one per thread, memory a batch
# recompute's threads free stays resident (make bench: 1,049 MB peak instead of 918; see Makefile).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MALLOC_ARENA_MAX=2 \
    GUNICORN_BIND=0.0.0.0:8000

WORKDIR /app

COPY pyproject.toml README.md ./
COPY config ./config
COPY hiring ./hiring
COPY integrations ./integrations
COPY assessments ./assessments
COPY scoring ./scoring
COPY takehomes ./takehomes
COPY review ./review
COPY templates ./templates
COPY manage.py ./

RUN pip install . \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 app

USER app
EXPOSE 8000

# gthread workers, timeouts and limits: config/gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS).
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]
