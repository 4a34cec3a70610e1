"""The drill's load generator: signed submissions filed over HTTP at a steady rate (open loop),
each with its own Idempotency-Key, every answer recorded.

A client as the API documents it: an answer it did not get (connection refused or cut, a
timeout) or a 5xx/429 is sent again with the same Idempotency-Key, after a short backoff, until
an answer comes or its patience (``give_up_after``) runs out. Each request keeps its first
answer, its last, and how many attempts it took.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

RETRIED = {429, 500, 502, 503, 504}


@dataclass
class Outcome:
    key: str
    token: str
    statuses: list[int] = field(default_factory=list)  # 0: no answer (connection failed)
    public_id: str = ""
    receipt: bool = False  # the 201 carried the UPP (upo_xml)
    sent_at: float = 0.0

    @property
    def status(self) -> int:
        return self.statuses[-1] if self.statuses else 0

    @property
    def acknowledged(self) -> bool:
        return self.status == 201

    @property
    def had_error(self) -> bool:
        return any(status != 201 for status in self.statuses)


class LoadGenerator:
    """``start()`` files ``requests`` (dicts with token, service, document bytes) at ``rate`` per
    second from ``threads`` connections until ``stop()``; ``outcomes`` holds one per request."""

    def __init__(
        self,
        *,
        port: int,
        requests: list[dict],
        label: str,
        rate: float,
        threads: int = 6,
        give_up_after: float = 40.0,
    ) -> None:
        self.port, self.requests, self.label = port, requests, label
        self.rate, self.threads, self.give_up_after = rate, threads, give_up_after
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._next = 0
        self._stopping = threading.Event()
        self._pool: list[threading.Thread] = []
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._pool = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for thread in self._pool:
            thread.start()

    def stop(self) -> list[Outcome]:
        """Stop sending new requests; the ones under way finish (with their retries)."""
        self._stopping.set()
        for thread in self._pool:
            thread.join()
        return self.outcomes

    def _take(self) -> int | None:
        with self._lock:
            if self._stopping.is_set() or self._next >= len(self.requests):
                return None
            index = self._next
            self._next += 1
            return index

    def _run(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while (index := self._take()) is not None:
            due = self._t0 + index / self.rate
            if (wait := due - time.monotonic()) > 0 and self._stopping.wait(wait):
                return
            request = self.requests[index]
            outcome = Outcome(key=f"{self.label}-{index}", token=request["token"])
            outcome.sent_at = time.monotonic() - self._t0
            with self._lock:
                self.outcomes.append(outcome)
            connection = self._file(connection, request, outcome)
        if connection is not None:
            connection.close()

    def _file(self, connection, request: dict, outcome: Outcome):
        headers = {
            "Authorization": f"Token {request['token']}",
            "Content-Type": "application/xml",
            "Idempotency-Key": outcome.key,
        }
        path = f"/api/v1/submissions/?service={request['service']}"
        deadline = time.monotonic() + self.give_up_after
        attempt = 0
        while True:
            attempt += 1
            status, body = 0, b""
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("POST", path, body=request["document"], headers=headers)
                response = connection.getresponse()
                status, body = response.status, response.read()
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
            outcome.statuses.append(status)
            if status == 201:
                answer = json.loads(body)
                outcome.public_id = answer["id"]
                outcome.receipt = bool(answer.get("upo_xml"))
                return connection
            if (status and status not in RETRIED) or time.monotonic() > deadline:
                return connection
            time.sleep(min(0.25 * attempt, 2.0))
