"""Readers of archives made by other tools: each turns a file into pages of normalised posts."""
