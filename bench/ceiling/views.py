"""POST /claim/: the claim query of calls/services/dispatch.py, its lease, and the task back.

The statements come from the spec file that bench/ceiling_load.py writes (CEILING_SPEC) with the
full app loaded: `claim_statements()["claim_sql"]` and raw_claim.py's lease, requeue and close
statements, and each bench agent's claimable territories and languages, read once (as
raw_claim.py does: the bench territories are open all day). Per request:

1. DRF's TokenAuthentication (one query: the token and its user) and IsAuthenticated;
2. one transaction: the claim query (8 candidates, then more while all of them are locked
   by other claims, as dispatch does), then the lease UPDATE + assignment INSERT;
3. one transaction: the task back to the queue an hour away and the assignment closed (what the
   app's no-answer outcome does to them), so that the backlog keeps its size;
4. a small JSON answer: 200 {"task", "assignment", "phone"}, or 204 when nothing is claimable.

Step 3 stands for the app's second request (the outcome): the app's loop is queue/next + outcome,
this one is one request; both leave the queue as they found it. The figure compared is loops per
second.
"""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import connection, transaction
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

SPEC = json.loads(Path(os.environ["CEILING_SPEC"]).read_text())
AGENTS = {int(user_id): agent for user_id, agent in SPEC["agents"].items()}


class ClaimView(APIView):
    def post(self, request: Request) -> Response:
        agent = AGENTS.get(request.user.pk)
        if agent is None:
            return Response({"detail": "not a bench agent"}, status=403)
        now = datetime.now(UTC)
        params = {"territories": agent["territories"], "languages": agent["languages"],
                  "now": now, "agent": agent["id"]}  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            for claim_sql in SPEC["claim_sql"]:
                cursor.execute(claim_sql, params)
                row = cursor.fetchone()
                if row is not None:
                    break
            if row is None:
                return Response(status=204)
            task_id, numbers = row[0], row[-1] or []
            phone = numbers[row[SPEC["phone_position"]] % len(numbers)] if numbers else ""
            cursor.execute(SPEC["lease_sql"], {"agent": agent["id"], "task": task_id, "now": now,
                           "expires": now + timedelta(minutes=20), "phone": phone})  # fmt: skip
            assignment_id = cursor.fetchone()[0]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SPEC["requeue_sql"], {"later": now + timedelta(hours=1),
                           "task": task_id, "agent": agent["id"]})  # fmt: skip
            cursor.execute(SPEC["close_sql"], {"now": now, "assignment": assignment_id})
        return Response({"task": task_id, "assignment": assignment_id, "phone": phone})
