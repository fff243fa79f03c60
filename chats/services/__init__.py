"""Writes for the chats app, one module per concern."""
