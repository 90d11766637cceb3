"""Conversations as use-cases: each step owns its transaction and returns what to say.

Flows do not import `telegram`: they take plain inputs (a user id, typed text, a decoded
tap) and return a `Reaction`, which `bot/handlers` turns into Bot API calls. That keeps the
journey testable on its own and the handlers thin.
"""
