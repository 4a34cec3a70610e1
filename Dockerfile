# Production image of SEKAP (web, worker and beat share it).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SEKAP_VAR_DIR=/var/lib/sekap
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
      fonts-dejavu-core xmlsec1 softhsm2 curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . \
 && python manage.py compilemessages --ignore=node_modules -v 0 \
 && python manage.py collectstatic --no-input -v 0 \
 && useradd --system --home /var/lib/sekap sekap && mkdir -p /var/lib/sekap /var/lib/sekap-ocsp \
 && chown sekap /var/lib/sekap /var/lib/sekap-ocsp
USER sekap
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && gunicorn certauth.wsgi:application --bind 0.0.0.0:8000 --workers 4 --access-logfile -"]
