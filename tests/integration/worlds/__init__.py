"""The fake clouds that several round-trip modules share: one module per family of API
areas, holding the cloud's builder (`cloud()`, a context manager that starts and stops
it) and the names the tests use to refer to what it holds. Each test module decides the
scope of its own `fake` fixture."""
