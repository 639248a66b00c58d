"""WSGI entry point for production servers: ``gunicorn 'wsgi:app'``."""

from loket import create_app

app = create_app()
