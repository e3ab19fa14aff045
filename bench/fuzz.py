"""Bad input at volume: requests to /slack/events that Slack never sent (forged, missing,
stale and replayed signatures, garbage bodies, unknown actions and views, strangers
clicking), and requests to the intake API generated from its OpenAPI document (valid
and invalid), against the real app; then the figures: requests, 5xx, tracebacks in the
log, deals stored from a refused request, decisions made by a stranger.

    python -m bench.fuzz                  # 10,000 requests: 7,000 to Slack's endpoint
    python -m bench.fuzz --requests 2000

Exit 1 unless every count of harm is 0.
"""

from __future__ import annotations

import sys

from bench.extras import require_test_extras

require_test_extras("bench.fuzz", "pytest", "hypothesis", "schemathesis", "requests")

from bench.fuzzing import main  # noqa: E402  (after the check: a missing extra is one line)

if __name__ == "__main__":
    sys.exit(main())
