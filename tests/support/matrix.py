"""A test authority matrix with the shapes the engine must handle, and the people in it.

Compared with the bundled examples it has two people deciding in parallel in one stage
(manager and cfo for a large deal), a backup chain three deep (manager → cfo, counsel,
then the cfo's own backup ceo), an avatar that hands over (finance above 15%), and a
last stage that only very large deals need (Board), so most deals skip it.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"
REVOPS = EXAMPLES / "revops.yml"
CONTRACT = EXAMPLES / "contract.yml"

OWNER = "U0SARAH"
ADMIN = "U0REVOPS"
STRANGER = "U0MALLORY"
MARCUS = "U0MARCUS"
LISA = "U0LISA"
PRIYA = "U0PRIYA"
OMAR = "U0OMAR"
DANIEL = "U0DANIEL"
BOB = "U0BOB"
"""Nobody in the policy: used as a delegate."""

MATRIX = """\
name: Test authority matrix
timezone: America/New_York
escalation_channel: C0ESCALATE
admins: [U0REVOPS]
reminder_at: 0.75
approvers:
  sdr:
    name: Sarah Chen
    avatar: qualification
    limits: {qualify_threshold: 60}
  manager:
    name: Marcus Thompson
    slack_user: U0MARCUS
    sla: 24h
    backups: [cfo, counsel]
  cfo:
    name: Lisa Wong
    slack_user: U0LISA
    avatar: cfo
    sla: 2h
    backups: [ceo]
    delegates: [legal]
  ceo:
    name: Daniel Kim
    slack_user: U0DANIEL
    sla: 24h
  legal:
    name: Priya Patel
    slack_user: U0PRIYA
    sla: 24h
    backups: [counsel]
  counsel:
    name: Omar Haddad
    slack_user: U0OMAR
    sla: 24h
  finance:
    name: James Rodriguez
    avatar: finance
    limits: {max_discount: 15}
    backups: [cfo]
stages:
  - name: Qualification
    approvals:
      - approver: sdr
  - name: Deal approval
    approvals:
      - approver: manager
      - approver: cfo
        when: acv > 250000 or discount > 15
  - name: Reviews
    approvals:
      - approver: legal
      - approver: finance
        when: discount > 0
      - approver: counsel
        when: custom_terms
  - name: Board
    approvals:
      - approver: ceo
        when: acv >= 5000000
"""

QUALIFICATION, DEAL_APPROVAL, REVIEWS, BOARD = range(4)
"""Stage indexes of MATRIX."""
