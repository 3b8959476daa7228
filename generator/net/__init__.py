"""The hardened HTTP client and the chat notifications built on it."""
