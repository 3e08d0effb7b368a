"""The upload page (`reserves serve`): FastAPI, server-rendered French pages, and the JSON API."""


def create_app(settings=None, **kwargs):
    from .app import create_app as _create

    return _create(settings, **kwargs)
