"""Runnable examples of particle_async; their tests run with the suite."""
