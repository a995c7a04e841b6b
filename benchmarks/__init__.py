"""Benchmarks of particle_async against httpx-sse, aiohttp-sse-client and raw sockets.

Run with `python -m benchmarks` (see README.md in this folder); not part of the tests.
"""
