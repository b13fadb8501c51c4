"""The queue that shares chunks between worker processes and the calling process.

A thread pool stands in for the process pool: what is tested is who renders which
chunk, how many are out at once, and that every result comes back in place. A real
process pool, whose worker exits, stands in for a worker killed mid-build.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from blogbuild.parallel import _Queue, _Task


def test_chunks_are_shared_and_every_result_lands_in_its_task():
    out, most_out, lock = [0], [0], threading.Lock()
    finished: list[_Task] = []
    release = threading.Event()

    def remote(items: list[int]) -> list[str]:
        release.wait(5)  # the "worker" is slow: the calling process takes the rest
        with lock:
            out[0] -= 1
        return [f"away {item}" for item in items]

    def here(items: list[int]) -> list[str]:
        if items == [18, 19]:  # the last: now the worker may finish (help waits for it)
            release.set()
        return [f"here {item}" for item in items]

    with ThreadPoolExecutor(4) as pool:
        def submit(items):
            with lock:
                out[0] += 1
                most_out[0] = max(most_out[0], out[0])
            return pool.submit(remote, items)

        queue = _Queue(submit, ahead=2, finished=finished.append)
        tasks = [_Task([n, n + 1]) for n in range(0, 20, 2)]
        for task in tasks:
            queue.add(task)
        queue.help(here)
        assert release.is_set()
        results = [task.wait() for task in tasks]

    assert most_out[0] == 2  # never more than `ahead` chunks out at once
    away = [task for task in tasks if task.future is not None]
    assert [task.items for task in away] == [[0, 1], [2, 3]]  # the first two went out
    assert results[0] == ["away 0", "away 1"]
    assert results[2:] == [[f"here {n}", f"here {n + 1}"] for n in range(4, 20, 2)]
    assert sorted(map(id, finished)) == sorted(map(id, tasks))  # each reported once


def test_a_returning_chunk_makes_room_for_the_next():
    finished, all_back = [], threading.Event()

    def back(task: _Task) -> None:
        finished.append(task)
        if len(finished) == 30:
            all_back.set()

    with ThreadPoolExecutor(2) as pool:
        queue = _Queue(lambda items: pool.submit(lambda: [item * 10 for item in items]),
                       ahead=1, finished=back)
        tasks = [_Task([n]) for n in range(30)]
        for task in tasks:
            queue.add(task)
        # nobody helps: the pool alone works through the queue, one chunk at a time
        assert all_back.wait(10)
        queue.close()
    assert finished == tasks  # one at a time: back in the order sent
    assert [task.wait() for task in tasks] == [[n * 10] for n in range(30)]


def test_a_closed_queue_sends_nothing_more():
    sent = []
    with ThreadPoolExecutor(1) as pool:
        gate = threading.Event()

        def submit(items):
            sent.append(items)
            return pool.submit(lambda: gate.wait(5) and items)

        queue = _Queue(submit, ahead=1)
        queue.add(_Task([1]))
        queue.add(_Task([2]))
        queue.close()
        gate.set()
    assert sent == [[1]]


def test_posts_go_out_in_smaller_chunks_towards_the_end():
    from blogbuild.parallel import CHUNK, post_chunk

    sizes, left = [], 1000
    while left > 0:
        sizes.append(min(left, post_chunk(left, processes=2)))
        left -= sizes[-1]
    assert sum(sizes) == 1000
    assert sizes[0] == CHUNK and sizes == sorted(sizes, reverse=True)
    # what a worker still holds at the end is short
    assert sizes[-3:-1] == [CHUNK // 4] * 2 and sizes[-1] <= CHUNK // 4


def test_chunks_a_dead_worker_had_are_rendered_here():
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        queue = _Queue(lambda items: pool.submit(os._exit, 1), ahead=2)  # the worker dies
        tasks = [_Task([n]) for n in range(5)]
        for task in tasks:
            queue.add(task)
        queue.help(lambda items: [f"here {item}" for item in items])
    assert queue.lost
    assert [task.wait() for task in tasks] == [[f"here {n}"] for n in range(5)]
