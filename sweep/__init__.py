"""Driver side of lstm-sweep: config, plan, Ray Tune orchestration, aggregation and reports.

Nothing here imports TensorFlow: that happens inside trials (`trainables`).
"""
