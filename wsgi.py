"""WSGI entry point for gunicorn and friends: `gunicorn wsgi:app`."""
from onboarding import create_app

app = create_app()
