"""When things happen: planning, the tick that claims due work, and the outbox dispatcher."""
