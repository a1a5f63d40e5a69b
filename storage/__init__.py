"""The record (tortoise-orm models and queries) and the Redis connection.

Imports nothing from the other rooms.
"""
