"""``CACHES`` backend on Redis: Django's ``RedisCache`` keeping one ``redis.Redis`` per
connection pool.

Django's client builds a new ``redis.Redis`` for every operation (``get_client``), and
redis-py's constructor fills a table of some 170 response callbacks each time: a third of a
millisecond per cache read, three to four reads on every staff page (the session, the menu's
grants). A ``redis.Redis`` is safe to share between threads (each command takes a connection
from the pool), so one per pool is kept and reused."""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
