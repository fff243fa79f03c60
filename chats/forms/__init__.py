"""Forms for the chats app, one module per area."""
