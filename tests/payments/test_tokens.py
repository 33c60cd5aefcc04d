"""The shared OAuth token cache: one fetch for many threads, refreshed a margin before
expiry, expires_in as a number or a string, forgotten only when still current, never logged."""

from __future__ import annotations

import logging
import threading

import pytest

from pos.payments.tokens import AccessToken, TokenCache, parse_expires_in


class Issuer:
    """Hands out numbered tokens with a fixed lifetime; can hold a fetch until released."""

    def __init__(self, lifetime: float = 300.0) -> None:
        self.lifetime = lifetime
        self.fetches = 0
        self.hold = threading.Event()
        self.hold.set()
        self.fetching = threading.Event()

    def __call__(self) -> AccessToken:
        self.fetches += 1
        self.fetching.set()
        self.hold.wait(5)
        return AccessToken(f"token-{self.fetches}-s3cr3t", self.lifetime)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(3599, 3599.0), ("3599", 3599.0), (" 120 ", 120.0), (32400.5, 32400.5), (0, 0.0), (-5, 0.0)],
)
def test_expires_in_is_read_from_a_number_or_a_string(value: object, seconds: float) -> None:
    assert parse_expires_in(value) == seconds


@pytest.mark.parametrize("value", [None, True, "", "soon", "nan", float("inf"), [60], {"s": 1}])
def test_an_unreadable_expires_in_is_none(value: object) -> None:
    assert parse_expires_in(value) is None


def test_the_token_is_fetched_once_and_then_cached() -> None:
    issuer = Issuer()
    cache = TokenCache(issuer, name="test", clock=Clock())
    assert cache.get() == cache.get() == "token-1-s3cr3t"
    assert issuer.fetches == 1


def test_it_is_refreshed_a_margin_before_it_expires() -> None:
    issuer, clock = Issuer(lifetime=300), Clock()
    cache = TokenCache(issuer, name="test", margin=60, clock=clock)
    cache.get()
    clock.now += 239  # 300 - 60 - 1
    assert cache.get() == "token-1-s3cr3t"
    clock.now += 1
    assert cache.get() == "token-2-s3cr3t"


def test_a_short_lived_token_is_kept_for_half_its_lifetime() -> None:
    issuer, clock = Issuer(lifetime=100), Clock()
    cache = TokenCache(issuer, name="test", margin=60, clock=clock)
    cache.get()
    clock.now += 49
    assert cache.get() == "token-1-s3cr3t"
    assert issuer.fetches == 1
    clock.now += 1
    cache.get()
    assert issuer.fetches == 2


def test_a_token_valid_for_no_time_is_used_once() -> None:
    issuer = Issuer(lifetime=0)
    cache = TokenCache(issuer, name="test", clock=Clock())
    assert [cache.get(), cache.get()] == ["token-1-s3cr3t", "token-2-s3cr3t"]


def test_threads_that_all_need_a_token_share_one_fetch() -> None:
    issuer = Issuer()
    issuer.hold.clear()  # the first fetch waits until every thread is queued behind it
    cache = TokenCache(issuer, name="test")
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert issuer.fetching.wait(5)
    issuer.hold.set()
    for thread in threads:
        thread.join(5)
    assert got == ["token-1-s3cr3t"] * 8
    assert issuer.fetches == 1


def test_forget_drops_only_the_token_it_names() -> None:
    issuer = Issuer()
    cache = TokenCache(issuer, name="test", clock=Clock())
    old = cache.get()
    cache.forget(old)
    new = cache.get()
    cache.forget(old)  # a second thread, late, reporting the old token refused
    assert cache.get() == new == "token-2-s3cr3t"
    cache.forget()
    assert cache.get() == "token-3-s3cr3t"


def test_a_failed_fetch_is_tried_again_by_the_next_call() -> None:
    clock = Clock()
    calls: list[int] = []

    def flaky() -> AccessToken:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("gateway down")
        return AccessToken(f"t{len(calls)}", 10)

    cache = TokenCache(flaky, name="test", clock=clock)
    assert cache.get() == "t1"
    clock.now += 10
    with pytest.raises(ConnectionError):
        cache.get()
    assert cache.get() == "t3"


def test_issued_tokens_are_listed_for_scrubbing_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    cache = TokenCache(Issuer(lifetime=0), name="test", remember=2)
    for _ in range(3):
        cache.get()
    assert cache.issued == ("token-2-s3cr3t", "token-3-s3cr3t")
    assert "access token obtained" in caplog.text
    assert "s3cr3t" not in caplog.text
    assert "s3cr3t" not in repr(cache)
    assert "s3cr3t" not in repr(AccessToken("x-s3cr3t", 1))
