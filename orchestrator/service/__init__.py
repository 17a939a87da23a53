"""The HTTP service (`orchestrate serve`): its routes, auth, webhook sources and write-back glue."""
