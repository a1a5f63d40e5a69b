"""Conversations as declared state machines: the engine, the flows, the session state."""
