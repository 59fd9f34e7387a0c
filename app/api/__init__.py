"""Blueprints that only translate HTTP: parse the request, call a service, shape the answer."""
