"""SEKAP: the e-government platform of the Silesian offices."""

from .celery import app as celery_app

__all__ = ["celery_app"]
