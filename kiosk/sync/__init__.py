"""Sending sealed dossiers to the préfecture backend (docs/backend-api.md).

``client``: the HTTP contract (capability check, tus uploads, idempotent commit), its answers
sorted into the few outcomes the worker acts on (``errors``). ``sender``: one dossier's way
through it, each step recorded in the outbox. ``worker``: the queue, retries, pause, purge.
"""
