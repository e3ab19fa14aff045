"""Plumbing every feature shares: the clock, the engine's dependencies (Deps), units of
work, domain events, the error tree shown to people, the policy book, request traffic."""
