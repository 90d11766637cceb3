"""What a person does with N1, one module each: the use-cases.

Each takes plain inputs (a Telegram user id, typed text, button data), owns its
transactions, and returns a `Reaction`: what to say back. They never import `telegram`;
`bot/handlers` parse an update, call one use-case, and carry out its reaction.
"""
