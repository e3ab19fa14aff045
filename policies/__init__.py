"""The authority matrix: policy model and loader, conditions, routing and avatars.

Pure: no Slack, no database, no I/O beyond reading a policy file's text.
"""
