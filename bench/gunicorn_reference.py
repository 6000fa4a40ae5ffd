"""gunicorn configuration for the "before" API run: the queue/next view claims through the claim
as first written (bench/reference_claim.py) instead of calls/services/dispatch.py.

    gunicorn -c bench/gunicorn_reference.py tracing_center.wsgi:application ...
"""

import sys
from pathlib import Path


def post_worker_init(worker):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import reference_claim

    import calls.api

    calls.api.claim_next_task = reference_claim.claim_next_task
