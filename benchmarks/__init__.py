"""Throughput benchmarks: lenticular against a raw ASGI floor, driven by wrk.

Run `python -m benchmarks.harness --help`; `benchmarks/README.md` explains what is
measured and why.
"""
