"""The service: app factory, WeChat webhook, WeChat API client, CLI."""
