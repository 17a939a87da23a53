"""Detached items and the workers that claim them: `submit --detach`, `worker`, the service."""
