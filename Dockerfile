# N1 in a container: `n1 run` against the database in N1_DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY core ./core
COPY messages ./messages
COPY scheduler ./scheduler
COPY usecases ./usecases
COPY bot ./bot
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . && useradd --create-home n1

USER n1
WORKDIR /home/n1
CMD ["n1", "run"]
